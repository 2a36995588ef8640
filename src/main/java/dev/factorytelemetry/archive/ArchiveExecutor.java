package dev.factorytelemetry.archive;

import dev.factorytelemetry.lifecycle.ExclusiveJobs;
import dev.factorytelemetry.lifecycle.RetentionExecutor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The archive job and the on-demand operations, on one replica at a time ({@link ExclusiveJobs}, job
 * {@value #ARCHIVE_JOB}). Each chunk is archived by {@link ChunkArchiver} on a worker thread; its outcome is counted
 * (metrics), a failure recorded in {@code archive_failure} (cleared by a later success), and each archived table's
 * run recorded in {@code retention_run_state}, so that {@code v_retention_policies}, {@code v_lifecycle_jobs},
 * readiness and {@code /api/v1/system/info} show an archive failure as a failing retention of that table.
 * <p>
 * Metrics: {@code factory_telemetry_archive_chunks_total}, {@code _rows_total}, {@code _bytes_total},
 * {@code _failures_total} (tag {@code hypertable}) and the gauge {@code factory_telemetry_archive_backlog_chunks}
 * (chunks past retention still waiting for their archive, per hypertable).
 */
@ApplicationScoped
public class ArchiveExecutor {

    private static final Logger LOG = Logger.getLogger(ArchiveExecutor.class);

    public static final String ARCHIVE_JOB = "archive-expired-chunks";

    static final String ARCHIVED_TABLES_SQL = """
            SELECT hypertable_name FROM factory_telemetry.hypertable_policy
            WHERE archive_enabled AND retention_enabled AND retention IS NOT NULL
            ORDER BY hypertable_name
            """;

    static final String EXPIRED_CHUNKS_SQL = """
            SELECT hypertable_name, chunk_name FROM factory_telemetry.v_archive_backlog
            ORDER BY range_start, hypertable_name LIMIT $1
            """;

    static final String RANGE_CHUNKS_SQL = """
            SELECT hypertable_name::text, chunk_name::text FROM timescaledb_information.chunks
            WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = $1
              AND range_start >= $2 AND range_end <= $3
            ORDER BY range_start
            """;

    static final String BACKLOG_SQL = """
            SELECT p.hypertable_name, count(b.chunk_name) AS chunks
            FROM factory_telemetry.hypertable_policy p
            LEFT JOIN factory_telemetry.v_archive_backlog b USING (hypertable_name)
            WHERE p.archive_enabled
            GROUP BY p.hypertable_name
            """;

    static final String RECORD_FAILURE_SQL = """
            INSERT INTO factory_telemetry.archive_failure AS f (hypertable_name, chunk_name, range_start, range_end, error)
            SELECT $1, $2, c.range_start, c.range_end, $3
            FROM timescaledb_information.chunks c
            WHERE c.hypertable_schema = 'factory_telemetry' AND c.hypertable_name = $1 AND c.chunk_name = $2
            ON CONFLICT (hypertable_name, chunk_name) DO UPDATE
               SET error = EXCLUDED.error, last_failed_at = now(), failures = f.failures + 1
            """;

    static final String CLEAR_FAILURE_SQL = "DELETE FROM factory_telemetry.archive_failure WHERE hypertable_name = $1 AND chunk_name = $2";

    /**
     * What archiving one chunk did: the manifest row's id, rows, bytes, path, whether it was dropped; or the error
     * (then the chunk was kept).
     */
    public record ChunkOutcome(String hypertable, String chunk, Long archiveId, OffsetDateTime rangeStart, OffsetDateTime rangeEnd,
                               long rows, long bytes, String path, String checksum, boolean dropped, String error) {
    }

    private final ChunkArchiver archiver;
    private final Pool pool;
    private final ExclusiveJobs jobs;
    private final ArchiveConfig config;
    private final MeterRegistry registry;
    private final Map<String, AtomicLong> backlog = new ConcurrentHashMap<>();

    public ArchiveExecutor(ChunkArchiver archiver, Pool pool, ExclusiveJobs jobs, ArchiveConfig config, MeterRegistry registry) {
        this.archiver = archiver;
        this.pool = pool;
        this.jobs = jobs;
        this.config = config;
        this.registry = registry;
    }

    /** Failed chunks of a run, each with its error. */
    static List<String> failures(List<ChunkOutcome> outcomes) {
        return outcomes.stream().filter(o -> o.error() != null).map(o -> "archive of " + o.hypertable() + " chunk " + o.chunk() + ": " + o.error()).toList();
    }

    /** The scheduled job: archives and drops the chunks of archived hypertables past retention (oldest first). */
    public Uni<ExclusiveJobs.JobRun<List<ChunkOutcome>>> archiveExpiredOnce() {
        return jobs.run(ARCHIVE_JOB, this::archiveExpired, ArchiveExecutor::failures);
    }

    /**
     * Archives every chunk of {@code table} lying entirely within [from, to) now; a chunk of an archived table that
     * is past retention is dropped afterwards, the others are kept. Runs as the archive job (409 while it runs).
     */
    public Uni<ExclusiveJobs.JobRun<List<ChunkOutcome>>> archiveRangeOnce(String table, Instant from, Instant to) {
        return jobs.run(ARCHIVE_JOB, () -> pool.preparedQuery(RANGE_CHUNKS_SQL)
                        .execute(Tuple.of(table, from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
                        .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                        .onItem().transformToUniAndConcatenate(row -> archiveChunk(row.getString(0), row.getString(1)))
                        .collect().asList()
                        .call(this::updateBacklog),
                ArchiveExecutor::failures);
    }

    private Uni<List<ChunkOutcome>> archiveExpired() {
        long started = System.nanoTime();
        Uni<List<String>> tables = pool.query(ARCHIVED_TABLES_SQL).execute()
                .map(rows -> { List<String> names = new ArrayList<>(); rows.forEach(r -> names.add(r.getString(0))); return names; });
        return tables.chain(names -> pool.preparedQuery(EXPIRED_CHUNKS_SQL).execute(Tuple.of(config.maxChunksPerRun()))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> archiveChunk(row.getString("hypertable_name"), row.getString("chunk_name")))
                .collect().asList()
                .call(outcomes -> recordRuns(names, outcomes, (System.nanoTime() - started) / 1e6))
                .call(this::updateBacklog));
    }

    /** Archives one chunk (and drops it if expired) on a worker thread; never fails: a failure is the outcome's error. */
    Uni<ChunkOutcome> archiveChunk(String table, String chunk) {
        return blocking(() -> archiver.archive(table, chunk, true))
                .map(e -> new ChunkOutcome(table, chunk, e.id(), e.rangeStart(), e.rangeEnd(), e.rowCount(), e.sizeBytes(), e.path(),
                        e.checksum(), e.droppedAt() != null, null))
                .onFailure().recoverWithItem(failure -> new ChunkOutcome(table, chunk, null, null, null, 0, 0, null, null, false,
                        String.valueOf(failure.getMessage())))
                .call(outcome -> {
                    if (outcome.error() != null) {
                        LOG.warnf("Archive of %s chunk %s failed, chunk kept: %s", table, chunk, outcome.error());
                        counter("factory_telemetry.archive.failures", "Chunks whose archive failed (the chunk was kept)", table).increment();
                        return pool.preparedQuery(RECORD_FAILURE_SQL).execute(Tuple.of(table, chunk, outcome.error()))
                                .onFailure().recoverWithNull().replaceWithVoid();
                    }
                    LOG.infof("Archived %s chunk %s: %d rows, %d bytes to %s%s", table, chunk, outcome.rows(), outcome.bytes(),
                            outcome.path(), outcome.dropped() ? "; chunk dropped" : "");
                    counter("factory_telemetry.archive.chunks", "Chunks archived (exported, verified, recorded)", table).increment();
                    counter("factory_telemetry.archive.rows", "Rows archived", table).increment(outcome.rows());
                    counter("factory_telemetry.archive.bytes", "Bytes of archive files written", table).increment(outcome.bytes());
                    return pool.preparedQuery(CLEAR_FAILURE_SQL).execute(Tuple.of(table, chunk))
                            .onFailure().recoverWithNull().replaceWithVoid();
                });
    }

    /**
     * Each archived table's run, as its retention run: dropped chunks, the last error (null: all archived) and the
     * run's duration in milliseconds.
     */
    private Uni<Void> recordRuns(List<String> tables, List<ChunkOutcome> outcomes, double durationMs) {
        Map<String, long[]> dropped = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        tables.forEach(t -> dropped.put(t, new long[1]));
        for (ChunkOutcome outcome : outcomes) {
            dropped.computeIfAbsent(outcome.hypertable(), t -> new long[1])[0] += outcome.dropped() ? 1 : 0;
            if (outcome.error() != null) {
                errors.put(outcome.hypertable(), "archive of chunk " + outcome.chunk() + " failed (chunk kept): " + outcome.error());
            }
        }
        return Multi.createFrom().iterable(dropped.entrySet())
                .onItem().transformToUniAndConcatenate(e -> pool.preparedQuery(RetentionExecutor.RECORD_SQL)
                        .execute(Tuple.of(e.getKey(), e.getValue()[0], errors.get(e.getKey()), durationMs)))
                .collect().last().replaceWithVoid();
    }

    /** Refreshes the backlog gauge (chunks past retention waiting for their archive, per archived hypertable). */
    public Uni<Void> updateBacklog(Object ignored) {
        return pool.query(BACKLOG_SQL).execute().invoke(rows -> {
            Map<String, Long> now = new LinkedHashMap<>();
            for (Row row : rows) {
                now.put(row.getString("hypertable_name"), row.getLong("chunks"));
            }
            backlog.keySet().forEach(t -> now.putIfAbsent(t, 0L));
            now.forEach((table, chunks) -> backlog.computeIfAbsent(table, t -> {
                AtomicLong value = new AtomicLong();
                Gauge.builder("factory_telemetry.archive.backlog.chunks", value, AtomicLong::get)
                        .description("Chunks of an archived hypertable past retention that wait for their archive (failing or not yet run)")
                        .tag("hypertable", t).register(registry);
                return value;
            }).set(chunks));
        }).replaceWithVoid();
    }

    private Counter counter(String name, String description, String table) {
        return Counter.builder(name).description(description).tag("hypertable", table).register(registry);
    }

    /** Runs blocking work (JDBC, files) on a worker thread. */
    static <T> Uni<T> blocking(Callable<T> work) {
        return Uni.createFrom().item(() -> {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new ArchiveFailure(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** A checked failure of blocking archive work, with its message. */
    static final class ArchiveFailure extends RuntimeException {
        ArchiveFailure(Exception cause) {
            super(cause.getMessage() != null ? cause.getMessage() : cause.toString(), cause);
        }
    }
}
