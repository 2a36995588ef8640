--liquibase formatted sql

-- One statement per telemetry batch (dev.factorytelemetry.ingest.TelemetryWriter): the Apache edition's invalidation
-- log entry, the switch that keeps metric_hist's per-row invalidation trigger quiet, and the insert, in one call and
-- therefore one round trip and one (implicit) transaction instead of BEGIN, log, insert, COMMIT (issue #13: four round
-- trips per batch were a fifth of the service's CPU per point and more of the database's). Value arrays a batch does
-- not use are NULL: unnest pads them with NULLs.

--changeset factory-telemetry:0018-ingest-metric-samples splitStatements:false
CREATE FUNCTION factory_telemetry.ingest_metric_samples(
    p_metric_ids      integer[],
    p_ts              timestamptz[],
    p_reals           double precision[],
    p_ints            bigint[],
    p_bools           boolean[],
    p_texts           text[],
    p_qualities       integer[],
    p_logged_from     timestamptz,
    p_logged_to       timestamptz)
    RETURNS integer
    LANGUAGE plpgsql
AS $$
DECLARE
    inserted integer;
BEGIN
    IF p_logged_from IS NOT NULL THEN
        -- the batch's time range, logged once; the per-row trigger stays quiet for this transaction
        PERFORM set_config('factory_telemetry.invalidation_logged', 'on', true);
        PERFORM factory_telemetry.log_invalidation('metric_hist', p_logged_from, p_logged_to);
    END IF;
    INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool, value_text, quality)
    SELECT u.metric_id, u.ts, u.value_real, u.value_int, u.value_bool, u.value_text, u.quality
    FROM unnest(p_metric_ids, p_ts, p_reals, p_ints, p_bools, p_texts, p_qualities)
         AS u(metric_id, ts, value_real, value_int, value_bool, value_text, quality)
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$$;
COMMENT ON FUNCTION factory_telemetry.ingest_metric_samples(integer[], timestamptz[], double precision[], bigint[], boolean[], text[], integer[], timestamptz, timestamptz)
    IS 'Inserts one telemetry batch into metric_hist (ON CONFLICT DO NOTHING) and returns the rows inserted. With p_logged_from/p_logged_to (Apache edition: the batch''s first and last ts) it first logs that range once for the service-maintained aggregates and switches the per-row trigger off for the transaction. Value arrays a batch does not use may be NULL.';
--rollback DROP FUNCTION factory_telemetry.ingest_metric_samples(integer[], timestamptz[], double precision[], bigint[], boolean[], text[], integer[], timestamptz, timestamptz);
