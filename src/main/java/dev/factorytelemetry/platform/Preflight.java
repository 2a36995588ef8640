package dev.factorytelemetry.platform;

import jakarta.enterprise.context.ApplicationScoped;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The original deployment script's pre-flight, run at every start-up before the migration (JDBC, main thread):
 * TimescaleDB available, loaded and recent enough (hard: start-up stops), the edition, and the server settings that
 * decide whether it runs well (soft: warnings in the start-up health check) — {@code shared_buffers},
 * {@code work_mem}, {@code max_worker_processes} against {@code timescaledb.max_background_workers} +
 * {@code max_parallel_workers} (TimescaleDB's configuration guide asks for at least their sum), the background
 * workers the native jobs need, and the
 * database's size. Whether the database is reachable at all is decided by {@link SchemaMigration}, which opens the
 * connection; whether the migrations are current is added by the start-up check once the migration ran.
 *
 * <p>Free space on the data volume: PostgreSQL has no SQL function that reports it, and the functions that read the
 * server's files ({@code pg_ls_dir}, {@code pg_stat_file}) are for superusers (or roles granted them); the service's
 * role is neither, and a managed database hides its volume anyway. So it is reported as unknown, with the database's
 * size beside it; {@code factory_telemetry_database_size_bytes} against {@code telemetry.observe.database-size-limit}
 * drives the disk-forecast alert instead.
 */
@ApplicationScoped
public class Preflight {

    static final String SETTINGS_SQL = """
            SELECT current_setting('server_version')                                AS server_version,
                   current_setting('timescaledb.license', true)                     AS license,
                   (SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb')   AS available_version,
                   (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')                AS installed_version,
                   current_setting('shared_buffers')                                AS shared_buffers,
                   pg_size_bytes(current_setting('shared_buffers'))                 AS shared_buffers_bytes,
                   current_setting('work_mem')                                      AS work_mem,
                   pg_size_bytes(current_setting('work_mem'))                       AS work_mem_bytes,
                   current_setting('max_worker_processes')::int                     AS max_worker_processes,
                   current_setting('max_parallel_workers')::int                     AS max_parallel_workers,
                   current_setting('timescaledb.max_background_workers', true)::int AS max_background_workers,
                   pg_database_size(current_database())                             AS database_bytes,
                   pg_size_pretty(pg_database_size(current_database()))             AS database_size,
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)     AS superuser
            """;

    /** What the pre-flight found: the edition to migrate for, and every check with its value. */
    public record Report(TimescaleEdition.License license, List<Check> checks) {

        public Report {
            checks = List.copyOf(checks);
        }

        public List<Check> warnings() {
            return checks.stream().filter(Check::warning).toList();
        }
    }

    /**
     * One pre-flight check.
     *
     * @param name    key in the start-up health check's data
     * @param value   what the server has
     * @param warning whether it is below what the service needs to run well
     * @param detail  why it is a warning and what to do (null when fine)
     */
    public record Check(String name, String value, boolean warning, String detail) {

        static Check ok(String name, Object value) {
            return new Check(name, String.valueOf(value), false, null);
        }

        static Check of(String name, Object value, boolean warning, String detail) {
            return new Check(name, String.valueOf(value), warning, warning ? detail : null);
        }
    }

    /** A check the service cannot start without; its message is the one line logged before start-up stops. */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final PlatformConfig.PreflightSettings settings;

    public Preflight(PlatformConfig config) {
        this.settings = config.preflight();
    }

    /** Runs every check on {@code connection}; hard failures throw, soft ones are warnings of the report. */
    public Report run(Connection connection) throws SQLException, Failure {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(SETTINGS_SQL)) {
            rs.next();
            return evaluate(rs);
        }
    }

    private Report evaluate(ResultSet rs) throws SQLException, Failure {
        String available = rs.getString("available_version");
        String installed = rs.getString("installed_version");
        String licenseSetting = rs.getString("license");
        if (available == null && installed == null) {
            throw new Failure("TimescaleDB is not installed on the database server (no timescaledb in "
                    + "pg_available_extensions of PostgreSQL " + rs.getString("server_version") + ")");
        }
        if (licenseSetting == null) {
            throw new Failure("the database server does not load TimescaleDB (timescaledb.license is not set): add "
                    + "timescaledb to shared_preload_libraries and restart PostgreSQL");
        }
        String version = installed != null ? installed : available;
        String minimum = settings.minimumTimescaledbVersion();
        if (compareVersions(version, minimum) < 0) {
            throw new Failure("TimescaleDB " + version + (installed != null ? "" : " (available)")
                    + " is older than the oldest supported, " + minimum
                    + " (telemetry.platform.preflight.minimum-timescaledb-version): update the extension "
                    + "(ALTER EXTENSION timescaledb UPDATE, after installing the newer package)");
        }
        TimescaleEdition.License license = TimescaleEdition.License.fromSetting(licenseSetting);
        List<Check> checks = new ArrayList<>();
        checks.add(Check.ok("postgresVersion", rs.getString("server_version")));
        checks.add(Check.ok("timescaledbVersion", version + (installed != null ? "" : " (available; the migration creates the extension)")
                + ", minimum " + minimum));
        checks.add(Check.ok("edition", license.editionName() + " (timescaledb.license=" + licenseSetting + ")"));

        long sharedBuffers = rs.getLong("shared_buffers_bytes");
        checks.add(Check.of("sharedBuffers", rs.getString("shared_buffers"),
                sharedBuffers < settings.minimumSharedBuffers().asLongValue(),
                "below " + settings.minimumSharedBuffers().asLongValue() / (1024 * 1024) + " MB "
                        + "(telemetry.platform.preflight.minimum-shared-buffers): the indexes of the chunks being written "
                        + "should fit in about a quarter of shared_buffers"));
        long workMem = rs.getLong("work_mem_bytes");
        checks.add(Check.of("workMem", rs.getString("work_mem"),
                workMem < settings.minimumWorkMem().asLongValue(),
                "below " + settings.minimumWorkMem().asLongValue() / 1024 + " kB "
                        + "(telemetry.platform.preflight.minimum-work-mem): aggregate refreshes sort and hash on disk"));

        int workerProcesses = rs.getInt("max_worker_processes");
        int parallelWorkers = rs.getInt("max_parallel_workers");
        int backgroundWorkers = rs.getInt("max_background_workers");
        int neededProcesses = backgroundWorkers + parallelWorkers;
        checks.add(Check.ok("maxParallelWorkers", parallelWorkers));
        checks.add(Check.of("maxWorkerProcesses", workerProcesses, workerProcesses < neededProcesses,
                "max_worker_processes " + workerProcesses + " < timescaledb.max_background_workers " + backgroundWorkers
                        + " + max_parallel_workers " + parallelWorkers + " = " + neededProcesses
                        + " (TimescaleDB's configuration guide: at least their sum): jobs or parallel queries will not "
                        + "get a worker; raise it (server restart)"));
        boolean jobsNeedWorkers = license == TimescaleEdition.License.COMMUNITY;
        checks.add(Check.of("timescaledbMaxBackgroundWorkers", backgroundWorkers,
                jobsNeedWorkers && backgroundWorkers < settings.neededBackgroundWorkers(),
                "below the " + settings.neededBackgroundWorkers() + " the native compression, retention and refresh "
                        + "jobs need (telemetry.platform.preflight.needed-background-workers): jobs queue and log "
                        + "'out of background workers'; raise it together with max_worker_processes (server restart)"));

        checks.add(Check.ok("databaseSize", rs.getString("database_size") + " (" + rs.getLong("database_bytes") + " bytes)"));
        checks.add(Check.ok("dataVolumeFree", "unknown: PostgreSQL reports no free space of its data volume through "
                + "SQL (pg_ls_dir/pg_stat_file need superuser or a grant; this role is "
                + (rs.getBoolean("superuser") ? "a superuser, but the service does not read server files" : "not a superuser")
                + "); watch factory_telemetry_database_size_bytes against telemetry.observe.database-size-limit"));
        return new Report(license, checks);
    }

    /** Compares dotted versions numerically ({@code 2.9.0 < 2.13.0}); a suffix such as {@code -dev} is ignored. */
    static int compareVersions(String a, String b) {
        int[] x = parts(a);
        int[] y = parts(b);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int c = Integer.compare(i < x.length ? x[i] : 0, i < y.length ? y[i] : 0);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int[] parts(String version) {
        String numeric = version.trim().toLowerCase(Locale.ROOT).replaceAll("[^0-9.].*$", "");
        return java.util.Arrays.stream(numeric.split("\\.")).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }
}
