package dev.factorytelemetry.observe;

import dev.factorytelemetry.manager.PlatformHealth;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SkipUntilStarted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Platform gauges for Prometheus (names in {@link #GAUGES}): hypertable sizes, chunks, compression (bytes before
 * and after, ratio, backlog), oldest data age, aggregate staleness and refresh duration, lifecycle job state (last
 * status, failures in a row, duration), database size, hypertable and aggregate health and readiness. On every
 * tick ({@code telemetry.observe.tick}) it evaluates readiness and runs one SQL query over the monitoring views
 * ({@code v_chunk_statistics}, {@code v_continuous_aggregate_status}, {@code v_lifecycle_job_runs}) and the
 * manager's health query; scrapes read the cached values. Runs on every replica (the values are the same;
 * Prometheus rules aggregate with max).
 */
@ApplicationScoped
public class PlatformMetricsCollector {

    private static final Logger LOG = Logger.getLogger(PlatformMetricsCollector.class);

    /**
     * One row per gauge value: metric name, labels as alternating names and values, value. The hypertable and
     * aggregate figures and their health come from the manager's health query ({@link PlatformHealth#OBJECTS_SQL},
     * whose thresholds are its parameters), so the gauges and {@code GET /api/v1/admin/platform/health} agree.
     */
    static final String COLLECT_SQL = "WITH objects AS (" + PlatformHealth.OBJECTS_SQL + "), " + """
            jobs AS (
                SELECT kind, target, executor, status, last_status, last_success_at, consecutive_failures, last_duration_seconds
                FROM factory_telemetry.v_lifecycle_job_runs
            ), chunk_stats AS (
                SELECT hypertable_name, chunks, compressed_chunks, total_bytes FROM factory_telemetry.v_chunk_statistics
            ), hypertables AS (
                SELECT * FROM objects WHERE kind = 'hypertable'
            )
            SELECT 'factory_telemetry_hypertable_size_bytes', ARRAY['hypertable', hypertable_name], total_bytes::float8 FROM chunk_stats
            UNION ALL SELECT 'factory_telemetry_hypertable_chunks', ARRAY['hypertable', hypertable_name], chunks::float8 FROM chunk_stats
            UNION ALL SELECT 'factory_telemetry_hypertable_compressed_chunks', ARRAY['hypertable', hypertable_name], compressed_chunks::float8
                      FROM chunk_stats WHERE compressed_chunks IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_hypertable_compression_ratio', ARRAY['hypertable', name], compression_ratio::float8
                      FROM hypertables WHERE compression_ratio IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_hypertable_compression_before_bytes', ARRAY['hypertable', name], before_bytes::float8
                      FROM hypertables WHERE before_bytes IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_hypertable_compression_after_bytes', ARRAY['hypertable', name], after_bytes::float8
                      FROM hypertables WHERE after_bytes IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_compression_backlog_chunks', ARRAY['hypertable', name], backlog::float8
                      FROM hypertables WHERE backlog IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_hypertable_oldest_data_age_seconds', ARRAY['hypertable', name],
                             extract(epoch FROM now() - oldest_data)::float8
                      FROM hypertables WHERE oldest_data IS NOT NULL
            UNION ALL SELECT CASE kind WHEN 'hypertable' THEN 'factory_telemetry_hypertable_health' ELSE 'factory_telemetry_aggregate_health' END,
                             ARRAY[kind, name], CASE status WHEN 'critical' THEN 2 WHEN 'warning' THEN 1 ELSE 0 END::float8
                      FROM objects
            UNION ALL SELECT 'factory_telemetry_aggregate_staleness_seconds', ARRAY['aggregate', aggregate_name],
                             extract(epoch FROM staleness)::float8
                      FROM factory_telemetry.v_continuous_aggregate_status WHERE staleness IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_aggregate_refresh_schedule_seconds', ARRAY['aggregate', aggregate_name],
                             extract(epoch FROM refresh_schedule)::float8
                      FROM factory_telemetry.v_continuous_aggregate_status WHERE refresh_schedule IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_aggregate_pending_invalidations', ARRAY['aggregate', aggregate_name],
                             pending_invalidations::float8
                      FROM factory_telemetry.v_continuous_aggregate_status
            UNION ALL SELECT 'factory_telemetry_aggregate_last_refresh_duration_seconds', ARRAY['aggregate', target], last_duration_seconds
                      FROM jobs WHERE kind = 'refresh' AND last_duration_seconds IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_lifecycle_job_failing', ARRAY['kind', kind, 'target', target, 'executor', executor],
                             (status = 'failing')::int::float8 FROM jobs
            UNION ALL SELECT 'factory_telemetry_lifecycle_job_last_success_timestamp_seconds',
                             ARRAY['kind', kind, 'target', target, 'executor', executor], extract(epoch FROM last_success_at)::float8
                      FROM jobs WHERE last_success_at IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_lifecycle_job_last_run_success', ARRAY['kind', kind, 'target', target, 'executor', executor],
                             (last_status = 'Success')::int::float8
                      FROM jobs WHERE last_status IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_lifecycle_job_consecutive_failures', ARRAY['kind', kind, 'target', target, 'executor', executor],
                             consecutive_failures::float8
                      FROM jobs WHERE consecutive_failures IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_lifecycle_job_last_duration_seconds', ARRAY['kind', kind, 'target', target, 'executor', executor],
                             last_duration_seconds
                      FROM jobs WHERE last_duration_seconds IS NOT NULL
            UNION ALL SELECT 'factory_telemetry_database_size_bytes', ARRAY[]::text[], pg_database_size(current_database())::float8
            """;

    /** The gauges refreshed from {@link #COLLECT_SQL}, with their help texts. */
    static final Map<String, String> GAUGES = new LinkedHashMap<>();

    static {
        GAUGES.put("factory_telemetry_hypertable_size_bytes", "Total size of a hypertable (table, indexes, TOAST; compressed chunks as stored)");
        GAUGES.put("factory_telemetry_hypertable_chunks", "Chunks of a hypertable");
        GAUGES.put("factory_telemetry_hypertable_compressed_chunks", "Compressed chunks of a hypertable (Community edition)");
        GAUGES.put("factory_telemetry_hypertable_compression_ratio", "Bytes before compression / bytes after, of a hypertable's compressed chunks");
        GAUGES.put("factory_telemetry_hypertable_compression_before_bytes", "Bytes of a hypertable's compressed chunks before compression (Community edition)");
        GAUGES.put("factory_telemetry_hypertable_compression_after_bytes", "Bytes of a hypertable's compressed chunks after compression (Community edition)");
        GAUGES.put("factory_telemetry_compression_backlog_chunks", "Chunks older than compress_after that are not compressed (compression enabled only)");
        GAUGES.put("factory_telemetry_hypertable_oldest_data_age_seconds", "Age of a hypertable's oldest row");
        GAUGES.put("factory_telemetry_hypertable_health", "Hypertable health: 0 healthy, 1 warning, 2 critical (GET /api/v1/admin/platform/health says why)");
        GAUGES.put("factory_telemetry_aggregate_health", "Aggregate health: 0 healthy, 1 warning, 2 critical (GET /api/v1/admin/platform/health says why)");
        GAUGES.put("factory_telemetry_aggregate_staleness_seconds", "Time since an aggregate's last successful refresh");
        GAUGES.put("factory_telemetry_aggregate_refresh_schedule_seconds", "An aggregate's refresh schedule (catalog)");
        GAUGES.put("factory_telemetry_aggregate_pending_invalidations", "Logged writes an aggregate has not refreshed yet (service-maintained aggregates)");
        GAUGES.put("factory_telemetry_aggregate_last_refresh_duration_seconds", "Duration of an aggregate's last refresh (native job or the service's)");
        GAUGES.put("factory_telemetry_lifecycle_job_failing", "1 while a lifecycle job's last run failed (v_lifecycle_jobs)");
        GAUGES.put("factory_telemetry_lifecycle_job_last_success_timestamp_seconds", "When a lifecycle job last succeeded (Unix time)");
        GAUGES.put("factory_telemetry_lifecycle_job_last_run_success", "1 when a lifecycle job's last run succeeded, 0 when it failed (absent before its first run)");
        GAUGES.put("factory_telemetry_lifecycle_job_consecutive_failures", "Runs of a lifecycle job that failed since its last success");
        GAUGES.put("factory_telemetry_lifecycle_job_last_duration_seconds", "Duration of a lifecycle job's last run (v_lifecycle_job_runs)");
        GAUGES.put("factory_telemetry_database_size_bytes", "Size of the service's database (pg_database_size)");
    }

    private final Pool pool;
    private final SmallRyeHealthReporter health;
    private final ObserveConfig config;
    private final PlatformHealth platformHealth;
    private final Map<String, MultiGauge> gauges = new LinkedHashMap<>();
    private final AtomicLong ready = new AtomicLong(-1);
    private final AtomicLong lastSuccess = new AtomicLong(0);
    private final Counter errors;

    public PlatformMetricsCollector(Pool pool, SmallRyeHealthReporter health, ObserveConfig config, PlatformHealth platformHealth,
                                    MeterRegistry registry) {
        this.pool = pool;
        this.health = health;
        this.config = config;
        this.platformHealth = platformHealth;
        GAUGES.forEach((name, help) -> gauges.put(name, MultiGauge.builder(name).description(help).register(registry)));
        Gauge.builder("factory_telemetry_readiness_up", ready, AtomicLong::get)
                .description("1 while this replica's readiness check is UP, 0 while DOWN (-1 before the first check)").register(registry);
        Gauge.builder("factory_telemetry_observe_last_success_timestamp_seconds", lastSuccess, AtomicLong::get)
                .description("When the platform metrics were last collected (Unix time)").register(registry);
        Gauge.builder("factory_telemetry_database_size_limit_bytes", config, c -> c.databaseSizeLimit().asLongValue())
                .description("Disk space the database may fill (telemetry.observe.database-size-limit)").register(registry);
        this.errors = Counter.builder("factory_telemetry_observe_errors")
                .description("Failed collections of the platform metrics (the gauges keep their previous values)").register(registry);
    }

    /** Evaluates readiness and refreshes the database gauges once; never fails (a failure is logged and counted). */
    public Uni<Void> collect() {
        Uni<Void> readiness = health.getReadinessAsync()
                .invoke(r -> ready.set(r.getStatus() == HealthCheckResponse.Status.UP ? 1 : 0))
                .onFailure().invoke(f -> ready.set(0))
                .onFailure().recoverWithNull().replaceWithVoid();
        return readiness.chain(() -> pool.preparedQuery(COLLECT_SQL)
                        .execute(platformHealth.thresholds()))
                .invoke(this::publish)
                .invoke(() -> lastSuccess.set(System.currentTimeMillis() / 1000))
                .onFailure().invoke(f -> {
                    errors.increment();
                    LOG.warnf("platform metrics not collected: %s", f.getMessage());
                })
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private void publish(RowSet<Row> rows) {
        Map<String, List<MultiGauge.Row<?>>> byName = new LinkedHashMap<>();
        gauges.keySet().forEach(name -> byName.put(name, new ArrayList<>()));
        for (Row row : rows) {
            String[] labels = row.getArrayOfStrings(1);
            Tags tags = Tags.empty();
            for (int i = 0; i + 1 < labels.length; i += 2) {
                tags = tags.and(labels[i], labels[i + 1] == null ? "" : labels[i + 1]);
            }
            Double value = row.getDouble(2);
            List<MultiGauge.Row<?>> target = byName.get(row.getString(0));
            if (target != null && value != null) {
                target.add(MultiGauge.Row.of(tags, value));
            }
        }
        byName.forEach((name, values) -> gauges.get(name).register(values, true));
    }

    @Scheduled(identity = "collect-platform-metrics", every = "${telemetry.observe.tick:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotStarted.class)
    Uni<Void> scheduledCollect() {
        return collect();
    }

    /** Skips ticks before start-up finished (the schema may not exist yet) or when collection is off. */
    @Singleton
    public static class NotStarted extends SkipUntilStarted {

        private final ObserveConfig config;

        public NotStarted(PlatformState platform, ObserveConfig config) {
            super(platform);
            this.config = config;
        }

        @Override
        protected boolean enabled() {
            return config.enabled();
        }
    }
}
