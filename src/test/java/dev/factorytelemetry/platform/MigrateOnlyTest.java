package dev.factorytelemetry.platform;

import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Migration-only mode (the Kubernetes migration Job): on an empty database, with migrate-at-start off as on the
 * app pods, the process applies the changelog, logs one line and exits 0. The database is this test's own (the
 * launched application runs in its own class loader, so it is named through a system property).
 */
@QuarkusMainTest
@TestProfile(MigrateOnlyTest.MigrateOnly.class)
class MigrateOnlyTest {

    static final String DATABASE_PROPERTY = "ft.test.migrate-only.database";

    public static class MigrateOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            LocalTimescale cluster = LocalTimescale.apache();
            cluster.start();
            TimescaleTestResource.stopAtExit(cluster);
            String database = "ft_test_migrate_only_" + ProcessHandle.current().pid() + "_" + System.currentTimeMillis();
            cluster.createDatabase(database);
            System.setProperty(DATABASE_PROPERTY, database);
            return Map.of("telemetry.platform.migrate-only", "true",
                    "telemetry.platform.migrate-at-start", "false",
                    "quarkus.datasource.reactive.url", cluster.reactiveUrl(database),
                    "quarkus.datasource.jdbc.url", cluster.jdbcUrl(database),
                    "quarkus.datasource.username", LocalTimescale.USER,
                    "quarkus.datasource.password", LocalTimescale.PASSWORD);
        }
    }

    @Test
    @Launch(exitCode = 0)
    void appliesTheChangelogLogsOneLineAndExitsZero(LaunchResult result) {
        String line = result.getOutputStream().stream().filter(l -> l.contains("Migration only:")).findFirst()
                .orElseThrow(() -> new AssertionError("no 'Migration only:' line in " + result.getOutput()));
        assertTrue(line.matches(".*Migration only: [1-9][0-9]* changeset\\(s\\) applied for the apache edition .*schema up to date; exiting.*"),
                line);
        String db = System.getProperty(DATABASE_PROPERTY);
        LocalTimescale cluster = LocalTimescale.apache();
        long applied = Long.parseLong(cluster.psql(db, "SELECT count(*) FROM databasechangelog").trim());
        assertTrue(applied > 10, "changesets recorded: " + applied);
        assertEquals(line.replaceAll(".*Migration only: (\\d+) .*", "$1"), Long.toString(applied));
        assertEquals("t", cluster.psql(db, "SELECT to_regclass('factory_telemetry.v_lifecycle_jobs') IS NOT NULL").trim());
    }

    @AfterAll
    static void dropDatabase() {
        String db = System.getProperty(DATABASE_PROPERTY);
        if (db != null) {
            LocalTimescale.apache().dropDatabase(db);
        }
    }
}
