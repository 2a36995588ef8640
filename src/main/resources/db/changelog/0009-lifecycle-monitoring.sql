--liquibase formatted sql

-- Monitoring views and management functions for operators and DBAs. All of them work on both
-- editions: what only the Community edition has (compression, native jobs) reads NULL or
-- 'unavailable' on the Apache edition instead of failing. Continuous-aggregate refresh is not
-- wrapped in a function: refresh_continuous_aggregate is a procedure that cannot run inside a
-- function or transaction (timescaledb#2876) — use CALL refresh_continuous_aggregate(...) on the
-- Community edition, SELECT factory_telemetry.refresh_service_aggregate(...) on the Apache edition.

--changeset factory-telemetry:0009-retention-run-state
CREATE TABLE factory_telemetry.retention_run_state (
    target               text        PRIMARY KEY,
    last_run_at          timestamptz NOT NULL,
    last_dropped_chunks  bigint      NOT NULL DEFAULT 0,
    total_dropped_chunks bigint      NOT NULL DEFAULT 0,
    last_error           text
);
COMMENT ON TABLE factory_telemetry.retention_run_state IS 'Outcome of the service''s retention runs (drop_chunks) per hypertable or aggregate table';

-- Active faults are asked for on every dashboard refresh. Finding them in fault_event (ts_off IS
-- NULL) would visit every chunk of a year of history; fault_active (the original system's table of
-- the same name) holds exactly the open ones, kept by a row trigger on fault_event on both editions.
--changeset factory-telemetry:0009-fault-active splitStatements:false
CREATE TABLE factory_telemetry.fault_active (
    equipment_id integer     NOT NULL REFERENCES factory_telemetry.equipment (id),
    bit_index    smallint    NOT NULL,
    line_id      integer     REFERENCES factory_telemetry.production_lines (id),
    ts_on        timestamptz NOT NULL,
    PRIMARY KEY (equipment_id, bit_index)
);
CREATE INDEX fault_active_line_idx ON factory_telemetry.fault_active (line_id);
COMMENT ON TABLE factory_telemetry.fault_active IS 'Faults currently raised (fault_event rows with ts_off NULL), one per equipment and bit; maintained by trigger';

CREATE FUNCTION factory_telemetry.track_active_fault()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM factory_telemetry.fault_active
        WHERE equipment_id = OLD.equipment_id AND bit_index = OLD.bit_index AND ts_on = OLD.ts_on;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.ts_off IS NULL THEN
        INSERT INTO factory_telemetry.fault_active (equipment_id, bit_index, line_id, ts_on)
        VALUES (NEW.equipment_id, NEW.bit_index, NEW.line_id, NEW.ts_on)
        ON CONFLICT (equipment_id, bit_index) DO UPDATE
            SET ts_on = EXCLUDED.ts_on, line_id = EXCLUDED.line_id
            WHERE fault_active.ts_on < EXCLUDED.ts_on;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER fault_event_track_active AFTER INSERT OR UPDATE OR DELETE ON factory_telemetry.fault_event
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.track_active_fault();

INSERT INTO factory_telemetry.fault_active (equipment_id, bit_index, line_id, ts_on)
SELECT DISTINCT ON (equipment_id, bit_index) equipment_id, bit_index, line_id, ts_on
FROM factory_telemetry.fault_event WHERE ts_off IS NULL
ORDER BY equipment_id, bit_index, ts_on DESC;

--changeset factory-telemetry:0009-edition-function splitStatements:false
CREATE FUNCTION factory_telemetry.native_policies_available()
    RETURNS boolean
    LANGUAGE sql STABLE
AS $$ SELECT current_setting('timescaledb.license', true) = 'timescale' $$;
COMMENT ON FUNCTION factory_telemetry.native_policies_available() IS 'true on the Community edition (compression, continuous aggregates, policies, jobs)';

-- Stable functions, so that TimescaleDB excludes chunks at executor start-up for predicates on them
-- (a join with a CTE of bounds would visit every chunk).
CREATE FUNCTION factory_telemetry.plant_time_zone()
    RETURNS text
    LANGUAGE sql STABLE
AS $$ SELECT value FROM factory_telemetry.plant_settings WHERE setting = 'time_zone' $$;

CREATE FUNCTION factory_telemetry.plant_day_start(p_at timestamptz DEFAULT now())
    RETURNS timestamptz
    LANGUAGE sql STABLE
AS $$ SELECT time_bucket(interval '1 day', p_at, factory_telemetry.plant_time_zone()) $$;
COMMENT ON FUNCTION factory_telemetry.plant_day_start(timestamptz) IS 'Local midnight (plant time zone) of the day containing p_at';

--changeset factory-telemetry:0009-views runOnChange:true splitStatements:true
CREATE OR REPLACE VIEW factory_telemetry.v_chunk_statistics AS
-- chunks counted once per hypertable first: joined row by row, the chunks view was re-read per hypertable row
-- (68 s with 241 chunks of metric_hist; 1.4 s this way)
WITH chunk_counts AS MATERIALIZED (
    SELECT c.hypertable_name,
           count(*)                                   AS chunks,
           count(*) FILTER (WHERE c.is_compressed)    AS compressed_chunks,
           min(c.range_start)                         AS oldest_data_from,
           max(c.range_end)                           AS newest_chunk_until
    FROM timescaledb_information.chunks c
    WHERE c.hypertable_schema = 'factory_telemetry'
    GROUP BY c.hypertable_name
)
SELECT h.hypertable_name,
       coalesce(d.time_interval::text, d.integer_interval::text)        AS chunk_interval,
       coalesce(cc.chunks, 0)                                           AS chunks,
       CASE WHEN factory_telemetry.native_policies_available()
            THEN coalesce(cc.compressed_chunks, 0) END                  AS compressed_chunks,
       cc.oldest_data_from,
       cc.newest_chunk_until,
       s.table_bytes,
       s.index_bytes,
       s.total_bytes,
       pg_size_pretty(s.total_bytes)                                    AS total_size
FROM timescaledb_information.hypertables h
JOIN timescaledb_information.dimensions d
  ON d.hypertable_schema = h.hypertable_schema AND d.hypertable_name = h.hypertable_name AND d.dimension_number = 1
LEFT JOIN chunk_counts cc ON cc.hypertable_name = h.hypertable_name
CROSS JOIN LATERAL hypertable_detailed_size(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) s
WHERE h.hypertable_schema = 'factory_telemetry';
COMMENT ON VIEW factory_telemetry.v_chunk_statistics IS 'Chunks and size per hypertable (raw tables and, on the Apache edition, aggregate tables); compressed_chunks is NULL where compression is unavailable';

CREATE OR REPLACE VIEW factory_telemetry.v_compression_statistics AS
SELECT p.hypertable_name,
       CASE WHEN NOT factory_telemetry.native_policies_available() THEN 'unavailable'
            WHEN h.compression_enabled THEN 'enabled'
            ELSE 'disabled' END                                   AS compression,
       p.compress_after,
       p.compress_segment_by,
       p.compress_order_by,
       st.total_chunks,
       st.number_compressed_chunks                                 AS compressed_chunks,
       st.before_compression_total_bytes                           AS before_bytes,
       st.after_compression_total_bytes                            AS after_bytes,
       round((st.before_compression_total_bytes::numeric / nullif(st.after_compression_total_bytes, 0)), 2) AS compression_ratio
FROM factory_telemetry.hypertable_policy p
JOIN timescaledb_information.hypertables h
  ON h.hypertable_schema = 'factory_telemetry' AND h.hypertable_name = p.hypertable_name
LEFT JOIN LATERAL hypertable_compression_stats(format('factory_telemetry.%I', p.hypertable_name)::regclass) st
  ON factory_telemetry.native_policies_available();
COMMENT ON VIEW factory_telemetry.v_compression_statistics IS 'Compression settings (from the policy catalog) and results per hypertable; compression = unavailable on the Apache edition';

CREATE OR REPLACE VIEW factory_telemetry.v_compression_jobs AS
SELECT p.hypertable_name,
       p.compress_after,
       p.compress_schedule,
       CASE WHEN NOT factory_telemetry.native_policies_available() THEN 'unavailable'
            WHEN j.job_id IS NULL THEN 'no policy'
            WHEN NOT j.scheduled THEN 'paused'
            WHEN js.last_run_status = 'Failed' THEN 'failing'
            ELSE 'ok' END                   AS status,
       j.job_id,
       j.schedule_interval,
       js.last_run_started_at,
       js.last_successful_finish,
       js.last_run_status,
       js.next_start,
       js.total_runs,
       js.total_failures
FROM factory_telemetry.hypertable_policy p
LEFT JOIN timescaledb_information.jobs j
  ON j.proc_name = 'policy_compression' AND j.hypertable_schema = 'factory_telemetry' AND j.hypertable_name = p.hypertable_name
LEFT JOIN timescaledb_information.job_stats js ON js.job_id = j.job_id;
COMMENT ON VIEW factory_telemetry.v_compression_jobs IS 'Compression policy job per hypertable: schedule, last run, health (unavailable on the Apache edition)';

-- v_retention_policies is extended by changeset 0015-archive-views (column archived): change it there, not here; a
-- re-run of this changeset after 0015 would fail to drop that column.
CREATE OR REPLACE VIEW factory_telemetry.v_retention_policies AS
WITH targets AS (
    SELECT 'hypertable' AS kind, p.hypertable_name AS target, p.retention, p.retention_enabled AS enabled,
           p.hypertable_name AS job_hypertable_name
    FROM factory_telemetry.hypertable_policy p
    UNION ALL
    SELECT 'aggregate', a.aggregate_name, a.retention, a.retention IS NOT NULL,
           coalesce(ca.materialization_hypertable_name, a.aggregate_name)
    FROM factory_telemetry.aggregate_policy a
    LEFT JOIN timescaledb_information.continuous_aggregates ca
      ON ca.view_schema = 'factory_telemetry' AND ca.view_name = a.aggregate_name
)
SELECT t.kind,
       t.target,
       t.retention,
       t.enabled,
       CASE WHEN j.job_id IS NOT NULL THEN 'timescaledb'
            WHEN NOT t.enabled OR t.retention IS NULL THEN 'none'
            ELSE 'service' END                      AS executor,
       j.job_id,
       coalesce(nullif(js.last_successful_finish, '-infinity'), r.last_run_at) AS last_run_at,
       js.next_start                                 AS next_native_run,
       r.last_dropped_chunks,
       r.total_dropped_chunks,
       coalesce(r.last_error, CASE WHEN js.last_run_status = 'Failed' THEN 'native job failed' END) AS last_error
FROM targets t
LEFT JOIN timescaledb_information.jobs j
  ON j.proc_name = 'policy_retention' AND j.hypertable_name = t.job_hypertable_name
LEFT JOIN timescaledb_information.job_stats js ON js.job_id = j.job_id
LEFT JOIN factory_telemetry.retention_run_state r ON r.target = t.target;
COMMENT ON VIEW factory_telemetry.v_retention_policies IS 'Retention per hypertable and aggregate: period, who enforces it (timescaledb job or the service) and its last run';

CREATE OR REPLACE VIEW factory_telemetry.v_data_age_distribution AS
SELECT c.hypertable_name,
       CASE WHEN c.range_end > now() - interval '1 day'   THEN '1: < 1 day'
            WHEN c.range_end > now() - interval '7 days'  THEN '2: 1-7 days'
            WHEN c.range_end > now() - interval '30 days' THEN '3: 7-30 days'
            WHEN c.range_end > now() - interval '90 days' THEN '4: 30-90 days'
            WHEN c.range_end > now() - interval '1 year'  THEN '5: 90 days-1 year'
            ELSE '6: > 1 year' END                                   AS age,
       count(*)                                                      AS chunks,
       CASE WHEN factory_telemetry.native_policies_available()
            THEN count(*) FILTER (WHERE c.is_compressed) END         AS compressed_chunks,
       sum(s.total_bytes)                                            AS total_bytes,
       pg_size_pretty(sum(s.total_bytes))                            AS total_size
FROM timescaledb_information.chunks c
LEFT JOIN LATERAL chunks_detailed_size(format('%I.%I', c.hypertable_schema, c.hypertable_name)::regclass) s
  ON s.chunk_schema = c.chunk_schema AND s.chunk_name = c.chunk_name
WHERE c.hypertable_schema = 'factory_telemetry'
GROUP BY 1, 2;
COMMENT ON VIEW factory_telemetry.v_data_age_distribution IS 'Chunks and bytes per hypertable by age of their newest possible row';

CREATE OR REPLACE VIEW factory_telemetry.v_index_usage AS
SELECT coalesce(h.table_name, s.relname)::text               AS table_name,
       coalesce(ci.hypertable_index_name, s.indexrelname)::text AS index_name,
       count(*)                                              AS index_partitions,
       sum(s.idx_scan)                                       AS scans,
       sum(s.idx_tup_read)                                   AS tuples_read,
       sum(s.idx_tup_fetch)                                  AS tuples_fetched,
       sum(pg_relation_size(s.indexrelid))                   AS bytes,
       pg_size_pretty(sum(pg_relation_size(s.indexrelid)))   AS size
FROM pg_stat_user_indexes s
LEFT JOIN _timescaledb_catalog.chunk ch ON ch.schema_name = s.schemaname AND ch.table_name = s.relname
LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
LEFT JOIN _timescaledb_catalog.chunk_index ci ON ci.chunk_id = ch.id AND ci.index_name = s.indexrelname
WHERE s.schemaname = 'factory_telemetry' OR h.schema_name = 'factory_telemetry'
GROUP BY 1, 2;
COMMENT ON VIEW factory_telemetry.v_index_usage IS 'Index use summed over all chunks of each hypertable index (pg_stat_user_indexes)';

CREATE OR REPLACE VIEW factory_telemetry.v_missing_indexes AS
WITH per_table AS (
    SELECT coalesce(h.table_name, s.relname)::text AS table_name,
           sum(s.seq_scan)                          AS seq_scans,
           sum(s.seq_tup_read)                      AS seq_tuples_read,
           sum(coalesce(s.idx_scan, 0))             AS index_scans,
           sum(s.n_live_tup)                        AS live_rows,
           sum(pg_total_relation_size(s.relid))     AS bytes
    FROM pg_stat_user_tables s
    LEFT JOIN _timescaledb_catalog.chunk ch ON ch.schema_name = s.schemaname AND ch.table_name = s.relname
    LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
    WHERE s.schemaname = 'factory_telemetry' OR h.schema_name = 'factory_telemetry'
    GROUP BY 1
)
SELECT table_name, seq_scans, seq_tuples_read, index_scans, live_rows, pg_size_pretty(bytes) AS size,
       seq_tuples_read / nullif(seq_scans, 0) AS avg_rows_per_seq_scan,
       CASE WHEN seq_scans > index_scans AND seq_tuples_read / nullif(seq_scans, 0) > 10000
            THEN 'frequent large sequential scans: check the queries filtering this table'
            ELSE 'ok' END AS hint
FROM per_table
ORDER BY seq_tuples_read DESC;
COMMENT ON VIEW factory_telemetry.v_missing_indexes IS 'Tables (hypertables summed over chunks) that are read by large sequential scans more than by index scans';

-- v_continuous_aggregate_status: see 0010-backfill.sql (it reads the backfill backlog defined there)

CREATE OR REPLACE VIEW factory_telemetry.v_realtime_production_dashboard AS
WITH plant AS (
    SELECT factory_telemetry.plant_time_zone() AS tz,
           (SELECT value::numeric FROM factory_telemetry.plant_settings WHERE setting = 'energy_tariff_per_kwh') AS tariff,
           (SELECT value FROM factory_telemetry.plant_settings WHERE setting = 'energy_currency') AS currency
), bounds AS (
    SELECT tz, tariff, currency,
           time_bucket(interval '1 hour', now())      AS hour_start,
           factory_telemetry.plant_day_start()        AS day_start
    FROM plant
), oee AS (
    SELECT o.line_id,
           sum(o.planned_time_s) FILTER (WHERE o.bucket = b.hour_start)   AS hour_planned,
           sum(o.run_time_s) FILTER (WHERE o.bucket = b.hour_start)       AS hour_run,
           sum(o.ideal_run_time_s) FILTER (WHERE o.bucket = b.hour_start) AS hour_ideal,
           sum(o.total_count) FILTER (WHERE o.bucket = b.hour_start)      AS hour_total,
           sum(o.good_count) FILTER (WHERE o.bucket = b.hour_start)       AS hour_good,
           sum(o.planned_time_s) AS day_planned, sum(o.run_time_s) AS day_run, sum(o.ideal_run_time_s) AS day_ideal,
           sum(o.total_count) AS day_total, sum(o.good_count) AS day_good
    FROM factory_telemetry.oee_hourly_aggregate o, bounds b
    WHERE o.bucket >= factory_telemetry.plant_day_start()
    GROUP BY o.line_id
), downtime AS (
    SELECT d.line_id,
           sum(extract(epoch FROM least(coalesce(d.end_time, now()), now()) - greatest(d.start_time, b.day_start))) / 60 AS minutes
    FROM factory_telemetry.downtime_events d, bounds b
    WHERE d.start_time < now() AND coalesce(d.end_time, now()) > b.day_start
      -- stops are booked by start; one longer than a week is reported by its own day's figures
      AND d.start_time > factory_telemetry.plant_day_start() - interval '7 days'
    GROUP BY d.line_id
), energy AS (
    SELECT e.line_id, sum(e.energy_kwh) AS kwh
    FROM factory_telemetry.energy_hourly_aggregate e
    WHERE e.bucket >= factory_telemetry.plant_day_start()
    GROUP BY e.line_id
), quality AS (
    SELECT q.line_id, sum(q.quantity_passed)::double precision / nullif(sum(q.quantity_checked), 0) AS pass_rate
    FROM factory_telemetry.quality_daily_aggregate q
    WHERE q.bucket >= factory_telemetry.plant_day_start()
    GROUP BY q.line_id
), faults AS (
    SELECT f.line_id, count(*) AS active
    FROM factory_telemetry.fault_active f
    GROUP BY f.line_id
)
SELECT l.id AS line_id,
       l.line_code,
       l.name AS line_name,
       o.hour_run / nullif(o.hour_planned, 0)                        AS hour_availability,
       o.hour_ideal / nullif(o.hour_run, 0)                          AS hour_performance,
       o.hour_good::double precision / nullif(o.hour_total, 0)       AS hour_quality,
       (o.hour_run / nullif(o.hour_planned, 0)) * (o.hour_ideal / nullif(o.hour_run, 0))
           * (o.hour_good::double precision / nullif(o.hour_total, 0)) AS hour_oee,
       o.day_run / nullif(o.day_planned, 0)                          AS today_availability,
       o.day_ideal / nullif(o.day_run, 0)                            AS today_performance,
       o.day_good::double precision / nullif(o.day_total, 0)         AS today_quality,
       (o.day_run / nullif(o.day_planned, 0)) * (o.day_ideal / nullif(o.day_run, 0))
           * (o.day_good::double precision / nullif(o.day_total, 0))   AS today_oee,
       coalesce(o.day_good, 0)                                       AS today_good_parts,
       coalesce(o.day_total, 0)                                      AS today_total_parts,
       coalesce(dt.minutes, 0)                                       AS today_downtime_minutes,
       coalesce(e.kwh, 0)                                            AS today_energy_kwh,
       round(coalesce(e.kwh, 0)::numeric * b.tariff, 2)              AS today_energy_cost,
       b.currency                                                    AS energy_currency,
       qa.pass_rate                                                  AS today_quality_pass_rate,
       coalesce(f.active, 0)                                         AS active_faults,
       b.day_start                                                   AS today_start,
       b.hour_start                                                  AS hour_start
FROM factory_telemetry.production_lines l
CROSS JOIN bounds b
LEFT JOIN oee o ON o.line_id = l.id
LEFT JOIN downtime dt ON dt.line_id = l.id
LEFT JOIN energy e ON e.line_id = l.id
LEFT JOIN quality qa ON qa.line_id = l.id
LEFT JOIN faults f ON f.line_id = l.id
WHERE l.enabled;
COMMENT ON VIEW factory_telemetry.v_realtime_production_dashboard IS 'Per enabled line: OEE (from sums) of the current hour and today (plant time zone), parts, downtime minutes (open stops up to now), energy and cost (plant tariff), quality pass rate, active faults';

--changeset factory-telemetry:0009-management-functions splitStatements:false
CREATE FUNCTION factory_telemetry.require_native_compression()
    RETURNS void
    LANGUAGE plpgsql STABLE
AS $$
BEGIN
    IF NOT factory_telemetry.native_policies_available() THEN
        RAISE EXCEPTION 'compression is not available: TimescaleDB runs the Apache-2 edition (timescaledb.license = %)',
                        current_setting('timescaledb.license', true)
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'compression needs the Community edition (timescaledb.license = ''timescale'')';
    END IF;
END
$$;

CREATE FUNCTION factory_telemetry.resolve_chunk(p_chunk text)
    RETURNS regclass
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_chunk regclass;
BEGIN
    SELECT format('%I.%I', c.chunk_schema, c.chunk_name)::regclass INTO v_chunk
    FROM timescaledb_information.chunks c
    WHERE c.hypertable_schema = 'factory_telemetry'
      AND (c.chunk_name = p_chunk OR c.chunk_schema || '.' || c.chunk_name = p_chunk);
    IF v_chunk IS NULL THEN
        RAISE EXCEPTION 'no chunk "%" of a factory_telemetry hypertable', p_chunk USING ERRCODE = 'undefined_table';
    END IF;
    RETURN v_chunk;
END
$$;

CREATE FUNCTION factory_telemetry.compress_chunk_by_name(p_chunk text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_chunk regclass;
BEGIN
    PERFORM factory_telemetry.require_native_compression();
    v_chunk := factory_telemetry.resolve_chunk(p_chunk);
    IF (SELECT is_compressed FROM timescaledb_information.chunks
        WHERE format('%I.%I', chunk_schema, chunk_name)::regclass = v_chunk) THEN
        RETURN false;
    END IF;
    PERFORM compress_chunk(v_chunk);
    RETURN true;
END
$$;
COMMENT ON FUNCTION factory_telemetry.compress_chunk_by_name(text) IS 'Compresses one chunk (bare or schema-qualified name); false if it already was';

CREATE FUNCTION factory_telemetry.decompress_chunk_by_name(p_chunk text)
    RETURNS boolean
    LANGUAGE plpgsql
AS $$
DECLARE
    v_chunk regclass;
BEGIN
    PERFORM factory_telemetry.require_native_compression();
    v_chunk := factory_telemetry.resolve_chunk(p_chunk);
    IF NOT (SELECT is_compressed FROM timescaledb_information.chunks
            WHERE format('%I.%I', chunk_schema, chunk_name)::regclass = v_chunk) THEN
        RETURN false;
    END IF;
    PERFORM decompress_chunk(v_chunk);
    RETURN true;
END
$$;
COMMENT ON FUNCTION factory_telemetry.decompress_chunk_by_name(text) IS 'Decompresses one chunk (bare or schema-qualified name); false if it was not compressed';

CREATE FUNCTION factory_telemetry.compress_eligible_chunks(p_hypertable text DEFAULT NULL)
    RETURNS TABLE (hypertable_name text, chunk_name text, before_bytes bigint, after_bytes bigint)
    LANGUAGE plpgsql
AS $$
DECLARE
    p record;
    c record;
BEGIN
    PERFORM factory_telemetry.require_native_compression();
    IF p_hypertable IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM factory_telemetry.hypertable_policy hp WHERE hp.hypertable_name = p_hypertable) THEN
        RAISE EXCEPTION 'unknown hypertable "%"', p_hypertable USING ERRCODE = 'undefined_table';
    END IF;
    FOR p IN SELECT * FROM factory_telemetry.hypertable_policy hp
             WHERE hp.compress_after IS NOT NULL AND (p_hypertable IS NULL OR hp.hypertable_name = p_hypertable)
             ORDER BY hp.hypertable_name LOOP
        FOR c IN SELECT ch.chunk_schema, ch.chunk_name
                 FROM timescaledb_information.chunks ch
                 WHERE ch.hypertable_schema = 'factory_telemetry' AND ch.hypertable_name = p.hypertable_name
                   AND NOT ch.is_compressed AND ch.range_end <= now() - p.compress_after
                 ORDER BY ch.range_start LOOP
            hypertable_name := p.hypertable_name;
            chunk_name := c.chunk_name;
            before_bytes := pg_total_relation_size(format('%I.%I', c.chunk_schema, c.chunk_name)::regclass);
            PERFORM compress_chunk(format('%I.%I', c.chunk_schema, c.chunk_name)::regclass, if_not_compressed => true);
            SELECT s.after_compression_total_bytes INTO after_bytes
            FROM chunk_compression_stats(format('factory_telemetry.%I', p.hypertable_name)::regclass) s
            WHERE s.chunk_schema = c.chunk_schema AND s.chunk_name = c.chunk_name;
            RETURN NEXT;
        END LOOP;
    END LOOP;
END
$$;
COMMENT ON FUNCTION factory_telemetry.compress_eligible_chunks(text) IS 'Compresses now every chunk older than its table''s compress_after (all tables, or one); returns sizes before/after. Community edition only.';

CREATE FUNCTION factory_telemetry.set_retention(p_table text, p_retention interval)
    RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    v_kind text;
    v_object regclass;
    v_conflict text;
BEGIN
    IF p_retention IS NOT NULL AND p_retention <= interval '0' THEN
        RAISE EXCEPTION 'retention must be positive, got %', p_retention USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM factory_telemetry.hypertable_policy WHERE hypertable_name = p_table) THEN
        v_kind := 'hypertable';
        -- never let raw retention undercut an aggregate's refresh window (timescaledb#2198)
        SELECT string_agg(format('%s refreshes %s back', aggregate_name, refresh_start_offset), ', ') INTO v_conflict
        FROM factory_telemetry.aggregate_policy
        WHERE source_name = p_table AND p_retention IS NOT NULL AND refresh_start_offset >= p_retention;
        IF v_conflict IS NOT NULL THEN
            RAISE EXCEPTION 'retention % of % is shorter than an aggregate refresh window (%): refreshing would erase aggregate history',
                            p_retention, p_table, v_conflict USING ERRCODE = 'invalid_parameter_value';
        END IF;
        UPDATE factory_telemetry.hypertable_policy
           SET retention = p_retention, retention_enabled = p_retention IS NOT NULL, updated_at = now()
         WHERE hypertable_name = p_table;
    ELSIF EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE aggregate_name = p_table) THEN
        v_kind := 'aggregate';
        UPDATE factory_telemetry.aggregate_policy SET retention = p_retention, updated_at = now()
         WHERE aggregate_name = p_table;
    ELSE
        RAISE EXCEPTION 'unknown hypertable or aggregate "%"', p_table USING ERRCODE = 'undefined_table';
    END IF;
    v_object := format('factory_telemetry.%I', p_table)::regclass;
    -- native retention exists for raw hypertables and continuous aggregates on the Community edition
    IF factory_telemetry.native_policies_available()
       AND (v_kind = 'hypertable' OR EXISTS (SELECT 1 FROM timescaledb_information.continuous_aggregates
                                             WHERE view_schema = 'factory_telemetry' AND view_name = p_table)) THEN
        PERFORM remove_retention_policy(v_object, if_exists => true);
        IF p_retention IS NOT NULL THEN
            PERFORM add_retention_policy(v_object, p_retention);
        END IF;
        RETURN 'timescaledb';
    END IF;
    RETURN CASE WHEN p_retention IS NULL THEN 'none' ELSE 'service' END;
END
$$;
COMMENT ON FUNCTION factory_telemetry.set_retention(text, interval) IS 'Changes a retention period in the catalog and its executor in one step (native policy replaced on the Community edition; the service reads the catalog on the Apache edition). NULL disables. Returns the executor.';

CREATE FUNCTION factory_telemetry.disable_retention(p_table text)
    RETURNS text
    LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM factory_telemetry.hypertable_policy WHERE hypertable_name = p_table) THEN
        RAISE EXCEPTION 'unknown hypertable "%" (aggregates: set_retention(name, NULL))', p_table USING ERRCODE = 'undefined_table';
    END IF;
    UPDATE factory_telemetry.hypertable_policy SET retention_enabled = false, updated_at = now() WHERE hypertable_name = p_table;
    IF factory_telemetry.native_policies_available() THEN
        PERFORM remove_retention_policy(format('factory_telemetry.%I', p_table)::regclass, if_exists => true);
    END IF;
    RETURN 'none';
END
$$;
COMMENT ON FUNCTION factory_telemetry.disable_retention(text) IS 'Pauses retention of a hypertable (catalog keeps the period)';

CREATE FUNCTION factory_telemetry.enable_retention(p_table text)
    RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    v_retention interval;
BEGIN
    SELECT retention INTO v_retention FROM factory_telemetry.hypertable_policy WHERE hypertable_name = p_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown hypertable "%"', p_table USING ERRCODE = 'undefined_table';
    END IF;
    IF v_retention IS NULL THEN
        RAISE EXCEPTION '% has no retention period; use set_retention', p_table USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN factory_telemetry.set_retention(p_table, v_retention);
END
$$;
COMMENT ON FUNCTION factory_telemetry.enable_retention(text) IS 'Resumes retention of a hypertable with its catalog period';
