--liquibase formatted sql

-- Two changesets for issue #13: metric_hist compression settings (Community edition) and the cost of the freshness
-- query every aggregate-based dashboard answer runs (both editions).

-- metric_hist compression tuned on the plant simulator's telemetry (bench/compression/simulator.sh).
-- With segment-by metric_id and 1-hour chunks, a signal sampled every minute puts only 60 rows into each compressed
-- batch (a 5-minute signal 12): the per-batch overhead (row header, min/max metadata, the headers of the timestamp
-- and quality arrays, about 170 bytes) is then a quarter of the compressed size, and one simulated day reached 88 %
-- (8.6x). Without a segment-by column and ordered by (metric_id, ts DESC), every batch holds 1,000 rows (one signal's
-- run of samples after the other), and the same day reaches >= 90 %; at 1 Hz a 1-hour chunk holds 3,600 samples per
-- signal, so batches stay one signal each and nothing changes. Reads of one signal keep finding their batches through
-- the compressed chunks' index on the min/max of metric_id and ts (orderby metadata). Cost: a late write into a
-- compressed chunk decompresses 1,000-row batches of ~17 signals instead of one signal's 60 rows (bench figures in
-- bench/compression/README.md).
--
-- TimescaleDB 2.19 keeps compression settings per chunk (timescaledb_information.chunk_compression_settings): on a
-- database that already has compressed chunks this ALTER is allowed, the compressed chunks keep their old settings
-- (queries, inserts and segment-wise recompression of those chunks use them), and only chunks compressed from now on
-- use the new ones. To convert an old chunk: SELECT compress_chunk(c, recompress => true) (decompresses and
-- compresses it with the hypertable's settings). No data is rewritten by this changeset.

--changeset factory-telemetry:0016-metric-hist-compression splitStatements:false labels:edition-community
UPDATE factory_telemetry.hypertable_policy
SET compress_segment_by = NULL, compress_order_by = 'metric_id, ts DESC', updated_at = now()
WHERE hypertable_name = 'metric_hist';
ALTER TABLE factory_telemetry.metric_hist SET (timescaledb.compress_segmentby = '', timescaledb.compress_orderby = 'metric_id, ts DESC');

--changeset factory-telemetry:0016-backlog-horizon-once splitStatements:false
-- Dashboard freshness (PlantContext.PENDING_SQL) calls aggregate_backlog on every aggregate-based answer. The planner
-- inlined its agg CTE and evaluated aggregate_refresh_horizon() once per invalidation-log entry (twice), so on the
-- Apache edition, whose log holds one entry per ingest batch until the next refresh, each answer paid ~0.3 ms per
-- logged batch (1,000 entries: 300 ms -> 25-70 ms with this change; bench/speedups/README.md). MATERIALIZED computes
-- the horizon once per aggregate, as the comment always said. Same result.
CREATE OR REPLACE FUNCTION factory_telemetry.aggregate_backlog(p_aggregate text DEFAULT NULL)
    RETURNS TABLE (aggregate_name text, bucket_from timestamptz, bucket_to timestamptz, log_entries bigint)
    LANGUAGE sql STABLE
AS $$
    WITH agg AS MATERIALIZED (
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
