--liquibase formatted sql

-- Operations without psql (issue #11): switches for each policy, compression and refresh settings changed through the
-- catalog and applied to whichever executor runs them (TimescaleDB's jobs on the Community edition, the service on the
-- Apache edition), compression and decompression on demand, and the history of maintenance runs.
-- Every function takes names that the admin API has not checked: each looks its target up in the policy catalog
-- (undefined_table when absent) and quotes identifiers with format(%I).

--changeset factory-telemetry:0013-policy-switches
ALTER TABLE factory_telemetry.hypertable_policy ADD COLUMN compression_enabled boolean NOT NULL DEFAULT true;
ALTER TABLE factory_telemetry.aggregate_policy ADD COLUMN refresh_enabled boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN factory_telemetry.hypertable_policy.compression_enabled IS 'Compression policy on (native job scheduled) or paused; settings are kept either way';
COMMENT ON COLUMN factory_telemetry.aggregate_policy.refresh_enabled IS 'Scheduled refresh on (native job scheduled, or the service''s refresh) or paused; on-demand refreshes still run';

--changeset factory-telemetry:0013-maintenance-run
CREATE TABLE factory_telemetry.maintenance_run (
    run_id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    trigger     text        NOT NULL CHECK (trigger IN ('schedule', 'api')),
    replica     text        NOT NULL,
    outcome     text        CHECK (outcome IN ('success', 'failed')),
    steps       jsonb       NOT NULL DEFAULT '[]',
    errors      jsonb       NOT NULL DEFAULT '[]'
);
CREATE INDEX maintenance_run_started_idx ON factory_telemetry.maintenance_run (started_at DESC);
COMMENT ON TABLE factory_telemetry.maintenance_run IS 'One row per maintenance run (scheduled or on demand): start, end, trigger, replica, outcome (NULL while running, or when its replica died), what each step did, errors';

--changeset factory-telemetry:0013-operations-functions splitStatements:false
CREATE FUNCTION factory_telemetry.require_hypertable_policy(p_table text)
    RETURNS factory_telemetry.hypertable_policy
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    p factory_telemetry.hypertable_policy;
BEGIN
    SELECT * INTO p FROM factory_telemetry.hypertable_policy WHERE hypertable_name = p_table;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown hypertable "%"', p_table USING ERRCODE = 'undefined_table';
    END IF;
    RETURN p;
END
$$;

-- A segment-by (plain column names) or order-by list (column [ASC|DESC] [NULLS FIRST|LAST]) checked against the
-- table's columns and written the way the catalog holds it ('ts DESC, shift_id'); '' stays '' (no columns).
CREATE FUNCTION factory_telemetry.policy_column_list(p_table text, p_list text, p_order_by boolean)
    RETURNS text
    LANGUAGE plpgsql STABLE
AS $$
DECLARE
    v_item text;
    v_match text[];
    v_column text;
    v_seen text[] := '{}';
    v_out text[] := '{}';
    v_what text := CASE WHEN p_order_by THEN 'order-by' ELSE 'segment-by' END;
BEGIN
    IF p_list IS NULL OR btrim(p_list) = '' THEN
        RETURN p_list;
    END IF;
    FOREACH v_item IN ARRAY string_to_array(p_list, ',') LOOP
        v_match := regexp_match(btrim(v_item), CASE WHEN p_order_by
            THEN '^([A-Za-z_][A-Za-z0-9_]*)(\s+(asc|desc))?(\s+nulls\s+(first|last))?$'
            ELSE '^([A-Za-z_][A-Za-z0-9_]*)$' END, 'i');
        IF v_match IS NULL THEN
            RAISE EXCEPTION '% item "%" is not %', v_what, btrim(v_item),
                CASE WHEN p_order_by THEN 'a column name, optionally followed by ASC or DESC and NULLS FIRST or NULLS LAST'
                     ELSE 'a column name' END
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_column := lower(v_match[1]);
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = format('factory_telemetry.%I', p_table)::regclass
                         AND a.attname = v_column AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION '% column "%" is not a column of %; its columns: %', v_what, v_column, p_table,
                (SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) FROM pg_attribute a
                 WHERE a.attrelid = format('factory_telemetry.%I', p_table)::regclass AND a.attnum > 0 AND NOT a.attisdropped)
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF v_column = ANY (v_seen) THEN
            RAISE EXCEPTION '% column "%" is named twice', v_what, v_column USING ERRCODE = 'invalid_parameter_value';
        END IF;
        v_seen := v_seen || v_column;
        v_out := v_out || (v_column
                           || CASE WHEN upper(v_match[3]) = 'DESC' THEN ' DESC' ELSE '' END
                           || coalesce(' NULLS ' || upper(v_match[5]), ''));
    END LOOP;
    RETURN array_to_string(v_out, ', ');
END
$$;

-- The native compression job of a table follows its catalog row: replaced (so compress_after and the schedule are
-- the catalog's) and paused while compression_enabled is false. Community edition only.
CREATE FUNCTION factory_telemetry.apply_compression_policy(p_table text)
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    p factory_telemetry.hypertable_policy := factory_telemetry.require_hypertable_policy(p_table);
    v_table regclass := format('factory_telemetry.%I', p_table)::regclass;
    v_job integer;
BEGIN
    PERFORM remove_compression_policy(v_table, if_exists => true);
    IF p.compress_after IS NULL THEN
        RETURN NULL;
    END IF;
    IF p.compress_schedule IS NULL THEN
        v_job := add_compression_policy(v_table, p.compress_after);
    ELSE
        v_job := add_compression_policy(v_table, p.compress_after, schedule_interval => p.compress_schedule);
    END IF;
    IF NOT p.compression_enabled THEN
        PERFORM alter_job(v_job, scheduled => false);
    END IF;
    RETURN v_job;
END
$$;

CREATE FUNCTION factory_telemetry.set_compression(p_table text, p_compress_after interval, p_segment_by text, p_order_by text)
    RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    p factory_telemetry.hypertable_policy := factory_telemetry.require_hypertable_policy(p_table);
    v_after interval := coalesce(p_compress_after, p.compress_after);
    v_segment_by text := coalesce(factory_telemetry.policy_column_list(p_table, p_segment_by, false), p.compress_segment_by);
    v_order_by text := coalesce(factory_telemetry.policy_column_list(p_table, p_order_by, true), p.compress_order_by);
    v_layout_changed boolean;
    v_compressed bigint;
BEGIN
    v_segment_by := nullif(btrim(v_segment_by), '');
    v_order_by := nullif(btrim(v_order_by), '');
    IF v_after IS NULL OR v_after <= interval '0' THEN
        RAISE EXCEPTION 'compress after must be a positive interval, got %', coalesce(v_after::text, 'none')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p.retention IS NOT NULL AND v_after >= p.retention THEN
        RAISE EXCEPTION 'compress after % of % must be shorter than its retention % (chunks would be dropped before they are compressed)',
            v_after, p_table, p.retention USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_layout_changed := v_segment_by IS DISTINCT FROM p.compress_segment_by OR v_order_by IS DISTINCT FROM p.compress_order_by;
    IF v_layout_changed AND factory_telemetry.native_policies_available() THEN
        SELECT count(*) INTO v_compressed FROM timescaledb_information.chunks c
        WHERE c.hypertable_schema = 'factory_telemetry' AND c.hypertable_name = p_table AND c.is_compressed;
        IF v_compressed > 0 THEN
            RAISE EXCEPTION '% has % compressed chunk(s) laid out by segment-by "%" and order-by "%": a new layout would apply only to chunks compressed later, leaving the table with two layouts (and inserts into compressed chunks check conflicts per segment); decompress them first (POST /api/v1/admin/lifecycle/hypertables/%/decompress with from/to), then change it',
                p_table, v_compressed, coalesce(p.compress_segment_by, ''), coalesce(p.compress_order_by, ''), p_table
                USING ERRCODE = 'object_in_use';
        END IF;
    END IF;
    UPDATE factory_telemetry.hypertable_policy
       SET compress_after = v_after, compress_segment_by = v_segment_by, compress_order_by = v_order_by, updated_at = now()
     WHERE hypertable_name = p_table;
    IF NOT factory_telemetry.native_policies_available() THEN
        RETURN 'unavailable';
    END IF;
    IF v_layout_changed THEN
        EXECUTE format('ALTER TABLE factory_telemetry.%I SET (timescaledb.compress, timescaledb.compress_segmentby = %L, timescaledb.compress_orderby = %L)',
                       p_table, coalesce(v_segment_by, ''), coalesce(v_order_by, ''));
    END IF;
    PERFORM factory_telemetry.apply_compression_policy(p_table);
    RETURN 'timescaledb';
END
$$;
COMMENT ON FUNCTION factory_telemetry.set_compression(text, interval, text, text) IS 'Changes compress_after, segment-by and order-by (NULL: unchanged; '''' for a list: none) in the catalog and, on the Community edition, the table''s compression settings and native policy in one step; columns checked against the table; a layout change is refused (object_in_use) while compressed chunks exist. Returns the executor: timescaledb, or unavailable (Apache edition: the catalog keeps the settings).';

CREATE FUNCTION factory_telemetry.set_aggregate_refresh(p_aggregate text, p_start_offset interval, p_end_offset interval,
                                                        p_schedule interval)
    RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    a factory_telemetry.aggregate_policy;
    v_start interval;
    v_end interval;
    v_schedule interval;
    v_source_retention interval;
    v_job integer;
    v_view regclass;
BEGIN
    SELECT * INTO a FROM factory_telemetry.aggregate_policy WHERE aggregate_name = p_aggregate;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown aggregate "%"', p_aggregate USING ERRCODE = 'undefined_table';
    END IF;
    v_start := coalesce(p_start_offset, a.refresh_start_offset);
    v_end := coalesce(p_end_offset, a.refresh_end_offset);
    v_schedule := coalesce(p_schedule, a.refresh_schedule);
    IF v_schedule <= interval '0' THEN
        RAISE EXCEPTION 'the refresh schedule must be a positive interval, got %', v_schedule USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF v_end < interval '0' OR v_start <= v_end THEN
        RAISE EXCEPTION 'the refresh window of % must reach further back than it ends: start offset % must be greater than end offset % (and the end offset not negative)',
            p_aggregate, v_start, v_end USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF a.retention IS NOT NULL AND v_start >= a.retention THEN
        RAISE EXCEPTION 'start offset % of % must be shorter than its own retention %', v_start, p_aggregate, a.retention
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- never refresh a window whose source rows retention may already have dropped (timescaledb#2198)
    SELECT retention INTO v_source_retention FROM (
        SELECT h.retention FROM factory_telemetry.hypertable_policy h WHERE h.hypertable_name = a.source_name AND h.retention_enabled
        UNION ALL
        SELECT s.retention FROM factory_telemetry.aggregate_policy s WHERE s.aggregate_name = a.source_name) src;
    IF v_source_retention IS NOT NULL AND v_start >= v_source_retention THEN
        RAISE EXCEPTION 'start offset % of % reaches past the retention % of its source %: refreshing would erase aggregate history',
            v_start, p_aggregate, v_source_retention, a.source_name USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE factory_telemetry.aggregate_policy
       SET refresh_start_offset = v_start, refresh_end_offset = v_end, refresh_schedule = v_schedule, updated_at = now()
     WHERE aggregate_name = p_aggregate;
    IF factory_telemetry.native_policies_available() AND a.materialization = 'continuous_aggregate' THEN
        v_view := format('factory_telemetry.%I', p_aggregate)::regclass;
        PERFORM remove_continuous_aggregate_policy(v_view, if_exists => true);
        v_job := add_continuous_aggregate_policy(v_view, start_offset => v_start, end_offset => v_end, schedule_interval => v_schedule);
        IF NOT a.refresh_enabled THEN
            PERFORM alter_job(v_job, scheduled => false);
        END IF;
        RETURN 'timescaledb';
    END IF;
    RETURN 'service';
END
$$;
COMMENT ON FUNCTION factory_telemetry.set_aggregate_refresh(text, interval, interval, interval) IS 'Changes an aggregate''s refresh window (start/end offset) and schedule (NULL: unchanged) in the catalog and, for a continuous aggregate, its native refresh policy in one step; refuses a window reaching past the source''s retention. Returns the executor: timescaledb or service (service-maintained tables follow refresh_schedule).';

-- Turns a policy on or off. p_kind: compression or retention (hypertables), refresh (aggregates).
CREATE FUNCTION factory_telemetry.set_policy_enabled(p_kind text, p_target text, p_enabled boolean)
    RETURNS text
    LANGUAGE plpgsql
AS $$
DECLARE
    v_native boolean := factory_telemetry.native_policies_available();
    v_jobs integer;
BEGIN
    IF p_enabled IS NULL THEN
        RAISE EXCEPTION 'enabled must be true or false' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    CASE p_kind
    WHEN 'compression' THEN
        PERFORM factory_telemetry.require_hypertable_policy(p_target);
        UPDATE factory_telemetry.hypertable_policy SET compression_enabled = p_enabled, updated_at = now()
         WHERE hypertable_name = p_target;
        IF NOT v_native THEN
            RETURN 'unavailable';
        END IF;
        SELECT count(*) INTO v_jobs FROM (
            SELECT alter_job(j.job_id, scheduled => p_enabled) FROM timescaledb_information.jobs j
            WHERE j.proc_name = 'policy_compression' AND j.hypertable_schema = 'factory_telemetry'
              AND j.hypertable_name = p_target) altered;
        RETURN CASE WHEN v_jobs > 0 THEN 'timescaledb' ELSE 'none' END;
    WHEN 'retention' THEN
        PERFORM factory_telemetry.require_hypertable_policy(p_target);
        RETURN CASE WHEN p_enabled THEN factory_telemetry.enable_retention(p_target)
                    ELSE factory_telemetry.disable_retention(p_target) END;
    WHEN 'refresh' THEN
        IF NOT EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE aggregate_name = p_target) THEN
            RAISE EXCEPTION 'unknown aggregate "%"', p_target USING ERRCODE = 'undefined_table';
        END IF;
        UPDATE factory_telemetry.aggregate_policy SET refresh_enabled = p_enabled, updated_at = now()
         WHERE aggregate_name = p_target;
        IF v_native AND EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy
                                WHERE aggregate_name = p_target AND materialization = 'continuous_aggregate') THEN
            SELECT count(*) INTO v_jobs FROM (
                SELECT alter_job(j.job_id, scheduled => p_enabled)
                FROM timescaledb_information.jobs j
                JOIN timescaledb_information.continuous_aggregates ca
                  ON ca.materialization_hypertable_schema = j.hypertable_schema AND ca.materialization_hypertable_name = j.hypertable_name
                WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND ca.view_schema = 'factory_telemetry'
                  AND ca.view_name = p_target) altered;
            RETURN 'timescaledb';
        END IF;
        RETURN 'service';
    ELSE
        RAISE EXCEPTION 'unknown policy kind "%": compression, retention or refresh', p_kind USING ERRCODE = 'undefined_object';
    END CASE;
END
$$;
COMMENT ON FUNCTION factory_telemetry.set_policy_enabled(text, text, boolean) IS 'Turns a compression or retention policy (hypertable) or a refresh policy (aggregate) on or off in the catalog and its executor in one step: native jobs paused/resumed (compression, refresh) or removed/re-added (retention) on the Community edition; the service follows the catalog on the Apache edition. Returns the executor.';

CREATE FUNCTION factory_telemetry.compress_chunks_older_than(p_table text, p_older_than interval)
    RETURNS TABLE (chunk_name text, range_start timestamptz, range_end timestamptz, before_bytes bigint, after_bytes bigint)
    LANGUAGE plpgsql
AS $$
DECLARE
    c record;
    v_chunk regclass;
BEGIN
    PERFORM factory_telemetry.require_native_compression();
    PERFORM factory_telemetry.require_hypertable_policy(p_table);
    IF p_older_than IS NULL OR p_older_than < interval '0' THEN
        RAISE EXCEPTION 'older than must be an interval of zero or more, got %', coalesce(p_older_than::text, 'none')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR c IN SELECT ch.chunk_schema, ch.chunk_name, ch.range_start, ch.range_end
             FROM timescaledb_information.chunks ch
             WHERE ch.hypertable_schema = 'factory_telemetry' AND ch.hypertable_name = p_table
               AND NOT ch.is_compressed AND ch.range_end <= now() - p_older_than
             ORDER BY ch.range_start LOOP
        v_chunk := format('%I.%I', c.chunk_schema, c.chunk_name)::regclass;
        PERFORM compress_chunk(v_chunk, if_not_compressed => true);
        chunk_name := c.chunk_name;
        range_start := c.range_start;
        range_end := c.range_end;
        SELECT s.before_compression_total_bytes, s.after_compression_total_bytes INTO before_bytes, after_bytes
        FROM chunk_compression_stats(format('factory_telemetry.%I', p_table)::regclass) s
        WHERE s.chunk_schema = c.chunk_schema AND s.chunk_name = c.chunk_name;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION factory_telemetry.compress_chunks_older_than(text, interval) IS 'Compresses now every uncompressed chunk of one hypertable that ends at least p_older_than ago; per chunk its range and bytes before/after. Community edition only.';

CREATE FUNCTION factory_telemetry.decompress_chunks(p_table text, p_chunk text, p_from timestamptz, p_to timestamptz)
    RETURNS TABLE (chunk_name text, range_start timestamptz, range_end timestamptz)
    LANGUAGE plpgsql
AS $$
DECLARE
    c record;
BEGIN
    PERFORM factory_telemetry.require_native_compression();
    PERFORM factory_telemetry.require_hypertable_policy(p_table);
    IF (p_chunk IS NULL) = (p_from IS NULL OR p_to IS NULL) THEN
        RAISE EXCEPTION 'name either a chunk or a range (from and to)' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_chunk IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM timescaledb_information.chunks ch
            WHERE ch.hypertable_schema = 'factory_telemetry' AND ch.hypertable_name = p_table
              AND (ch.chunk_name = p_chunk OR ch.chunk_schema || '.' || ch.chunk_name = p_chunk)) THEN
        RAISE EXCEPTION 'no chunk "%" of hypertable %', p_chunk, p_table USING ERRCODE = 'undefined_table';
    END IF;
    IF p_chunk IS NULL AND p_from >= p_to THEN
        RAISE EXCEPTION 'from (%) must be before to (%)', p_from, p_to USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR c IN SELECT ch.chunk_schema, ch.chunk_name, ch.range_start, ch.range_end
             FROM timescaledb_information.chunks ch
             WHERE ch.hypertable_schema = 'factory_telemetry' AND ch.hypertable_name = p_table AND ch.is_compressed
               AND CASE WHEN p_chunk IS NOT NULL
                        THEN ch.chunk_name = p_chunk OR ch.chunk_schema || '.' || ch.chunk_name = p_chunk
                        ELSE ch.range_start < p_to AND ch.range_end > p_from END
             ORDER BY ch.range_start LOOP
        PERFORM decompress_chunk(format('%I.%I', c.chunk_schema, c.chunk_name)::regclass, if_compressed => true);
        chunk_name := c.chunk_name;
        range_start := c.range_start;
        range_end := c.range_end;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION factory_telemetry.decompress_chunks(text, text, timestamptz, timestamptz) IS 'Decompresses one chunk of a hypertable (p_chunk, checked against its chunks) or every compressed chunk overlapping [p_from, p_to) (backfill); returns the chunks decompressed. Community edition only.';

CREATE FUNCTION factory_telemetry.analyze_recent_chunks(p_window interval)
    RETURNS TABLE (hypertable_name text, chunk_name text)
    LANGUAGE plpgsql
AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT ch.hypertable_name, ch.chunk_schema, ch.chunk_name
             FROM timescaledb_information.chunks ch
             WHERE ch.hypertable_schema = 'factory_telemetry' AND NOT ch.is_compressed
               AND ch.range_end > now() - p_window AND ch.range_start <= now()
             ORDER BY ch.hypertable_name, ch.range_start LOOP
        EXECUTE format('ANALYZE %I.%I', c.chunk_schema, c.chunk_name);
        hypertable_name := c.hypertable_name;
        chunk_name := c.chunk_name;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION factory_telemetry.analyze_recent_chunks(interval) IS 'ANALYZE of every uncompressed chunk of the schema''s hypertables that holds rows of the last p_window (the chunks being written, whose statistics autovacuum lags behind)';
