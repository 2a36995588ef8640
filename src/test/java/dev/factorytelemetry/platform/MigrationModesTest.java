package dev.factorytelemetry.platform;

import dev.factorytelemetry.support.OwnDatabase;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two start-up modes of the Kubernetes deployment, on one empty database of this test (the modes are set as
 * system properties per launch; one build of the application serves both launches):
 * <ol>
 * <li>an app pod (migrate-at-start=false) started before the migration Job ran waits for the pending changesets
 * (schema-wait), re-checking, applies nothing, and fails start-up when they are still pending after the wait, so
 * that Kubernetes restarts it rather than it serving an old schema;</li>
 * <li>the migration Job (migrate-only) applies the changelog, logs one line and exits 0.</li>
 * </ol>
 */
@QuarkusMainTest
@TestProfile(MigrationModesTest.OwnEmptyDatabase.class)
class MigrationModesTest {

    static final String DATABASE_PROPERTY = "ft.test.migration-modes.database";

    public static class OwnEmptyDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnDatabase.create("ft_test_migration_modes", DATABASE_PROPERTY);
        }
    }

    @Test
    void aPodWaitsForTheSchemaAndTheJobMigratesIt(QuarkusMainLauncher launcher) {
        System.setProperty("telemetry.platform.migrate-at-start", "false");
        try {
            System.setProperty("telemetry.platform.schema-wait", "2s");
            LaunchResult pod = launcher.launch();
            String output = pod.getOutput() + pod.getErrorOutput();
            assertEquals(1, pod.exitCode(), output);
            assertTrue(output.contains("Waiting for "), output);
            assertTrue(output.matches("(?s).*changeset\\(s\\) still pending after PT2S \\(is the migration Job running\\?\\).*"), output);
            assertEquals("f", OwnDatabase.psql(DATABASE_PROPERTY, "SELECT to_regclass('factory_telemetry.metric_hist') IS NOT NULL"),
                    "the pod applied nothing");

            System.clearProperty("telemetry.platform.schema-wait");
            System.setProperty("telemetry.platform.migrate-only", "true");
            LaunchResult job = launcher.launch();
            assertEquals(0, job.exitCode(), job.getOutput() + job.getErrorOutput());
            String line = job.getOutputStream().stream().filter(l -> l.contains("Migration only:")).findFirst()
                    .orElseThrow(() -> new AssertionError("no 'Migration only:' line in " + job.getOutput()));
            assertTrue(line.matches(".*Migration only: [1-9][0-9]* changeset\\(s\\) applied for the apache edition .*schema up to date; exiting.*"),
                    line);
            long applied = Long.parseLong(OwnDatabase.psql(DATABASE_PROPERTY, "SELECT count(*) FROM databasechangelog"));
            assertEquals(line.replaceAll(".*Migration only: (\\d+) .*", "$1"), Long.toString(applied));
            assertEquals("t", OwnDatabase.psql(DATABASE_PROPERTY, "SELECT to_regclass('factory_telemetry.v_lifecycle_jobs') IS NOT NULL"));
        } finally {
            System.clearProperty("telemetry.platform.migrate-at-start");
            System.clearProperty("telemetry.platform.schema-wait");
            System.clearProperty("telemetry.platform.migrate-only");
        }
    }

    @AfterAll
    static void dropDatabase() {
        OwnDatabase.drop(DATABASE_PROPERTY);
    }
}
