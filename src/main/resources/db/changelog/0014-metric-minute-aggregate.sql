--liquibase formatted sql

-- A 1-minute level of the metric aggregates, so that a metric series of the default shape (24 hours in 5-minute
-- buckets) and every series with buckets from 1 minute up to an hour reads at most 1,440 rows per metric-day
-- instead of the raw samples (86,400 per metric-day at 1 Hz).
--
-- It sits beside metric_hourly_aggregate and metric_daily_aggregate, on metric_hist, not under them: re-basing the
-- hourly aggregate on the minute one would mean dropping and re-creating metric_hourly_aggregate (and
-- metric_daily_aggregate, built on it) on databases that already hold a year of them, on the Community edition a
-- continuous aggregate cannot change its query in place, and raw samples older than 90 days are gone, so the
-- re-created hourly history could not be recomputed. The minute level has the same columns as the hourly one
-- (counts, sums, sums of squares, min, max), so figures combine exactly at any coarser width.
--
-- Same machinery as the other aggregates (changeset 0004): the definition view, then per edition a continuous
-- aggregate with refresh and retention policies from the catalog (Community) or a service-maintained hypertable
-- refreshed from the invalidation log (Apache; the ingest path and the row triggers log metric_hist writes for every
-- service table on it, so late data reaches this level like the others). The backfill machinery (0010,
-- BackfillRefresher) reads the catalog and covers it without change.
-- History that existed before this changeset is not materialized during the migration (at 1 Hz that would be
-- 86,400 rows per metric-day to aggregate inside the migration): on the Apache edition it is logged as pending and
-- the service's next refresh materializes it (dashboards read pending buckets from raw rows meanwhile); on the
-- Community edition TimescaleDB logs the whole range of a new continuous aggregate as invalid and the service's
-- BackfillRefresher materializes what lies before the policy's window (answers say complete: false until then).

--changeset factory-telemetry:0014-metric-minute-policy
-- Refresh: the last day every minute (ending one bucket before now; newer minutes are real-time on the Community
-- edition); retention as long as the raw samples it is computed from.
INSERT INTO factory_telemetry.aggregate_policy
    (aggregate_name, source_name, bucket_width, refresh_start_offset, refresh_end_offset, refresh_schedule, retention, materialized_only, group_by)
VALUES
    ('metric_minute_aggregate', 'metric_hist', interval '1 minute', interval '1 day', interval '1 minute', interval '1 minute', interval '90 days', false, 'metric_id');

CREATE VIEW factory_telemetry.metric_minute_aggregate_definition AS
SELECT time_bucket(interval '1 minute', ts) AS bucket,
       metric_id,
       count(*)                                   AS samples,
       count(value_real)                          AS real_count,
       sum(value_real)                            AS real_sum,
       sum(value_real * value_real)               AS real_sum_squares,
       min(value_real)                            AS real_min,
       max(value_real)                            AS real_max,
       avg(value_real)                            AS real_avg,
       stddev_samp(value_real)                    AS real_stddev,
       count(value_int)                           AS int_count,
       sum(value_int)                             AS int_sum,
       min(value_int)                             AS int_min,
       max(value_int)                             AS int_max,
       count(value_bool)                          AS bool_count,
       sum(CASE WHEN value_bool THEN 1 ELSE 0 END) AS bool_true_count
FROM factory_telemetry.metric_hist
GROUP BY 1, metric_id;

--changeset factory-telemetry:0014-metric-minute-service labels:edition-apache
--comment: Apache edition: a service-maintained hypertable (1-day chunks: 1,440 rows per metric and day), existing history logged as pending.
SELECT factory_telemetry.create_service_aggregate('metric_minute_aggregate');
SELECT set_chunk_time_interval('factory_telemetry.metric_minute_aggregate', interval '1 day');
INSERT INTO factory_telemetry.aggregate_invalidation (aggregate_name, range_start, range_end)
SELECT 'metric_minute_aggregate', min(ts), max(ts)
FROM factory_telemetry.metric_hist
HAVING min(ts) IS NOT NULL
ON CONFLICT ON CONSTRAINT aggregate_invalidation_key DO NOTHING;

--changeset factory-telemetry:0014-metric-minute-continuous labels:edition-community
--comment: Community edition: a real-time continuous aggregate with the catalog's refresh and retention policies.
SELECT factory_telemetry.create_continuous_aggregate('metric_minute_aggregate');
