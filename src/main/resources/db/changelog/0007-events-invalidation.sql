--liquibase formatted sql

-- Production events and the service-maintained aggregates (Apache edition).
--
-- 1. Fix: TimescaleDB fires a hypertable's row triggers on its chunks, so TG_TABLE_NAME inside
--    invalidate_from_row() is the chunk's name (_hyper_3_12_chunk), not the hypertable's. The 0004
--    triggers therefore logged no invalidation at all for event rows, and the service-maintained OEE,
--    energy, downtime and quality aggregates never saw them. The triggers now pass the hypertable
--    name as their second argument.
-- 2. Like metric_hist, the insert triggers of the event tables are skipped when the writer logged
--    the batch's time range itself (factory_telemetry.invalidation_logged = on, transaction-local):
--    the event API logs one range per batch instead of one row per event. Updates and deletes
--    (closing a downtime event, retention, manual fixes) still log through the row triggers.

--changeset factory-telemetry:0007-events-invalidate-from-row splitStatements:false
CREATE OR REPLACE FUNCTION factory_telemetry.invalidate_from_row()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    v_column text := TG_ARGV[0];
    -- the hypertable's name: row triggers of hypertables fire on chunks (TG_TABLE_NAME = the chunk)
    v_source text := coalesce(TG_ARGV[1], TG_TABLE_NAME);
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM factory_telemetry.log_invalidation(v_source, (to_jsonb(OLD) ->> v_column)::timestamptz,
                                                   (to_jsonb(OLD) ->> v_column)::timestamptz);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM factory_telemetry.log_invalidation(v_source, (to_jsonb(NEW) ->> v_column)::timestamptz,
                                                   (to_jsonb(NEW) ->> v_column)::timestamptz);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION factory_telemetry.invalidate_from_row() IS 'Row trigger: logs the time (column named by the first trigger argument) of a written row as invalidated for the hypertable named by the second argument';

--changeset factory-telemetry:0007-events-row-triggers splitStatements:false labels:edition-apache
DROP TRIGGER IF EXISTS oee_calculations_invalidate ON factory_telemetry.oee_calculations;
DROP TRIGGER IF EXISTS energy_consumption_invalidate ON factory_telemetry.energy_consumption;
DROP TRIGGER IF EXISTS downtime_events_invalidate ON factory_telemetry.downtime_events;
DROP TRIGGER IF EXISTS quality_checks_invalidate ON factory_telemetry.quality_checks;

CREATE TRIGGER oee_calculations_invalidate_insert AFTER INSERT ON factory_telemetry.oee_calculations
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('calculation_time', 'oee_calculations');
CREATE TRIGGER oee_calculations_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.oee_calculations
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('calculation_time', 'oee_calculations');

CREATE TRIGGER energy_consumption_invalidate_insert AFTER INSERT ON factory_telemetry.energy_consumption
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('consumption_time', 'energy_consumption');
CREATE TRIGGER energy_consumption_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.energy_consumption
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('consumption_time', 'energy_consumption');

CREATE TRIGGER downtime_events_invalidate_insert AFTER INSERT ON factory_telemetry.downtime_events
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('start_time', 'downtime_events');
CREATE TRIGGER downtime_events_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.downtime_events
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('start_time', 'downtime_events');

CREATE TRIGGER quality_checks_invalidate_insert AFTER INSERT ON factory_telemetry.quality_checks
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('check_time', 'quality_checks');
CREATE TRIGGER quality_checks_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.quality_checks
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('check_time', 'quality_checks');
