package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.support.LocalTimescale;

/**
 * Test data written straight into the reference tables and hypertables (the ingest path is not on this branch),
 * relative to now, with deliberately unequal equipment sizes so that averaging ratios would give other answers than
 * ratios of sums. Values are deterministic functions of time and id.
 */
final class DashboardTestData {

    private DashboardTestData() {
    }

    static final String REFERENCE = """
            INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('L1', 'Line 1'), ('L2', 'Line 2');
            INSERT INTO factory_telemetry.production_lines (line_code, name, enabled) VALUES ('L9', 'Retired line', false);
            INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id, ideal_cycle_time_s)
            SELECT v.code, v.name, l.id, v.cycle FROM (VALUES ('E11', 'Filler', 'L1', 1.0), ('E12', 'Capper', 'L1', 0.5),
                                                        ('E21', 'Press', 'L2', 2.0)) v(code, name, line, cycle)
            JOIN factory_telemetry.production_lines l ON l.line_code = v.line;
            INSERT INTO factory_telemetry.product_types (product_code, name) VALUES ('P-A', 'Product A'), ('P-B', 'Product B');
            INSERT INTO factory_telemetry.metric_def (metric_key, equipment_id, value_type, unit)
            SELECT v.key, e.id, v.type, v.unit FROM (VALUES ('L1.E11.temp', 'E11', 'REAL', 'degC'),
                                                           ('L1.E11.count', 'E11', 'INT', 'parts'),
                                                           ('L1.E11.running', 'E11', 'BOOL', NULL)) v(key, eq, type, unit)
            JOIN factory_telemetry.equipment e ON e.equipment_code = v.eq;
            INSERT INTO factory_telemetry.fault_catalog (equipment_id, bit_index, name)
            SELECT id, 3, 'Motor overload' FROM factory_telemetry.equipment WHERE equipment_code IN ('E11', 'E21');
            """;

    /**
     * Rows from {@code from} to {@code to} (SQL timestamptz expressions). E11 books 10-minute periods, E12 one-minute
     * periods (ten times smaller), E21 30-minute periods.
     */
    static String facts(String from, String to) {
        return """
                INSERT INTO factory_telemetry.oee_calculations (equipment_id, line_id, calculation_time, planned_time_s, run_time_s,
                                                                ideal_run_time_s, total_count, good_count)
                SELECT e.id, e.line_id, g, p.planned, p.run, p.run * p.perf, floor(p.run * p.perf / e.ideal_cycle_time_s),
                       floor(floor(p.run * p.perf / e.ideal_cycle_time_s) * p.q)
                FROM factory_telemetry.equipment e
                CROSS JOIN LATERAL generate_series(date_trunc('minute', %1$s),
                    %2$s, CASE e.equipment_code WHEN 'E11' THEN interval '10 minutes' WHEN 'E12' THEN interval '1 minute' ELSE interval '30 minutes' END) g
                CROSS JOIN LATERAL (SELECT CASE e.equipment_code WHEN 'E11' THEN 600.0 WHEN 'E12' THEN 60.0 ELSE 1800.0 END AS planned,
                                           CASE e.equipment_code WHEN 'E11' THEN 600.0 WHEN 'E12' THEN 60.0 ELSE 1800.0 END
                                             * (0.45 + 0.5 * abs(sin(extract(epoch FROM g) / 3000 + e.id))) AS run,
                                           0.55 + 0.4 * abs(cos(extract(epoch FROM g) / 7000 + e.id)) AS perf,
                                           CASE e.equipment_code WHEN 'E12' THEN 0.5 ELSE 0.97 END AS q) p
                WHERE g < %2$s
                ON CONFLICT DO NOTHING;

                INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw,
                                                                  energy_consumption_kwh, power_factor)
                SELECT e.id, e.line_id, g, 20 + 15 * abs(sin(extract(epoch FROM g) / 5000 + e.id)),
                       (20 + 15 * abs(sin(extract(epoch FROM g) / 5000 + e.id))) * 0.25, 0.9
                FROM factory_telemetry.equipment e
                CROSS JOIN generate_series(date_trunc('minute', %1$s), %2$s, interval '15 minutes') g
                WHERE g < %2$s
                ON CONFLICT DO NOTHING;

                INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool)
                SELECT m.id, g,
                       CASE m.value_type WHEN 'REAL' THEN 70 + 5 * sin(extract(epoch FROM g) / 900) + (extract(epoch FROM g)::bigint %% 7) END,
                       CASE m.value_type WHEN 'INT' THEN extract(epoch FROM g)::bigint %% 1000 END,
                       CASE m.value_type WHEN 'BOOL' THEN extract(epoch FROM g)::bigint %% 3 <> 0 END
                FROM factory_telemetry.metric_def m
                CROSS JOIN generate_series(date_trunc('minute', %1$s), %2$s, interval '1 minute') g
                WHERE g < %2$s
                ON CONFLICT DO NOTHING;

                INSERT INTO factory_telemetry.quality_checks (line_id, product_type_id, check_time, check_type, check_result,
                                                              quantity_checked, quantity_passed, quantity_failed)
                SELECT l.id, p.id, g, CASE WHEN extract(minute FROM g) < 30 THEN 'in_process' ELSE 'final' END,
                       CASE WHEN extract(epoch FROM g)::bigint %% 5 = 0 THEN 'fail' WHEN extract(epoch FROM g)::bigint %% 7 = 0 THEN 'conditional' ELSE 'pass' END,
                       100 + l.id * 10, 90 + (extract(epoch FROM g)::bigint / 60 %% 10), 100 + l.id * 10 - 90 - (extract(epoch FROM g)::bigint / 60 %% 10)
                FROM factory_telemetry.production_lines l
                CROSS JOIN factory_telemetry.product_types p
                CROSS JOIN generate_series(date_trunc('minute', %1$s), %2$s, interval '20 minutes') g
                WHERE g < %2$s AND l.enabled;

                INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
                SELECT e.id, e.line_id, g, g + (300 + (extract(epoch FROM g)::bigint / 60 %% 37) * 60) * interval '1 second',
                       (ARRAY['JAM', 'NO_MATERIAL', 'CHANGEOVER', 'JAM', 'BREAKDOWN', 'JAM'])[1 + (extract(epoch FROM g)::bigint / 3600 + e.id) %% 6],
                       (ARRAY['unplanned', 'unplanned', 'changeover', 'unplanned', 'maintenance', 'planned'])[1 + (extract(epoch FROM g)::bigint / 3600 + e.id) %% 6]
                FROM factory_telemetry.equipment e
                CROSS JOIN generate_series(date_trunc('hour', %1$s) + interval '17 minutes', %2$s - interval '2 hours', interval '97 minutes') g;

                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
                SELECT e.id, e.line_id, (extract(epoch FROM g)::bigint / 60 %% 5)::smallint, g, g + interval '4 minutes'
                FROM factory_telemetry.equipment e
                CROSS JOIN generate_series(date_trunc('hour', %1$s) + interval '5 minutes', %2$s - interval '1 hour', interval '3 hours') g
                ON CONFLICT DO NOTHING;
                """.formatted(from, to);
    }

    /** Open stops and active faults, and a stop that runs across the start of today. */
    static final String LIVE = """
            INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
            SELECT id, line_id, now() - interval '20 minutes', NULL, 'JAM', 'unplanned' FROM factory_telemetry.equipment WHERE equipment_code = 'E11';
            INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
            SELECT id, line_id, date_trunc('day', now()) - interval '50 minutes', date_trunc('day', now()) + interval '10 minutes', 'BREAKDOWN', 'maintenance'
            FROM factory_telemetry.equipment WHERE equipment_code = 'E21';
            INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on)
            SELECT id, line_id, 3, now() - interval '7 minutes' FROM factory_telemetry.equipment WHERE equipment_code IN ('E11', 'E21');
            """;

    /**
     * Brings every aggregate up to date, the way each edition's scheduler does: the Apache edition's service refresh
     * (everything logged); on the Community edition the refresh policies' window, which ends refresh_end_offset before
     * now (1 minute for the minute, 1 hour for hourly, 1 day for daily aggregates; newer buckets are real-time).
     */
    static void refresh(LocalTimescale cluster, String db) {
        refresh(cluster, db, "now()");
    }

    /**
     * As {@link #refresh(LocalTimescale, String)}; on the Community edition the refresh window also ends at
     * {@code writtenUpTo} (what was written before the refresh), so that rows written afterwards fall into real-time
     * buckets as they would in production, not into buckets materialized before they existed (late data, which the
     * Community edition shows after the next policy run).
     */
    static void refresh(LocalTimescale cluster, String db, String writtenUpTo) {
        String[] order = {"oee_hourly_aggregate", "metric_hourly_aggregate", "metric_minute_aggregate", "energy_hourly_aggregate",
                "downtime_daily_aggregate", "quality_daily_aggregate", "oee_daily_aggregate", "metric_daily_aggregate",
                "energy_daily_aggregate"};
        for (String aggregate : order) {
            if ("apache".equals(cluster.license())) {
                cluster.psql(db, "SELECT factory_telemetry.refresh_service_aggregate('" + aggregate + "', '-infinity')");
            } else {
                String endOffset = aggregate.contains("minute") ? "1 minute" : aggregate.contains("hourly") ? "1 hour" : "1 day";
                cluster.psql(db, "CALL refresh_continuous_aggregate('factory_telemetry." + aggregate + "', NULL, least("
                        + writtenUpTo + ", now() - interval '" + endOffset + "'))");
            }
        }
    }
}
