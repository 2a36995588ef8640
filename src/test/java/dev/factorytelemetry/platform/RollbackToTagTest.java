package dev.factorytelemetry.platform;

import dev.factorytelemetry.support.OwnDatabase;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rolling a release back to the previous release's tag with the documented command, the migration Job's mode
 * ({@code TELEMETRY_PLATFORM_MIGRATE_ONLY=true TELEMETRY_PLATFORM_ROLLBACK_TO_TAG=0.2.0}). The changelog is the current
 * one plus a pretend next release ({@code src/test/resources/db/test/next-release.yaml}: one changeset after tag
 * 0.2.0 with a {@code --rollback} block): migrate, roll back to 0.2.0 (its table is gone, the changesets of 0.2.0
 * stay; Liquibase undoes the tag's own tagDatabase changeset too), migrate again (it is back, tagged again). An unknown tag fails with the tags that exist and undoes nothing.
 */
@QuarkusMainTest
@TestProfile(RollbackToTagTest.NextReleaseChangelog.class)
class RollbackToTagTest {

    static final String DATABASE_PROPERTY = "ft.test.rollback-to-tag.database";
    private static final String NEXT_RELEASE_ROWS = "SELECT count(*) FROM databasechangelog WHERE id = '9001-next-release-example'";
    private static final String TABLE_EXISTS = "SELECT to_regclass('factory_telemetry.next_release_example') IS NOT NULL";

    public static class NextReleaseChangelog implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(OwnDatabase.create("ft_test_rollback_to_tag", DATABASE_PROPERTY));
            config.put("quarkus.liquibase.change-log", "db/test/next-release.yaml");
            config.put("telemetry.platform.migrate-only", "true");
            return config;
        }
    }

    private static LaunchResult launch(QuarkusMainLauncher launcher, String rollbackToTag) {
        if (rollbackToTag != null) {
            System.setProperty("telemetry.platform.rollback-to-tag", rollbackToTag);
        }
        try {
            return launcher.launch();
        } finally {
            System.clearProperty("telemetry.platform.rollback-to-tag");
        }
    }

    private static String sql(String query) {
        return OwnDatabase.psql(DATABASE_PROPERTY, query);
    }

    @Test
    void theNewestReleaseRollsBackToTheTagAndIsAppliedAgain(QuarkusMainLauncher launcher) {
        LaunchResult migrate = launch(launcher, null);
        assertEquals(0, migrate.exitCode(), migrate.getOutput() + migrate.getErrorOutput());
        assertEquals("t", sql(TABLE_EXISTS));
        long applied = Long.parseLong(sql("SELECT count(*) FROM databasechangelog"));

        LaunchResult unknown = launch(launcher, "9.9.9");
        String unknownOutput = unknown.getOutput() + unknown.getErrorOutput();
        assertEquals(1, unknown.exitCode(), unknownOutput);
        assertTrue(unknownOutput.contains("no changeset carries the tag '9.9.9'; tags: [0.1.0, 0.2.0]"), unknownOutput);
        assertEquals("t", sql(TABLE_EXISTS), "an unknown tag undoes nothing");

        LaunchResult rollback = launch(launcher, "0.2.0");
        String output = rollback.getOutput() + rollback.getErrorOutput();
        assertEquals(0, rollback.exitCode(), output);
        // the next release's changesets (the test's 9001 and the real 0018), 0012 (re-run with every release, its rollback
        // is a no-op) and the tag's own tagDatabase changeset (Liquibase undoes it too; the schema is release 0.2.0's either way)
        assertTrue(output.contains("Migration only: rolled back 4 changeset(s) to tag 0.2.0; exiting"), output);
        assertTrue(output.contains("Rolling back 4 changeset(s) to tag 0.2.0: db/test/9001-next-release.sql::9001-next-release-example, "
                + "db/changelog/0012-function-search-path.sql::0012-function-search-path, "
                + "db/changelog/0018-ingest-metric-samples.sql::0018-ingest-metric-samples, "
                + "db/changelog/db.changelog-master.yaml::tag-0.2.0"), output);
        assertEquals("f", sql("SELECT to_regproc('factory_telemetry.ingest_metric_samples') IS NOT NULL"),
                "0018's function is rolled back");
        assertEquals("f", sql(TABLE_EXISTS), "the next release's table is rolled back");
        assertEquals("0", sql(NEXT_RELEASE_ROWS));
        assertEquals(Long.toString(applied - 4), sql("SELECT count(*) FROM databasechangelog"));
        assertEquals("0.1.0", sql("SELECT string_agg(tag, ',') FROM databasechangelog WHERE tag IS NOT NULL"), "the older release's tag stays");
        assertEquals("t", sql("SELECT to_regclass('factory_telemetry.maintenance_run') IS NOT NULL"),
                "release 0.2.0's objects stay");

        LaunchResult again = launch(launcher, null);
        String againOutput = again.getOutput() + again.getErrorOutput();
        assertEquals(0, again.exitCode(), againOutput);
        assertTrue(againOutput.contains("Migration only: 4 changeset(s) applied"), againOutput);
        assertEquals("t", sql("SELECT to_regproc('factory_telemetry.ingest_metric_samples') IS NOT NULL"));
        assertEquals("t", sql(TABLE_EXISTS));
        assertEquals("added by the next release", sql("SELECT note FROM factory_telemetry.next_release_example"));
        assertEquals(Long.toString(applied), sql("SELECT count(*) FROM databasechangelog"));
        assertEquals("db/changelog/db.changelog-master.yaml::tag-0.2.0", sql(
                "SELECT filename || '::' || id FROM databasechangelog WHERE tag = '0.2.0'"), "tagged again");
    }

    @AfterAll
    static void dropDatabase() {
        OwnDatabase.drop(DATABASE_PROPERTY);
    }
}
