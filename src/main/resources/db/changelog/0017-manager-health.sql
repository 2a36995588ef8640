--liquibase formatted sql

-- The platform manager's health, info and job metrics (dev.factorytelemetry.manager, .observe): how often each
-- job has failed in a row and how long its last run took, for native TimescaleDB jobs and the service's own runs
-- alike, and the oldest/newest row of a hypertable without reading more than one chunk.

--changeset factory-telemetry:0017-job-run-counters
ALTER TABLE factory_telemetry.retention_run_state
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN last_duration_ms double precision;
ALTER TABLE factory_telemetry.aggregate_refresh_state
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
ALTER TABLE factory_telemetry.service_job_state
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0;
UPDATE factory_telemetry.retention_run_state SET consecutive_failures = 1 WHERE last_error IS NOT NULL;
UPDATE factory_telemetry.aggregate_refresh_state SET consecutive_failures = 1 WHERE last_error IS NOT NULL;
UPDATE factory_telemetry.service_job_state SET consecutive_failures = 1 WHERE last_outcome <> 'success';
COMMENT ON COLUMN factory_telemetry.retention_run_state.consecutive_failures IS 'Runs that failed since the last success (0 after a success)';
COMMENT ON COLUMN factory_telemetry.aggregate_refresh_state.consecutive_failures IS 'Refreshes that failed since the last success (0 after a success)';
COMMENT ON COLUMN factory_telemetry.service_job_state.consecutive_failures IS 'Runs that did not succeed (failed or error) since the last success';

--changeset factory-telemetry:0017-job-runs-view runOnChange:true
CREATE OR REPLACE VIEW factory_telemetry.v_lifecycle_job_runs AS
SELECT j.*,
       CASE WHEN j.executor = 'timescaledb' THEN bs.consecutive_failures
            ELSE coalesce(r.consecutive_failures, a.consecutive_failures, s.consecutive_failures) END AS consecutive_failures,
       CASE WHEN j.executor = 'timescaledb' THEN extract(epoch FROM js.last_run_duration)::float8
            WHEN j.kind = 'retention' THEN r.last_duration_ms / 1000
            WHEN j.kind = 'refresh' THEN a.last_duration_ms / 1000
            ELSE extract(epoch FROM s.last_finished_at - s.last_started_at)::float8 END      AS last_duration_seconds
FROM factory_telemetry.v_lifecycle_jobs j
LEFT JOIN timescaledb_information.job_stats js ON j.executor = 'timescaledb' AND js.job_id = j.job_id
LEFT JOIN _timescaledb_internal.bgw_job_stat bs ON j.executor = 'timescaledb' AND bs.job_id = j.job_id
LEFT JOIN factory_telemetry.retention_run_state r ON j.executor = 'service' AND j.kind = 'retention' AND r.target = j.target
LEFT JOIN factory_telemetry.aggregate_refresh_state a ON j.executor = 'service' AND j.kind = 'refresh' AND a.aggregate_name = j.target
LEFT JOIN factory_telemetry.service_job_state s ON j.kind = 'job' AND s.job = j.target;
COMMENT ON VIEW factory_telemetry.v_lifecycle_job_runs IS 'Every lifecycle job of v_lifecycle_jobs with its failures in a row since the last success and the duration of its last run (NULL before the first run), native or the service''s';

--changeset factory-telemetry:0017-data-bound splitStatements:false
CREATE FUNCTION factory_telemetry.hypertable_data_bound(p_hypertable text, p_newest boolean)
    RETURNS timestamptz
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_column text;
    v_chunk record;
    v_bound timestamptz;
BEGIN
    SELECT d.column_name INTO v_column
    FROM timescaledb_information.dimensions d
    WHERE d.hypertable_schema = 'factory_telemetry' AND d.hypertable_name = p_hypertable AND d.dimension_number = 1;
    IF v_column IS NULL THEN
        RAISE EXCEPTION 'no hypertable "%" in factory_telemetry', p_hypertable USING ERRCODE = 'undefined_table';
    END IF;
    -- chunk by chunk from the oldest (or newest) until one has a row: one chunk read, not the whole table
    FOR v_chunk IN SELECT c.chunk_schema, c.chunk_name FROM timescaledb_information.chunks c
                   WHERE c.hypertable_schema = 'factory_telemetry' AND c.hypertable_name = p_hypertable
                   ORDER BY CASE WHEN p_newest THEN c.range_end END DESC, c.range_start LOOP
        -- ORDER BY … LIMIT 1 rather than min/max: an index on the column serves it, and on a compressed chunk
        -- TimescaleDB orders the batches by their min/max metadata instead of decompressing them all
        EXECUTE format('SELECT %1$I FROM %2$I.%3$I ORDER BY %1$I ' || CASE WHEN p_newest THEN 'DESC' ELSE 'ASC' END || ' LIMIT 1',
                       v_column, v_chunk.chunk_schema, v_chunk.chunk_name) INTO v_bound;
        IF v_bound IS NOT NULL THEN
            RETURN v_bound;
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION factory_telemetry.hypertable_data_bound(text, boolean) IS 'Oldest (p_newest false) or newest row time of a factory_telemetry hypertable, read from the first non-empty chunk at that end; NULL when empty';
