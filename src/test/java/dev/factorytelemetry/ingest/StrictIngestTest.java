package dev.factorytelemetry.ingest;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.factorytelemetry.ingest.IngestTestSupport.batch;
import static dev.factorytelemetry.ingest.IngestTestSupport.count;
import static dev.factorytelemetry.ingest.IngestTestSupport.postJson;
import static dev.factorytelemetry.ingest.IngestTestSupport.psql;
import static dev.factorytelemetry.ingest.IngestTestSupport.recent;
import static dev.factorytelemetry.ingest.IngestTestSupport.sample;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Strict mode (unknown-metrics=reject) and backpressure (one request in flight at most). */
@QuarkusTest
@TestProfile(StrictIngestTest.StrictAndNarrow.class)
@WithTestResource(TimescaleTestResource.class)
class StrictIngestTest {

    public static class StrictAndNarrow implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.ingest.unknown-metrics", "reject",
                    "telemetry.ingest.max-in-flight-requests", "1",
                    "telemetry.ingest.retry-after", "2s");
        }
    }

    @Test
    void unknownMetricsAreRejectedInStrictMode() {
        psql("INSERT INTO factory_telemetry.metric_def (metric_key, value_type) VALUES ('it.strict.known', 'REAL')");
        Instant t = recent(40);
        postJson(batch(sample("it.strict.known", t, "1"), sample("it.strict.unknown", t, "1")))
                .then().statusCode(422)
                .body("errors[0].index", equalTo(1)).body("errors[0].field", equalTo("metric"))
                .body("errors[0].message", containsString("unknown metric 'it.strict.unknown'"));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key = 'it.strict.unknown'"));
        assertEquals(0, count("FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d ON d.id = h.metric_id "
                + "WHERE d.metric_key = 'it.strict.known'"));
        postJson(batch(sample("it.strict.known", t, "1"))).then().statusCode(200).body("accepted", equalTo(1));
    }

    @Test
    void beyondTheInFlightLimitRequestsGet429WithRetryAfter() throws Exception {
        psql("INSERT INTO factory_telemetry.metric_def (metric_key, value_type) VALUES ('it.busy', 'REAL')");
        Instant t = recent(41);
        String key = TestKeys.key(Scope.INGEST);
        // hold metric_hist locked so that the first request stays in flight
        CompletableFuture<String> lock = CompletableFuture.supplyAsync(() -> psql(
                "BEGIN; LOCK TABLE factory_telemetry.metric_hist IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(5); COMMIT;"));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                + "WHERE c.relname = 'metric_hist' AND l.mode = 'AccessExclusiveLock' AND l.granted") == 1);
        CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> postJson(batch(sample("it.busy", t, "1"))));
        await().atMost(Duration.ofSeconds(10)).until(() -> count("FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND query LIKE '%factory_telemetry.ingest_metric_samples(%'") == 1);

        postJson(batch(sample("it.busy", t.plusSeconds(1), "2"))).then().statusCode(429)
                .contentType("application/problem+json")
                .header("Retry-After", "2");

        first.get(20, TimeUnit.SECONDS).then().statusCode(200).body("accepted", equalTo(1));
        lock.get(20, TimeUnit.SECONDS);
        assertEquals(key, TestKeys.key(Scope.INGEST));
        // the slot is free again
        postJson(batch(sample("it.busy", t.plusSeconds(1), "2"))).then().statusCode(200).body("accepted", equalTo(1));
    }
}
