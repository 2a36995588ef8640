package dev.factorytelemetry.manager;

import dev.factorytelemetry.lifecycle.LifecycleConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Health of every hypertable of the policy catalog and every aggregate: healthy, warning or critical, with the
 * reasons. {@link #OBJECTS_SQL} is the one definition: the health endpoint, the hypertable info and the
 * platform gauges ({@code factory_telemetry_hypertable_health}, {@code _aggregate_health}, compression and
 * data-age gauges of {@code observe.PlatformMetricsCollector}) all read it, with the thresholds of
 * {@link ManagerConfig.Health} as its parameters ({@link #thresholds()}).
 */
@ApplicationScoped
public class PlatformHealth {

    public static final String HEALTHY = "healthy";
    public static final String WARNING = "warning";
    public static final String CRITICAL = "critical";

    /** What compression is on the Apache edition, in every answer. */
    public static final String NOT_AVAILABLE = "not available on this edition";

    /**
     * One row per hypertable of the policy catalog ({@code kind} hypertable) and per aggregate ({@code kind}
     * aggregate): the facts the checks read, {@code status} and {@code reasons} (JSON array of {severity, check,
     * detail}). Parameters: {@link #thresholds()} ($1 … $12).
     */
    public static final String OBJECTS_SQL = """
            WITH jobs AS (
                SELECT j.*,
                       CASE WHEN j.status = 'failing' THEN
                                 CASE WHEN j.last_success_at IS NULL OR j.last_success_at < now() - make_interval(secs => $1::float8)
                                      THEN 'critical' ELSE 'warning' END
                            WHEN j.status = 'paused' THEN 'warning'
                            WHEN j.executor = 'timescaledb' AND j.next_run_at < now() - make_interval(secs => $2::float8) THEN 'warning'
                            WHEN j.executor = 'service' AND j.kind = 'retention'
                                 AND j.last_run_at < now() - make_interval(secs => $2::float8 + $3::float8) THEN 'warning'
                       END AS severity
                FROM factory_telemetry.v_lifecycle_job_runs j
                WHERE j.kind <> 'job'
            ), job_reasons AS (
                SELECT target, jsonb_agg(jsonb_build_object(
                           'severity', severity,
                           'check', CASE status WHEN 'failing' THEN 'job_failing' WHEN 'paused' THEN 'job_paused' ELSE 'job_overdue' END,
                           'detail', CASE status
                                WHEN 'failing' THEN format('%s job (%s%s) failed %s time(s) in a row, last success %s: %s', kind, executor,
                                                           ' ' || job_id, coalesce(consecutive_failures, 1),
                                                           coalesce(last_success_at::text, 'never'), last_error)
                                WHEN 'paused' THEN format('%s job (%s%s) is paused', kind, executor, ' ' || job_id)
                                ELSE CASE WHEN executor = 'timescaledb'
                                    THEN format('%s job (timescaledb %s) is overdue: its next start was due at %s', kind, job_id, next_run_at)
                                    ELSE format('%s (service) has not run since %s', kind, last_run_at) END END)
                           ORDER BY kind) AS reasons
                FROM jobs
                WHERE severity IS NOT NULL
                GROUP BY target
            ), tables AS (
                SELECT p.hypertable_name AS name, p.compress_after, p.retention, p.retention_enabled,
                       CASE cs.compression WHEN 'unavailable' THEN 'not available on this edition' ELSE cs.compression END AS compression,
                       st.chunks, st.compressed_chunks, st.table_bytes, st.index_bytes, st.total_bytes, st.oldest_data_from AS oldest_chunk_from,
                       st.newest_chunk_until, cs.before_bytes, cs.after_bytes, cs.compression_ratio,
                       st.total_bytes - coalesce(cs.after_bytes, 0) AS uncompressed_bytes,
                       CASE WHEN cs.compression = 'enabled' THEN ch.backlog END AS backlog,
                       ch.expired_chunks,
                       now() - p.retention - ch.oldest_expired_end AS retention_overdue_by,
                       factory_telemetry.hypertable_data_bound(p.hypertable_name, false) AS oldest_data
                FROM factory_telemetry.hypertable_policy p
                JOIN factory_telemetry.v_chunk_statistics st ON st.hypertable_name = p.hypertable_name
                LEFT JOIN factory_telemetry.v_compression_statistics cs ON cs.hypertable_name = p.hypertable_name
                LEFT JOIN LATERAL (
                    SELECT count(*) FILTER (WHERE NOT c.is_compressed AND c.range_end <= now() - p.compress_after) AS backlog,
                           count(*) FILTER (WHERE p.retention_enabled AND c.range_end < now() - p.retention) AS expired_chunks,
                           min(c.range_end) FILTER (WHERE p.retention_enabled AND c.range_end < now() - p.retention) AS oldest_expired_end
                    FROM timescaledb_information.chunks c
                    WHERE c.hypertable_schema = 'factory_telemetry' AND c.hypertable_name = p.hypertable_name) ch ON true
            ), table_checks AS (
                SELECT t.*, ARRAY[
                    CASE WHEN t.backlog > 0 THEN jsonb_build_object(
                        'severity', CASE WHEN t.backlog > $4::int THEN 'critical' ELSE 'warning' END, 'check', 'compression_backlog',
                        'detail', format('%s chunk(s) older than compress_after (%s) are not compressed (critical above %s)',
                                         t.backlog, t.compress_after, $4::int)) END,
                    CASE WHEN t.chunks > $5::int THEN jsonb_build_object(
                        'severity', CASE WHEN t.chunks > $6::int THEN 'critical' ELSE 'warning' END, 'check', 'chunk_count',
                        'detail', format('%s chunks (warning above %s, critical above %s): planning slows down and queries need more locks',
                                         t.chunks, $5::int, $6::int)) END,
                    CASE WHEN t.retention_overdue_by > make_interval(secs => $7::float8) THEN jsonb_build_object(
                        'severity', CASE WHEN t.retention_overdue_by > make_interval(secs => $8::float8) THEN 'critical' ELSE 'warning' END,
                        'check', 'retention_overdue',
                        'detail', format('%s chunk(s) lie entirely beyond the retention period (%s) and are still there; the oldest expired %s ago',
                                         t.expired_chunks, t.retention, justify_interval(date_trunc('second', t.retention_overdue_by)))) END,
                    CASE WHEN t.uncompressed_bytes > $11::bigint THEN jsonb_build_object(
                        'severity', CASE WHEN t.uncompressed_bytes > $12::bigint THEN 'critical' ELSE 'warning' END,
                        'check', 'uncompressed_size',
                        'detail', format('%s in uncompressed chunks (warning above %s, critical above %s)', pg_size_pretty(t.uncompressed_bytes),
                                         pg_size_pretty($11::bigint), pg_size_pretty($12::bigint))) END
                ] AS checks
                FROM tables t
            ), aggregate_checks AS (
                SELECT a.*, ARRAY[
                    CASE WHEN a.materialization IS NULL THEN jsonb_build_object('severity', 'critical', 'check', 'aggregate_missing',
                        'detail', 'the aggregate has not been created') END,
                    CASE WHEN a.materialization IS NOT NULL AND a.last_refresh IS NULL THEN jsonb_build_object('severity', 'warning',
                        'check', 'aggregate_never_refreshed', 'detail', 'the aggregate has never been refreshed') END,
                    CASE WHEN a.staleness > a.refresh_schedule * $9::float8 THEN jsonb_build_object(
                        'severity', CASE WHEN a.staleness > a.refresh_schedule * $10::float8 THEN 'critical' ELSE 'warning' END,
                        'check', 'aggregate_stale',
                        'detail', format('last refreshed %s ago, at %s, with a refresh schedule of %s (warning beyond %s schedules, critical beyond %s)',
                                         justify_interval(date_trunc('second', a.staleness)), a.last_refresh, a.refresh_schedule, $9::float8, $10::float8)) END
                ] AS checks
                FROM factory_telemetry.v_continuous_aggregate_status a
            ), objects AS (
                SELECT 'hypertable' AS kind, t.name, NULL::text AS materialization, t.compression, t.chunks, t.compressed_chunks,
                       t.table_bytes, t.index_bytes, t.total_bytes, t.before_bytes, t.after_bytes, t.compression_ratio,
                       t.uncompressed_bytes, t.backlog, t.expired_chunks, t.oldest_chunk_from, t.newest_chunk_until, t.oldest_data,
                       NULL::float8 AS staleness_seconds, NULL::timestamptz AS last_refresh,
                       coalesce((SELECT jsonb_agg(c) FROM unnest(t.checks) c WHERE c IS NOT NULL), '[]'::jsonb)
                           || coalesce(r.reasons, '[]'::jsonb) AS reasons
                FROM table_checks t LEFT JOIN job_reasons r ON r.target = t.name
                UNION ALL
                SELECT 'aggregate', a.aggregate_name, a.materialization, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL, extract(epoch FROM a.staleness)::float8, a.last_refresh,
                       coalesce((SELECT jsonb_agg(c) FROM unnest(a.checks) c WHERE c IS NOT NULL), '[]'::jsonb)
                           || coalesce(r.reasons, '[]'::jsonb)
                FROM aggregate_checks a LEFT JOIN job_reasons r ON r.target = a.aggregate_name
            )
            SELECT o.*,
                   CASE WHEN jsonb_path_exists(o.reasons, '$[*] ? (@.severity == "critical")') THEN 'critical'
                        WHEN jsonb_array_length(o.reasons) > 0 THEN 'warning'
                        ELSE 'healthy' END AS status
            FROM objects o
            """;

    /** The number of parameters of {@link #OBJECTS_SQL}; statements that embed it number theirs from here on. */
    public static final int PARAMETERS = 12;

    /** One reason why an object is not healthy. {@code check}: job_failing, compression_backlog, aggregate_stale, … */
    public record Reason(String severity, String check, String detail) {
    }

    /**
     * The health of one hypertable or aggregate. {@code compression}: enabled, disabled or "not available on this
     * edition" (hypertables); {@code materialization}: continuous_aggregate (Community) or service_table (Apache;
     * refreshed by the service) for aggregates; the figures the checks read (null where they do not apply).
     */
    public record ObjectHealth(String name, String status, List<Reason> reasons, String compression, String materialization,
                               Long chunks, Long compressionBacklog, Long expiredChunks, Long uncompressedBytes,
                               Double stalenessSeconds) {
    }

    /** Plant-wide: the worst status, counts of hypertables and aggregates per status, and each of them. */
    public record Summary(String status, Map<String, Integer> counts, List<ObjectHealth> hypertables, List<ObjectHealth> aggregates) {
    }

    private final Pool pool;
    private final ManagerConfig config;
    private final LifecycleConfig lifecycle;

    public PlatformHealth(Pool pool, ManagerConfig config, LifecycleConfig lifecycle) {
        this.pool = pool;
        this.config = config;
        this.lifecycle = lifecycle;
    }

    /** The parameters of {@link #OBJECTS_SQL}, followed by {@code more}. */
    public Tuple thresholds(Object... more) {
        ManagerConfig.Health h = config.health();
        Tuple tuple = Tuple.of(seconds(h.jobFailureCritical()), seconds(h.jobOverdue()), seconds(lifecycle.retentionInterval()))
                .addInteger(h.compressionBacklogCritical())
                .addInteger(h.chunkCountWarning())
                .addInteger(h.chunkCountCritical())
                .addDouble(seconds(h.retentionGrace()))
                .addDouble(seconds(h.retentionOverdueCritical()))
                .addDouble(h.stalenessWarningFactor())
                .addDouble(h.stalenessCriticalFactor())
                .addLong(h.uncompressedSizeWarning().asLongValue())
                .addLong(h.uncompressedSizeCritical().asLongValue());
        for (Object value : more) {
            tuple.addValue(value);
        }
        return tuple;
    }

    private static double seconds(java.time.Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    /** Evaluates every hypertable and aggregate now. */
    public Uni<Summary> evaluate() {
        return pool.preparedQuery(OBJECTS_SQL + " ORDER BY kind DESC, name").execute(thresholds()).map(rows -> {
            List<ObjectHealth> hypertables = new ArrayList<>();
            List<ObjectHealth> aggregates = new ArrayList<>();
            Map<String, Integer> counts = new LinkedHashMap<>();
            counts.put(HEALTHY, 0);
            counts.put(WARNING, 0);
            counts.put(CRITICAL, 0);
            for (Row row : rows) {
                ObjectHealth health = of(row);
                ("hypertable".equals(row.getString("kind")) ? hypertables : aggregates).add(health);
                counts.merge(health.status(), 1, Integer::sum);
            }
            String status = counts.get(CRITICAL) > 0 ? CRITICAL : counts.get(WARNING) > 0 ? WARNING : HEALTHY;
            return new Summary(status, counts, hypertables, aggregates);
        });
    }

    /** The health of the row of {@link #OBJECTS_SQL} (also used by queries that embed it). */
    public static ObjectHealth of(Row row) {
        return new ObjectHealth(row.getString("name"), row.getString("status"), reasons(row.getValue("reasons")),
                row.getString("compression"), row.getString("materialization"), row.getLong("chunks"), row.getLong("backlog"),
                row.getLong("expired_chunks"), row.getLong("uncompressed_bytes"), row.getDouble("staleness_seconds"));
    }

    private static List<Reason> reasons(Object json) {
        List<Reason> reasons = new ArrayList<>();
        if (json instanceof JsonArray array) {
            for (int i = 0; i < array.size(); i++) {
                JsonObject reason = array.getJsonObject(i);
                reasons.add(new Reason(reason.getString("severity"), reason.getString("check"), reason.getString("detail")));
            }
        }
        return List.copyOf(reasons);
    }
}
