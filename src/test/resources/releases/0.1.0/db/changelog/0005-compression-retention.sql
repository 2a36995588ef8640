--liquibase formatted sql

-- Compression and retention of the raw hypertables, from hypertable_policy.
-- Community edition: TimescaleDB's native compression settings and policies, and retention policies.
-- Apache edition: compression does not exist (reported as unavailable, never pretended); retention is
-- enforced by the service's RetentionExecutor with drop_chunks, from the same catalog rows.

--changeset factory-telemetry:0005-native-compression splitStatements:false labels:edition-community
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM factory_telemetry.hypertable_policy WHERE compress_after IS NOT NULL ORDER BY hypertable_name LOOP
        EXECUTE format('ALTER TABLE factory_telemetry.%I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L)',
                       p.hypertable_name, p.compress_segment_by, p.compress_order_by);
        PERFORM add_compression_policy(format('factory_telemetry.%I', p.hypertable_name)::regclass, p.compress_after,
                                       if_not_exists => true, schedule_interval => p.compress_schedule);
    END LOOP;
END
$$;

--changeset factory-telemetry:0005-native-retention splitStatements:false labels:edition-community
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM factory_telemetry.hypertable_policy WHERE retention IS NOT NULL AND retention_enabled ORDER BY hypertable_name LOOP
        PERFORM add_retention_policy(format('factory_telemetry.%I', p.hypertable_name)::regclass, p.retention, if_not_exists => true);
    END LOOP;
END
$$;
