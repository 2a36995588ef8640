package dev.factorytelemetry.web;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Content-Encoding: gzip on every JSON POST/PUT (events, reference data, plant, admin), with the same refusals as ingest. */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
@ExtendWith(DefaultTestAuthentication.class)
class GzipBodiesTest {

    static byte[] gzip(String json) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(json.getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static RequestSpecification gzipped(String json) {
        return given().contentType("application/json").header("Content-Encoding", "gzip").body(gzip(json));
    }

    static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    @Test
    void gzipBodiesAreAcceptedOnReferenceEventPlantAndAdminEndpoints() {
        gzipped("{\"name\":\"Gzip line\",\"description\":\"compressed\",\"enabled\":true}")
                .put("/api/v1/lines/gz-line").then().statusCode(201).body("name", equalTo("Gzip line"));
        gzipped("{\"name\":\"Gzip filler\",\"lineCode\":\"gz-line\",\"type\":\"production\",\"idealCycleTimeS\":0.5,"
                + "\"criticalityLevel\":3,\"enabled\":true}")
                .put("/api/v1/equipment/gz-line.filler").then().statusCode(201);

        String t = DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS).toString();
        gzipped("[{\"equipmentCode\":\"gz-line.filler\",\"consumptionTime\":\"" + t + "\",\"powerConsumptionKw\":42.5,"
                + "\"energyConsumptionKwh\":10.6}]")
                .post("/api/v1/events/energy").then().statusCode(200).body("accepted", equalTo(1));
        assertEquals("10.6", psql("SELECT energy_consumption_kwh FROM factory_telemetry.energy_consumption c "
                + "JOIN factory_telemetry.equipment e ON e.id = c.equipment_id WHERE e.equipment_code = 'gz-line.filler'"));

        gzipped("{\"timeZone\":\"UTC\",\"energyTariffPerKwh\":0.12,\"energyCurrency\":\"USD\"}")
                .put("/api/v1/plant").then().statusCode(200).body("energyCurrency", equalTo("USD"));
        gzipped("{\"name\":\"gz-key\",\"scopes\":[\"read\"]}")
                .post("/api/v1/admin/api-keys").then().statusCode(201).body("name", equalTo("gz-key"));
    }

    @Test
    void brokenGzipAndOtherEncodingsAreRefusedWithProblemsAndNothingIsStored() {
        long before = Long.parseLong(psql("SELECT count(*) FROM factory_telemetry.production_lines"));
        given().contentType("application/json").header("Content-Encoding", "gzip").body("{\"name\":\"x\"}".getBytes(StandardCharsets.UTF_8))
                .put("/api/v1/lines/gz-broken").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("gzip"));
        given().contentType("application/json").header("Content-Encoding", "br").body("{\"name\":\"x\"}")
                .put("/api/v1/lines/gz-brotli").then().statusCode(415).contentType("application/problem+json")
                .body("detail", containsString("br"));
        // a gzip bomb: 11 MB of JSON whitespace, about 11 kB compressed, over the 10M decompressed limit
        String bomb = "[" + " ".repeat(11 * 1024 * 1024) + "]";
        gzipped(bomb).post("/api/v1/events/energy").then().statusCode(413).contentType("application/problem+json");
        assertEquals(before, Long.parseLong(psql("SELECT count(*) FROM factory_telemetry.production_lines")));
    }
}
