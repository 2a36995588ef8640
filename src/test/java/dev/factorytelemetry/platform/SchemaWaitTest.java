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
 * An app pod started before the migration Job finished (migrate-at-start=false, schema-wait set) waits for the
 * pending changesets, re-checking, and fails start-up when they are still pending after the wait (Kubernetes then
 * restarts it) rather than serving an old schema; it applies nothing itself.
 */
@QuarkusMainTest
@TestProfile(SchemaWaitTest.WaitBriefly.class)
class SchemaWaitTest {

    static final String DATABASE_PROPERTY = "ft.test.schema-wait.database";

    public static class WaitBriefly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            LocalTimescale cluster = LocalTimescale.apache();
            cluster.start();
            TimescaleTestResource.stopAtExit(cluster);
            String database = "ft_test_schema_wait_" + ProcessHandle.current().pid() + "_" + System.currentTimeMillis();
            cluster.createDatabase(database);
            cluster.psql(database, "CREATE EXTENSION IF NOT EXISTS timescaledb");
            System.setProperty(DATABASE_PROPERTY, database);
            return Map.of("telemetry.platform.migrate-at-start", "false",
                    "telemetry.platform.schema-wait", "2s",
                    "quarkus.datasource.reactive.url", cluster.reactiveUrl(database),
                    "quarkus.datasource.jdbc.url", cluster.jdbcUrl(database),
                    "quarkus.datasource.username", LocalTimescale.USER,
                    "quarkus.datasource.password", LocalTimescale.PASSWORD);
        }
    }

    @Test
    @Launch(exitCode = 1)
    void startUpFailsWhenTheSchemaIsStillPendingAfterTheWait(LaunchResult result) {
        String output = result.getOutput() + result.getErrorOutput();
        assertTrue(output.contains("Waiting for "), output);
        assertTrue(output.matches("(?s).*changeset\\(s\\) still pending after PT2S \\(is the migration Job running\\?\\).*"), output);
        String db = System.getProperty(DATABASE_PROPERTY);
        assertEquals("f", LocalTimescale.apache().psql(db,
                "SELECT to_regclass('factory_telemetry.metric_hist') IS NOT NULL").trim(), "the pod applied nothing");
    }

    @AfterAll
    static void dropDatabase() {
        String db = System.getProperty(DATABASE_PROPERTY);
        if (db != null) {
            LocalTimescale.apache().dropDatabase(db);
        }
    }
}
