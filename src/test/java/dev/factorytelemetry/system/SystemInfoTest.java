package dev.factorytelemetry.system;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class SystemInfoTest {

    @Test
    void reportsTheApacheEditionAndServiceManagedLifecycle() {
        var cluster = TimescaleTestResource.currentCluster;
        String db = TimescaleTestResource.currentDatabase;
        String extversion = cluster.psql(db, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").trim();
        String pgVersion = cluster.psql(db, "SHOW server_version").trim();

        given().header("Authorization", TestKeys.bearer(Scope.READ)).when().get("/api/v1/system/info")
                .then().statusCode(200)
                .body("service", equalTo("factory-telemetry"))
                .body("database.timescaledbVersion", equalTo(extversion))
                .body("database.postgresVersion", equalTo(pgVersion))
                .body("database.edition", equalTo("apache"))
                .body("database.license", equalTo("apache"))
                .body("features.compression", equalTo("UNAVAILABLE"))
                .body("features.retention", equalTo("SERVICE"))
                .body("features.continuousAggregates", equalTo("SERVICE"))
                .body("schema.upToDate", equalTo(true));
    }

    @Test
    void theFoundationChangelogCreatedTheSchema() {
        var cluster = TimescaleTestResource.currentCluster;
        String db = TimescaleTestResource.currentDatabase;
        org.junit.jupiter.api.Assertions.assertEquals("factory_telemetry",
                cluster.psql(db, "SELECT nspname FROM pg_namespace WHERE nspname = 'factory_telemetry'").trim());
        org.hamcrest.MatcherAssert.assertThat(
                cluster.psql(db, "SELECT string_agg(id, ',' ORDER BY orderexecuted) FROM databasechangelog").trim(),
                startsWith("0001-timescaledb-extension,0001-schema"));
    }

    @Test
    void needsAnApiKeyWithTheReadScope() {
        given().when().get("/api/v1/system/info").then().statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"));
        given().header("Authorization", TestKeys.bearer(Scope.INGEST)).when().get("/api/v1/system/info")
                .then().statusCode(403).contentType("application/problem+json");
    }
}
