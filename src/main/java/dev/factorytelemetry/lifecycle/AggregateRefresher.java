package dev.factorytelemetry.lifecycle;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;

/**
 * Keeps service-maintained aggregates (the Apache edition's stand-in for continuous aggregates)
 * current: each one whose {@code refresh_schedule} has elapsed is refreshed by
 * {@code factory_telemetry.refresh_service_aggregate}, which recomputes exactly the buckets touched
 * by logged invalidations of any age (down to the source's retention horizon), aggregates on raw tables before those
 * built on them, and deletes the log entries it processed.
 */
@ApplicationScoped
public class AggregateRefresher {

    private static final Logger LOG = Logger.getLogger(AggregateRefresher.class);

    /**
     * Service-maintained aggregates in dependency order (those on hypertables first), with due flag: never due while
     * the refresh policy is switched off (refresh_enabled), refreshed on demand all the same.
     */
    static final String SERVICE_AGGREGATES_SQL = """
            SELECT a.aggregate_name,
                   a.refresh_enabled AND (s.last_run_at IS NULL OR s.last_run_at + a.refresh_schedule <= now()) AS due
            FROM factory_telemetry.aggregate_policy a
            LEFT JOIN factory_telemetry.aggregate_refresh_state s USING (aggregate_name)
            WHERE a.materialization = 'service_table'
            ORDER BY (a.source_name IN (SELECT aggregate_name FROM factory_telemetry.aggregate_policy)), a.aggregate_name
            """;

    private static final String REFRESH_SQL = "SELECT factory_telemetry.refresh_service_aggregate($1) AS ranges";

    /** An on-demand refresh of [$2, $3): logged as changed, so that the refresh in the same transaction recomputes it. */
    private static final String INVALIDATE_RANGE_SQL = """
            INSERT INTO factory_telemetry.aggregate_invalidation (aggregate_name, range_start, range_end)
            VALUES ($1, $2::timestamptz, $3::timestamptz - interval '1 microsecond')
            ON CONFLICT ON CONSTRAINT aggregate_invalidation_key DO NOTHING
            """;

    private static final String RECORD_SUCCESS_SQL = """
            INSERT INTO factory_telemetry.aggregate_refresh_state
                (aggregate_name, last_run_at, last_success_at, last_duration_ms, last_ranges, last_error)
            VALUES ($1, now(), now(), $2, $3, NULL)
            ON CONFLICT (aggregate_name) DO UPDATE
               SET last_run_at = EXCLUDED.last_run_at, last_success_at = EXCLUDED.last_success_at,
                   last_duration_ms = EXCLUDED.last_duration_ms, last_ranges = EXCLUDED.last_ranges, last_error = NULL,
                   consecutive_failures = 0
            """;

    private static final String RECORD_FAILURE_SQL = """
            INSERT INTO factory_telemetry.aggregate_refresh_state (aggregate_name, last_run_at, last_error, consecutive_failures)
            VALUES ($1, now(), $2, 1)
            ON CONFLICT (aggregate_name) DO UPDATE SET last_run_at = EXCLUDED.last_run_at, last_error = EXCLUDED.last_error,
                consecutive_failures = aggregate_refresh_state.consecutive_failures + 1
            """;

    /** The outcome of one aggregate's refresh. */
    public record Outcome(String aggregate, int ranges, Duration took, String error) {
        public boolean failed() {
            return error != null;
        }
    }

    private final Pool pool;
    private final MeterRegistry registry;

    public AggregateRefresher(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        this.registry = registry;
    }

    /** Refreshes the aggregates whose schedule has elapsed. */
    public Uni<List<Outcome>> refreshDue() {
        return refresh(false);
    }

    /** Refreshes every service-maintained aggregate now, in dependency order (admin API, tests). */
    public Uni<List<Outcome>> refreshAll() {
        return refresh(true);
    }

    /**
     * Refreshes service-maintained aggregates now (one, or all when {@code aggregate} is null), in dependency order:
     * everything logged, and with a {@code range} also every bucket of that range.
     */
    public Uni<List<Outcome>> refresh(String aggregate, BackfillRefresher.Range range) {
        return refresh(true, aggregate, range);
    }

    private Uni<List<Outcome>> refresh(boolean all) {
        return refresh(all, null, null);
    }

    private Uni<List<Outcome>> refresh(boolean all, String only, BackfillRefresher.Range range) {
        return pool.query(SERVICE_AGGREGATES_SQL).execute()
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .filter(row -> all || row.getBoolean("due"))
                .map(row -> row.getString("aggregate_name"))
                .filter(name -> only == null || only.equals(name))
                // one after the other: daily aggregates read the hourly ones refreshed just before
                .onItem().transformToUniAndConcatenate(name -> refreshOne(name, range))
                .collect().asList();
    }

    /** Refreshes one aggregate (its own transaction) and records the outcome. */
    public Uni<Outcome> refreshOne(String aggregate) {
        return refreshOne(aggregate, null);
    }

    private Uni<Outcome> refreshOne(String aggregate, BackfillRefresher.Range range) {
        long started = System.nanoTime();
        return pool.withTransaction(connection -> (range == null ? Uni.createFrom().voidItem()
                                : connection.preparedQuery(INVALIDATE_RANGE_SQL).execute(Tuple.of(aggregate,
                                        range.from().atOffset(java.time.ZoneOffset.UTC), range.to().atOffset(java.time.ZoneOffset.UTC)))
                                        .replaceWithVoid())
                        .flatMap(ignored -> connection.preparedQuery(REFRESH_SQL).execute(Tuple.of(aggregate)))
                        .map(rows -> rows.iterator().next().getInteger("ranges"))
                        .call(ranges -> connection.preparedQuery(RECORD_SUCCESS_SQL).execute(Tuple.of(aggregate,
                                (System.nanoTime() - started) / 1e6, ranges))))
                .map(ranges -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    Timer.builder("telemetry.aggregate.refresh").description("Refresh of a service-maintained aggregate")
                            .tag("aggregate", aggregate).register(registry).record(took);
                    return new Outcome(aggregate, ranges, took, null);
                })
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("Refresh of %s failed: %s", aggregate, failure.getMessage());
                    registry.counter("telemetry.aggregate.refresh.failures", "aggregate", aggregate).increment();
                    return pool.preparedQuery(RECORD_FAILURE_SQL).execute(Tuple.of(aggregate, String.valueOf(failure.getMessage())))
                            .onFailure().recoverWithNull()
                            .replaceWith(new Outcome(aggregate, 0, Duration.ofNanos(System.nanoTime() - started),
                                    String.valueOf(failure.getMessage())));
                });
    }
}
