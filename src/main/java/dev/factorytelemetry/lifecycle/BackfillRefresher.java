package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings the backfill backlog into the aggregates and reports it.
 *
 * <p>Community edition: TimescaleDB's refresh policies only refresh their {@code start_offset} window, so rows
 * written further back (store-and-forward gateways, history imports, corrections) stay in TimescaleDB's invalidation
 * log. {@link #refreshBacklog()} reads that log ({@code factory_telemetry.aggregate_backlog()}, see changelog 0010)
 * and refreshes exactly those bucket ranges, one aggregate at a time, aggregates on raw tables before the daily ones
 * built on them, one {@code CALL refresh_continuous_aggregate} per range. Each call is a single statement on a pooled
 * connection outside any transaction block (the procedure commits internally and refuses to run inside one).
 *
 * <p>Apache edition: {@link AggregateRefresher} processes the service's log of any age; this bean only reports the
 * backlog.
 *
 * <p>Both editions: gauges {@code factory_telemetry_aggregate_backlog_ranges} and
 * {@code factory_telemetry_aggregate_backlog_oldest_bucket_age_seconds} per aggregate, updated on every run.
 */
@ApplicationScoped
public class BackfillRefresher {

    private static final Logger LOG = Logger.getLogger(BackfillRefresher.class);

    /** Continuous aggregates in dependency order (on raw tables first), all or one; $2: only those whose refresh is on. */
    static final String CONTINUOUS_AGGREGATES_SQL = """
            SELECT a.aggregate_name
            FROM factory_telemetry.aggregate_policy a
            WHERE a.materialization = 'continuous_aggregate' AND ($1::text IS NULL OR a.aggregate_name = $1)
              AND (NOT $2 OR a.refresh_enabled)
            ORDER BY (a.source_name IN (SELECT aggregate_name FROM factory_telemetry.aggregate_policy)), a.aggregate_name
            """;

    /**
     * The backlog's ranges; an open start (NULL: refresh from the first bucket) where the source keeps its rows forever
     * (no retention: the range reaches TimescaleDB's -infinity sentinel, which no Java date holds).
     */
    static final String BACKLOG_RANGES_SQL = """
            SELECT CASE WHEN isfinite(bucket_from) AND bucket_from >= '0001-01-01 00:00:00+00' THEN bucket_from END AS bucket_from,
                   bucket_to
            FROM factory_telemetry.aggregate_backlog($1) ORDER BY 1 NULLS FIRST
            """;

    /** [$2, $3) widened to whole buckets of the aggregate and clipped to its refresh horizon. */
    static final String ALIGNED_RANGE_SQL = """
            SELECT greatest(factory_telemetry.aggregate_bucket(bucket_width, $2::timestamptz),
                            factory_telemetry.aggregate_refresh_horizon(aggregate_name)) AS bucket_from,
                   factory_telemetry.aggregate_bucket_after(bucket_width, $3::timestamptz - interval '1 microsecond') AS bucket_to
            FROM factory_telemetry.aggregate_policy WHERE aggregate_name = $1
            """;

    /** A procedure: runs on its own, never inside a transaction block (timescaledb#2876). */
    static final String REFRESH_SQL = """
            CALL refresh_continuous_aggregate(format('factory_telemetry.%I', $1::text)::regclass,
                                              $2::timestamptz, $3::timestamptz, force => $4)
            """;

    static final String BACKLOG_SUMMARY_SQL = """
            SELECT aggregate_name, pending_ranges, extract(epoch FROM now() - oldest_pending_bucket)::float8 AS oldest_age_s
            FROM factory_telemetry.v_aggregate_backlog
            """;

    /** A bucket range of an aggregate refreshed (or, failing, left waiting); {@code from} null: from the first bucket. */
    public record Range(Instant from, Instant to) {
    }

    private final Pool pool;
    private final MeterRegistry registry;
    private final PlatformState platform;
    /** Backlog per aggregate: [ranges, age of the oldest pending bucket in seconds], read by the gauges. */
    private final Map<String, double[]> backlog = new ConcurrentHashMap<>();
    private final List<Meter> gauges = new java.util.concurrent.CopyOnWriteArrayList<>();

    public BackfillRefresher(Pool pool, MeterRegistry registry, PlatformState platform) {
        this.pool = pool;
        this.registry = registry;
        this.platform = platform;
    }

    /**
     * The scheduled run: on the Community edition refreshes the backlog of every continuous aggregate; on both
     * editions updates the backlog gauges afterwards. Aggregates whose refresh policy is switched off are left alone.
     */
    public Uni<List<AggregateRefresher.Outcome>> refreshBacklog() {
        Uni<List<AggregateRefresher.Outcome>> refreshed = platform.requireEdition().nativePolicies()
                ? refresh(null, null, true) : Uni.createFrom().item(List.of());
        return refreshed.call(this::updateGauges);
    }

    /**
     * Refreshes continuous aggregates (one, or all when {@code aggregate} is null) in dependency order: their backlog
     * when {@code range} is null, otherwise every bucket of the range (forced), widened to whole buckets.
     */
    public Uni<List<AggregateRefresher.Outcome>> refresh(String aggregate, Range range) {
        return refresh(aggregate, range, false);
    }

    /** As {@link #refresh(String, Range)}; {@code onlyEnabled}: skip aggregates whose refresh policy is switched off. */
    private Uni<List<AggregateRefresher.Outcome>> refresh(String aggregate, Range range, boolean onlyEnabled) {
        return pool.preparedQuery(CONTINUOUS_AGGREGATES_SQL).execute(Tuple.of(aggregate, onlyEnabled))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .map(row -> row.getString("aggregate_name"))
                // one aggregate after the other: daily aggregates read the hourly ones refreshed just before
                .onItem().transformToUniAndConcatenate(name -> refreshOne(name, range))
                .collect().asList();
    }

    private Uni<AggregateRefresher.Outcome> refreshOne(String aggregate, Range range) {
        long started = System.nanoTime();
        Uni<List<Range>> ranges = range == null
                ? pool.preparedQuery(BACKLOG_RANGES_SQL).execute(Tuple.of(aggregate)).map(BackfillRefresher::ranges)
                : pool.preparedQuery(ALIGNED_RANGE_SQL).execute(Tuple.of(aggregate, utc(range.from()), utc(range.to())))
                        .map(BackfillRefresher::ranges)
                        .map(list -> list.stream().filter(r -> r.from() == null || r.from().isBefore(r.to())).toList());
        boolean force = range != null;
        Uni<List<Range>> refreshed = ranges.flatMap(list -> refreshRanges(aggregate, list, force));
        if (range == null) {
            // a second pass for what TimescaleDB left behind (a bucket boundary of a time-zone aggregate, a write
            // that arrived meanwhile): the backlog of an aggregate is empty after its turn unless writes continue
            refreshed = refreshed.flatMap(first -> pool.preparedQuery(BACKLOG_RANGES_SQL).execute(Tuple.of(aggregate))
                    .map(BackfillRefresher::ranges)
                    .flatMap(again -> refreshRanges(aggregate, again, false))
                    .map(second -> {
                        List<Range> all = new ArrayList<>(first);
                        all.addAll(second);
                        return all;
                    }));
        }
        return refreshed
                .map(done -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    if (!done.isEmpty()) {
                        Timer.builder("factory_telemetry.aggregate.backfill.refresh")
                                .description("Targeted refresh of a continuous aggregate's backlog (all its ranges)")
                                .tag("aggregate", aggregate).register(registry).record(took);
                        Counter.builder("factory_telemetry.aggregate.backfill.ranges")
                                .description("Bucket ranges refreshed by the backfill refresher")
                                .tag("aggregate", aggregate).register(registry).increment(done.size());
                        LOG.debugf("Refreshed %s range(s) of %s in %s ms", (Object) done.size(), aggregate, took.toMillis());
                    }
                    return new AggregateRefresher.Outcome(aggregate, done.size(), took, null);
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Backfill refresh of %s failed: %s", aggregate, failure.getMessage());
                    Counter.builder("factory_telemetry.aggregate.backfill.failures").tag("aggregate", aggregate)
                            .register(registry).increment();
                    return new AggregateRefresher.Outcome(aggregate, 0, Duration.ofNanos(System.nanoTime() - started),
                            String.valueOf(failure.getMessage()));
                });
    }

    /** One CALL per range, one after the other. */
    private Uni<List<Range>> refreshRanges(String aggregate, List<Range> ranges, boolean force) {
        return Multi.createFrom().iterable(ranges)
                .onItem().transformToUniAndConcatenate(r -> pool.preparedQuery(REFRESH_SQL)
                        .execute(Tuple.of(aggregate, utc(r.from()), utc(r.to()), force)).replaceWith(r))
                .collect().asList();
    }

    /** Reads the backlog per aggregate into the gauges (registered on first sight of an aggregate). */
    public Uni<Void> updateGauges() {
        return pool.query(BACKLOG_SUMMARY_SQL).execute().invoke(rows -> {
            for (Row row : rows) {
                String aggregate = row.getString("aggregate_name");
                double[] values = backlog.computeIfAbsent(aggregate, this::register);
                values[0] = row.getLong("pending_ranges");
                Double age = row.getDouble("oldest_age_s");
                values[1] = age == null ? 0 : age;
            }
        }).replaceWithVoid().onFailure().recoverWithUni(failure -> {
            LOG.warnf("Could not read the aggregate backlog: %s", failure.getMessage());
            return Uni.createFrom().voidItem();
        });
    }

    private double[] register(String aggregate) {
        double[] values = new double[2];
        gauges.add(Gauge.builder("factory_telemetry.aggregate.backlog.ranges", values, v -> v[0])
                .description("Bucket ranges of the aggregate whose source rows changed and that wait for a refresh")
                .tag("aggregate", aggregate).register(registry));
        gauges.add(Gauge.builder("factory_telemetry.aggregate.backlog.oldest.bucket.age", values, v -> v[1])
                .description("Age of the oldest bucket waiting for a refresh (0: none waiting)")
                .baseUnit("seconds").tag("aggregate", aggregate).register(registry));
        return values;
    }

    /** A registry may outlive this bean (a restarted application in the same JVM): leave no gauge on dead state. */
    @PreDestroy
    void removeGauges() {
        gauges.forEach(registry::remove);
    }

    private static List<Range> ranges(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Range> list = new ArrayList<>();
        for (Row row : rows) {
            OffsetDateTime from = row.getOffsetDateTime("bucket_from");
            OffsetDateTime to = row.getOffsetDateTime("bucket_to");
            if (to != null) {
                list.add(new Range(from == null ? null : from.toInstant(), to.toInstant()));
            }
        }
        return list;
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(java.time.ZoneOffset.UTC);
    }
}
