package dev.factorytelemetry.plant;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** GET/PUT /api/v1/plant: read, tariff change reaching the dashboards, refusals. A database of its own (it changes the tariff). */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "plant-settings"))
class PlantSettingsTest {

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    @Test
    void settingsAreReadableChangeableAndTheTimeZoneIsRefused() {
        given().header("Authorization", TestKeys.bearer(Scope.READ)).get("/api/v1/plant").then().statusCode(200)
                .body("timeZone", equalTo("UTC")).body("energyTariffPerKwh", equalTo(0.12f)).body("energyCurrency", equalTo("USD"));

        // read scope may not change them
        given().header("Authorization", TestKeys.bearer(Scope.READ)).contentType(ContentType.JSON)
                .body("{\"timeZone\":\"UTC\",\"energyTariffPerKwh\":0.3,\"energyCurrency\":\"EUR\"}")
                .put("/api/v1/plant").then().statusCode(403);

        // a different zone: 409 naming both zones, nothing changed
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"timeZone\":\"Europe/Berlin\",\"energyTariffPerKwh\":0.3,\"energyCurrency\":\"EUR\"}")
                .put("/api/v1/plant").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("UTC")).body("detail", containsString("Europe/Berlin"));
        assertEquals("0.12|USD", psql("SELECT string_agg(value, '|' ORDER BY setting DESC) FROM factory_telemetry.plant_settings "
                + "WHERE setting IN ('energy_tariff_per_kwh', 'energy_currency')"));

        // missing or invalid members: 422 naming each, nothing changed
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"timeZone\":\"Mars/Base\",\"energyTariffPerKwh\":-1,\"energyCurrency\":\"XYZ1\"}")
                .put("/api/v1/plant").then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", hasItems("timeZone", "energyTariffPerKwh", "energyCurrency"));
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"energyTariffPerKwh\":0.3}")
                .put("/api/v1/plant").then().statusCode(422)
                .body("errors.field", hasItems("timeZone", "energyCurrency"));

        // the tariff and currency change; "Etc/UTC" is the same zone as "UTC"
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"timeZone\":\"Etc/UTC\",\"energyTariffPerKwh\":0.305,\"energyCurrency\":\"eur\"}")
                .put("/api/v1/plant").then().statusCode(200)
                .body("timeZone", equalTo("UTC")).body("energyTariffPerKwh", equalTo(0.305f)).body("energyCurrency", equalTo("EUR"));
        assertEquals("0.305|EUR", psql("SELECT string_agg(value, '|' ORDER BY setting DESC) FROM factory_telemetry.plant_settings "
                + "WHERE setting IN ('energy_tariff_per_kwh', 'energy_currency')"));

        // dashboards compute cost with it (after their short settings and answer caches)
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                given().header("Authorization", TestKeys.bearer(Scope.READ)).get("/api/v1/dashboard/plant").then().statusCode(200)
                        .body("tariffPerKwh", equalTo(0.305f)).body("currency", equalTo("EUR")));
    }
}
