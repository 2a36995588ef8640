package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Service-enforced retention: drops the chunks that lie entirely before {@code now() - retention}
 * ({@code drop_chunks} never drops a chunk that still holds newer rows). It covers the raw hypertables
 * where TimescaleDB has no retention policies (Apache edition) and service-maintained aggregate tables
 * on either edition. Dropping raw chunks does not touch aggregates: their history stays (pitfall
 * timescaledb#2198 is avoided by keeping refresh windows inside raw retention).
 */
@ApplicationScoped
public class RetentionExecutor {

    private static final Logger LOG = Logger.getLogger(RetentionExecutor.class);

    /**
     * $1: whether native retention policies exist (Community edition); then raw tables are TimescaleDB's. Archived
     * hypertables are left to the archive job (dev.factorytelemetry.archive), which drops a chunk only once exported.
     */
    static final String TARGETS_SQL = """
            SELECT hypertable_name AS target, 'hypertable' AS kind, retention
            FROM factory_telemetry.hypertable_policy
            WHERE retention IS NOT NULL AND retention_enabled AND NOT archive_enabled AND NOT $1
            UNION ALL
            SELECT aggregate_name, 'aggregate', retention
            FROM factory_telemetry.aggregate_policy
            WHERE retention IS NOT NULL AND materialization = 'service_table'
            ORDER BY 1
            """;

    /** The target name comes from the catalog and is quoted by format(%I) and checked by ::regclass. */
    private static final String DROP_SQL = """
            SELECT count(*) AS dropped
            FROM drop_chunks(format('factory_telemetry.%I', $1::text)::regclass, older_than => $2::interval)
            """;

    /** Records a run per target ($1 target, $2 dropped chunks, $3 error or null); also used by the archive job. */
    public static final String RECORD_SQL = """
            INSERT INTO factory_telemetry.retention_run_state
                (target, last_run_at, last_success_at, last_dropped_chunks, total_dropped_chunks, last_error,
                 consecutive_failures, last_duration_ms)
            VALUES ($1, now(), CASE WHEN $3::text IS NULL THEN now() END, $2, $2, $3, CASE WHEN $3::text IS NULL THEN 0 ELSE 1 END, $4)
            ON CONFLICT (target) DO UPDATE
               SET last_run_at = EXCLUDED.last_run_at, last_dropped_chunks = EXCLUDED.last_dropped_chunks,
                   last_error = EXCLUDED.last_error, last_duration_ms = EXCLUDED.last_duration_ms,
                   consecutive_failures = CASE WHEN EXCLUDED.last_error IS NULL THEN 0 ELSE retention_run_state.consecutive_failures + 1 END,
                   last_success_at = coalesce(EXCLUDED.last_success_at, retention_run_state.last_success_at),
                   total_dropped_chunks = retention_run_state.total_dropped_chunks + EXCLUDED.last_dropped_chunks
            """;

    /** What one run did to one table. */
    public record Outcome(String target, String kind, long droppedChunks, String error) {
    }

    private final Pool pool;
    private final PlatformState platform;
    private final MeterRegistry registry;

    public RetentionExecutor(Pool pool, PlatformState platform, MeterRegistry registry) {
        this.pool = pool;
        this.platform = platform;
        this.registry = registry;
    }

    /** The failed targets of a run, each with its error. */
    static List<String> failures(List<Outcome> outcomes) {
        return outcomes.stream().filter(o -> o.error() != null).map(o -> "retention of " + o.target() + ": " + o.error()).toList();
    }

    /** Applies retention to every service-enforced target once. */
    public Uni<List<Outcome>> enforce() {
        boolean nativeRetention = platform.requireEdition().nativePolicies();
        return pool.preparedQuery(TARGETS_SQL).execute(Tuple.of(nativeRetention))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> enforce(row.getString("target"), row.getString("kind"),
                        row.getValue("retention")))
                .collect().asList();
    }

    private Uni<Outcome> enforce(String target, String kind, Object retention) {
        long started = System.nanoTime();
        return pool.preparedQuery(DROP_SQL).execute(Tuple.of(target, retention))
                .map(rows -> rows.iterator().next().getLong("dropped"))
                .map(dropped -> new Outcome(target, kind, dropped, null))
                .onFailure().recoverWithItem(failure -> new Outcome(target, kind, 0, String.valueOf(failure.getMessage())))
                .call(outcome -> {
                    if (outcome.error() != null) {
                        LOG.warnf("Retention of %s failed: %s", target, outcome.error());
                    } else if (outcome.droppedChunks() > 0) {
                        LOG.infof("Retention dropped %d chunk(s) of %s", outcome.droppedChunks(), target);
                    }
                    registry.counter("telemetry.retention.dropped.chunks", "target", target).increment(outcome.droppedChunks());
                    return pool.preparedQuery(RECORD_SQL).execute(Tuple.of(target, outcome.droppedChunks(), outcome.error(),
                                    (System.nanoTime() - started) / 1e6))
                            .onFailure().recoverWithNull();
                });
    }
}
