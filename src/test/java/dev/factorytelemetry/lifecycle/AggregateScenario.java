package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.support.LocalTimescale;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small plant with three days of raw rows in all aggregated tables, and an independent
 * recomputation of every aggregate from raw rows (daily ones straight from raw, not from hourly),
 * so that an aggregate refreshed by either executor can be compared with the truth.
 */
final class AggregateScenario {

    /** Rows are anchored three days back (inside every refresh window), at UTC midnight. */
    static final String SETUP = """
            INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('L1', 'Line 1'), ('L2', 'Line 2');
            INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id, ideal_cycle_time_s)
            SELECT e.code, e.code, l.id, 1.0 FROM (VALUES ('E1', 'L1'), ('E2', 'L1'), ('E3', 'L2')) e(code, line)
            JOIN factory_telemetry.production_lines l ON l.line_code = e.line;
            INSERT INTO factory_telemetry.product_types (product_code, name) VALUES ('P1', 'Product 1'), ('P2', 'Product 2');
            INSERT INTO factory_telemetry.metric_def (metric_key, value_type)
            VALUES ('L1.E1.speed', 'REAL'), ('L1.E1.count', 'INT'), ('L1.E1.running', 'BOOL'), ('L2.E3.temp', 'REAL');

            -- OEE: every 15 min for 54 h per equipment, uneven period lengths and volumes
            INSERT INTO factory_telemetry.oee_calculations
                (equipment_id, line_id, calculation_time, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count)
            SELECT e.id, e.line_id, t, planned, planned * run_share, planned * run_share * perf, total, total - (i % 7) * e.id
            FROM factory_telemetry.equipment e,
                 generate_series(0, 215) i,
                 LATERAL (SELECT date_trunc('day', now() - interval '3 days') + i * interval '15 minutes' AS t,
                                 300.0 + (i * 37 % 11) * 60 * e.id AS planned,
                                 0.5 + (i * 13 % 10) / 20.0 AS run_share,
                                 0.6 + (i * 7 % 8) / 20.0 AS perf,
                                 100 + (i * 17 % 50) * e.id AS total) v;

            -- telemetry: one sample a minute for 54 h on four metrics of three types
            INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool)
            SELECT m.id, date_trunc('day', now() - interval '3 days') + i * interval '1 minute',
                   CASE WHEN m.value_type = 'REAL' THEN 50 + 20 * sin(i / 30.0) + (i * 31 % 7) END,
                   CASE WHEN m.value_type = 'INT' THEN i * 3 + (i % 5) END,
                   CASE WHEN m.value_type = 'BOOL' THEN i % 3 <> 0 END
            FROM factory_telemetry.metric_def m, generate_series(0, 3239) i;

            -- energy: every 15 min per equipment
            INSERT INTO factory_telemetry.energy_consumption
                (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh, power_factor)
            SELECT e.id, e.line_id, date_trunc('day', now() - interval '3 days') + i * interval '15 minutes',
                   10 + (i * 29 % 13) + e.id, (10 + (i * 29 % 13) + e.id) / 4.0, 0.8 + (i % 5) / 50.0
            FROM factory_telemetry.equipment e, generate_series(0, 215) i;

            -- downtime: closed stops every 3 h per equipment, one still open
            INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
            SELECT e.id, e.line_id, date_trunc('day', now() - interval '3 days') + i * interval '3 hours' + e.id * interval '7 minutes',
                   date_trunc('day', now() - interval '3 days') + i * interval '3 hours' + e.id * interval '7 minutes'
                       + (5 + i * 11 % 40) * interval '1 minute',
                   'R' || (i % 4), (ARRAY['planned', 'unplanned', 'changeover', 'maintenance'])[1 + i % 4]
            FROM factory_telemetry.equipment e, generate_series(0, 17) i;
            INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, reason_code, category)
            SELECT id, line_id, date_trunc('day', now() - interval '3 days') + interval '20 hours', 'JAM', 'unplanned'
            FROM factory_telemetry.equipment WHERE equipment_code = 'E3';

            -- quality: a check per line and product every hour
            INSERT INTO factory_telemetry.quality_checks
                (line_id, product_type_id, check_time, check_type, check_result, quantity_checked, quantity_passed, quantity_failed)
            SELECT l.id, p.id, date_trunc('day', now() - interval '3 days') + i * interval '1 hour' + p.id * interval '5 minutes',
                   (ARRAY['incoming', 'in_process', 'final', 'audit'])[1 + i % 4],
                   (ARRAY['pass', 'pass', 'fail', 'conditional'])[1 + (i + p.id) % 4],
                   100, 100 - (i * 7 % 9), i * 7 % 9
            FROM factory_telemetry.production_lines l, factory_telemetry.product_types p, generate_series(0, 53) i;
            """;

    /** Late and changed rows in buckets that were already materialized. */
    static final String LATE_WRITES = """
            INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real)
            SELECT id, date_trunc('day', now() - interval '3 days') + interval '5 hours 30 seconds', 1000
            FROM factory_telemetry.metric_def WHERE metric_key = 'L2.E3.temp';
            INSERT INTO factory_telemetry.oee_calculations
                (equipment_id, line_id, calculation_time, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count)
            SELECT id, line_id, date_trunc('day', now() - interval '3 days') + interval '2 hours 7 minutes', 5000, 100, 50, 40, 1
            FROM factory_telemetry.equipment WHERE equipment_code = 'E1';
            INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh)
            SELECT id, line_id, date_trunc('day', now() - interval '3 days') + interval '1 hour 1 minute', 999, 250
            FROM factory_telemetry.equipment WHERE equipment_code = 'E2';
            UPDATE factory_telemetry.downtime_events SET end_time = start_time + interval '95 minutes' WHERE end_time IS NULL;
            DELETE FROM factory_telemetry.quality_checks
            WHERE check_time = (SELECT min(check_time) FROM factory_telemetry.quality_checks);
            """;

    /** An aggregate, its key columns, its value columns, and its recomputation from raw rows. */
    record Expected(String aggregate, List<String> keys, List<String> values, String fromRaw) {
    }

    private static final String TZ = "(SELECT value FROM factory_telemetry.plant_settings WHERE setting = 'time_zone')";

    /** Hours (UTC) and days (plant zone) by date_trunc: an independent way to the same buckets. */
    private static String hourOf(String column) {
        return "date_trunc('hour', " + column + " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
    }

    private static String minuteOf(String column) {
        return "date_trunc('minute', " + column + " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
    }

    private static String dayOf(String column) {
        return "(date_trunc('day', " + column + " AT TIME ZONE " + TZ + ") AT TIME ZONE " + TZ + ")";
    }

    private static String oee(String bucket) {
        return """
                SELECT %s AS bucket, line_id, equipment_id, count(*) AS calculations,
                       sum(planned_time_s) AS planned_time_s, sum(run_time_s) AS run_time_s,
                       sum(ideal_run_time_s) AS ideal_run_time_s, sum(total_count) AS total_count, sum(good_count) AS good_count,
                       sum(run_time_s) / sum(planned_time_s) AS availability,
                       sum(ideal_run_time_s) / sum(run_time_s) AS performance,
                       sum(good_count)::float8 / sum(total_count) AS quality,
                       sum(ideal_run_time_s) * sum(good_count) / (sum(planned_time_s) * sum(total_count)) AS oee
                FROM factory_telemetry.oee_calculations GROUP BY 1, 2, 3
                """.formatted(bucket);
    }

    private static String metric(String bucket) {
        return """
                SELECT %s AS bucket, metric_id, count(*) AS samples, count(value_real) AS real_count,
                       sum(value_real) AS real_sum, min(value_real) AS real_min, max(value_real) AS real_max,
                       avg(value_real) AS real_avg, stddev_samp(value_real) AS real_stddev,
                       count(value_int) AS int_count, sum(value_int) AS int_sum, min(value_int) AS int_min, max(value_int) AS int_max,
                       count(value_bool) AS bool_count, count(*) FILTER (WHERE value_bool) AS bool_true_count
                FROM factory_telemetry.metric_hist GROUP BY 1, 2
                """.formatted(bucket);
    }

    private static String energy(String bucket) {
        return """
                SELECT %s AS bucket, line_id, equipment_id, count(*) AS readings, sum(energy_consumption_kwh) AS energy_kwh,
                       min(power_consumption_kw) AS min_power_kw, max(power_consumption_kw) AS peak_power_kw,
                       avg(power_consumption_kw) AS avg_power_kw, sum(power_factor) AS power_factor_sum
                FROM factory_telemetry.energy_consumption GROUP BY 1, 2, 3
                """.formatted(bucket);
    }

    private static final List<String> OEE_VALUES = List.of("calculations", "planned_time_s", "run_time_s", "ideal_run_time_s",
            "total_count", "good_count", "availability", "performance", "quality", "oee");
    private static final List<String> METRIC_VALUES = List.of("samples", "real_count", "real_sum", "real_min", "real_max",
            "real_avg", "real_stddev", "int_count", "int_sum", "int_min", "int_max", "bool_count", "bool_true_count");
    private static final List<String> ENERGY_VALUES = List.of("readings", "energy_kwh", "min_power_kw", "peak_power_kw",
            "avg_power_kw", "power_factor_sum");

    static final List<Expected> ALL = List.of(
            new Expected("oee_hourly_aggregate", List.of("bucket", "line_id", "equipment_id"), OEE_VALUES, oee(hourOf("calculation_time"))),
            new Expected("oee_daily_aggregate", List.of("bucket", "line_id", "equipment_id"), OEE_VALUES, oee(dayOf("calculation_time"))),
            new Expected("metric_minute_aggregate", List.of("bucket", "metric_id"), METRIC_VALUES, metric(minuteOf("ts"))),
            new Expected("metric_hourly_aggregate", List.of("bucket", "metric_id"), METRIC_VALUES, metric(hourOf("ts"))),
            new Expected("metric_daily_aggregate", List.of("bucket", "metric_id"), METRIC_VALUES, metric(dayOf("ts"))),
            new Expected("energy_hourly_aggregate", List.of("bucket", "line_id", "equipment_id"), ENERGY_VALUES, energy(hourOf("consumption_time"))),
            new Expected("energy_daily_aggregate", List.of("bucket", "line_id", "equipment_id"), ENERGY_VALUES, energy(dayOf("consumption_time"))),
            new Expected("downtime_daily_aggregate", List.of("bucket", "line_id", "equipment_id", "category"),
                    List.of("events", "downtime_s", "min_duration_s", "max_duration_s"), """
                    SELECT %s AS bucket, line_id, equipment_id, category, count(*) AS events,
                           sum(extract(epoch FROM end_time - start_time)) AS downtime_s,
                           min(extract(epoch FROM end_time - start_time)) AS min_duration_s,
                           max(extract(epoch FROM end_time - start_time)) AS max_duration_s
                    FROM factory_telemetry.downtime_events WHERE end_time IS NOT NULL GROUP BY 1, 2, 3, 4
                    """.formatted(dayOf("start_time"))),
            new Expected("quality_daily_aggregate", List.of("bucket", "line_id", "product_type_id", "check_type"),
                    List.of("checks", "passed_checks", "failed_checks", "conditional_checks", "quantity_checked",
                            "quantity_passed", "quantity_failed", "pass_rate"), """
                    SELECT %s AS bucket, line_id, product_type_id, check_type, count(*) AS checks,
                           count(*) FILTER (WHERE check_result = 'pass') AS passed_checks,
                           count(*) FILTER (WHERE check_result = 'fail') AS failed_checks,
                           count(*) FILTER (WHERE check_result = 'conditional') AS conditional_checks,
                           sum(quantity_checked) AS quantity_checked, sum(quantity_passed) AS quantity_passed,
                           sum(quantity_failed) AS quantity_failed,
                           sum(quantity_passed)::float8 / sum(quantity_checked) AS pass_rate
                    FROM factory_telemetry.quality_checks GROUP BY 1, 2, 3, 4
                    """.formatted(dayOf("check_time"))));

    private AggregateScenario() {
    }

    /** Asserts that every aggregate holds exactly the rows of its raw recomputation (values to 1e-6 relative). */
    static void assertAllEqualRawRecomputation(LocalTimescale cluster, String database) {
        for (Expected expected : ALL) {
            String rows = cluster.psql(database, "SELECT count(*) FROM factory_telemetry." + expected.aggregate()).trim();
            String truth = cluster.psql(database, "SELECT count(*) FROM (" + expected.fromRaw() + ") t").trim();
            assertTrue(Integer.parseInt(truth) > 0, expected.aggregate() + ": scenario has no rows");
            assertEquals(truth, rows, expected.aggregate() + ": number of buckets");
            String columns = String.join(", ", expected.keys()) + ", "
                    + String.join(", ", expected.values().stream().map(AggregateScenario::rounded).toList());
            String diff = cluster.psql(database, """
                    SELECT count(*) FROM (
                        (SELECT %1$s FROM factory_telemetry.%2$s EXCEPT ALL SELECT %1$s FROM (%3$s) t)
                        UNION ALL
                        (SELECT %1$s FROM (%3$s) t EXCEPT ALL SELECT %1$s FROM factory_telemetry.%2$s)) d
                    """.formatted(columns, expected.aggregate(), expected.fromRaw())).trim();
            assertEquals("0", diff, expected.aggregate() + " differs from its recomputation from raw rows");
        }
    }

    /** Rounds to 10 significant digits, so that sums added in another order compare equal. */
    private static String rounded(String column) {
        return "round((" + column + ")::numeric / 10 ^ greatest(floor(log(greatest(abs((" + column
                + ")::numeric), 1e-12))) - 9, -12), 0)";
    }
}
