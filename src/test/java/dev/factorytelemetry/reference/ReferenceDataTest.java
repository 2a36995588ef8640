package dev.factorytelemetry.reference;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
@ExtendWith(DefaultTestAuthentication.class)
class ReferenceDataTest {


    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void putLineCreatesThenReplacesIdempotently() {
        String line = unique("ref-line");
        given().contentType(ContentType.JSON).body("{\"name\":\"Bottling 1\",\"description\":\"north hall\"}")
                .put("/api/v1/lines/" + line)
                .then().statusCode(201)
                .body("lineCode", equalTo(line)).body("name", equalTo("Bottling 1")).body("enabled", equalTo(true));
        String updatedAt = psql("SELECT updated_at FROM factory_telemetry.production_lines WHERE line_code = '" + line + "'");

        // the same PUT again: 200, nothing changed (updated_at kept)
        given().contentType(ContentType.JSON).body("{\"name\":\"Bottling 1\",\"description\":\"north hall\"}")
                .put("/api/v1/lines/" + line).then().statusCode(200);
        assertEquals(updatedAt, psql("SELECT updated_at FROM factory_telemetry.production_lines WHERE line_code = '" + line + "'"));

        // a replacement: omitted optional fields reset
        given().contentType(ContentType.JSON).body("{\"name\":\"Bottling One\",\"enabled\":false}")
                .put("/api/v1/lines/" + line).then().statusCode(200)
                .body("name", equalTo("Bottling One")).body("description", nullValue()).body("enabled", equalTo(false));
        assertEquals("Bottling One||f|1", psql("SELECT name, coalesce(description, ''), enabled, count(*) OVER () "
                + "FROM factory_telemetry.production_lines WHERE line_code = '" + line + "'"));

        given().get("/api/v1/lines/" + line).then().statusCode(200).body("name", equalTo("Bottling One"));
        given().get("/api/v1/lines").then().statusCode(200).body("lineCode", hasItem(line));
    }

    @Test
    void unknownLineIs404AndInvalidInputIs400() {
        given().get("/api/v1/lines/no-such-line").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        given().contentType(ContentType.JSON).body("{\"name\":\"x\"}").put("/api/v1/lines/bad code!")
                .then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("{\"description\":\"no name\"}").put("/api/v1/lines/" + unique("l"))
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem(org.hamcrest.Matchers.endsWith("name")));
        given().contentType(ContentType.JSON).body("{\"name\":\"x\",\"idealCycleTimeS\":\"fast\"}").put("/api/v1/equipment/" + unique("e"))
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("idealCycleTimeS")).body("errors[0].message", equalTo("must be a number"));
    }

    @Test
    void equipmentRefersToItsLineByCode() {
        String line1 = unique("ref-line");
        String line2 = unique("ref-line");
        String machine = line1 + ".filler";
        given().contentType(ContentType.JSON).body("{\"name\":\"L1\"}").put("/api/v1/lines/" + line1).then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\":\"L2\"}").put("/api/v1/lines/" + line2).then().statusCode(201);

        given().contentType(ContentType.JSON)
                .body("{\"name\":\"Filler\",\"lineCode\":\"" + line1 + "\",\"type\":\"production\",\"idealCycleTimeS\":0.5,\"criticalityLevel\":2}")
                .put("/api/v1/equipment/" + machine)
                .then().statusCode(201)
                .body("equipmentCode", equalTo(machine)).body("lineCode", equalTo(line1))
                .body("idealCycleTimeS", equalTo(0.5f)).body("criticalityLevel", equalTo(2));
        assertEquals(line1 + "|0.5|2", psql("SELECT l.line_code, e.ideal_cycle_time_s, e.criticality_level "
                + "FROM factory_telemetry.equipment e JOIN factory_telemetry.production_lines l ON l.id = e.line_id "
                + "WHERE e.equipment_code = '" + machine + "'"));

        given().get("/api/v1/equipment?lineCode=" + line1).then().statusCode(200).body("equipmentCode", equalTo(java.util.List.of(machine)));

        // moved to line 2
        given().contentType(ContentType.JSON).body("{\"name\":\"Filler\",\"lineCode\":\"" + line2 + "\"}")
                .put("/api/v1/equipment/" + machine).then().statusCode(200).body("lineCode", equalTo(line2))
                .body("type", equalTo("production")).body("criticalityLevel", equalTo(3));
        given().get("/api/v1/equipment/" + machine).then().statusCode(200).body("lineCode", equalTo(line2));
        given().get("/api/v1/equipment").then().statusCode(200).body("equipmentCode", hasItem(machine));
    }

    @Test
    void equipmentWithUnknownLineIs422AndStoresNothing() {
        String machine = unique("ref-eq");
        given().contentType(ContentType.JSON).body("{\"name\":\"Capper\",\"lineCode\":\"no-such-line\"}")
                .put("/api/v1/equipment/" + machine)
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", equalTo("lineCode"));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.equipment WHERE equipment_code = '" + machine + "'"));

        given().contentType(ContentType.JSON).body("{\"name\":\"Capper\",\"type\":\"spaceship\",\"criticalityLevel\":9}")
                .put("/api/v1/equipment/" + machine)
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItems(org.hamcrest.Matchers.endsWith("type"), org.hamcrest.Matchers.endsWith("criticalityLevel")));
        given().get("/api/v1/equipment/" + machine).then().statusCode(404);
    }

    @Test
    void productTypesAndShifts() {
        String product = unique("SKU");
        given().contentType(ContentType.JSON).body("{\"name\":\"Cola 0.5l\",\"idealCycleTimeS\":0.4}")
                .put("/api/v1/product-types/" + product).then().statusCode(201).body("productCode", equalTo(product));
        given().contentType(ContentType.JSON).body("{\"name\":\"Cola 0.5 l\",\"idealCycleTimeS\":0.4}")
                .put("/api/v1/product-types/" + product).then().statusCode(200).body("name", equalTo("Cola 0.5 l"));
        given().get("/api/v1/product-types/" + product).then().statusCode(200).body("idealCycleTimeS", equalTo(0.4f));
        given().get("/api/v1/product-types").then().statusCode(200).body("productCode", hasItem(product));
        given().get("/api/v1/product-types/nope").then().statusCode(404);

        String shift = unique("night");
        given().contentType(ContentType.JSON).body("{\"startTime\":\"22:00\",\"endTime\":\"06:00\"}")
                .put("/api/v1/shifts/" + shift).then().statusCode(201)
                .body("startTime", equalTo("22:00:00")).body("endTime", equalTo("06:00:00"));
        assertEquals("22:00:00|06:00:00", psql("SELECT start_time, end_time FROM factory_telemetry.production_shifts WHERE name = '" + shift + "'"));
        given().contentType(ContentType.JSON).body("{\"startTime\":\"22:00\"}")
                .put("/api/v1/shifts/" + shift).then().statusCode(400);
        given().get("/api/v1/shifts").then().statusCode(200).body("name", hasItem(shift));
        given().get("/api/v1/shifts/" + shift).then().statusCode(200).body("name", equalTo(shift));
        given().get("/api/v1/shifts/" + unique("none")).then().statusCode(404).body("detail", not(nullValue()));
    }
}
