--liquibase formatted sql

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
