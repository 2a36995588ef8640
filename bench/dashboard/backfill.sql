-- Backfill for the dashboard benchmark, straight into the hypertables with generate_series (no HTTP ingest:
-- that is not what is measured, and it keeps the backfill to a few minutes on a 2-core machine).
-- psql variables: days, lines, equipment (per line), metrics (total), metric_step (sample interval, e.g. '5 minutes').
-- Apache edition: the service's row triggers are bypassed (session_replication_role = replica) and each table's
-- written range is logged to the invalidation log once, as the ingest path does for metric_hist. Community edition:
-- triggers stay on (TimescaleDB's own continuous-aggregate invalidation trigger must see the rows).
-- run.sh then refreshes the aggregates.
\set ON_ERROR_STOP on
SELECT EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table') AS service_aggregates \gset
\if :service_aggregates
SET session_replication_role = replica;
\endif
SELECT setseed(0.42);

INSERT INTO factory_telemetry.production_lines (line_code, name)
SELECT 'LINE-' || l, 'Line ' || l FROM generate_series(1, :lines) l;

INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id, ideal_cycle_time_s, equipment_type)
SELECT 'L' || l.id || '-EQ' || e, 'Machine ' || e || ' of ' || l.name, l.id, 0.5 + (e % 4) * 0.25, 'production'
FROM factory_telemetry.production_lines l, generate_series(1, :equipment) e;

INSERT INTO factory_telemetry.product_types (product_code, name) VALUES ('SKU-1', 'Bottle 0.5 l'), ('SKU-2', 'Bottle 1 l'), ('SKU-3', 'Can 0.33 l');

INSERT INTO factory_telemetry.metric_def (metric_key, equipment_id, value_type, unit)
SELECT eq.equipment_code || '.signal' || k, eq.id, 'REAL', 'unit'
FROM factory_telemetry.equipment eq, generate_series(1, ceil(:metrics::numeric / (:lines * :equipment))::int) k
ORDER BY eq.id, k
LIMIT :metrics;

INSERT INTO factory_telemetry.fault_catalog (equipment_id, bit_index, name)
SELECT eq.id, b, 'Fault bit ' || b FROM factory_telemetry.equipment eq, generate_series(0, 7) b;

-- One day per statement keeps inserts time-ordered (chunk by chunk) and shows progress.
CREATE TEMP TABLE bench_days AS
SELECT d FROM generate_series(date_trunc('hour', now()) - make_interval(days => :days), date_trunc('hour', now()) - interval '1 day', interval '1 day') d;

-- OEE inputs: one row per equipment per minute. Availability dips on the night shift and during stops,
-- performance ~90 %, quality ~97 %; equipment differ in cycle time.
SELECT format($q$
INSERT INTO factory_telemetry.oee_calculations (equipment_id, line_id, calculation_time, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count)
SELECT e.id, e.line_id, g, 60, run, ideal, floor(ideal / e.ideal_cycle_time_s), floor(floor(ideal / e.ideal_cycle_time_s) * (0.93 + 0.07 * random()))
FROM generate_series(%L::timestamptz, %L::timestamptz - interval '1 minute', interval '1 minute') g
CROSS JOIN factory_telemetry.equipment e
CROSS JOIN LATERAL (SELECT least(60, greatest(0, 60 * (CASE WHEN extract(hour FROM g) < 6 THEN 0.7 ELSE 0.9 END) + 12 * (random() - 0.5)))) r(run)
CROSS JOIN LATERAL (SELECT r.run * (0.82 + 0.15 * random())) i(ideal)
$q$, d, d + interval '1 day') FROM bench_days ORDER BY d \gexec

-- Energy: one reading per equipment per minute, power follows the production rhythm.
SELECT format($q$
INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh, power_factor)
SELECT e.id, e.line_id, g, p, p / 60, 0.85 + 0.1 * random()
FROM generate_series(%L::timestamptz, %L::timestamptz - interval '1 minute', interval '1 minute') g
CROSS JOIN factory_telemetry.equipment e
CROSS JOIN LATERAL (SELECT 15 + 25 * (CASE WHEN extract(hour FROM g) < 6 THEN 0.5 ELSE 1 END) + 4 * random()) x(p)
$q$, d, d + interval '1 day') FROM bench_days ORDER BY d \gexec

-- Telemetry: every metric at metric_step; slow process drift, a daily cycle and sensor noise.
SELECT format($q$
INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, quality)
SELECT m.id, g, round((50 + 20 * sin(extract(epoch FROM g) / (3600 * (1 + m.id %% 24))) + 5 * sin(extract(epoch FROM g) / 86400 * 6.283) + 2 * random())::numeric, 2), 192
FROM generate_series(%L::timestamptz, %L::timestamptz - interval '1 second', %L::interval) g
CROSS JOIN factory_telemetry.metric_def m
$q$, d, d + interval '1 day', :'metric_step') FROM bench_days ORDER BY d \gexec

-- Downtime: ~12 stops per equipment and day, 1-40 minutes, skewed reasons (a Pareto worth drawing).
INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
SELECT e.id, e.line_id, s, s + (60 + floor(random() * 2340)) * interval '1 second', r.reason, r.category
FROM factory_telemetry.equipment e
CROSS JOIN generate_series((SELECT min(d) FROM bench_days), (SELECT max(d) FROM bench_days) + interval '1 day' - interval '2 hours', interval '2 hours') s
CROSS JOIN LATERAL (SELECT (ARRAY['JAM','JAM','JAM','JAM','NO_MATERIAL','NO_MATERIAL','CHANGEOVER','BREAKDOWN','CLEANING','QUALITY_HOLD'])[1 + floor(random() * 10 + 0 * e.id + 0 * extract(epoch FROM s))::int] AS reason) x
CROSS JOIN LATERAL (SELECT x.reason, CASE x.reason WHEN 'CHANGEOVER' THEN 'changeover' WHEN 'CLEANING' THEN 'planned'
                                                    WHEN 'BREAKDOWN' THEN 'maintenance' ELSE 'unplanned' END AS category) r;

-- Quality: a check per line, product and check type every 30 minutes.
INSERT INTO factory_telemetry.quality_checks (line_id, product_type_id, check_time, check_type, check_result, quantity_checked, quantity_passed, quantity_failed)
SELECT l.id, p.id, g, t, CASE WHEN f > 4 THEN 'fail' ELSE 'pass' END, 200, 200 - f, f
FROM factory_telemetry.production_lines l
CROSS JOIN factory_telemetry.product_types p
CROSS JOIN (VALUES ('in_process'), ('final')) ct(t)
CROSS JOIN generate_series((SELECT min(d) FROM bench_days), (SELECT max(d) FROM bench_days) + interval '1 day' - interval '30 minutes', interval '30 minutes') g
CROSS JOIN LATERAL (SELECT floor(random() * random() * 12 + 0 * l.id + 0 * p.id + 0 * extract(epoch FROM g))::int AS f) q;

-- Faults: ~6 per equipment and day, a few minutes each.
INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
SELECT e.id, e.line_id, floor(random() * 8)::smallint, s, s + (30 + floor(random() * 600)) * interval '1 second'
FROM factory_telemetry.equipment e
CROSS JOIN generate_series((SELECT min(d) FROM bench_days), (SELECT max(d) FROM bench_days) + interval '1 day' - interval '4 hours', interval '4 hours') s
ON CONFLICT DO NOTHING;

RESET session_replication_role;
SELECT factory_telemetry.log_invalidation(src, (SELECT min(d) FROM bench_days), (SELECT max(d) FROM bench_days) + interval '1 day')
FROM unnest(ARRAY['oee_calculations', 'energy_consumption', 'metric_hist', 'downtime_events', 'quality_checks']) src
WHERE EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table');
