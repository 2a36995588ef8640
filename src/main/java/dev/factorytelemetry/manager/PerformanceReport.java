package dev.factorytelemetry.manager;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The database's performance figures, from PostgreSQL's statistics views: buffer cache hit ratio, connections by
 * state, transactions, deadlocks, temporary files, database and largest table sizes (hypertables summed over their
 * chunks, continuous aggregates over their materialization), long-running queries, and the slowest statements where
 * {@code pg_stat_statements} is installed and loaded. Counters are cumulative since {@code statsReset}.
 */
@ApplicationScoped
public class PerformanceReport {

    static final String DATABASE_SQL = """
            SELECT d.datname, pg_database_size(d.datname) AS database_bytes, pg_size_pretty(pg_database_size(d.datname)) AS database_size,
                   d.blks_hit, d.blks_read,
                   round(d.blks_hit::numeric / nullif(d.blks_hit + d.blks_read, 0), 4) AS cache_hit_ratio,
                   d.xact_commit, d.xact_rollback, d.deadlocks, d.temp_files, d.temp_bytes, d.stats_reset,
                   current_setting('max_connections')::int AS max_connections,
                   (SELECT coalesce(jsonb_object_agg(state, n), '{}'::jsonb)
                    FROM (SELECT coalesce(a.state, 'unknown') AS state, count(*) AS n FROM pg_stat_activity a
                          WHERE a.datname = current_database() AND a.backend_type = 'client backend' GROUP BY 1) s) AS connections
            FROM pg_stat_database d
            WHERE d.datname = current_database()
            """;

    /** $1: how many. Hypertables from v_chunk_statistics (aggregate tables on the Apache edition among them). */
    static final String TOP_TABLES_SQL = """
            SELECT name, kind, total_bytes, pg_size_pretty(total_bytes) AS total_size
            FROM (
                SELECT s.hypertable_name AS name,
                       CASE WHEN a.aggregate_name IS NULL THEN 'hypertable' ELSE 'service-maintained aggregate' END AS kind,
                       s.total_bytes
                FROM factory_telemetry.v_chunk_statistics s
                LEFT JOIN factory_telemetry.aggregate_policy a ON a.aggregate_name = s.hypertable_name
                UNION ALL
                SELECT ca.view_name::text, 'continuous aggregate',
                       (SELECT d.total_bytes FROM hypertable_detailed_size(
                            format('%I.%I', ca.materialization_hypertable_schema, ca.materialization_hypertable_name)::regclass) d)
                FROM timescaledb_information.continuous_aggregates ca
                WHERE ca.view_schema = 'factory_telemetry'
                UNION ALL
                SELECT c.relname::text, 'table', pg_total_relation_size(c.oid)
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'factory_telemetry' AND c.relkind IN ('r', 'p')
                  AND NOT EXISTS (SELECT 1 FROM timescaledb_information.hypertables h
                                  WHERE h.hypertable_schema = n.nspname AND h.hypertable_name = c.relname)
            ) t
            ORDER BY total_bytes DESC NULLS LAST, name
            LIMIT $1
            """;

    /** $1: the threshold in seconds. Other sessions' query text needs pg_read_all_stats (else PostgreSQL hides it). */
    static final String LONG_RUNNING_SQL = """
            SELECT a.pid, a.usename::text AS user_name, a.application_name, a.state, a.wait_event_type, a.wait_event,
                   a.query_start, extract(epoch FROM now() - a.query_start)::float8 AS running_seconds,
                   extract(epoch FROM now() - a.xact_start)::float8 AS transaction_seconds, left(a.query, 2000) AS query
            FROM pg_stat_activity a
            WHERE a.datname = current_database() AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()
              AND a.state IS DISTINCT FROM 'idle' AND a.query_start < now() - make_interval(secs => $1::float8)
            ORDER BY a.query_start
            LIMIT 50
            """;

    static final String STATEMENTS_PROBE_SQL = """
            SELECT (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'pg_stat_statements') AS version
            """;

    /** $1: how many. Only run after {@link #STATEMENTS_PROBE_SQL} found the extension installed. */
    static final String SLOWEST_STATEMENTS_SQL = """
            SELECT s.queryid::text AS query_id, left(s.query, 2000) AS query, s.calls, s.rows,
                   s.total_exec_time AS total_ms, s.mean_exec_time AS mean_ms, s.max_exec_time AS max_ms,
                   s.shared_blks_hit, s.shared_blks_read, s.temp_blks_written
            FROM pg_stat_statements s
            WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY s.mean_exec_time DESC
            LIMIT $1
            """;

    /** Cumulative counters of the database since {@code statsReset}. */
    public record Transactions(long committed, long rolledBack) {
    }

    public record TempFiles(long files, long bytes) {
    }

    public record TableSize(String name, String kind, Long totalBytes, String totalSize) {
    }

    public record LongRunningQuery(int pid, String user, String applicationName, String state, String waitEventType,
                                   String waitEvent, OffsetDateTime queryStart, double runningSeconds, Double transactionSeconds,
                                   String query) {
    }

    public record Statement(String queryId, String query, long calls, long rows, double totalMs, double meanMs, double maxMs,
                            long sharedBlocksHit, long sharedBlocksRead, long tempBlocksWritten) {
    }

    /** {@code available} false with the {@code reason}, or true with the slowest statements by mean time. */
    public record SlowestStatements(boolean available, String reason, List<Statement> statements) {
    }

    /**
     * The report. {@code cacheHitRatio}: blocks found in shared buffers / blocks read (0…1); {@code connections}:
     * client connections to this database by state (active, idle, idle in transaction, …).
     */
    public record Report(String database, long databaseBytes, String databaseSize, BigDecimal cacheHitRatio, long blocksHit,
                         long blocksRead, Map<String, Long> connections, int maxConnections, Transactions transactions,
                         long deadlocks, TempFiles tempFiles, OffsetDateTime statsReset, List<TableSize> largestTables,
                         double longRunningThresholdSeconds, List<LongRunningQuery> longRunningQueries,
                         SlowestStatements slowestStatements) {
    }

    private final Pool pool;
    private final ManagerConfig config;

    public PerformanceReport(Pool pool, ManagerConfig config) {
        this.pool = pool;
        this.config = config;
    }

    public Uni<Report> report() {
        ManagerConfig.Performance limits = config.performance();
        double threshold = limits.longRunningQuery().toMillis() / 1000.0;
        Uni<Row> database = pool.query(DATABASE_SQL).execute().map(rows -> rows.iterator().next());
        Uni<List<TableSize>> tables = pool.preparedQuery(TOP_TABLES_SQL).execute(Tuple.of(limits.topTables()))
                .map(rows -> list(rows, r -> new TableSize(r.getString("name"), r.getString("kind"), r.getLong("total_bytes"),
                        r.getString("total_size"))));
        Uni<List<LongRunningQuery>> longRunning = pool.preparedQuery(LONG_RUNNING_SQL).execute(Tuple.of(threshold))
                .map(rows -> list(rows, r -> new LongRunningQuery(r.getInteger("pid"), r.getString("user_name"),
                        r.getString("application_name"), r.getString("state"), r.getString("wait_event_type"),
                        r.getString("wait_event"), r.getOffsetDateTime("query_start"), r.getDouble("running_seconds"),
                        r.getDouble("transaction_seconds"), r.getString("query"))));
        return Uni.combine().all().unis(database, tables, longRunning, slowestStatements(limits.slowestStatements()))
                .with((db, largest, longQueries, statements) -> {
                    Map<String, Long> connections = new LinkedHashMap<>();
                    Object byState = db.getValue("connections");
                    if (byState instanceof JsonObject json) {
                        json.forEach(e -> connections.put(e.getKey(), ((Number) e.getValue()).longValue()));
                    }
                    return new Report(db.getString("datname"), db.getLong("database_bytes"), db.getString("database_size"),
                            db.getBigDecimal("cache_hit_ratio"), db.getLong("blks_hit"), db.getLong("blks_read"), connections,
                            db.getInteger("max_connections"), new Transactions(db.getLong("xact_commit"), db.getLong("xact_rollback")),
                            db.getLong("deadlocks"), new TempFiles(db.getLong("temp_files"), db.getLong("temp_bytes")),
                            db.getOffsetDateTime("stats_reset"), largest, threshold, longQueries, statements);
                });
    }

    private Uni<SlowestStatements> slowestStatements(int limit) {
        return pool.query(STATEMENTS_PROBE_SQL).execute().map(rows -> rows.iterator().next()).flatMap(probe -> {
            if (probe.getString("version") == null) {
                return Uni.createFrom().item(new SlowestStatements(false, "the pg_stat_statements extension is not installed in this "
                        + "database: add pg_stat_statements to shared_preload_libraries, restart the server, then "
                        + "CREATE EXTENSION pg_stat_statements", List.of()));
            }
            return pool.preparedQuery(SLOWEST_STATEMENTS_SQL).execute(Tuple.of(limit))
                    .map(rows -> new SlowestStatements(true, null, list(rows, r -> new Statement(r.getString("query_id"),
                            r.getString("query"), r.getLong("calls"), r.getLong("rows"), r.getDouble("total_ms"), r.getDouble("mean_ms"),
                            r.getDouble("max_ms"), r.getLong("shared_blks_hit"), r.getLong("shared_blks_read"),
                            r.getLong("temp_blks_written")))))
                    // installed but not in shared_preload_libraries (55000), in a schema off the service's search_path, …
                    .onFailure(PgException.class).recoverWithItem(f -> new SlowestStatements(false,
                            "the pg_stat_statements extension is installed but cannot be read: " + ((PgException) f).getErrorMessage(),
                            List.of()));
        });
    }

    private static <T> List<T> list(RowSet<Row> rows, Function<Row, T> mapper) {
        List<T> list = new ArrayList<>();
        for (Row row : rows) {
            list.add(mapper.apply(row));
        }
        return List.copyOf(list);
    }
}
