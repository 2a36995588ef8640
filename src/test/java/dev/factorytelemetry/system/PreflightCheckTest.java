package dev.factorytelemetry.system;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;

/**
 * The start-up probe reports the pre-flight's findings with the test cluster's real values (read back with psql):
 * versions, edition, memory and worker settings, database size, free disk as unknown with its reason, migrations.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class PreflightCheckTest {

    private static final String CHECK = "checks.find { it.name == 'preflight' }";

    private static String setting(String name) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT current_setting('" + name + "')").trim();
    }

    @Test
    void theStartupCheckReportsEveryPreflightValue() {
        String extversion = TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").trim();
        given().when().get("/q/health/started")
                .then().statusCode(200)
                .body(CHECK + ".status", equalTo("UP"))
                .body(CHECK + ".data.database", equalTo("reachable"))
                .body(CHECK + ".data.postgresVersion", equalTo(setting("server_version")))
                // "(available; the migration creates the extension)" where the database did not have it yet
                .body(CHECK + ".data.timescaledbVersion", matchesPattern(java.util.regex.Pattern.quote(extversion)
                        + "( \\(available; the migration creates the extension\\))?, minimum 2\\.13\\.0"))
                .body(CHECK + ".data.edition", equalTo("apache (timescaledb.license=apache)"))
                .body(CHECK + ".data.sharedBuffers", equalTo(setting("shared_buffers")))
                .body(CHECK + ".data.workMem", equalTo(setting("work_mem")))
                .body(CHECK + ".data.maxWorkerProcesses", equalTo(setting("max_worker_processes")))
                .body(CHECK + ".data.maxParallelWorkers", equalTo(setting("max_parallel_workers")))
                .body(CHECK + ".data.timescaledbMaxBackgroundWorkers", equalTo(setting("timescaledb.max_background_workers")))
                .body(CHECK + ".data.databaseSize", matchesPattern("\\d+ [kMG]?B \\(\\d+ bytes\\)"))
                .body(CHECK + ".data.dataVolumeFree", startsWith("unknown: PostgreSQL reports no free space of its data volume"))
                .body(CHECK + ".data.migrations", matchesPattern("up to date \\(\\d+ applied at this start\\)"))
                .body(CHECK + ".data.warnings", equalTo("none"));
    }
}
