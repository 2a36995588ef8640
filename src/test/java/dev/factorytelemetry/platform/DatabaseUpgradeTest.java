package dev.factorytelemetry.platform;

import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.OwnDatabase;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database migrated by release 0.1.0's changelog (stored unchanged under {@code src/test/resources/releases/0.1.0},
 * the files of commit c7358a5) upgrades with the current changelog: Liquibase validates the checksum of every
 * applied changeset before it applies anything, so an edited changeset would fail this upgrade (exit 1, "checksum").
 * The rollback blocks added to 0008, 0011 and 0012 since then are not part of the checksum (Liquibase 4.33's
 * formatted-SQL parser keeps them apart from the changeset's SQL; a plain comment would change it): every stored
 * checksum stays, and the upgrade applies only the release tag.
 */
@QuarkusMainTest
@TestProfile(DatabaseUpgradeTest.OwnEmptyDatabase.class)
class DatabaseUpgradeTest {

    static final String DATABASE_PROPERTY = "ft.test.database-upgrade.database";

    public static class OwnEmptyDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnDatabase.create("ft_test_database_upgrade", DATABASE_PROPERTY);
        }
    }

    /** Migrates the own database with release 0.1.0's changelog, as that release's migration Job did. */
    private static void migrateWithRelease010() throws Exception {
        String database = System.getProperty(DATABASE_PROPERTY);
        Path release = LocalTimescale.projectRoot().resolve("src/test/resources/releases/0.1.0");
        try (Connection connection = DriverManager.getConnection(LocalTimescale.apache().jdbcUrl(database),
                LocalTimescale.USER, LocalTimescale.PASSWORD)) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(connection));
            try (Liquibase liquibase = new Liquibase("db/changelog/db.changelog-master.yaml",
                    new DirectoryResourceAccessor(release), db)) {
                liquibase.update(new Contexts(), new LabelExpression("edition-apache"));
            }
        }
    }

    private static String checksums() {
        return OwnDatabase.psql(DATABASE_PROPERTY,
                "SELECT string_agg(filename || '::' || id || '=' || md5sum, E'\\n' ORDER BY orderexecuted) FROM databasechangelog");
    }

    /** Ids of the current changelog's runOnChange changesets: they re-run, with a new checksum, when they changed. */
    private static java.util.Set<String> runOnChangeIds() throws Exception {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        java.util.regex.Pattern header = java.util.regex.Pattern.compile("(?m)^--changeset [^:]+:(\\S+)[^\\n]*runOnChange:true");
        try (var files = java.nio.file.Files.list(LocalTimescale.projectRoot().resolve("src/main/resources/db/changelog"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".sql")).toList()) {
                var matcher = header.matcher(java.nio.file.Files.readString(file));
                while (matcher.find()) {
                    ids.add(matcher.group(1));
                }
            }
        }
        return ids;
    }

    private static Map<String, String> checksumsById() {
        Map<String, String> byId = new java.util.LinkedHashMap<>();
        for (String line : checksums().split("\n")) {
            int eq = line.lastIndexOf('=');
            byId.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return byId;
    }

    @Test
    void aDatabaseOfRelease010UpgradesWithTheCurrentChangelog(QuarkusMainLauncher launcher) throws Exception {
        migrateWithRelease010();
        Map<String, String> before = checksumsById();
        assertTrue(before.containsKey("db/changelog/0012-function-search-path.sql::0012-function-search-path"), before.toString());
        assertEquals("", OwnDatabase.psql(DATABASE_PROPERTY, "SELECT string_agg(tag, ',') FROM databasechangelog"),
                "release 0.1.0 had no tags");

        System.setProperty("telemetry.platform.migrate-only", "true");
        try {
            LaunchResult job = launcher.launch();
            String output = job.getOutput() + job.getErrorOutput();
            assertEquals(0, job.exitCode(), output);
            assertTrue(output.matches("(?s).*Migration only: \\d+ changeset\\(s\\) applied for the apache edition.*"), output);
        } finally {
            System.clearProperty("telemetry.platform.migrate-only");
        }
        // every changeset of 0.1.0 is still recorded with its checksum (rollback lines do not change a formatted-SQL
        // checksum), except the runOnChange ones that changed since and re-ran
        Map<String, String> after = checksumsById();
        java.util.Set<String> rerunnable = runOnChangeIds();
        before.forEach((changeset, md5) -> {
            assertTrue(after.containsKey(changeset), changeset + " vanished from databasechangelog");
            if (!rerunnable.contains(changeset.substring(changeset.indexOf("::") + 2))) {
                assertEquals(md5, after.get(changeset), changeset + " keeps the checksum it was applied with");
            }
        });
        assertTrue(after.size() > before.size(), "the new release's changesets were applied: " + after.keySet());
        assertEquals("db/changelog/db.changelog-master.yaml::tag-0.1.0", OwnDatabase.psql(DATABASE_PROPERTY,
                "SELECT filename || '::' || id FROM databasechangelog WHERE tag = '0.1.0'"));
    }

    @AfterAll
    static void dropDatabase() {
        OwnDatabase.drop(DATABASE_PROPERTY);
    }
}
