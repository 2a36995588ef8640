package dev.factorytelemetry.manager;

import dev.factorytelemetry.lifecycle.LifecycleAdminResource;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * What an operator wants to know about a hypertable of the policy catalog: sizes before and after compression,
 * chunks, oldest and newest row, row estimate, index size, its health, and its retention and compression settings
 * with who enforces them. Built from the health query ({@link PlatformHealth#OBJECTS_SQL}) and the lifecycle
 * catalog query ({@link LifecycleAdminResource#HYPERTABLE_POLICIES_SQL}); a name is a parameter compared with the
 * catalog, never part of the SQL.
 */
@ApplicationScoped
public class HypertableInfo {

    static final String INFO_SQL = "WITH health AS (" + PlatformHealth.OBJECTS_SQL + "), policies AS ("
            + LifecycleAdminResource.HYPERTABLE_POLICIES_SQL + ")\n" + """
            SELECT h.*, p.time_column, p.chunk_interval, p.compress_after::text AS compress_after, p.compress_segment_by,
                   p.compress_order_by, p.retention::text AS retention, p.retention_enabled, p.retention_executor, p.retention_job_id,
                   p.retention_status, p.retention_last_run_at, p.retention_last_success_at, p.retention_last_error,
                   p.compression_job_id, p.compression_status, p.compression_last_run_at, p.compression_last_success_at,
                   p.compression_last_error,
                   pg_size_pretty(h.total_bytes) AS total_size,
                   factory_telemetry.hypertable_data_bound(h.name, true) AS newest_data,
                   approximate_row_count(format('factory_telemetry.%I', h.name)::regclass) AS rows_estimate
            FROM health h
            JOIN policies p ON p.hypertable_name = h.name
            WHERE h.kind = 'hypertable' AND ($13::text IS NULL OR h.name = $13::text)
            ORDER BY h.name
            """;

    /** Chunks of the hypertable. */
    public record Chunks(Long total, Long compressed, String interval, OffsetDateTime oldestChunkFrom, OffsetDateTime newestChunkUntil) {
    }

    /**
     * Sizes in bytes. Before/after compression: of the compressed chunks (Community edition; null elsewhere);
     * {@code compressionPercent}: how much smaller they became; {@code uncompressedBytes}: held in uncompressed chunks.
     */
    public record Size(Long totalBytes, String total, Long tableBytes, Long indexBytes, Long beforeCompressionBytes,
                       Long afterCompressionBytes, BigDecimal compressionPercent, Long uncompressedBytes) {
    }

    /** The rows: oldest and newest time (exact), and the row estimate of TimescaleDB's approximate_row_count. */
    public record Data(String timeColumn, OffsetDateTime oldest, OffsetDateTime newest, Long rowsEstimate) {
    }

    /**
     * Compression: {@code state} enabled, disabled or "not available on this edition"; {@code enforcedBy}
     * timescaledb (the native policy job {@code jobId}), none, or "not available on this edition"; the job's last run;
     * {@code backlogChunks}: chunks past {@code compressAfter} not compressed.
     */
    public record Compression(String state, String compressAfter, String segmentBy, String orderBy, String enforcedBy,
                              Integer jobId, String jobStatus, OffsetDateTime lastRunAt, OffsetDateTime lastSuccessAt,
                              String lastError, Long backlogChunks) {
    }

    /**
     * Retention: the period and whether it is on; {@code enforcedBy} timescaledb (native policy job {@code jobId}),
     * service (drop_chunks on schedule, Apache edition) or none; its last run; {@code expiredChunks}: chunks entirely
     * older than the period that are still there.
     */
    public record Retention(String period, boolean enabled, String enforcedBy, Integer jobId, String jobStatus,
                            OffsetDateTime lastRunAt, OffsetDateTime lastSuccessAt, String lastError, Long expiredChunks) {
    }

    /** One hypertable. */
    public record Info(String name, String status, List<PlatformHealth.Reason> reasons, Chunks chunks, Size size, Data data,
                       Compression compression, Retention retention) {
    }

    private final Pool pool;
    private final PlatformHealth health;

    public HypertableInfo(Pool pool, PlatformHealth health) {
        this.pool = pool;
        this.health = health;
    }

    /** Every hypertable of the policy catalog. */
    public Uni<List<Info>> all() {
        return query(null);
    }

    /** One hypertable; 404 when the catalog has none of that name. */
    public Uni<Info> one(String name) {
        return query(name).map(list -> {
            if (list.isEmpty()) {
                throw ProblemException.notFound("'" + name + "' is not a hypertable of the policy catalog");
            }
            return list.get(0);
        });
    }

    private Uni<List<Info>> query(String name) {
        return pool.preparedQuery(INFO_SQL).execute(health.thresholds(name)).map(rows -> {
            List<Info> list = new ArrayList<>();
            for (Row row : rows) {
                list.add(info(row));
            }
            return list;
        });
    }

    private static Info info(Row row) {
        PlatformHealth.ObjectHealth health = PlatformHealth.of(row);
        Long before = row.getLong("before_bytes");
        Long after = row.getLong("after_bytes");
        BigDecimal percent = before == null || after == null || before == 0 ? null
                : BigDecimal.valueOf(100.0 * (before - after) / before).setScale(1, RoundingMode.HALF_UP);
        String state = row.getString("compression");
        Integer compressionJob = row.getInteger("compression_job_id");
        String compressionEnforcer = PlatformHealth.NOT_AVAILABLE.equals(state) ? PlatformHealth.NOT_AVAILABLE
                : compressionJob != null ? "timescaledb" : "none";
        return new Info(health.name(), health.status(), health.reasons(),
                new Chunks(row.getLong("chunks"), row.getLong("compressed_chunks"), row.getString("chunk_interval"),
                        row.getOffsetDateTime("oldest_chunk_from"), row.getOffsetDateTime("newest_chunk_until")),
                new Size(row.getLong("total_bytes"), row.getString("total_size"), row.getLong("table_bytes"),
                        row.getLong("index_bytes"), before, after, percent, row.getLong("uncompressed_bytes")),
                new Data(row.getString("time_column"), row.getOffsetDateTime("oldest_data"), row.getOffsetDateTime("newest_data"),
                        row.getLong("rows_estimate")),
                new Compression(state, row.getString("compress_after"), row.getString("compress_segment_by"),
                        row.getString("compress_order_by"), compressionEnforcer, compressionJob, row.getString("compression_status"),
                        row.getOffsetDateTime("compression_last_run_at"), row.getOffsetDateTime("compression_last_success_at"),
                        row.getString("compression_last_error"), row.getLong("backlog")),
                new Retention(row.getString("retention"), Boolean.TRUE.equals(row.getBoolean("retention_enabled")),
                        row.getString("retention_executor"), row.getInteger("retention_job_id"), row.getString("retention_status"),
                        row.getOffsetDateTime("retention_last_run_at"), row.getOffsetDateTime("retention_last_success_at"),
                        row.getString("retention_last_error"), row.getLong("expired_chunks")));
    }
}
