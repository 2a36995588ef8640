package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Cache-Control: no-cache gives an answer computed for the request (and says so in Cache-Status); without it a
 * repeated request within the TTL gets the cached answer, even after a write.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class FreshReadTest {

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    @Test
    void noCacheGivesAFreshAnswerAndOthersTheCachedOne() {
        psql("""
                INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('FR1', 'Fresh line') ON CONFLICT DO NOTHING;
                INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id)
                SELECT 'FR1.m', 'Fresh machine', id FROM factory_telemetry.production_lines WHERE line_code = 'FR1' ON CONFLICT DO NOTHING""");
        String first = given().header("Authorization", TestKeys.bearer(Scope.READ))
                .get("/api/v1/dashboard/faults/active?limit=77").then().statusCode(200)
                .header("Cache-Status", equalTo("factory-telemetry; fwd=miss")).extract().path("total").toString();
        // a fault raised after the answer was cached
        given().header("Authorization", TestKeys.bearer(Scope.INGEST)).contentType("application/json")
                .body("[{\"equipmentCode\":\"FR1.m\",\"bitIndex\":5,\"tsOn\":\"" + dev.factorytelemetry.support.DatabaseTime.now()
                        .minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "\"}]")
                .post("/api/v1/events/faults").then().statusCode(200).body("accepted", equalTo(1));
        // within the TTL: the cached answer, which does not know the fault yet
        String cached = given().header("Authorization", TestKeys.bearer(Scope.READ))
                .get("/api/v1/dashboard/faults/active?limit=77").then().statusCode(200)
                .header("Cache-Status", equalTo("factory-telemetry; hit")).extract().path("total").toString();
        assertEquals(first, cached);
        // no-cache: computed for this request, with the new fault
        String fresh = given().header("Authorization", TestKeys.bearer(Scope.READ)).header("Cache-Control", "no-cache")
                .get("/api/v1/dashboard/faults/active?limit=77").then().statusCode(200)
                .header("Cache-Status", equalTo("factory-telemetry; fwd=request")).extract().path("total").toString();
        assertEquals(Integer.parseInt(first) + 1, Integer.parseInt(fresh));
        // and it replaced the cached answer for everyone
        given().header("Authorization", TestKeys.bearer(Scope.READ))
                .get("/api/v1/dashboard/faults/active?limit=77").then().statusCode(200)
                .header("Cache-Status", equalTo("factory-telemetry; hit")).body("total", equalTo(Integer.parseInt(fresh)));
        assertNotEquals(first, fresh);
    }
}
