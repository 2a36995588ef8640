import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The original design's speed-up table, reproduced: each row is one dashboard answer computed from the raw hypertables
 * (the "before": plain SQL over the raw rows, written here) and from the aggregates (the "after": the service's own
 * SQL, loaded from its compiled classes — {@code WindowQuery.sql(...)} and the text blocks of the dashboard package —
 * so this program measures exactly what the service runs, without its answer cache). Both sides run in the same
 * process, interleaved, on one connection; the answers are compared row by row (floating-point sums within 1e-9
 * relative), and the median latency of each side and their ratio are printed.
 *
 * <p>Run by {@code bench/speedups/run.sh}; by hand:
 * <pre>
 * java -cp 'target/classes:target/quarkus-app/lib/main/*' bench/speedups/SpeedupBench.java \
 *      --url 'jdbc:postgresql://127.0.0.1:56063/ft_speedups_30?user=telemetry&amp;password=telemetry' \
 *      --label 'apache 30 d' [--runs 9] [--max-seconds 25] [--explain DIR] [--tsv FILE]
 * </pre>
 * With {@code --compare-url URL2} (a copy of the same database whose chunks are compressed) it measures instead
 * every row's two sides on both databases, interleaved, and prints compressed vs uncompressed latency.
 * Each statement is prepared once ({@code PREPARE}) and executed with {@code plan_cache_mode = force_custom_plan}: the
 * service sends unnamed prepared statements, which PostgreSQL plans with the actual parameter values every time.
 */
public class SpeedupBench {

    static final String PKG = "dev.factorytelemetry.dashboard.";

    /** One statement of a side: SQL with $n parameters and the parameter values as SQL literals. */
    record Stmt(String name, String sql, List<String> params, boolean compare) {
    }

    /** One row of the table: the same answer from raw rows and from the aggregates. */
    record Row(String name, String shape, List<Stmt> raw, List<Stmt> aggregates) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String url = Objects.requireNonNull(opt.get("url"), "--url jdbc:postgresql://...");
        String label = opt.getOrDefault("label", "");
        int runs = Integer.parseInt(opt.getOrDefault("runs", "9"));
        double maxSeconds = Double.parseDouble(opt.getOrDefault("max-seconds", "25"));
        String explainDir = opt.get("explain");
        String tsv = opt.get("tsv");
        // --session "SET max_parallel_workers_per_gather = 0": a setting for every connection (e.g. to tell the cost of
        // starting parallel workers on a loaded machine from the query's own work)
        String session = opt.get("session");
        if (opt.containsKey("compare-url")) {
            compare(url, opt.get("compare-url"), label, runs, maxSeconds, tsv, session);
            return;
        }

        try (Connection c = DriverManager.getConnection(url)) {
            c.setAutoCommit(true);
            setUp(c, session);
            Ctx ctx = new Ctx(c);
            List<Row> rows = rows(ctx);
            System.out.printf(Locale.ROOT, "%s: edition=%s mode=%s now=%s zone=%s runs=%d (median; fewer if a pair exceeds %.0f s)%n",
                    label, ctx.license, ctx.mode, ctx.now, ctx.zone, runs, maxSeconds);
            System.out.printf(Locale.ROOT, "%-27s %-60s %9s %9s %7s %9s %9s %7s %6s %s%n", "row", "shape", "raw ms", "aggr. ms",
                    "ratio", "raw srv", "aggr. srv", "ratio", "rows", "same answer");
            System.out.println("(ms: wall time at the client, median; srv: planning + execution time in the server, EXPLAIN ANALYZE"
                    + " with TIMING OFF, median — free of the client/server scheduling delays of a loaded machine)");
            StringBuilder out = new StringBuilder();
            for (Row row : rows) {
                prepare(c, rows.indexOf(row), row);
                String rawPrefix = "r" + rows.indexOf(row) + "_";
                String aggPrefix = "a" + rows.indexOf(row) + "_";
                // warm-up and answers
                List<List<Map<String, Object>>> rawAnswer = runSide(c, rawPrefix, row.raw);
                List<List<Map<String, Object>>> aggAnswer = runSide(c, aggPrefix, row.aggregates);
                String same = compare(row, rawAnswer, aggAnswer);
                int answerRows = aggAnswer.stream().mapToInt(List::size).sum();
                List<Double> rawMs = new ArrayList<>();
                List<Double> aggMs = new ArrayList<>();
                List<Double> rawServer = new ArrayList<>();
                List<Double> aggServer = new ArrayList<>();
                long started = System.nanoTime();
                List<Task> tasks = List.of(() -> rawMs.add(time(c, rawPrefix, row.raw)), () -> aggMs.add(time(c, aggPrefix, row.aggregates)),
                        () -> rawServer.add(serverTime(c, rawPrefix, row.raw)), () -> aggServer.add(serverTime(c, aggPrefix, row.aggregates)));
                for (int i = 0; i < runs; i++) {
                    // alternate which side goes first, so that neither always finds the other's pages in cache
                    alternate(i, tasks);
                    if (i >= 2 && (System.nanoTime() - started) / 1e9 > maxSeconds) {
                        break;
                    }
                }
                double raw = median(rawMs);
                double agg = median(aggMs);
                double rawS = median(rawServer);
                double aggS = median(aggServer);
                System.out.printf(Locale.ROOT, "%-27s %-60s %9.2f %9.2f %6.1fx %9.2f %9.2f %6.1fx %6d %s (n=%d)%n", row.name, row.shape,
                        raw, agg, raw / agg, rawS, aggS, rawS / aggS, answerRows, same, rawMs.size());
                out.append(String.format(Locale.ROOT, "%s\t%s\t%s\t%.3f\t%.3f\t%.2f\t%.3f\t%.3f\t%.2f\t%d\t%s\t%d%n", label, row.name,
                        row.shape, raw, agg, raw / agg, rawS, aggS, rawS / aggS, answerRows, same, rawMs.size()));
                if (explainDir != null) {
                    explain(c, explainDir, label, rows.indexOf(row), row);
                }
                try (Statement s = c.createStatement()) {
                    s.execute("DEALLOCATE ALL");
                }
            }
            if (tsv != null) {
                java.nio.file.Files.writeString(java.nio.file.Path.of(tsv), out.toString(),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
        }
    }

    /** Custom plans for every execution (as the service's unnamed statements get), no JIT, and the --session setting. */
    static void setUp(Connection c, String session) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SET plan_cache_mode = force_custom_plan");
            s.execute("SET jit = off");
            if (session != null) {
                s.execute(session);
            }
        }
    }

    /** Each row's raw and aggregate side on two copies of one database (uncompressed, compressed), interleaved. */
    static void compare(String url, String url2, String label, int runs, double maxSeconds, String tsv, String session)
            throws Exception {
        try (Connection a = DriverManager.getConnection(url); Connection b = DriverManager.getConnection(url2)) {
            setUp(a, session);
            setUp(b, session);
            Ctx ctx = new Ctx(a);
            List<Row> rows = rows(ctx);
            System.out.printf(Locale.ROOT, "%s: uncompressed vs compressed copy; edition=%s now=%s runs=%d (median)%s%n", label, ctx.license,
                    ctx.now, runs, session == null ? "" : "; " + session);
            System.out.printf(Locale.ROOT, "%-27s %9s %9s %7s %9s %9s %7s | %9s %9s %7s %9s %9s %7s %s%n", "row", "raw unc.", "raw comp.",
                    "c/u", "agg unc.", "agg comp.", "c/u", "srv: raw u", "raw c", "c/u", "agg u", "agg c", "c/u", "same answers");
            System.out.println("(ms, medians; left: wall time at the client; right: planning + execution time in the server)");
            StringBuilder out = new StringBuilder();
            for (Row row : rows) {
                int n = rows.indexOf(row);
                prepare(a, n, row);
                prepare(b, n, row);
                String rawAb = compareSame(row.raw, runSide(a, "r" + n + "_", row.raw), runSide(b, "r" + n + "_", row.raw));
                String aggAb = compareSame(row.aggregates, runSide(a, "a" + n + "_", row.aggregates), runSide(b, "a" + n + "_", row.aggregates));
                String same = "raw " + rawAb + ", aggregates " + aggAb;
                List<Double> ra = new ArrayList<>(), rb = new ArrayList<>(), aa = new ArrayList<>(), ab = new ArrayList<>();
                List<Double> sra = new ArrayList<>(), srb = new ArrayList<>(), saa = new ArrayList<>(), sab = new ArrayList<>();
                long started = System.nanoTime();
                String rp = "r" + n + "_";
                String ap = "a" + n + "_";
                List<Task> tasks = List.of(() -> ra.add(time(a, rp, row.raw)), () -> rb.add(time(b, rp, row.raw)),
                        () -> aa.add(time(a, ap, row.aggregates)), () -> ab.add(time(b, ap, row.aggregates)),
                        () -> sra.add(serverTime(a, rp, row.raw)), () -> srb.add(serverTime(b, rp, row.raw)),
                        () -> saa.add(serverTime(a, ap, row.aggregates)), () -> sab.add(serverTime(b, ap, row.aggregates)));
                for (int i = 0; i < runs; i++) {
                    alternate(i, tasks);
                    if (i >= 2 && (System.nanoTime() - started) / 1e9 > maxSeconds) {
                        break;
                    }
                }
                double[] m = {median(ra), median(rb), median(aa), median(ab), median(sra), median(srb), median(saa), median(sab)};
                System.out.printf(Locale.ROOT, "%-27s %9.2f %9.2f %6.2fx %9.2f %9.2f %6.2fx | %9.2f %9.2f %6.2fx %9.2f %9.2f %6.2fx %s (n=%d)%n",
                        row.name, m[0], m[1], m[1] / m[0], m[2], m[3], m[3] / m[2], m[4], m[5], m[5] / m[4], m[6], m[7], m[7] / m[6],
                        same, ra.size());
                out.append(String.format(Locale.ROOT, "%s\t%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t%d%n", label, row.name,
                        m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], same, ra.size()));
                for (Connection c : List.of(a, b)) {
                    try (Statement s = c.createStatement()) {
                        s.execute("DEALLOCATE ALL");
                    }
                }
            }
            if (tsv != null) {
                java.nio.file.Files.writeString(java.nio.file.Path.of(tsv), out.toString(),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
        }
    }

    /** The same statements' answers from two databases, row by row. */
    static String compareSame(List<Stmt> stmts, List<List<Map<String, Object>>> x, List<List<Map<String, Object>>> y) {
        return compare(new Row("", "", stmts, stmts), x, y);
    }

    // ---- the rows -------------------------------------------------------------------------------------------

    /** Times, ids and the service's SQL, read from the database and the compiled dashboard classes. */
    static final class Ctx {
        final String license;
        final Object mode;
        final String now;
        final String zone;
        final String hourStart;
        final String hourEnd;
        final String dayStart;
        final String dayEnd;
        final long historyDays;
        final String historyHourStart;
        final String historyDayStart;
        final String metricIds;
        final String metricId;

        Ctx(Connection c) throws Exception {
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
                    WITH z AS (SELECT value AS zone FROM factory_telemetry.plant_settings WHERE setting = 'time_zone'),
                         t AS (SELECT now() AS now)
                    SELECT current_setting('timescaledb.license') AS license, t.now::text, z.zone,
                           date_trunc('hour', t.now)::text AS hour_start,
                           (date_trunc('hour', t.now) + interval '1 hour')::text AS hour_end,
                           date_trunc('day', t.now, z.zone)::text AS day_start,
                           (date_trunc('day', t.now, z.zone) + interval '1 day')::text AS day_end,
                           (SELECT round(extract(epoch FROM t.now - min(calculation_time)) / 86400)::int8
                            FROM factory_telemetry.oee_calculations) AS history_days
                    FROM t, z""")) {
                r.next();
                license = r.getString("license");
                now = r.getString("now");
                zone = r.getString("zone");
                hourStart = r.getString("hour_start");
                hourEnd = r.getString("hour_end");
                dayStart = r.getString("day_start");
                dayEnd = r.getString("day_end");
                historyDays = r.getLong("history_days");
            }
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                    "SELECT date_trunc('hour', now() - make_interval(days => " + historyDays + "))::text, "
                            + "date_trunc('day', now() - make_interval(days => " + historyDays + "), '" + zone + "')::text")) {
                r.next();
                historyHourStart = r.getString(1);
                historyDayStart = r.getString(2);
            }
            // 100 metrics (the largest statistics request), spread over the plant
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("""
                    SELECT '{' || string_agg(id::text, ',' ORDER BY id) || '}', min(id)
                    FROM (SELECT id FROM factory_telemetry.metric_def ORDER BY id LIMIT 100) m""")) {
                r.next();
                metricIds = r.getString(1);
                metricId = r.getString(2);
            }
            Class<?> modes = Class.forName(PKG + "WindowQuery$Mode");
            mode = enumValue(modes, license.equals("timescale") ? "REALTIME_AGGREGATE" : "WATERMARK");
        }
    }

    static List<Row> rows(Ctx x) throws Exception {
        List<Row> rows = new ArrayList<>();
        String h = x.historyDays + " d";

        // 1. dashboard load: GET /api/v1/dashboard/plant (today and the current hour per line)
        List<String> today = List.of(x.dayStart, x.dayEnd, x.zone, "1 hour");
        List<String> windows = List.of(x.dayStart, x.dayEnd, x.hourStart, x.hourEnd);
        Stmt quality = new Stmt("quality today", constant("ProductionDashboard", "QUALITY_TODAY_SQL"), windows, true);
        Stmt downtime = new Stmt("downtime today", constant("ProductionDashboard", "DOWNTIME_TODAY_SQL"),
                List.of(x.dayStart, x.dayEnd, x.hourStart, x.hourEnd, "604800 seconds"), false);
        Stmt faults = new Stmt("active faults", constant("ProductionDashboard", "ACTIVE_FAULTS_SQL"), List.of("2592000 seconds"), true);
        rows.add(new Row("dashboard load", "GET /dashboard/plant (today, current hour)",
                List.of(new Stmt("oee", RAW_OEE.formatted("1 hour", "", "line_id"), today, true),
                        new Stmt("energy", RAW_ENERGY.formatted("1 hour", "", "line_id"), today, true),
                        quality, downtime, faults),
                List.of(freshness(List.of("oee_hourly_aggregate", "energy_hourly_aggregate"), x.dayStart, x.dayEnd),
                        new Stmt("oee", window("OEE", "HOUR", x.mode, List.of("line_id"), ""), today, true),
                        new Stmt("energy", window("ENERGY", "HOUR", x.mode, List.of("line_id"), ""), today, true),
                        quality, downtime, faults)));

        // 2. hourly OEE trend: GET /api/v1/dashboard/oee?granularity=hour&groupBy=line over the whole history
        List<String> hourly = List.of(x.historyHourStart, x.hourEnd, x.zone, "1 hour");
        rows.add(new Row("hourly OEE trend", "GET /dashboard/oee?granularity=hour&groupBy=line, " + h,
                List.of(new Stmt("oee", RAW_OEE.formatted("1 hour", "", "line_id"), hourly, true)),
                List.of(freshness(List.of("oee_hourly_aggregate"), x.historyHourStart, x.hourEnd),
                        new Stmt("oee", window("OEE", "HOUR", x.mode, List.of("line_id"), ""), hourly, true))));

        // 3. daily production report: GET /api/v1/dashboard/oee?granularity=day&groupBy=equipment (parts, OEE per machine)
        List<String> daily = List.of(x.historyDayStart, x.dayEnd, x.zone, "1 day");
        rows.add(new Row("daily production report", "GET /dashboard/oee?granularity=day&groupBy=equipment, " + h,
                List.of(new Stmt("oee", RAW_OEE.formatted("1 day", ", $3::text", "line_id, equipment_id"), daily, true)),
                List.of(freshness(List.of("oee_hourly_aggregate", "oee_daily_aggregate"), x.historyDayStart, x.dayEnd),
                        new Stmt("oee", window("OEE", "DAY", x.mode, List.of("line_id", "equipment_id"), ""), daily, true))));

        // 4. recent telemetry (1 hour): GET /api/v1/dashboard/metrics/statistics?metric=...(100)&from=now-1h (hourly)
        List<String> recent = List.of(minusHour(x.hourStart), x.hourEnd, x.zone, "1 hour", x.metricIds);
        rows.add(new Row("recent telemetry (1 hour)", "GET /dashboard/metrics/statistics, 100 metrics, last hour",
                List.of(new Stmt("metrics", RAW_METRIC.formatted("1 hour", ""), recent, true)),
                List.of(freshness(List.of("metric_hourly_aggregate"), minusHour(x.hourStart), x.hourEnd),
                        new Stmt("metrics", window("METRIC", "HOUR", x.mode, List.of("metric_id"), metricFilter()), recent, true))));

        // 5. energy consumption (24 h): GET /api/v1/dashboard/energy?granularity=hour&groupBy=equipment (default 24 h)
        List<String> day = List.of(minusDay(x.hourStart), x.hourEnd, x.zone, "1 hour");
        rows.add(new Row("energy consumption (24 h)", "GET /dashboard/energy?granularity=hour&groupBy=equipment",
                List.of(new Stmt("energy", RAW_ENERGY.formatted("1 hour", "", "line_id, equipment_id"), day, true)),
                List.of(freshness(List.of("energy_hourly_aggregate"), minusDay(x.hourStart), x.hourEnd),
                        new Stmt("energy", window("ENERGY", "HOUR", x.mode, List.of("line_id", "equipment_id"), ""), day, true))));

        // 6. quality check summary: GET /api/v1/dashboard/quality over the whole history (daily, line x product x check type)
        rows.add(new Row("quality check summary", "GET /dashboard/quality, " + h,
                List.of(new Stmt("quality", RAW_QUALITY, daily, true)),
                List.of(freshness(List.of("quality_daily_aggregate"), x.historyDayStart, x.dayEnd),
                        new Stmt("quality", window("QUALITY", "DAY", x.mode, List.of("line_id", "product_type_id", "check_type"), ""),
                                daily, true))));

        // Series of one metric (the series endpoint's SQL for both sides: below an hour it reads raw rows by design).
        String seriesRaw = window("METRIC", "HOUR", enumValue(Class.forName(PKG + "WindowQuery$Mode"), "RAW"), List.of("metric_id"), metricFilter());
        List<String> series24 = List.of(minusDay(x.now), x.now, x.zone, "300 seconds", "{" + x.metricId + "}");
        rows.add(new Row("metric series 24 h (extra)", "GET /dashboard/metrics/{key}/series (24 h, 5 min)",
                List.of(new Stmt("series", RAW_METRIC.formatted("300 seconds", ""), series24, true)),
                List.of(new Stmt("series", seriesRaw, series24, true))));
        List<String> series30 = List.of(minusDays(x.hourStart, Math.min(30, x.historyDays)), x.hourEnd, x.zone, "7200 seconds", "{" + x.metricId + "}");
        rows.add(new Row("metric series 30 d (extra)", "GET /dashboard/metrics/{key}/series?from=-30d (2 h)",
                List.of(new Stmt("series", RAW_METRIC.formatted("7200 seconds", ", $3::text"), series30, true)),
                List.of(freshness(List.of("metric_hourly_aggregate"), minusDays(x.hourStart, Math.min(30, x.historyDays)), x.hourEnd),
                        new Stmt("series", window("METRIC", "HOUR", x.mode, List.of("metric_id"), metricFilter()), series30, true))));
        return rows;
    }

    // Raw-side SQL ("before"): the figures straight from the raw hypertables. $1..$2 range, $3 plant zone, $4 bucket.
    static final String RAW_OEE = """
            SELECT time_bucket('%1$s'::interval, calculation_time%2$s) AS bucket, %3$s,
                   count(*)::int8 AS calculations, sum(planned_time_s)::float8 AS planned_time_s,
                   sum(run_time_s)::float8 AS run_time_s, sum(ideal_run_time_s)::float8 AS ideal_run_time_s,
                   sum(total_count)::int8 AS total_count, sum(good_count)::int8 AS good_count
            FROM factory_telemetry.oee_calculations
            WHERE calculation_time >= $1 AND calculation_time < $2 AND $3::text IS NOT NULL AND $4::text IS NOT NULL
            GROUP BY 1, %3$s ORDER BY 1, %3$s""";

    static final String RAW_ENERGY = """
            SELECT time_bucket('%1$s'::interval, consumption_time%2$s) AS bucket, %3$s,
                   count(*)::int8 AS readings, sum(energy_consumption_kwh)::float8 AS energy_kwh,
                   sum(power_consumption_kw)::float8 AS power_sum_kw, min(power_consumption_kw)::float8 AS min_power_kw,
                   max(power_consumption_kw)::float8 AS peak_power_kw
            FROM factory_telemetry.energy_consumption
            WHERE consumption_time >= $1 AND consumption_time < $2 AND $3::text IS NOT NULL AND $4::text IS NOT NULL
            GROUP BY 1, %3$s ORDER BY 1, %3$s""";

    static final String RAW_METRIC = """
            SELECT time_bucket('%1$s'::interval, ts%2$s) AS bucket, metric_id,
                   count(*)::int8 AS samples, count(value_real)::int8 AS real_count, sum(value_real)::float8 AS real_sum,
                   sum(value_real * value_real)::float8 AS real_sum_squares, min(value_real)::float8 AS real_min,
                   max(value_real)::float8 AS real_max, count(value_int)::int8 AS int_count, sum(value_int)::float8 AS int_sum,
                   min(value_int)::int8 AS int_min, max(value_int)::int8 AS int_max, count(value_bool)::int8 AS bool_count,
                   count(*) FILTER (WHERE value_bool)::int8 AS bool_true_count
            FROM factory_telemetry.metric_hist
            WHERE ts >= $1 AND ts < $2 AND metric_id = ANY($5::int4[]) AND $3::text IS NOT NULL AND $4::text IS NOT NULL
            GROUP BY 1, 2 ORDER BY 1, 2""";

    static final String RAW_QUALITY = """
            SELECT time_bucket('1 day'::interval, check_time, $3::text) AS bucket, line_id, product_type_id, check_type,
                   count(*)::int8 AS checks, count(*) FILTER (WHERE check_result = 'pass')::int8 AS passed_checks,
                   count(*) FILTER (WHERE check_result = 'fail')::int8 AS failed_checks,
                   count(*) FILTER (WHERE check_result = 'conditional')::int8 AS conditional_checks,
                   sum(quantity_checked)::int8 AS quantity_checked, sum(quantity_passed)::int8 AS quantity_passed,
                   sum(quantity_failed)::int8 AS quantity_failed
            FROM factory_telemetry.quality_checks
            WHERE check_time >= $1 AND check_time < $2 AND $4::text IS NOT NULL
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4""";

    // ---- the service's SQL, from its classes --------------------------------------------------------------------

    static String window(String family, String level, Object mode, List<String> groupBy, String filter) throws Exception {
        Class<?> wq = Class.forName(PKG + "WindowQuery");
        Class<?> fam = Class.forName(PKG + "AggregateFamily");
        Class<?> lvl = Class.forName(PKG + "WindowQuery$Level");
        Class<?> mod = Class.forName(PKG + "WindowQuery$Mode");
        Method sql = wq.getDeclaredMethod("sql", fam, lvl, mod, List.class, String.class);
        sql.setAccessible(true);
        return (String) sql.invoke(null, enumValue(fam, family), enumValue(lvl, level), mode, groupBy, filter);
    }

    /** The metric filter exactly as MetricQueries builds it: {@code new SqlFilter(4).equal("metric_id", ids)}. */
    static String metricFilter() throws Exception {
        Class<?> f = Class.forName(PKG + "SqlFilter");
        Constructor<?> ctor = f.getDeclaredConstructor(int.class);
        ctor.setAccessible(true);
        Object filter = ctor.newInstance(4);
        Method equal = f.getDeclaredMethod("equal", String.class, Object.class);
        equal.setAccessible(true);
        equal.invoke(filter, "metric_id", new Integer[] {1});
        Method sql = f.getDeclaredMethod("sql");
        sql.setAccessible(true);
        return (String) sql.invoke(filter);
    }

    /** The freshness query every aggregate-based answer runs (PlantContext.PENDING_SQL). */
    static Stmt freshness(List<String> aggregates, String from, String to) throws Exception {
        return new Stmt("freshness", constant("PlantContext", "PENDING_SQL"),
                List.of("{" + String.join(",", aggregates) + "}", from, to), false);
    }

    static String constant(String cls, String field) throws Exception {
        Field f = Class.forName(PKG + cls).getDeclaredField(field);
        f.setAccessible(true);
        return (String) f.get(null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Object enumValue(Class<?> type, String name) {
        return Enum.valueOf((Class<? extends Enum>) type, name);
    }

    static String minusHour(String t) {
        return "(" + q(t) + "::timestamptz - interval '1 hour')";
    }

    static String minusDay(String t) {
        return "(" + q(t) + "::timestamptz - interval '1 day')";
    }

    static String minusDays(String t, long days) {
        return "(" + q(t) + "::timestamptz - interval '" + days + " days')";
    }

    // ---- execution ----------------------------------------------------------------------------------------------

    /** Prepares a row's statements as r{n}_{i} (raw side) and a{n}_{i} (aggregate side). */
    static void prepare(Connection c, int n, Row row) throws SQLException {
        for (int i = 0; i < row.raw.size(); i++) {
            prepare(c, "r" + n + "_" + i, row.raw.get(i));
        }
        for (int i = 0; i < row.aggregates.size(); i++) {
            prepare(c, "a" + n + "_" + i, row.aggregates.get(i));
        }
    }

    static void prepare(Connection c, String name, Stmt st) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("PREPARE " + name + " AS " + st.sql);
        }
    }

    static String execute(String name, Stmt st) {
        List<String> literals = new ArrayList<>();
        for (String p : st.params) {
            literals.add(p.startsWith("(") ? p : q(p));
        }
        return "EXECUTE " + name + "(" + String.join(", ", literals) + ")";
    }

    static String q(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    static List<List<Map<String, Object>>> runSide(Connection c, String prefix, List<Stmt> stmts) throws SQLException {
        List<List<Map<String, Object>>> answers = new ArrayList<>();
        for (int i = 0; i < stmts.size(); i++) {
            answers.add(fetch(c, execute(prefix + i, stmts.get(i))));
        }
        return answers;
    }

    static double time(Connection c, String prefix, List<Stmt> stmts) throws SQLException {
        long t = System.nanoTime();
        for (int i = 0; i < stmts.size(); i++) {
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(execute(prefix + i, stmts.get(i)))) {
                while (r.next()) {
                    r.getObject(1);
                }
            }
        }
        return (System.nanoTime() - t) / 1e6;
    }

    /** One measurement. */
    interface Task {
        void run() throws SQLException;
    }

    /** Runs the tasks in order on even runs and in reverse order on odd ones. */
    static void alternate(int run, List<Task> tasks) throws SQLException {
        for (int k = 0; k < tasks.size(); k++) {
            tasks.get(run % 2 == 0 ? k : tasks.size() - 1 - k).run();
        }
    }

    /** Planning + execution time reported by the server (EXPLAIN ANALYZE, TIMING OFF: row counts only), summed. */
    static double serverTime(Connection c, String prefix, List<Stmt> stmts) throws SQLException {
        double ms = 0;
        for (int i = 0; i < stmts.size(); i++) {
            try (Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) " + execute(prefix + i, stmts.get(i)))) {
                while (r.next()) {
                    String line = r.getString(1).trim();
                    if (line.startsWith("Planning Time:") || line.startsWith("Execution Time:")) {
                        ms += Double.parseDouble(line.replaceAll("[^0-9.]", ""));
                    }
                }
            }
        }
        return ms;
    }

    static List<Map<String, Object>> fetch(Connection c, String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
            ResultSetMetaData md = r.getMetaData();
            while (r.next()) {
                Map<String, Object> row = new TreeMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = r.getObject(i);
                    row.put(md.getColumnLabel(i), v instanceof java.sql.Timestamp ts ? ts.toInstant().toString() : v);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** Row-by-row comparison of the statements both sides name alike (statements of one side only are skipped). */
    static String compare(Row row, List<List<Map<String, Object>>> raw, List<List<Map<String, Object>>> agg) {
        int compared = 0;
        for (int i = 0; i < row.raw.size(); i++) {
            Stmt r = row.raw.get(i);
            if (!r.compare) {
                continue;
            }
            int j = -1;
            for (int k = 0; k < row.aggregates.size(); k++) {
                if (row.aggregates.get(k).name.equals(r.name)) {
                    j = k;
                }
            }
            if (j < 0) {
                continue;
            }
            List<Map<String, Object>> a = raw.get(i);
            List<Map<String, Object>> b = agg.get(j);
            if (a.size() != b.size()) {
                return "NO (" + r.name + ": " + a.size() + " raw rows vs " + b.size() + ")";
            }
            for (int n = 0; n < a.size(); n++) {
                for (Map.Entry<String, Object> e : a.get(n).entrySet()) {
                    Object other = b.get(n).get(e.getKey());
                    if (!b.get(n).containsKey(e.getKey())) {
                        return "NO (" + r.name + ": no column " + e.getKey() + ")";
                    }
                    if (!same(e.getValue(), other)) {
                        return "NO (" + r.name + " row " + n + " " + e.getKey() + ": " + e.getValue() + " vs " + other + ")";
                    }
                }
            }
            compared++;
        }
        return compared == 0 ? "n/a" : "yes";
    }

    static boolean same(Object a, Object b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a instanceof Number x && b instanceof Number y) {
            double u = x.doubleValue();
            double v = y.doubleValue();
            return Math.abs(u - v) <= 1e-9 * Math.max(1, Math.max(Math.abs(u), Math.abs(v)));
        }
        return a.toString().equals(b.toString());
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static void explain(Connection c, String dir, String label, int index, Row row) throws Exception {
        StringBuilder sb = new StringBuilder();
        int p = 0;
        for (Stmt st : row.raw) {
            sb.append("-- raw: ").append(st.name).append('\n').append(plan(c, "r" + index + "_" + p++, st));
        }
        p = 0;
        for (Stmt st : row.aggregates) {
            sb.append("-- aggregates: ").append(st.name).append('\n').append(plan(c, "a" + index + "_" + p++, st));
        }
        String file = (label + "-" + (index + 1) + "-" + row.name).replaceAll("[^A-Za-z0-9]+", "-") + ".txt";
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir));
        java.nio.file.Files.writeString(java.nio.file.Path.of(dir, file), sb.toString());
    }

    static String plan(Connection c, String name, Stmt st) throws SQLException {
        StringBuilder sb = new StringBuilder();
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + execute(name, st))) {
            while (r.next()) {
                sb.append(r.getString(1)).append('\n');
            }
        }
        return sb.toString();
    }
}
