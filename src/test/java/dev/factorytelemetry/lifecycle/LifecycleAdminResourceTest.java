package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class LifecycleAdminResourceTest {

    @Test
    void listsTheCatalogWithItsExecutorsOnTheApacheEdition() {
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN))
                .when().get("/api/v1/admin/lifecycle/hypertables")
                .then().statusCode(200)
                .body("", hasSize(7))
                .body("find { it.hypertableName == 'metric_hist' }.chunkInterval", equalTo("01:00:00"))
                .body("find { it.hypertableName == 'metric_hist' }.retention", equalTo("90 days"))
                .body("compression", everyItem(equalTo("unavailable")))
                .body("retentionExecutor", everyItem(equalTo("service")));
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN))
                .when().get("/api/v1/admin/lifecycle/aggregates")
                .then().statusCode(200)
                .body("", hasSize(9))
                .body("materialization", everyItem(equalTo("service_table")));
    }

    @Test
    void changesRetentionInCatalogAndExecutorInOneStep() {
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"retention\":\"P400D\"}")
                .when().put("/api/v1/admin/lifecycle/retention/fault_event")
                .then().statusCode(200)
                .body("executor", equalTo("service"));
        assertEquals("400 days", TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT retention FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'fault_event'").trim());
        // restore the seeded value for other tests
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"retention\":\"1 year\"}")
                .when().put("/api/v1/admin/lifecycle/retention/fault_event").then().statusCode(200);
    }

    @Test
    void rejectsUnknownTargetsBadIntervalsAndRetentionsThatWouldEraseAggregates() {
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"retention\":\"P30D\"}")
                .when().put("/api/v1/admin/lifecycle/retention/pg_class")
                .then().statusCode(404).contentType("application/problem+json");
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"retention\":\"ninety days\"}")
                .when().put("/api/v1/admin/lifecycle/retention/metric_hist")
                .then().statusCode(422).contentType("application/problem+json");
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON)
                .body("{\"retention\":\"P3D\"}")
                .when().put("/api/v1/admin/lifecycle/retention/metric_hist")
                .then().statusCode(422)
                .body("detail", containsString("shorter than an aggregate refresh window"));
    }

    @Test
    void needsTheAdminScope() {
        given().when().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(401);
        given().header("Authorization", TestKeys.bearer(Scope.READ))
                .when().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(403);
    }

    @Test
    void refreshesServiceMaintainedAggregatesOnDemand() {
        given().header("Authorization", TestKeys.bearer(Scope.ADMIN))
                .when().post("/api/v1/admin/lifecycle/aggregates/refresh")
                .then().statusCode(200)
                .body("", hasSize(9))
                .body("error", everyItem(org.hamcrest.Matchers.nullValue()));
    }
}
