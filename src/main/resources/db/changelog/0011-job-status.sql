--liquibase formatted sql

-- What every lifecycle job did last, for every status surface (readiness, /api/v1/system/info, the
-- admin API) and for operators: TimescaleDB's native jobs (job_stats, job_errors) and the service's
-- own runs in one view, so that no surface shows a failing job as fine.

--changeset factory-telemetry:0011-service-job-state
-- One row per scheduled job of the service (all replicas share it; only the replica holding the
-- job's advisory lock runs the job and writes its row).
CREATE TABLE factory_telemetry.service_job_state (
    job             text        PRIMARY KEY,
    last_started_at timestamptz NOT NULL,
    last_finished_at timestamptz NOT NULL,
    last_outcome    text        NOT NULL CHECK (last_outcome IN ('success', 'failed', 'error')),
    last_error      text,
    last_replica    text        NOT NULL,
    total_runs      bigint      NOT NULL DEFAULT 0,
    total_failures  bigint      NOT NULL DEFAULT 0
);
COMMENT ON TABLE factory_telemetry.service_job_state IS 'Last run of each scheduled job of the service (run on one replica at a time): outcome success, failed (some targets failed, see their rows) or error (the job itself failed)';

ALTER TABLE factory_telemetry.retention_run_state ADD COLUMN last_success_at timestamptz;
UPDATE factory_telemetry.retention_run_state SET last_success_at = last_run_at WHERE last_error IS NULL;

--rollback DROP TABLE factory_telemetry.service_job_state;
--rollback ALTER TABLE factory_telemetry.retention_run_state DROP COLUMN last_success_at;

--changeset factory-telemetry:0011-lifecycle-jobs-view runOnChange:true
CREATE OR REPLACE VIEW factory_telemetry.v_lifecycle_jobs AS
WITH native AS (
    SELECT CASE j.proc_name WHEN 'policy_compression' THEN 'compression'
                            WHEN 'policy_retention' THEN 'retention'
                            ELSE 'refresh' END                              AS kind,
           coalesce(ca.view_name, j.hypertable_name)::text                  AS target,
           'timescaledb'::text                                              AS executor,
           j.job_id,
           j.scheduled,
           nullif(js.last_run_started_at, '-infinity')                      AS last_run_at,
           js.last_run_status::text                                         AS last_status,
           nullif(js.last_successful_finish, '-infinity')                   AS last_success_at,
           CASE WHEN js.last_run_status = 'Failed'
                THEN coalesce(e.err_message, 'failed; TimescaleDB recorded no error message') END AS last_error,
           js.next_start                                                    AS next_run_at,
           js.total_runs,
           js.total_failures
    FROM timescaledb_information.jobs j
    LEFT JOIN timescaledb_information.continuous_aggregates ca
      ON ca.materialization_hypertable_schema = j.hypertable_schema
     AND ca.materialization_hypertable_name = j.hypertable_name
    LEFT JOIN timescaledb_information.job_stats js ON js.job_id = j.job_id
    -- the error of the last failed run (job_errors keeps a history; only read when the last run failed)
    LEFT JOIN LATERAL (
        SELECT je.err_message FROM timescaledb_information.job_errors je
        WHERE je.job_id = j.job_id AND js.last_run_status = 'Failed'
        ORDER BY je.start_time DESC LIMIT 1) e ON true
    WHERE j.proc_name IN ('policy_compression', 'policy_retention', 'policy_refresh_continuous_aggregate')
      AND (j.hypertable_schema = 'factory_telemetry' OR ca.view_schema = 'factory_telemetry')
), service_retention AS (
    SELECT 'retention'::text, p.target, 'service'::text, NULL::integer, true,
           r.last_run_at,
           CASE WHEN r.last_run_at IS NULL THEN NULL WHEN r.last_error IS NULL THEN 'Success' ELSE 'Failed' END,
           r.last_success_at, r.last_error, NULL::timestamptz, NULL::bigint, NULL::bigint
    FROM factory_telemetry.v_retention_policies p
    LEFT JOIN factory_telemetry.retention_run_state r ON r.target = p.target
    WHERE p.executor = 'service'
), service_refresh AS (
    SELECT 'refresh'::text, a.aggregate_name, 'service'::text, NULL::integer, true,
           s.last_run_at,
           CASE WHEN s.last_run_at IS NULL THEN NULL WHEN s.last_error IS NULL THEN 'Success' ELSE 'Failed' END,
           s.last_success_at, s.last_error, NULL::timestamptz, NULL::bigint, NULL::bigint
    FROM factory_telemetry.aggregate_policy a
    LEFT JOIN factory_telemetry.aggregate_refresh_state s USING (aggregate_name)
    WHERE a.materialization = 'service_table'
), service_jobs AS (
    -- a scheduled job that failed as a whole (its targets' rows could not say so)
    SELECT 'job'::text, s.job, 'service'::text, NULL::integer, true,
           s.last_started_at,
           CASE WHEN s.last_outcome = 'error' THEN 'Failed' ELSE 'Success' END,
           NULL::timestamptz,
           CASE WHEN s.last_outcome = 'error' THEN s.last_error END,
           NULL::timestamptz, s.total_runs, s.total_failures
    FROM factory_telemetry.service_job_state s
), all_jobs AS (
    SELECT * FROM native
    UNION ALL SELECT * FROM service_retention
    UNION ALL SELECT * FROM service_refresh
    UNION ALL SELECT * FROM service_jobs
)
SELECT all_jobs.*,
       CASE WHEN NOT scheduled THEN 'paused'
            WHEN last_status = 'Failed' THEN 'failing'
            WHEN last_run_at IS NULL THEN 'never run'
            ELSE 'ok' END AS status
FROM all_jobs;
COMMENT ON VIEW factory_telemetry.v_lifecycle_jobs IS 'Every lifecycle job (native TimescaleDB job or the service''s run) per kind and target: last run, last status, last success, last error (job_errors for native jobs), status ok / failing / paused / never run';
--rollback DROP VIEW factory_telemetry.v_lifecycle_jobs;
