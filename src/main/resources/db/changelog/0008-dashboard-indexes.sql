--liquibase formatted sql

-- Indexes the dashboard's queries need (dev.factorytelemetry.dashboard), derived from their SQL:
--  * OEE, energy and metric figures read the aggregates by (group key, bucket) and the raw tables by time
--    (default time indexes) or by (equipment_id|metric_id, time) (primary keys): nothing new needed there,
--    except on the Apache edition's aggregate tables, whose only unique index starts with line_id, so a trend
--    of one piece of equipment could not seek on it.
--  * Live downtime of today, the Pareto and daily downtime from raw rows read closed stops by line and start
--    time: one covering partial index lets them run as index-only scans of the range.
--  * Active faults are open rows (ts_off IS NULL) among recent chunks: a partial index holds only those.

--changeset factory-telemetry:0008-downtime-closed-by-line
CREATE INDEX downtime_events_closed_line_start_idx
    ON factory_telemetry.downtime_events (line_id, start_time DESC)
    INCLUDE (reason_code, category, equipment_id, duration_s)
    WHERE end_time IS NOT NULL;
COMMENT ON INDEX factory_telemetry.downtime_events_closed_line_start_idx IS 'Dashboard: downtime Pareto and daily totals of a line from raw rows (index-only)';

--rollback DROP INDEX factory_telemetry.downtime_events_closed_line_start_idx;

--changeset factory-telemetry:0008-fault-event-active
CREATE INDEX fault_event_active_idx
    ON factory_telemetry.fault_event (ts_on DESC)
    INCLUDE (line_id, equipment_id, bit_index)
    WHERE ts_off IS NULL;
COMMENT ON INDEX factory_telemetry.fault_event_active_idx IS 'Dashboard: active faults (open rows only)';

--rollback DROP INDEX factory_telemetry.fault_event_active_idx;

--changeset factory-telemetry:0008-service-aggregates-by-equipment labels:edition-apache
--comment: Apache edition: the service-maintained OEE and energy aggregate tables, searched by equipment.
CREATE INDEX IF NOT EXISTS oee_hourly_aggregate_equipment_idx ON factory_telemetry.oee_hourly_aggregate (equipment_id, bucket DESC);
CREATE INDEX IF NOT EXISTS oee_daily_aggregate_equipment_idx ON factory_telemetry.oee_daily_aggregate (equipment_id, bucket DESC);
CREATE INDEX IF NOT EXISTS energy_hourly_aggregate_equipment_idx ON factory_telemetry.energy_hourly_aggregate (equipment_id, bucket DESC);
CREATE INDEX IF NOT EXISTS energy_daily_aggregate_equipment_idx ON factory_telemetry.energy_daily_aggregate (equipment_id, bucket DESC);
--rollback DROP INDEX IF EXISTS factory_telemetry.oee_hourly_aggregate_equipment_idx, factory_telemetry.oee_daily_aggregate_equipment_idx, factory_telemetry.energy_hourly_aggregate_equipment_idx, factory_telemetry.energy_daily_aggregate_equipment_idx;
