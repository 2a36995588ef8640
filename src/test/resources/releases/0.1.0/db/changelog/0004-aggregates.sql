--liquibase formatted sql

-- Continuous aggregates, defined once.
--
-- Each aggregate X has a plain view X_definition holding its query; that view is the single source
-- of the aggregate's meaning on both editions:
--  * Community edition: X is created as a continuous aggregate from pg_get_viewdef(X_definition),
--    with refresh and retention policies from aggregate_policy.
--  * Apache edition: X is a hypertable with the same columns, maintained by the service:
--    refresh_service_aggregate(X) recomputes exactly the buckets touched by logged invalidations
--    (from triggers and from the ingest path), so late and backfilled rows are included.
-- Ratios are computed from sums in every aggregate and every roll-up (never averages of ratios);
-- daily aggregates are built on hourly ones (hierarchical) from their sums, counts and sums of
-- squares, which is exact. Daily buckets follow the plant time zone (plant_settings.time_zone), so
-- days start at local midnight (23 or 25 hours on DST days); it is fixed when the aggregates are
-- created. Hourly buckets are UTC hours: the same as local hours in every zone with a whole-hour
-- offset, and unambiguous on the autumn DST night, where local time repeats an hour (a time-zone
-- hourly bucket would merge the two, and TimescaleDB's rewrite of bucket predicates into time
-- predicates would then drop the earlier one from a range refresh).
-- Energy cost is not stored: it is energy x plant_settings.energy_tariff_per_kwh at query time.

--changeset factory-telemetry:0004-invalidation-log
CREATE TABLE factory_telemetry.aggregate_invalidation (
    aggregate_name text        NOT NULL REFERENCES factory_telemetry.aggregate_policy (aggregate_name) ON DELETE CASCADE,
    range_start    timestamptz NOT NULL,
    range_end      timestamptz NOT NULL,
    logged_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT aggregate_invalidation_range CHECK (range_start <= range_end),
    CONSTRAINT aggregate_invalidation_key UNIQUE (aggregate_name, range_start, range_end)
);
COMMENT ON TABLE factory_telemetry.aggregate_invalidation IS 'Time ranges (inclusive) of source rows written since the last refresh, per service-maintained aggregate';

CREATE TABLE factory_telemetry.aggregate_refresh_state (
    aggregate_name      text        PRIMARY KEY REFERENCES factory_telemetry.aggregate_policy (aggregate_name) ON DELETE CASCADE,
    last_run_at         timestamptz,
    last_success_at     timestamptz,
    last_duration_ms    double precision,
    last_ranges         integer,
    last_error          text
);
COMMENT ON TABLE factory_telemetry.aggregate_refresh_state IS 'Outcome of the service''s refreshes of service-maintained aggregates (Apache edition)';

--changeset factory-telemetry:0004-log-invalidation splitStatements:false
CREATE FUNCTION factory_telemetry.log_invalidation(p_source text, p_from timestamptz, p_to timestamptz)
    RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO factory_telemetry.aggregate_invalidation (aggregate_name, range_start, range_end)
    SELECT aggregate_name, p_from, p_to
    FROM factory_telemetry.aggregate_policy
    WHERE source_name = p_source AND materialization = 'service_table' AND p_from IS NOT NULL
    ON CONFLICT ON CONSTRAINT aggregate_invalidation_key DO NOTHING
$$;
COMMENT ON FUNCTION factory_telemetry.log_invalidation(text, timestamptz, timestamptz) IS 'Marks [p_from, p_to] of a source as changed for the service-maintained aggregates built on it. Writers that bypass the row triggers (the ingest path, with factory_telemetry.invalidation_logged = on) call it once per batch.';

CREATE FUNCTION factory_telemetry.invalidate_from_row()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
DECLARE
    -- TG_TABLE_NAME would name the chunk, so the hypertable comes as an argument
    v_source text := TG_ARGV[0];
    v_column text := TG_ARGV[1];
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
COMMENT ON FUNCTION factory_telemetry.invalidate_from_row() IS 'Row trigger (arguments: hypertable, time column): logs the time of a written row as invalidated';

--changeset factory-telemetry:0004-definitions-from-raw
CREATE VIEW factory_telemetry.oee_hourly_aggregate_definition AS
SELECT time_bucket(interval '1 hour', calculation_time) AS bucket,
       line_id,
       equipment_id,
       count(*)               AS calculations,
       sum(planned_time_s)    AS planned_time_s,
       sum(run_time_s)        AS run_time_s,
       sum(ideal_run_time_s)  AS ideal_run_time_s,
       sum(total_count)       AS total_count,
       sum(good_count)        AS good_count,
       sum(run_time_s) / nullif(sum(planned_time_s), 0)                  AS availability,
       sum(ideal_run_time_s) / nullif(sum(run_time_s), 0)                AS performance,
       sum(good_count)::double precision / nullif(sum(total_count), 0)   AS quality,
       (sum(run_time_s) / nullif(sum(planned_time_s), 0))
           * (sum(ideal_run_time_s) / nullif(sum(run_time_s), 0))
           * (sum(good_count)::double precision / nullif(sum(total_count), 0)) AS oee
FROM factory_telemetry.oee_calculations
GROUP BY 1, line_id, equipment_id;

CREATE VIEW factory_telemetry.metric_hourly_aggregate_definition AS
SELECT time_bucket(interval '1 hour', ts) AS bucket,
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

CREATE VIEW factory_telemetry.energy_hourly_aggregate_definition AS
SELECT time_bucket(interval '1 hour', consumption_time) AS bucket,
       line_id,
       equipment_id,
       count(*)                    AS readings,
       sum(energy_consumption_kwh) AS energy_kwh,
       sum(power_consumption_kw)   AS power_sum_kw,
       min(power_consumption_kw)   AS min_power_kw,
       max(power_consumption_kw)   AS peak_power_kw,
       avg(power_consumption_kw)   AS avg_power_kw,
       count(power_factor)         AS power_factor_count,
       sum(power_factor)           AS power_factor_sum
FROM factory_telemetry.energy_consumption
GROUP BY 1, line_id, equipment_id;

-- Closed stops, booked to the day they start (open stops are reported live by the dashboard).
CREATE VIEW factory_telemetry.downtime_daily_aggregate_definition AS
SELECT time_bucket(interval '1 day', start_time, '${plant_time_zone}') AS bucket,
       line_id,
       equipment_id,
       category,
       count(*)        AS events,
       sum(duration_s) AS downtime_s,
       min(duration_s) AS min_duration_s,
       max(duration_s) AS max_duration_s
FROM factory_telemetry.downtime_events
WHERE end_time IS NOT NULL
GROUP BY 1, line_id, equipment_id, category;

CREATE VIEW factory_telemetry.quality_daily_aggregate_definition AS
SELECT time_bucket(interval '1 day', check_time, '${plant_time_zone}') AS bucket,
       line_id,
       product_type_id,
       check_type,
       count(*)                                                 AS checks,
       sum(CASE WHEN check_result = 'pass' THEN 1 ELSE 0 END)        AS passed_checks,
       sum(CASE WHEN check_result = 'fail' THEN 1 ELSE 0 END)        AS failed_checks,
       sum(CASE WHEN check_result = 'conditional' THEN 1 ELSE 0 END) AS conditional_checks,
       sum(quantity_checked)                                    AS quantity_checked,
       sum(quantity_passed)                                     AS quantity_passed,
       sum(quantity_failed)                                     AS quantity_failed,
       sum(quantity_passed)::double precision / nullif(sum(quantity_checked), 0) AS pass_rate
FROM factory_telemetry.quality_checks
GROUP BY 1, line_id, product_type_id, check_type;

--changeset factory-telemetry:0004-materialize-service splitStatements:false labels:edition-apache
--comment: Apache edition: aggregates as hypertables kept current by the service (see refresh_service_aggregate).
CREATE FUNCTION factory_telemetry.create_service_aggregate(p_aggregate text)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    pol factory_telemetry.aggregate_policy;
BEGIN
    SELECT * INTO STRICT pol FROM factory_telemetry.aggregate_policy WHERE aggregate_name = p_aggregate;
    IF to_regclass(format('factory_telemetry.%I', p_aggregate)) IS NOT NULL THEN
        RETURN;  -- already materialized (by either edition)
    END IF;
    EXECUTE format('CREATE TABLE factory_telemetry.%I AS SELECT * FROM factory_telemetry.%I WITH NO DATA',
                   p_aggregate, p_aggregate || '_definition');
    EXECUTE format('ALTER TABLE factory_telemetry.%I ALTER COLUMN bucket SET NOT NULL', p_aggregate);
    PERFORM create_hypertable(format('factory_telemetry.%I', p_aggregate)::regclass,
                              by_range('bucket', CASE WHEN pol.bucket_width < interval '1 day'
                                                      THEN interval '30 days' ELSE interval '365 days' END));
    EXECUTE format('CREATE UNIQUE INDEX %I ON factory_telemetry.%I (%s, bucket) NULLS NOT DISTINCT',
                   p_aggregate || '_key', p_aggregate, pol.group_by);
    UPDATE factory_telemetry.aggregate_policy SET materialization = 'service_table' WHERE aggregate_name = p_aggregate;
    INSERT INTO factory_telemetry.aggregate_refresh_state (aggregate_name) VALUES (p_aggregate) ON CONFLICT DO NOTHING;
END
$$;

CREATE FUNCTION factory_telemetry.refresh_service_aggregate(p_aggregate text, p_window_start timestamptz DEFAULT NULL)
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    pol     factory_telemetry.aggregate_policy;
    v_tz    text;
    v_from  timestamptz;
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
    SELECT value INTO STRICT v_tz FROM factory_telemetry.plant_settings WHERE setting = 'time_zone';
    -- the refresh window (pitfall timescaledb#2198: never rewrite buckets whose raw data retention dropped)
    v_from := coalesce(p_window_start, now() - pol.refresh_start_offset);
    FOR r IN
        WITH taken AS (
            DELETE FROM factory_telemetry.aggregate_invalidation
            WHERE aggregate_name = p_aggregate AND range_end >= v_from
            -- bucketed as the aggregate buckets: hourly by UTC hour, daily by plant-local day
            RETURNING CASE WHEN pol.bucket_width < interval '1 day'
                           THEN time_bucket(pol.bucket_width, greatest(range_start, v_from))
                           ELSE time_bucket(pol.bucket_width, greatest(range_start, v_from), v_tz) END AS lo,
                      CASE WHEN pol.bucket_width < interval '1 day'
                           THEN time_bucket(pol.bucket_width, range_end)
                           ELSE time_bucket(pol.bucket_width, range_end, v_tz) END AS hi),
        ordered AS (
            SELECT lo, hi, max(hi) OVER (ORDER BY lo, hi ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_hi
            FROM taken),
        grouped AS (
            SELECT lo, hi, count(*) FILTER (WHERE prev_hi IS NULL OR lo > prev_hi + pol.bucket_width) OVER (ORDER BY lo, hi) AS grp
            FROM ordered)
        SELECT min(lo) AS lo, max(hi) AS hi FROM grouped GROUP BY grp ORDER BY 1
    LOOP
        EXECUTE format('DELETE FROM factory_telemetry.%I WHERE bucket BETWEEN $1 AND $2', p_aggregate)
            USING r.lo, r.hi;
        EXECUTE format('INSERT INTO factory_telemetry.%I SELECT * FROM factory_telemetry.%I WHERE bucket BETWEEN $1 AND $2',
                       p_aggregate, p_aggregate || '_definition')
            USING r.lo, r.hi;
        -- aggregates built on this one (daily on hourly) must recompute the buckets that changed
        PERFORM factory_telemetry.log_invalidation(p_aggregate, r.lo, r.hi);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION factory_telemetry.refresh_service_aggregate(text, timestamptz) IS 'Apache edition: recomputes the buckets of a service-maintained aggregate touched by logged invalidations within its refresh window (or since p_window_start; ''-infinity'' rebuilds all). Returns the number of bucket ranges rewritten.';

CREATE FUNCTION factory_telemetry.materialize_service_aggregates(p_level int)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    pol record;
    v_time_column text;
    v_lo timestamptz;
    v_hi timestamptz;
BEGIN
    FOR pol IN
        SELECT a.*, h.time_column
        FROM factory_telemetry.aggregate_policy a
        LEFT JOIN factory_telemetry.hypertable_policy h ON h.hypertable_name = a.source_name
        WHERE (p_level = 1) = (h.hypertable_name IS NOT NULL)
        ORDER BY a.aggregate_name
    LOOP
        CONTINUE WHEN to_regclass(format('factory_telemetry.%I', pol.aggregate_name)) IS NOT NULL;
        PERFORM factory_telemetry.create_service_aggregate(pol.aggregate_name);
        -- existing history (a database created before this changeset): materialize all of it once
        v_time_column := coalesce(pol.time_column, 'bucket');
        EXECUTE format('SELECT min(%I), max(%I) FROM factory_telemetry.%I', v_time_column, v_time_column, pol.source_name)
            INTO v_lo, v_hi;
        IF v_lo IS NOT NULL THEN
            PERFORM factory_telemetry.log_invalidation(pol.source_name, v_lo, v_hi);
            PERFORM factory_telemetry.refresh_service_aggregate(pol.aggregate_name, '-infinity');
        END IF;
    END LOOP;
END
$$;

SELECT factory_telemetry.materialize_service_aggregates(1);

--changeset factory-telemetry:0004-materialize-continuous splitStatements:false labels:edition-community
--comment: Community edition: continuous aggregates from the definition views, with the catalog's policies.
CREATE FUNCTION factory_telemetry.create_continuous_aggregate(p_aggregate text)
    RETURNS void
    LANGUAGE plpgsql
AS $$
DECLARE
    pol factory_telemetry.aggregate_policy;
    v_name regclass;
BEGIN
    SELECT * INTO STRICT pol FROM factory_telemetry.aggregate_policy WHERE aggregate_name = p_aggregate;
    IF to_regclass(format('factory_telemetry.%I', p_aggregate)) IS NOT NULL THEN
        RETURN;  -- already materialized; a service table stays service-maintained
    END IF;
    -- WITH NO DATA: creating a continuous aggregate with data cannot run in a transaction (timescaledb#5377);
    -- the refresh policy and changeset 0004-initial-refresh fill it.
    EXECUTE format('CREATE MATERIALIZED VIEW factory_telemetry.%I WITH (timescaledb.continuous, timescaledb.materialized_only = %s) AS %s WITH NO DATA',
                   p_aggregate, pol.materialized_only,
                   rtrim(pg_get_viewdef(format('factory_telemetry.%I', p_aggregate || '_definition')::regclass), '; '));
    v_name := format('factory_telemetry.%I', p_aggregate)::regclass;
    PERFORM add_continuous_aggregate_policy(v_name, start_offset => pol.refresh_start_offset,
                                            end_offset => pol.refresh_end_offset,
                                            schedule_interval => pol.refresh_schedule, if_not_exists => true);
    IF pol.retention IS NOT NULL THEN
        PERFORM add_retention_policy(v_name, pol.retention, if_not_exists => true);
    END IF;
    UPDATE factory_telemetry.aggregate_policy SET materialization = 'continuous_aggregate' WHERE aggregate_name = p_aggregate;
END
$$;

SELECT factory_telemetry.create_continuous_aggregate(a.aggregate_name)
FROM factory_telemetry.aggregate_policy a
JOIN factory_telemetry.hypertable_policy h ON h.hypertable_name = a.source_name
ORDER BY a.aggregate_name;

--changeset factory-telemetry:0004-row-triggers splitStatements:false labels:edition-apache
--comment: Apache edition: writes that bypass the ingest path invalidate the service-maintained aggregates.
--comment: Insert triggers are skipped when the writer logged the batch itself (the ingest and event APIs).
CREATE FUNCTION factory_telemetry.invalidate_metric_row()
    RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM factory_telemetry.log_invalidation('metric_hist', OLD.ts, OLD.ts);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM factory_telemetry.log_invalidation('metric_hist', NEW.ts, NEW.ts);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER metric_hist_invalidate_insert AFTER INSERT ON factory_telemetry.metric_hist
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_metric_row();
CREATE TRIGGER metric_hist_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.metric_hist
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_metric_row();
-- Event tables likewise: the event API logs one range per batch and sets the same flag; updates and
-- deletes (closing a stop, manual fixes) always log through the row triggers.
CREATE TRIGGER oee_calculations_invalidate_insert AFTER INSERT ON factory_telemetry.oee_calculations
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('oee_calculations', 'calculation_time');
CREATE TRIGGER oee_calculations_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.oee_calculations
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('oee_calculations', 'calculation_time');
CREATE TRIGGER energy_consumption_invalidate_insert AFTER INSERT ON factory_telemetry.energy_consumption
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('energy_consumption', 'consumption_time');
CREATE TRIGGER energy_consumption_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.energy_consumption
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('energy_consumption', 'consumption_time');
CREATE TRIGGER downtime_events_invalidate_insert AFTER INSERT ON factory_telemetry.downtime_events
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('downtime_events', 'start_time');
CREATE TRIGGER downtime_events_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.downtime_events
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('downtime_events', 'start_time');
CREATE TRIGGER quality_checks_invalidate_insert AFTER INSERT ON factory_telemetry.quality_checks
    FOR EACH ROW WHEN (current_setting('factory_telemetry.invalidation_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION factory_telemetry.invalidate_from_row('quality_checks', 'check_time');
CREATE TRIGGER quality_checks_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.quality_checks
    FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('quality_checks', 'check_time');

--changeset factory-telemetry:0004-definitions-from-hourly
CREATE VIEW factory_telemetry.oee_daily_aggregate_definition AS
SELECT time_bucket(interval '1 day', bucket, '${plant_time_zone}') AS bucket,
       line_id,
       equipment_id,
       sum(calculations)      AS calculations,
       sum(planned_time_s)    AS planned_time_s,
       sum(run_time_s)        AS run_time_s,
       sum(ideal_run_time_s)  AS ideal_run_time_s,
       sum(total_count)       AS total_count,
       sum(good_count)        AS good_count,
       sum(run_time_s) / nullif(sum(planned_time_s), 0)                  AS availability,
       sum(ideal_run_time_s) / nullif(sum(run_time_s), 0)                AS performance,
       sum(good_count)::double precision / nullif(sum(total_count), 0)   AS quality,
       (sum(run_time_s) / nullif(sum(planned_time_s), 0))
           * (sum(ideal_run_time_s) / nullif(sum(run_time_s), 0))
           * (sum(good_count)::double precision / nullif(sum(total_count), 0)) AS oee
FROM factory_telemetry.oee_hourly_aggregate
GROUP BY 1, line_id, equipment_id;

CREATE VIEW factory_telemetry.metric_daily_aggregate_definition AS
SELECT time_bucket(interval '1 day', bucket, '${plant_time_zone}') AS bucket,
       metric_id,
       sum(samples)           AS samples,
       sum(real_count)        AS real_count,
       sum(real_sum)          AS real_sum,
       sum(real_sum_squares)  AS real_sum_squares,
       min(real_min)          AS real_min,
       max(real_max)          AS real_max,
       sum(real_sum) / nullif(sum(real_count), 0) AS real_avg,
       CASE WHEN sum(real_count) > 1
            THEN sqrt(greatest(0, (sum(real_sum_squares) - sum(real_sum) * sum(real_sum) / sum(real_count))
                                  / (sum(real_count) - 1)))
       END                    AS real_stddev,
       sum(int_count)         AS int_count,
       sum(int_sum)           AS int_sum,
       min(int_min)           AS int_min,
       max(int_max)           AS int_max,
       sum(bool_count)        AS bool_count,
       sum(bool_true_count)   AS bool_true_count
FROM factory_telemetry.metric_hourly_aggregate
GROUP BY 1, metric_id;

CREATE VIEW factory_telemetry.energy_daily_aggregate_definition AS
SELECT time_bucket(interval '1 day', bucket, '${plant_time_zone}') AS bucket,
       line_id,
       equipment_id,
       sum(readings)            AS readings,
       sum(energy_kwh)          AS energy_kwh,
       sum(power_sum_kw)        AS power_sum_kw,
       min(min_power_kw)        AS min_power_kw,
       max(peak_power_kw)       AS peak_power_kw,
       sum(power_sum_kw) / nullif(sum(readings), 0) AS avg_power_kw,
       sum(power_factor_count)  AS power_factor_count,
       sum(power_factor_sum)    AS power_factor_sum
FROM factory_telemetry.energy_hourly_aggregate
GROUP BY 1, line_id, equipment_id;

--changeset factory-telemetry:0004-materialize-service-hourly-based splitStatements:false labels:edition-apache
SELECT factory_telemetry.materialize_service_aggregates(2);

--changeset factory-telemetry:0004-materialize-continuous-hourly-based labels:edition-community
SELECT factory_telemetry.create_continuous_aggregate(a.aggregate_name)
FROM factory_telemetry.aggregate_policy a
WHERE a.source_name IN (SELECT aggregate_name FROM factory_telemetry.aggregate_policy)
ORDER BY a.aggregate_name;

--changeset factory-telemetry:0004-initial-refresh runInTransaction:false labels:edition-community
--comment: Materializes history that existed before the aggregates (a no-op on an empty database).
--comment: A procedure call, outside any transaction (timescaledb#2876).
CALL refresh_continuous_aggregate('factory_telemetry.oee_hourly_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.metric_hourly_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.energy_hourly_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.downtime_daily_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.quality_daily_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.oee_daily_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.metric_daily_aggregate', NULL, NULL);
CALL refresh_continuous_aggregate('factory_telemetry.energy_daily_aggregate', NULL, NULL);
