package dev.factorytelemetry.system;

import dev.factorytelemetry.support.TimescaleTestResource;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Steps of the post-deployment validation tests: readiness of check {@code deployment}, SQL behind the service's back. */
final class DeploymentValidation {

    static final String CHECK = "checks.find { it.name == 'deployment' }";

    private DeploymentValidation() {
    }

    static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    /** Readiness UP, the validation found every object of the catalog (7 hypertables, 9 aggregates). */
    static void awaitUp(String policies) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() ->
                given().when().get("/q/health/ready").then().statusCode(200)
                        .body(CHECK + ".status", equalTo("UP"))
                        .body(CHECK + ".data.objects", equalTo("as in the policy catalog"))
                        .body(CHECK + ".data.hypertables", equalTo(7))
                        .body(CHECK + ".data.aggregates", equalTo(9))
                        .body(CHECK + ".data.policies", equalTo(policies)));
    }

    /** Readiness DOWN, the validation names every expected problem. */
    static void awaitDown(String... problems) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
            var response = given().when().get("/q/health/ready").then().statusCode(503)
                    .body("status", equalTo("DOWN"))
                    .body(CHECK + ".status", equalTo("DOWN"));
            for (String problem : problems) {
                response.body(CHECK + ".data.problems", containsString(problem));
            }
        });
    }
}
