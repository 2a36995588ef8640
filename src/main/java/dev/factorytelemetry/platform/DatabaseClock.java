package dev.factorytelemetry.platform;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The service's clock is the database's: the {@code now()} that every SQL statement, retention horizon and
 * "today" of a dashboard uses, one clock for all replicas. The JVM keeps the offset between its own clock and the
 * server's (measured at start-up and every {@code telemetry.platform.clock-sync-interval}) and answers
 * {@link #now()} without a round trip. With NTP on both machines the offset is a few milliseconds; a large one is
 * logged, because then the JVM's and the database's idea of "now" disagree.
 *
 * <p>The re-measurement ({@value #SYNC_JOB}) runs on every replica by nature: each JVM measures its own clock, so it
 * takes no advisory lock and writes nothing. Its schedule is {@code telemetry.platform.clock-sync-interval}, its off
 * switch {@code telemetry.platform.clock-sync-enabled}; a failed measurement (database unreachable) keeps the last
 * offset, is logged with the cause and counted in {@code factory_telemetry_clock_sync_errors_total}.
 */
@ApplicationScoped
public class DatabaseClock {

    private static final Logger LOG = Logger.getLogger(DatabaseClock.class);
    private static final String NOW_SQL = "SELECT clock_timestamp()";
    /** An offset above this is worth a warning: "now" differs between the service and the database. */
    private static final long WARN_OFFSET_MICROS = 2_000_000L;

    /** The scheduled re-measurement's identity. */
    public static final String SYNC_JOB = "sync-database-clock";

    private final Pool pool;
    private final Counter syncErrors;
    private volatile long offsetMicros;
    private volatile boolean measured;

    public DatabaseClock(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        this.syncErrors = Counter.builder("factory_telemetry.clock.sync.errors")
                .description("Failed re-measurements of the offset to the database's clock on this replica (the last offset stays)")
                .register(registry);
    }

    /** The database's current time. */
    public Instant now() {
        long micros = nowMicros();
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    /** The database's current time in microseconds since the epoch (PostgreSQL's resolution). */
    public long nowMicros() {
        return jvmMicros() + offsetMicros;
    }

    /** Database time minus JVM time, in microseconds (0 until first measured). */
    public long offsetMicros() {
        return offsetMicros;
    }

    public boolean measured() {
        return measured;
    }

    /** Measures the offset over JDBC (start-up, before HTTP opens; blocking). */
    void measure(Connection connection) throws SQLException {
        long before = jvmMicros();
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(NOW_SQL)) {
            rs.next();
            OffsetDateTime server = rs.getObject(1, OffsetDateTime.class);
            record(server, before, jvmMicros());
        }
    }

    /** Re-measures the offset on the reactive pool (clocks drift and are stepped by NTP). */
    @Scheduled(identity = SYNC_JOB, every = "${telemetry.platform.clock-sync-interval}",
            delayed = "${telemetry.platform.clock-sync-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = SyncOff.class)
    Uni<Void> sync() {
        long before = jvmMicros();
        return pool.query(NOW_SQL).execute()
                .invoke(rows -> record(rows.iterator().next().getOffsetDateTime(0), before, jvmMicros()))
                .onFailure().invoke(failure -> {
                    syncErrors.increment();
                    LOG.warnf("Job %s: the database clock was not re-measured, the offset of %+.3f s stays: %s",
                            SYNC_JOB, offsetMicros / 1e6, failure.getMessage());
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Skips the re-measurement when {@code telemetry.platform.clock-sync-enabled} is false. */
    @Singleton
    public static class SyncOff implements Scheduled.SkipPredicate {

        private final PlatformConfig config;

        public SyncOff(PlatformConfig config) {
            this.config = config;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !config.clockSyncEnabled();
        }
    }

    private void record(OffsetDateTime server, long sentMicros, long receivedMicros) {
        Instant at = server.toInstant();
        long serverMicros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000L;
        long offset = serverMicros - (sentMicros + receivedMicros) / 2;
        if (Math.abs(offset - offsetMicros) > WARN_OFFSET_MICROS || (!measured && Math.abs(offset) > WARN_OFFSET_MICROS)) {
            LOG.warnf("The database clock is %+.3f s from this JVM's clock; the service follows the database's", offset / 1e6);
        }
        offsetMicros = offset;
        measured = true;
    }

    private static long jvmMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
    }
}
