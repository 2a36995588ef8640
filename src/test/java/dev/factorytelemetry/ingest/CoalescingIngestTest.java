package dev.factorytelemetry.ingest;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static dev.factorytelemetry.ingest.IngestTestSupport.batch;
import static dev.factorytelemetry.ingest.IngestTestSupport.count;
import static dev.factorytelemetry.ingest.IngestTestSupport.postJson;
import static dev.factorytelemetry.ingest.IngestTestSupport.psql;
import static dev.factorytelemetry.ingest.IngestTestSupport.recent;
import static dev.factorytelemetry.ingest.IngestTestSupport.sample;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Opt-in coalescing of small requests (telemetry.ingest.coalesce-max-samples > 0), Apache edition. */
@QuarkusTest
@TestProfile(CoalescingIngestTest.Coalescing.class)
@WithTestResource(TimescaleTestResource.class)
class CoalescingIngestTest {

    public static class Coalescing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.ingest.coalesce-max-samples", "100", "telemetry.ingest.coalesce-concurrency", "2");
        }
    }

    @Test
    void concurrentSmallRequestsShareStatementsAndEachGetsItsOwnCounts() throws Exception {
        Instant t = recent(32);
        postJson(batch(sample("it.coalesce.a", t.minusSeconds(60), "0"), sample("it.coalesce.b", t.minusSeconds(60), "0")))
                .then().statusCode(200); // metrics known, so the following requests take the coalescing path
        double statementsBefore = counter("telemetry_ingest_coalesced_statements_total");
        double requestsBefore = counter("telemetry_ingest_coalesced_requests_total");
        // hold metric_hist so that the first statements wait and later requests queue behind them
        java.util.concurrent.CompletableFuture<String> lock = java.util.concurrent.CompletableFuture.supplyAsync(() -> psql(
                "BEGIN; LOCK TABLE factory_telemetry.metric_hist IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;"));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> count("FROM pg_locks l JOIN pg_class c "
                + "ON c.oid = l.relation WHERE c.relname = 'metric_hist' AND l.mode = 'AccessExclusiveLock' AND l.granted") == 1);
        int requests = 12;
        java.util.List<java.util.concurrent.CompletableFuture<io.restassured.response.Response>> answers = new java.util.ArrayList<>();
        for (int r = 0; r < requests; r++) {
            // request r: seconds r and r+1 of metric a (each overlaps its neighbour), second r of metric b
            String body = batch(sample("it.coalesce.a", t.plusSeconds(r), "1"), sample("it.coalesce.a", t.plusSeconds(r + 1), "1"),
                    sample("it.coalesce.b", t.plusSeconds(r), "2"));
            answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> postJson(body)));
        }
        int accepted = 0;
        for (var answer : answers) {
            var response = answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
            response.then().statusCode(200);
            int a = response.path("accepted");
            int d = response.path("duplicates");
            assertEquals(3, a + d);
            accepted += a;
        }
        lock.get(30, java.util.concurrent.TimeUnit.SECONDS);
        // distinct rows: metric a seconds 0..12 (13), metric b seconds 0..11 (12)
        assertEquals(25, accepted);
        assertEquals(25, count("FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d ON d.id = h.metric_id "
                + "WHERE d.metric_key IN ('it.coalesce.a', 'it.coalesce.b') AND h.ts >= '" + t + "'"));
        double statements = counter("telemetry_ingest_coalesced_statements_total") - statementsBefore;
        double coalesced = counter("telemetry_ingest_coalesced_requests_total") - requestsBefore;
        assertEquals(requests, coalesced, 0.0);
        org.junit.jupiter.api.Assertions.assertTrue(statements < requests, statements + " statements for " + requests + " requests");
    }

    private static double counter(String name) {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(0);
    }

}
