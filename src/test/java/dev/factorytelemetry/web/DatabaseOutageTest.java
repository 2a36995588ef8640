package dev.factorytelemetry.web;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.dashboard.ResponseCache;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.factorytelemetry.support.LocalTimescale;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.function.Function;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #8 §2: while the database is gone, every endpoint answers 503 + Retry-After (whatever shape the
 * failure takes: pooled connections closed under a running service, connection refused, a key lookup
 * failing in the authentication filter, a server process dying under a running query), and once it is
 * back the very first request succeeds (no lookup keeps the failure it saw during the outage).
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
@ExtendWith(DefaultTestAuthentication.class)
class DatabaseOutageTest {

    /** Longest time to live of a lookup the service memoizes (PlantContext's settings), plus a margin. */
    private static final long MEMO_TTL_MILLIS = 10_500;

    @Inject
    ResponseCache dashboardCache;

    private Map<String, Function<RequestSpecification, Response>> requests(ValidBodies valid) {
        Map<String, String> bodies = valid.byOperation();
        String readKey = TestKeys.key(Scope.READ);
        Map<String, Function<RequestSpecification, Response>> requests = new LinkedHashMap<>();
        requests.put("telemetry", r -> r.contentType(ContentType.JSON).body(bodies.get("POST /api/v1/telemetry")).post("/api/v1/telemetry"));
        requests.put("events/oee", r -> r.contentType(ContentType.JSON).body(bodies.get("POST /api/v1/events/oee")).post("/api/v1/events/oee"));
        requests.put("events/downtime", r -> r.contentType(ContentType.JSON).body(bodies.get("POST /api/v1/events/downtime"))
                .post("/api/v1/events/downtime"));
        requests.put("dashboard/plant", r -> r.get("/api/v1/dashboard/plant"));
        requests.put("dashboard/oee", r -> r.get("/api/v1/dashboard/oee?lineCode=" + valid.line));
        requests.put("lines", r -> r.get("/api/v1/lines"));
        requests.put("api-keys", r -> r.get("/api/v1/admin/api-keys"));
        requests.put("read key lookup", r -> r.header("Authorization", "Bearer " + readKey).get("/api/v1/dashboard/plant"));
        return requests;
    }

    private static void assertUnavailable(String what, Response answer) {
        assertEquals(503, answer.statusCode(), what + ": " + answer.asString());
        assertNotNull(answer.header("Retry-After"), what + " without Retry-After");
        assertEquals(Problem.MEDIA_TYPE, answer.contentType().split(";")[0], what);
        assertEquals(503, answer.jsonPath().getInt("status"), what);
    }

    private void warmUp(Map<String, Function<RequestSpecification, Response>> requests) {
        for (var request : requests.entrySet()) {
            int status = request.getValue().apply(given()).statusCode();
            assertTrue(status < 300, request.getKey() + " before the outage: " + status);
        }
    }

    @Test
    void everyEndpointAnswers503WithRetryAfterWhileTheDatabaseIsDown() {
        ValidBodies valid = new ValidBodies("outage").create();
        var requests = requests(valid);
        String ingestKey = TestKeys.key(Scope.INGEST);
        String lineProtocol = valid.byOperation().get("POST /api/v2/write");
        warmUp(requests); // pooled connections and memoized lookups exist before the outage
        var cluster = TimescaleTestResource.currentCluster;
        cluster.stop();
        try {
            dashboardCache.clear(); // answers cached before the outage would (rightly) still be served
            for (int round = 0; round < 2; round++) { // the first round meets the closed pooled connections
                for (var request : requests.entrySet()) {
                    assertUnavailable(request.getKey(), request.getValue().apply(given()));
                }
                Response influx = given().header("Authorization", "Token " + ingestKey).contentType("text/plain")
                        .body(lineProtocol).post("/api/v2/write");
                assertEquals(503, influx.statusCode(), influx.asString());
                assertNotNull(influx.header("Retry-After"));
                assertEquals("unavailable", influx.jsonPath().getString("code"), influx.asString());
            }
        } finally {
            cluster.start();
        }
    }

    @Test
    void theFirstRequestAfterTheDatabaseReturnsSucceeds() throws InterruptedException {
        ValidBodies valid = new ValidBodies("back").create();
        var requests = requests(valid);
        warmUp(requests);
        long warmedUp = System.nanoTime();
        var cluster = TimescaleTestResource.currentCluster;
        cluster.stop();
        try {
            // values loaded before the outage stay valid for their time to live (10 s at most, PlantContext);
            // after it, the lookups load again during the outage and fail
            Thread.sleep(Math.max(0, MEMO_TTL_MILLIS - Duration.ofNanos(System.nanoTime() - warmedUp).toMillis()));
            dashboardCache.clear();
            for (var request : requests.entrySet()) { // every lookup fails once during the outage
                assertUnavailable(request.getKey(), request.getValue().apply(given()));
            }
        } finally {
            cluster.start();
        }
        // no lookup keeps the failure it saw: the very first request of each kind succeeds
        dashboardCache.clear();
        for (var request : requests.entrySet()) {
            Response answer = request.getValue().apply(given());
            assertTrue(answer.statusCode() < 300, request.getKey() + " right after the outage: " + answer.statusCode() + " "
                    + answer.asString());
        }
    }

    @Test
    void aConnectionLostMidQueryIs503WithRetryAfter() throws Exception {
        new ValidBodies("midquery").create();
        var cluster = TimescaleTestResource.currentCluster;
        String database = TimescaleTestResource.currentDatabase;
        Connection lock = DriverManager.getConnection(cluster.jdbcUrl(database), LocalTimescale.USER, LocalTimescale.PASSWORD);
        try {
            lock.setAutoCommit(false);
            lock.createStatement().execute("LOCK TABLE factory_telemetry.production_lines IN ACCESS EXCLUSIVE MODE");
            CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(() -> given().get("/api/v1/lines"));
            // the service's query waits for the lock; its server process then dies (no goodbye on the socket)
            String pid = await().atMost(Duration.ofSeconds(20)).until(() -> cluster.psql(database,
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%production_lines%' LIMIT 1").trim(),
                    p -> !p.isEmpty());
            assertEquals(0, new ProcessBuilder("kill", "-9", pid).inheritIO().start().waitFor());
            assertUnavailable("query on a killed connection", inFlight.get(30, TimeUnit.SECONDS));
        } finally {
            try {
                lock.close();
            } catch (SQLException ignored) {
                // the crash restart ended this session too
            }
        }
        // PostgreSQL restarts after the crash; then the service answers again at once
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> given().get("/api/v1/lines").statusCode() == 200);
    }
}
