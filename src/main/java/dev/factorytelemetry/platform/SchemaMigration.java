package dev.factorytelemetry.platform;

import io.agroal.api.AgroalDataSource;
import io.quarkus.liquibase.LiquibaseFactory;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.annotation.Priority;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.RanChangeSet;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Brings the database schema up to date at start-up and records the TimescaleDB edition.
 *
 * <p>Liquibase runs here rather than through {@code quarkus.liquibase.migrate-at-start} because the
 * changesets depend on the edition: those labelled for the other edition are left out, and stay
 * pending, so that a server later restarted under another license gets them on the next start.
 *
 * <p>This runs on the main thread during start-up (blocking JDBC, never on an event loop); HTTP
 * traffic is accepted only after it has finished.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);

    private static final String EDITION_SQL = """
            SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),
                   current_setting('timescaledb.license', true),
                   current_setting('server_version')
            """;

    private static final java.time.Duration SCHEMA_POLL = java.time.Duration.ofSeconds(5);

    private final LiquibaseFactory liquibaseFactory;
    private final AgroalDataSource dataSource;
    private final PlatformConfig config;
    private final PlatformState state;
    private final DatabaseClock clock;
    private final Preflight preflight;

    public SchemaMigration(LiquibaseFactory liquibaseFactory, AgroalDataSource dataSource,
                           PlatformConfig config, PlatformState state, DatabaseClock clock, Preflight preflight) {
        this.liquibaseFactory = liquibaseFactory;
        this.dataSource = dataSource;
        this.config = config;
        this.state = state;
        this.clock = clock;
        this.preflight = preflight;
    }

    void onStart(@Observes @Priority(10) StartupEvent event) throws Exception {
        TimescaleEdition.License license = runPreflight().license();
        LabelExpression labels = labelsFor(license);
        if (config.migrateOnly() && config.rollbackToTag().isPresent()) {
            rollbackTo(config.rollbackToTag().get(), labels);
            return;
        }
        int applied = 0;
        List<String> pending;
        try (Liquibase liquibase = liquibaseFactory.createLiquibase()) {
            Contexts contexts = liquibaseFactory.createContexts();
            List<ChangeSet> unrun = liquibase.listUnrunChangeSets(contexts, labels);
            if ((config.migrateAtStart() || config.migrateOnly()) && !unrun.isEmpty()) {
                LOG.infof("Applying %d changeset(s) for the %s edition", unrun.size(), license.setting());
                liquibase.update(contexts, labels);
                applied = unrun.size();
            }
            pending = pendingChangeSets(liquibase, contexts, labels);
        }
        // Someone else (the migration Job) applies the changelog: wait for it, each check with a fresh Liquibase
        // (it caches the changelog history it has read).
        long deadline = System.nanoTime() + config.schemaWait().toNanos();
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
            LOG.infof("Waiting for %d pending changeset(s) to be applied (migration Job), up to %s", pending.size(),
                    config.schemaWait());
            Thread.sleep(Math.min(SCHEMA_POLL.toMillis(), Math.max(1, config.schemaWait().toMillis())));
            try (Liquibase liquibase = liquibaseFactory.createLiquibase()) {
                pending = pendingChangeSets(liquibase, liquibaseFactory.createContexts(), labels);
            }
        }
        if (!pending.isEmpty() && !config.schemaWait().isZero()) {
            throw new IllegalStateException(pending.size() + " changeset(s) still pending after "
                    + config.schemaWait() + " (is the migration Job running?): " + String.join(", ", pending));
        }
        TimescaleEdition edition = readEdition();
        SchemaStatus schema = new SchemaStatus(applied, pending);
        state.started(edition, schema);
        if (config.migrateOnly()) {
            LOG.infof("Migration only: %d changeset(s) applied for the %s edition (TimescaleDB %s); schema %s; exiting",
                    applied, edition.editionName(), edition.extensionVersion(),
                    schema.upToDate() ? "up to date" : pending.size() + " changeset(s) pending");
            return;
        }
        LOG.infof("TimescaleDB %s (%s edition) on PostgreSQL %s; schema %s", edition.extensionVersion(),
                edition.editionName(), edition.postgresVersion(),
                schema.upToDate() ? "up to date" : pending.size() + " changeset(s) pending");
    }

    private static List<String> pendingChangeSets(Liquibase liquibase, Contexts contexts, LabelExpression labels)
            throws liquibase.exception.LiquibaseException {
        return liquibase.listUnrunChangeSets(contexts, labels).stream()
                .map(cs -> cs.getFilePath() + "::" + cs.getId()).toList();
    }

    /** Changesets without a label run everywhere; labelled ones only on their edition. */
    static LabelExpression labelsFor(TimescaleEdition.License license) {
        return new LabelExpression(license.changelogLabel());
    }

    /**
     * The pre-flight ({@link Preflight}) on a connection of its own, which also measures the clock offset. A database
     * that cannot be reached, or a TimescaleDB the service cannot run on, stops start-up before anything is migrated,
     * with one line ({@code Pre-flight failed, not starting: ...}) and exit status 1: thrown as a
     * {@link ConfigurationException} (the server's configuration does not fit), for which Quarkus prints the message
     * alone, without a stack trace.
     */
    private Preflight.Report runPreflight() {
        String failure;
        try (Connection connection = dataSource.getConnection()) {
            clock.measure(connection);
            Preflight.Report report = preflight.run(connection);
            state.preflight(report);
            report.warnings().forEach(w -> LOG.warnf("Pre-flight warning: %s = %s: %s", w.name(), w.value(), w.detail()));
            return report;
        } catch (Preflight.Failure e) {
            failure = e.getMessage();
        } catch (SQLException e) {
            failure = "the database is unreachable (SQLSTATE " + e.getSQLState() + "): "
                    + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
        throw new ConfigurationException("Pre-flight failed, not starting: " + failure);
    }

    /**
     * Rolls the schema back to a release's tag with this changelog's rollback blocks (migration-only mode with
     * {@code rollback-to-tag}); an unknown tag fails naming the tags that exist, a changeset without a rollback block
     * fails the rollback (Liquibase cannot undo it).
     */
    private void rollbackTo(String tag, LabelExpression labels) throws Exception {
        List<String> undone;
        try (Liquibase liquibase = liquibaseFactory.createLiquibase()) {
            Contexts contexts = liquibaseFactory.createContexts();
            undone = ranAfterTag(liquibase, tag);
            LOG.infof("Rolling back %d changeset(s) to tag %s: %s", undone.size(), tag, String.join(", ", undone));
            liquibase.rollback(tag, contexts, labels);
        }
        LOG.infof("Migration only: rolled back %d changeset(s) to tag %s; exiting", undone.size(), tag);
    }

    /**
     * The changesets a rollback to the tag undoes (newest first): those applied after the tagged row, and the
     * tagged row itself when it is the tagDatabase changeset; or a failure naming the tags that exist.
     */
    private static List<String> ranAfterTag(Liquibase liquibase, String tag) throws liquibase.exception.LiquibaseException {
        List<RanChangeSet> ran = liquibase.getDatabase().getRanChangeSetList();
        int tagged = -1;
        for (int i = 0; i < ran.size(); i++) {
            if (tag.equals(ran.get(i).getTag())) {
                tagged = i;
            }
        }
        if (tagged < 0) {
            // a wrong telemetry.platform.rollback-to-tag: one line, no stack trace (see runPreflight)
            throw new ConfigurationException("no changeset carries the tag '" + tag + "'; tags: "
                    + ran.stream().map(RanChangeSet::getTag).filter(java.util.Objects::nonNull).toList());
        }
        // Liquibase also rolls back the tagDatabase changeset that set the tag (the schema then is as before it ran;
        // the next migration applies it again)
        int first = "tagDatabase".equals(ran.get(tagged).getDescription()) ? tagged : tagged + 1;
        List<String> after = new java.util.ArrayList<>();
        for (int i = ran.size() - 1; i >= first; i--) {
            after.add(ran.get(i).getChangeLog() + "::" + ran.get(i).getId());
        }
        return after;
    }

    private TimescaleEdition readEdition() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery(EDITION_SQL)) {
            rs.next();
            if (rs.getString(1) == null) {
                throw new IllegalStateException("the timescaledb extension is not installed in this database");
            }
            return new TimescaleEdition(rs.getString(1), TimescaleEdition.License.fromSetting(rs.getString(2)),
                    rs.getString(3));
        }
    }
}
