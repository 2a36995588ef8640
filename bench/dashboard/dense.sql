-- Denser telemetry for the last :dense_hours hours before the current hour: every metric at :dense_step (rows that
-- backfill.sql already wrote at the same instants are kept), one hour per statement. Triggers bypassed and the range
-- logged once on the Apache edition, as in backfill.sql. psql variables: dense_hours, dense_step.
\set ON_ERROR_STOP on
SELECT EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table') AS service_aggregates \gset
\if :service_aggregates
SET session_replication_role = replica;
\endif
SELECT setseed(0.24);
SELECT format($q$
INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, quality)
SELECT m.id, g, round((50 + 20 * sin(extract(epoch FROM g) / (3600 * (1 + m.id %% 24))) + 5 * sin(extract(epoch FROM g) / 86400 * 6.283) + 2 * random())::numeric, 2), 192
FROM generate_series(%L::timestamptz, %L::timestamptz - interval '1 second', %L::interval) g
CROSS JOIN factory_telemetry.metric_def m
ON CONFLICT DO NOTHING
$q$, h, h + interval '1 hour', :'dense_step')
FROM generate_series(date_trunc('hour', now()) - make_interval(hours => :dense_hours), date_trunc('hour', now()) - interval '1 hour', interval '1 hour') h
ORDER BY h \gexec
RESET session_replication_role;
SELECT factory_telemetry.log_invalidation('metric_hist', date_trunc('hour', now()) - make_interval(hours => :dense_hours), date_trunc('hour', now()))
WHERE EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table');
