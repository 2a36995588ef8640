--liquibase formatted sql

-- The policy catalog: one declarative source for chunk intervals, compression, retention and
-- continuous-aggregate refresh. Liquibase seeds it; the admin API changes it. Two executors enforce
-- it: TimescaleDB's own policies on the Community edition (changesets labelled edition-community and
-- the lifecycle service re-applying changed rows), and the service's scheduled beans on the Apache
-- edition (drop_chunks for retention; aggregate tables refreshed from an invalidation log).

--changeset factory-telemetry:0003-hypertable-policy
CREATE TABLE factory_telemetry.hypertable_policy (
    hypertable_name     text        PRIMARY KEY,
    time_column         text        NOT NULL,
    chunk_interval      interval    NOT NULL CHECK (chunk_interval > interval '0'),
    compress_after      interval    CHECK (compress_after > interval '0'),
    compress_segment_by text,
    compress_order_by   text,
    compress_schedule   interval    CHECK (compress_schedule > interval '0'),
    retention           interval    CHECK (retention > interval '0'),
    retention_enabled   boolean     NOT NULL DEFAULT true,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT compression_before_retention CHECK (retention IS NULL OR compress_after IS NULL OR compress_after < retention)
);
COMMENT ON TABLE factory_telemetry.hypertable_policy IS 'Per hypertable: chunk interval, compression (after, segment-by, order-by) and retention. Edit through the admin API so that the executor follows in the same step.';

-- Values of the original Phase-4 design (shared/design/data-model.md section 2). Order-by lists
-- contain every column of the table's unique key that is not a segment-by column: TimescaleDB
-- requires it to keep ON CONFLICT working on compressed chunks.
INSERT INTO factory_telemetry.hypertable_policy
    (hypertable_name, time_column, chunk_interval, compress_after, compress_segment_by, compress_order_by, compress_schedule, retention)
VALUES
    ('metric_hist',        'ts',               interval '1 hour', interval '7 days',  'metric_id',              'ts DESC',                        interval '30 minutes', interval '90 days'),
    ('oee_calculations',   'calculation_time', interval '1 day',  interval '7 days',  'equipment_id',           'calculation_time DESC',          interval '12 hours',   interval '2 years'),
    ('energy_consumption', 'consumption_time', interval '1 day',  interval '7 days',  'equipment_id',           'consumption_time DESC',          interval '12 hours',   interval '1 year'),
    ('production_kpis',    'kpi_date',         interval '7 days', interval '14 days', 'line_id',                'kpi_date DESC, shift_id',        interval '12 hours',   interval '3 years'),
    ('downtime_events',    'start_time',       interval '7 days', interval '30 days', 'line_id, category',      'start_time DESC, event_id',      interval '12 hours',   interval '2 years'),
    ('quality_checks',     'check_time',       interval '7 days', interval '30 days', 'line_id, check_type',    'check_time DESC, check_id',      interval '12 hours',   interval '7 years'),
    ('fault_event',        'ts_on',            interval '1 day',  interval '14 days', 'equipment_id',           'ts_on DESC, bit_index',          interval '12 hours',   interval '1 year');

--changeset factory-telemetry:0003-create-hypertables splitStatements:false
-- Chunk intervals come from the catalog. metric_hist gets no default time index: its primary key
-- (metric_id, ts) serves per-metric queries, and aggregate refreshes read whole recent chunks
-- (chunk exclusion, no index needed); one index less per row is ingest throughput.
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM factory_telemetry.hypertable_policy ORDER BY hypertable_name LOOP
        PERFORM create_hypertable(format('factory_telemetry.%I', p.hypertable_name)::regclass,
                                  by_range(p.time_column, p.chunk_interval),
                                  create_default_indexes => p.hypertable_name <> 'metric_hist',
                                  if_not_exists => true);
    END LOOP;
END
$$;

--changeset factory-telemetry:0003-aggregate-policy
CREATE TABLE factory_telemetry.aggregate_policy (
    aggregate_name       text        PRIMARY KEY,
    source_name          text        NOT NULL,
    bucket_width         interval    NOT NULL CHECK (bucket_width > interval '0'),
    refresh_start_offset interval    NOT NULL,
    refresh_end_offset   interval    NOT NULL,
    refresh_schedule     interval    NOT NULL CHECK (refresh_schedule > interval '0'),
    retention            interval    CHECK (retention > interval '0'),
    materialized_only    boolean     NOT NULL DEFAULT false,
    group_by             text        NOT NULL,
    materialization      text        CHECK (materialization IN ('continuous_aggregate', 'service_table')),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refresh_window_not_empty CHECK (refresh_start_offset > refresh_end_offset),
    CONSTRAINT refresh_window_within_retention CHECK (retention IS NULL OR refresh_start_offset < retention)
);
COMMENT ON TABLE factory_telemetry.aggregate_policy IS 'Per aggregate: bucket, refresh window (start/end offset) and schedule, its own retention, real-time flag. The refresh window must stay shorter than the source''s retention (timescaledb#2198): checked by the service and the admin API. materialization: how the aggregate was created (continuous_aggregate on the Community edition, service_table maintained by the service on the Apache edition); NULL before creation.';
COMMENT ON COLUMN factory_telemetry.aggregate_policy.refresh_end_offset IS 'Native policies only: newest data left to real-time aggregation. Service-maintained tables are refreshed up to now (bounded staleness: one refresh_schedule).';

-- The eight aggregates of the original design. Hourly: refresh 7 days back every 5 minutes; daily:
-- 30 days back every hour (both shorter than the 90-day raw retention of metric_hist). Aggregates
-- keep their own, longer history. Real-time (materialized_only = false) where dashboards need the
-- current hour/day.
INSERT INTO factory_telemetry.aggregate_policy
    (aggregate_name, source_name, bucket_width, refresh_start_offset, refresh_end_offset, refresh_schedule, retention, materialized_only, group_by)
VALUES
    ('oee_hourly_aggregate',     'oee_calculations',        interval '1 hour', interval '7 days',  interval '1 hour', interval '5 minutes', interval '2 years', false, 'line_id, equipment_id'),
    ('oee_daily_aggregate',      'oee_hourly_aggregate',    interval '1 day',  interval '30 days', interval '1 day',  interval '1 hour',    interval '7 years', false, 'line_id, equipment_id'),
    ('metric_hourly_aggregate',  'metric_hist',             interval '1 hour', interval '7 days',  interval '1 hour', interval '5 minutes', interval '1 year',  false, 'metric_id'),
    ('metric_daily_aggregate',   'metric_hourly_aggregate', interval '1 day',  interval '30 days', interval '1 day',  interval '1 hour',    interval '5 years', false, 'metric_id'),
    ('energy_hourly_aggregate',  'energy_consumption',      interval '1 hour', interval '7 days',  interval '1 hour', interval '5 minutes', interval '2 years', false, 'line_id, equipment_id'),
    ('energy_daily_aggregate',   'energy_hourly_aggregate', interval '1 day',  interval '30 days', interval '1 day',  interval '1 hour',    interval '5 years', false, 'line_id, equipment_id'),
    ('downtime_daily_aggregate', 'downtime_events',         interval '1 day',  interval '30 days', interval '1 day',  interval '1 hour',    interval '5 years', false, 'line_id, equipment_id, category'),
    ('quality_daily_aggregate',  'quality_checks',          interval '1 day',  interval '30 days', interval '1 day',  interval '1 hour',    interval '7 years', false, 'line_id, product_type_id, check_type');

--changeset factory-telemetry:0003-plant-settings
CREATE TABLE factory_telemetry.plant_settings (
    setting    text        PRIMARY KEY,
    value      text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE factory_telemetry.plant_settings IS 'Plant-wide settings used by SQL (aggregates, views): time_zone (fixed when the daily aggregates are created), energy tariff';
INSERT INTO factory_telemetry.plant_settings (setting, value) VALUES
    ('time_zone', '${plant_time_zone}'),
    ('energy_tariff_per_kwh', '${energy_tariff_per_kwh}'),
    ('energy_currency', '${energy_currency}');
