-- The last hour up to now, written after the aggregates were refreshed (as if the last refresh ran at the start of
-- the hour): current-hour figures must come from these raw rows (Apache: past the watermark; Community: real-time).
-- Written with row triggers on, so the invalidation log holds exactly what a live system would hold.
\set ON_ERROR_STOP on
SELECT setseed(0.17);
INSERT INTO factory_telemetry.oee_calculations (equipment_id, line_id, calculation_time, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count)
SELECT e.id, e.line_id, g, 60, 50, 45, floor(45 / e.ideal_cycle_time_s), floor(44 / e.ideal_cycle_time_s)
FROM generate_series(date_trunc('hour', now()), now(), interval '1 minute') g CROSS JOIN factory_telemetry.equipment e
ON CONFLICT DO NOTHING;
INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh)
SELECT e.id, e.line_id, g, 30, 0.5 FROM generate_series(date_trunc('hour', now()), now(), interval '1 minute') g CROSS JOIN factory_telemetry.equipment e
ON CONFLICT DO NOTHING;
SET factory_telemetry.invalidation_logged = on;
INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, quality)
SELECT m.id, g, 50 + 2 * random(), 192 FROM generate_series(date_trunc('hour', now()), now(), :'metric_step'::interval) g CROSS JOIN factory_telemetry.metric_def m
ON CONFLICT DO NOTHING;
SELECT factory_telemetry.log_invalidation('metric_hist', date_trunc('hour', now()), now())
WHERE EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table');
-- only the telemetry above was logged by hand (as the ingest path does); the events below go through the row triggers
RESET factory_telemetry.invalidation_logged;
INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
SELECT e.id, e.line_id, now() - interval '12 minutes', NULL, 'JAM', 'unplanned' FROM factory_telemetry.equipment e WHERE e.id % 7 = 0;
INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on)
SELECT e.id, e.line_id, 1, now() - interval '5 minutes' FROM factory_telemetry.equipment e WHERE e.id % 5 = 0;
INSERT INTO factory_telemetry.quality_checks (line_id, product_type_id, check_time, check_type, check_result, quantity_checked, quantity_passed, quantity_failed)
SELECT l.id, p.id, now() - interval '3 minutes', 'final', 'pass', 200, 198, 2 FROM factory_telemetry.production_lines l, factory_telemetry.product_types p;
