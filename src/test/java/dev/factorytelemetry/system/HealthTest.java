package dev.factorytelemetry.system;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class HealthTest {

    private static final String CHECK = "checks.find { it.name == 'timescaledb' }";

    @Test
    void readinessIsUpWithEditionAndVersionOfTheRealServer() {
        String extversion = TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").trim();

        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(CHECK + ".status", equalTo("UP"))
                .body(CHECK + ".data.edition", equalTo("apache"))
                .body(CHECK + ".data.license", equalTo("apache"))
                .body(CHECK + ".data.version", equalTo(extversion))
                .body(CHECK + ".data.schema", equalTo("up to date"))
                .body(CHECK + ".data.compression", equalTo("unavailable"))
                .body(CHECK + ".data.retention", equalTo("service"))
                .body(CHECK + ".data.continuousAggregates", equalTo("service"));
    }

    @Test
    void livenessAndStartupAreUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void readinessGoesDownWhenTheDatabaseStopsAndUpWhenItReturns() {
        var cluster = TimescaleTestResource.currentCluster;
        cluster.stop();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                long started = System.nanoTime();
                Response response = given().when().get("/q/health/ready");
                long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
                response.then().statusCode(503)
                        .body("status", equalTo("DOWN"))
                        .body(CHECK + ".status", equalTo("DOWN"))
                        .body(CHECK + ".data.database", equalTo("unreachable"));
                // a probe must answer, not hang: health-timeout is 3 s
                assertEquals(true, millis < 5_000, "readiness took " + millis + " ms");
            });
            // liveness does not depend on the database: Kubernetes must not restart us for an outage
            given().when().get("/q/health/live").then().statusCode(200);
        } finally {
            cluster.start();
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(200)
                        .body(CHECK + ".status", equalTo("UP")));
    }

    @Test
    void prometheusMetricsAreExposed() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("jvm_memory_used_bytes"));
    }

    @Test
    void openApiDocumentDescribesTheSystemApi() {
        given().accept("application/json").when().get("/q/openapi")
                .then().statusCode(200)
                .body("paths.keySet()", hasItem("/api/v1/system/info"));
    }

    @Test
    void unknownPathsAnswerProblemJson() {
        given().when().get("/api/v1/does-not-exist")
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("title", equalTo("Not Found"));
    }

    @Test
    void readinessAnswersQuickly() {
        long started = System.nanoTime();
        given().when().get("/q/health/ready").then().statusCode(200);
        org.hamcrest.MatcherAssert.assertThat(Duration.ofNanos(System.nanoTime() - started).toMillis(), lessThan(2_000L));
    }
}
