--liquibase formatted sql

-- Store-and-forward backfill: rows of any age within retention reach every aggregate that covers them.
--
-- The backlog of an aggregate is the set of its buckets whose source rows changed after they were
-- materialized. Where it is recorded depends on the edition:
--  * Apache edition: factory_telemetry.aggregate_invalidation, written by the service's writers and row
--    triggers in the same transaction as the rows. refresh_service_aggregate now processes entries of
--    any age (down to the source's retention horizon) and deletes what it processed or can never apply.
--  * Community edition: TimescaleDB's own invalidation logs. A write below a raw hypertable's
--    invalidation threshold adds a row (min, max of the transaction's times, internal microseconds) to
--    _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log; the next refresh of any
--    continuous aggregate on that hypertable moves it, per aggregate, to
--    continuous_aggs_materialization_invalidation_log, and a refresh deletes the part of an entry inside
--    its window. Refresh policies only refresh their start_offset window, so older entries stay there
--    until someone refreshes their range: the service's BackfillRefresher does, one aggregate and one
--    range at a time, hourly before daily. Both logs are read (the hypertable log holds what no refresh
--    has moved yet), clipped to the invalidation threshold (above it nothing is materialized: real-time
--    aggregation reads raw rows) and to the source's retention horizon (TimescaleDB's log also holds
--    sentinel ranges reaching to -infinity/+infinity).
-- TimescaleDB's log is preferred over a record of its own on this edition: it is what decides what a
-- refresh recomputes, it covers every writer (SQL, COPY, inserts into compressed chunks), and it empties
-- exactly when the buckets are materialized.

--changeset factory-telemetry:0010-backlog-functions splitStatements:false
CREATE FUNCTION factory_telemetry.aggregate_bucket(p_width interval, p_at timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE
AS $$
    -- as the aggregates bucket: hourly by UTC hour, daily by plant-local day
    SELECT CASE WHEN p_width < interval '1 day' THEN time_bucket(p_width, p_at)
                ELSE time_bucket(p_width, p_at, factory_telemetry.plant_time_zone()) END
$$;
COMMENT ON FUNCTION factory_telemetry.aggregate_bucket(interval, timestamptz) IS 'Start of the aggregate bucket (width p_width) containing p_at: UTC hours, plant-local days';

CREATE FUNCTION factory_telemetry.aggregate_bucket_after(p_width interval, p_at timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE
AS $$
    -- half a bucket past the next boundary lands in the next bucket also on 23- and 25-hour days
    SELECT factory_telemetry.aggregate_bucket(p_width, factory_telemetry.aggregate_bucket(p_width, p_at) + p_width * 1.5)
$$;
COMMENT ON FUNCTION factory_telemetry.aggregate_bucket_after(interval, timestamptz) IS 'Start of the bucket after the one containing p_at (exclusive end of that bucket)';

CREATE FUNCTION factory_telemetry.aggregate_refresh_horizon(p_aggregate text)
    RETURNS timestamptz
    LANGUAGE sql STABLE
AS $$
    -- the first whole bucket whose source rows retention keeps: recomputing a bucket whose rows were
    -- dropped would erase aggregate history (timescaledb#2198)
    SELECT coalesce(factory_telemetry.aggregate_bucket_after(a.bucket_width,
                        now() - CASE WHEN h.hypertable_name IS NOT NULL
                                     THEN CASE WHEN h.retention_enabled THEN h.retention END
                                     ELSE s.retention END),
                    '-infinity')
    FROM factory_telemetry.aggregate_policy a
    LEFT JOIN factory_telemetry.hypertable_policy h ON h.hypertable_name = a.source_name
    LEFT JOIN factory_telemetry.aggregate_policy s ON s.aggregate_name = a.source_name
    WHERE a.aggregate_name = p_aggregate
$$;
COMMENT ON FUNCTION factory_telemetry.aggregate_refresh_horizon(text) IS 'Oldest bucket start of an aggregate that a refresh may recompute: the first whole bucket within its source''s retention (-infinity without retention)';

CREATE FUNCTION factory_telemetry.aggregate_pending_ranges()
    RETURNS TABLE (aggregate_name text, range_start timestamptz, range_end timestamptz, log text)
    LANGUAGE sql STABLE
AS $$
    -- Apache edition: the service's log (inclusive ranges)
    SELECT i.aggregate_name, i.range_start, i.range_end, 'service'
    FROM factory_telemetry.aggregate_invalidation i
    UNION ALL
    -- Community edition: TimescaleDB's logs (inclusive ranges of internal time, microseconds since the
    -- Unix epoch), below the raw hypertable's invalidation threshold
    SELECT a.aggregate_name,
           -- clamped into timestamptz's range whatever the order the planner evaluates this and the filters in
           -- (TimescaleDB's sentinels lie outside it; the year-2255 cap is far beyond any threshold)
           _timescaledb_functions.to_timestamp(least(greatest(l.lo, -210866803200000000), 9000000000000000)),
           _timescaledb_functions.to_timestamp(least(greatest(least(l.hi, t.watermark - 1), -210866803200000000), 9000000000000000)),
           l.log
    FROM factory_telemetry.aggregate_policy a
    JOIN _timescaledb_catalog.continuous_agg ca
      ON ca.user_view_schema = 'factory_telemetry' AND ca.user_view_name = a.aggregate_name
    JOIN _timescaledb_catalog.continuous_aggs_invalidation_threshold t ON t.hypertable_id = ca.raw_hypertable_id
    CROSS JOIN LATERAL (
        SELECT m.lowest_modified_value AS lo, m.greatest_modified_value AS hi, 'timescaledb_materialization' AS log
        FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log m
        WHERE m.materialization_id = ca.mat_hypertable_id
        UNION ALL
        SELECT h.lowest_modified_value, h.greatest_modified_value, 'timescaledb_hypertable'
        FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log h
        WHERE h.hypertable_id = ca.raw_hypertable_id) l
    WHERE a.materialization = 'continuous_aggregate'
      AND l.lo < t.watermark
      AND l.hi > -210866803200000000   -- below: TimescaleDB's -infinity sentinel
$$;
COMMENT ON FUNCTION factory_telemetry.aggregate_pending_ranges() IS 'Changed source time ranges (inclusive) not yet materialized, per aggregate: the service''s log (Apache edition) or TimescaleDB''s invalidation logs below the invalidation threshold (Community edition)';

CREATE FUNCTION factory_telemetry.aggregate_backlog(p_aggregate text DEFAULT NULL)
    RETURNS TABLE (aggregate_name text, bucket_from timestamptz, bucket_to timestamptz, log_entries bigint)
    LANGUAGE sql STABLE
AS $$
    WITH agg AS (
        -- the horizon once per aggregate, not per log entry
        SELECT a.aggregate_name, a.bucket_width, factory_telemetry.aggregate_refresh_horizon(a.aggregate_name) AS horizon
        FROM factory_telemetry.aggregate_policy a
        WHERE p_aggregate IS NULL OR a.aggregate_name = p_aggregate
    ), pending AS (
        SELECT p.aggregate_name,
               factory_telemetry.aggregate_bucket(a.bucket_width, greatest(p.range_start, a.horizon)) AS lo,
               -- TimescaleDB 2.19 widens a hypertable-log entry of a time-zone (variable-width) aggregate to the
               -- end of its last bucket inclusive, i.e. the first instant of the next bucket, when it moves the entry
               -- to the materialization log: a refresh of the entry's own buckets then leaves that instant behind
               -- and the next day is re-materialized on the following refresh anyway. Refresh both at once.
               factory_telemetry.aggregate_bucket_after(a.bucket_width,
                   CASE WHEN p.log = 'timescaledb_hypertable' AND a.bucket_width >= interval '1 day'
                        THEN factory_telemetry.aggregate_bucket_after(a.bucket_width, p.range_end)
                        ELSE p.range_end END) AS hi
        FROM agg a
        JOIN factory_telemetry.aggregate_pending_ranges() p ON p.aggregate_name = a.aggregate_name
        WHERE p.range_end >= a.horizon
          AND p.range_start <= p.range_end
    ), ordered AS (
        SELECT *, max(hi) OVER (PARTITION BY aggregate_name ORDER BY lo, hi
                                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
        FROM pending
    ), grouped AS (
        SELECT *, count(*) FILTER (WHERE prev_hi IS NULL OR lo > prev_hi)
                      OVER (PARTITION BY aggregate_name ORDER BY lo, hi) AS grp
        FROM ordered
    )
    SELECT aggregate_name, min(lo), max(hi), count(*)
    FROM grouped
    GROUP BY aggregate_name, grp
    ORDER BY 1, 2
$$;
COMMENT ON FUNCTION factory_telemetry.aggregate_backlog(text) IS 'The backfill backlog: per aggregate (all, or one), the bucket ranges [bucket_from, bucket_to) whose source rows changed after they were materialized, merged, within the source''s retention. What a targeted refresh must recompute.';

--changeset factory-telemetry:0010-refresh-any-age splitStatements:false
CREATE OR REPLACE FUNCTION factory_telemetry.refresh_service_aggregate(p_aggregate text, p_window_start timestamptz DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    pol     factory_telemetry.aggregate_policy;
    v_from  timestamptz;
    v_to    timestamptz;
    r       record;
    n       integer := 0;
BEGIN
    SELECT * INTO pol FROM factory_telemetry.aggregate_policy WHERE aggregate_name = p_aggregate;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown aggregate "%"', p_aggregate USING ERRCODE = 'undefined_object';
    END IF;
    IF pol.materialization IS DISTINCT FROM 'service_table' THEN
        RAISE EXCEPTION '"%" is not maintained by the service (materialization %)', p_aggregate, pol.materialization
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'continuous aggregates are refreshed with CALL refresh_continuous_aggregate(...)';
    END IF;
    -- one refresh of an aggregate at a time (several service replicas may run the schedule)
    PERFORM pg_advisory_xact_lock(hashtext('factory_telemetry.refresh_service_aggregate'), hashtext(p_aggregate));
    -- every logged change of any age down to the source's retention horizon (older buckets lost their
    -- source rows: recomputing them would erase aggregate history, timescaledb#2198)
    v_from := coalesce(p_window_start, factory_telemetry.aggregate_refresh_horizon(p_aggregate));
    -- changes entirely past the horizon can never be applied: drop them, so the log only holds real work
    DELETE FROM factory_telemetry.aggregate_invalidation WHERE aggregate_name = p_aggregate AND range_end < v_from;
    FOR r IN
        WITH taken AS (
            DELETE FROM factory_telemetry.aggregate_invalidation
            WHERE aggregate_name = p_aggregate
            RETURNING factory_telemetry.aggregate_bucket(pol.bucket_width, greatest(range_start, v_from)) AS lo,
                      factory_telemetry.aggregate_bucket(pol.bucket_width, range_end) AS hi),
        ordered AS (
            SELECT lo, hi, max(hi) OVER (ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
            FROM taken),
        grouped AS (
            SELECT lo, hi, count(*) FILTER (WHERE prev_hi IS NULL OR lo > prev_hi + pol.bucket_width) OVER (ORDER BY lo, hi) AS grp
            FROM ordered)
        SELECT min(lo) AS lo, max(hi) AS hi FROM grouped GROUP BY grp ORDER BY 1
    LOOP
        -- an exclusive upper bound at the next bucket: TimescaleDB derives a time predicate from a bucket predicate,
        -- and from "bucket <= day" it derives "time < day + 24 hours", which drops the last hour of a 25-hour day
        v_to := factory_telemetry.aggregate_bucket_after(pol.bucket_width, r.hi);
        EXECUTE format('DELETE FROM factory_telemetry.%I WHERE bucket >= $1 AND bucket < $2', p_aggregate)
            USING r.lo, v_to;
        EXECUTE format('INSERT INTO factory_telemetry.%I SELECT * FROM factory_telemetry.%I WHERE bucket >= $1 AND bucket < $2',
                       p_aggregate, p_aggregate || '_definition')
            USING r.lo, v_to;
        -- aggregates built on this one (daily on hourly) must recompute the buckets that changed
        PERFORM factory_telemetry.log_invalidation(p_aggregate, r.lo, r.hi);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION factory_telemetry.refresh_service_aggregate(text, timestamptz) IS 'Apache edition: recomputes the buckets of a service-maintained aggregate touched by logged invalidations of any age down to its source''s retention horizon (or since p_window_start; ''-infinity'' rebuilds all), and deletes the log entries it processed or can never apply. Returns the number of bucket ranges rewritten.';

--changeset factory-telemetry:0010-status-views runOnChange:true splitStatements:false
CREATE OR REPLACE VIEW factory_telemetry.v_aggregate_backlog AS
SELECT a.aggregate_name,
       a.materialization,
       count(b.bucket_from)                                          AS pending_ranges,
       coalesce(sum(b.log_entries), 0)                               AS log_entries,
       min(b.bucket_from)                                            AS oldest_pending_bucket,
       max(b.bucket_to)                                              AS pending_until,
       count(b.bucket_from) FILTER (WHERE b.bucket_from < now() - a.refresh_start_offset) AS ranges_before_refresh_window
FROM factory_telemetry.aggregate_policy a
LEFT JOIN factory_telemetry.aggregate_backlog() b ON b.aggregate_name = a.aggregate_name
GROUP BY a.aggregate_name, a.materialization;
COMMENT ON VIEW factory_telemetry.v_aggregate_backlog IS 'Backfill backlog per aggregate: merged bucket ranges waiting for a refresh, oldest pending bucket, and how many lie before the refresh policy''s window (only the service''s backfill refresh processes those)';

CREATE OR REPLACE VIEW factory_telemetry.v_continuous_aggregate_status AS
WITH status AS (
    SELECT a.aggregate_name,
           a.source_name,
           a.bucket_width,
           a.materialization,
           NOT a.materialized_only AND a.materialization = 'continuous_aggregate' AS real_time,
           a.refresh_start_offset,
           a.refresh_end_offset,
           a.refresh_schedule,
           a.retention,
           j.job_id AS refresh_job_id,
           -- job_stats says -infinity for a job that never succeeded
           CASE a.materialization WHEN 'continuous_aggregate' THEN nullif(js.last_successful_finish, '-infinity')
                                  ELSE rs.last_success_at END AS last_refresh,
           CASE a.materialization WHEN 'continuous_aggregate' THEN
                    CASE WHEN js.last_run_status = 'Failed' THEN 'native refresh job failed' END
                ELSE rs.last_error END AS last_error,
           -- merged bucket ranges waiting for a refresh, of any age (both editions)
           coalesce(bl.pending_ranges, 0) AS pending_invalidations,
           bl.oldest_pending_bucket,
           coalesce(bl.ranges_before_refresh_window, 0) AS backfill_ranges
    FROM factory_telemetry.aggregate_policy a
    LEFT JOIN timescaledb_information.continuous_aggregates ca
      ON ca.view_schema = 'factory_telemetry' AND ca.view_name = a.aggregate_name
    LEFT JOIN timescaledb_information.jobs j
      ON j.proc_name = 'policy_refresh_continuous_aggregate' AND j.hypertable_name = ca.materialization_hypertable_name
    LEFT JOIN timescaledb_information.job_stats js ON js.job_id = j.job_id
    LEFT JOIN factory_telemetry.aggregate_refresh_state rs ON rs.aggregate_name = a.aggregate_name
    LEFT JOIN factory_telemetry.v_aggregate_backlog bl ON bl.aggregate_name = a.aggregate_name
)
SELECT status.aggregate_name, status.source_name, status.bucket_width, status.materialization, status.real_time,
       status.refresh_start_offset, status.refresh_end_offset, status.refresh_schedule, status.retention,
       status.refresh_job_id, status.last_refresh, status.last_error, status.pending_invalidations,
       now() - last_refresh AS staleness,
       CASE WHEN materialization IS NULL THEN 'not created'
            WHEN materialization = 'continuous_aggregate' AND NOT factory_telemetry.native_policies_available()
                THEN 'unavailable: continuous aggregate on the Apache edition'
            WHEN last_error IS NOT NULL THEN 'failing'
            WHEN last_refresh IS NULL THEN 'never refreshed'
            WHEN now() - last_refresh > 2 * refresh_schedule THEN 'stale'
            -- backfill older than the refresh window: the refresh policy will not pick it up
            WHEN backfill_ranges > 0 THEN 'backfill pending'
            ELSE 'ok' END AS status,
       status.oldest_pending_bucket,
       status.backfill_ranges
FROM status;
COMMENT ON VIEW factory_telemetry.v_continuous_aggregate_status IS 'Per aggregate: how it is materialized, refresh policy, last refresh, staleness, pending invalidations (merged bucket ranges waiting for a refresh, any age, both editions), oldest pending bucket, backfill ranges before the refresh window, health';
