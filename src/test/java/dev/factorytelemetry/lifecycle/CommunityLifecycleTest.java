package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same catalog enforced natively on the Community edition. Runs where the TimescaleDB TSL module
 * is installed; elsewhere every test is skipped with the reason. Has a database of its own (the
 * "scenario" argument), since it asserts on exact table contents.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "lifecycle")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommunityLifecycleTest {

    private static final List<String> AGGREGATES_IN_ORDER = List.of("oee_hourly_aggregate", "metric_hourly_aggregate",
            "metric_minute_aggregate", "energy_hourly_aggregate", "downtime_daily_aggregate", "quality_daily_aggregate", "oee_daily_aggregate",
            "metric_daily_aggregate", "energy_daily_aggregate");

    /** Queries whose results must not change when chunks are compressed. */
    private static final List<String> RESULT_QUERIES = List.of(
            "SELECT md5(string_agg(metric_id || ':' || ts || ':' || coalesce(value_real::text, value_int::text, value_bool::text), ',' ORDER BY metric_id, ts)) FROM factory_telemetry.metric_hist",
            "SELECT md5(string_agg(equipment_id || ':' || calculation_time || ':' || planned_time_s || ':' || good_count, ',' ORDER BY equipment_id, calculation_time)) FROM factory_telemetry.oee_calculations",
            "SELECT md5(string_agg(equipment_id || ':' || consumption_time || ':' || energy_consumption_kwh, ',' ORDER BY equipment_id, consumption_time)) FROM factory_telemetry.energy_consumption",
            "SELECT md5(string_agg(event_id || ':' || start_time || ':' || coalesce(end_time::text, '-'), ',' ORDER BY event_id)) FROM factory_telemetry.downtime_events",
            "SELECT metric_id || ':' || count(*) || ':' || round(avg(value_real)::numeric, 6) FROM factory_telemetry.metric_hist WHERE ts > now() - interval '2 days 6 hours' GROUP BY metric_id ORDER BY metric_id");

    @Inject
    PlatformState platform;

    LocalTimescale cluster;
    String db;

    @BeforeEach
    void cluster() {
        cluster = TimescaleTestResource.currentCluster;
        db = TimescaleTestResource.currentDatabase;
    }

    private String sql(String query) {
        return cluster.psql(db, query).trim();
    }

    private void refreshAll() {
        for (String aggregate : AGGREGATES_IN_ORDER) {
            cluster.psql(db, "CALL refresh_continuous_aggregate('factory_telemetry." + aggregate + "', NULL, NULL)");
        }
    }

    @Test
    @Order(1)
    void runsOnTheCommunityEdition() {
        assertEquals("timescale", platform.requireEdition().license().setting());
        assertEquals("timescale", sql("SHOW timescaledb.license"));
    }

    @Test
    @Order(2)
    void nativeCompressionSettingsAndPoliciesFollowTheCatalog() {
        assertEquals("", sql("""
                SELECT string_agg(p.hypertable_name, ',')
                FROM factory_telemetry.hypertable_policy p
                LEFT JOIN (SELECT hypertable_name,
                                  string_agg(attname, ', ' ORDER BY segmentby_column_index) FILTER (WHERE segmentby_column_index IS NOT NULL) AS segment_by,
                                  string_agg(attname || CASE WHEN orderby_asc THEN '' ELSE ' DESC' END, ', ' ORDER BY orderby_column_index)
                                      FILTER (WHERE orderby_column_index IS NOT NULL) AS order_by
                           FROM timescaledb_information.compression_settings
                           WHERE hypertable_schema = 'factory_telemetry' GROUP BY hypertable_name) s USING (hypertable_name)
                LEFT JOIN timescaledb_information.jobs j
                       ON j.proc_name = 'policy_compression' AND j.hypertable_name = p.hypertable_name
                WHERE s.segment_by IS DISTINCT FROM p.compress_segment_by
                   OR s.order_by IS DISTINCT FROM p.compress_order_by
                   OR (j.config ->> 'compress_after')::interval IS DISTINCT FROM p.compress_after
                   OR j.schedule_interval IS DISTINCT FROM p.compress_schedule"""));
        // every catalog table shows its native job (its run status depends on the server's job runner)
        assertEquals("7", sql("SELECT count(*) FROM factory_telemetry.v_compression_jobs WHERE job_id IS NOT NULL AND status IN ('ok', 'failing', 'paused')"));
    }

    @Test
    @Order(3)
    void nativeRetentionPoliciesFollowTheCatalog() {
        assertEquals("", sql("""
                SELECT string_agg(p.hypertable_name, ',')
                FROM factory_telemetry.hypertable_policy p
                LEFT JOIN timescaledb_information.jobs j ON j.proc_name = 'policy_retention' AND j.hypertable_name = p.hypertable_name
                WHERE (j.config ->> 'drop_after')::interval IS DISTINCT FROM CASE WHEN NOT p.archive_enabled THEN p.retention END"""));
        assertEquals("timescaledb", sql("SELECT DISTINCT executor FROM factory_telemetry.v_retention_policies WHERE NOT archived"));
        // archived tables: the service archives each chunk, then drops it (dev.factorytelemetry.archive)
        assertEquals("service", sql("SELECT DISTINCT executor FROM factory_telemetry.v_retention_policies WHERE archived"));
        // one step: the catalog and the native job change together
        assertEquals("timescaledb", sql("SELECT factory_telemetry.set_retention('fault_event', interval '400 days')"));
        assertEquals("400 days", sql("""
                SELECT j.config ->> 'drop_after' FROM timescaledb_information.jobs j
                WHERE j.proc_name = 'policy_retention' AND j.hypertable_name = 'fault_event'"""));
    }

    @Test
    @Order(4)
    void continuousAggregatesHaveTheCatalogsRefreshPolicies() {
        assertEquals("9", sql("SELECT count(*) FROM factory_telemetry.aggregate_policy WHERE materialization = 'continuous_aggregate'"));
        assertEquals("", sql("""
                SELECT string_agg(a.aggregate_name, ',')
                FROM factory_telemetry.aggregate_policy a
                LEFT JOIN timescaledb_information.continuous_aggregates ca
                       ON ca.view_schema = 'factory_telemetry' AND ca.view_name = a.aggregate_name
                LEFT JOIN timescaledb_information.jobs j
                       ON j.proc_name = 'policy_refresh_continuous_aggregate' AND j.hypertable_name = ca.materialization_hypertable_name
                WHERE ca.view_name IS NULL OR ca.materialized_only <> a.materialized_only
                   OR (j.config ->> 'start_offset')::interval IS DISTINCT FROM a.refresh_start_offset
                   OR (j.config ->> 'end_offset')::interval IS DISTINCT FROM a.refresh_end_offset
                   OR j.schedule_interval IS DISTINCT FROM a.refresh_schedule"""));
    }

    @Test
    @Order(10)
    void aggregatesEqualRawRecomputationIncludingLateRows() {
        cluster.psql(db, AggregateScenario.SETUP);
        refreshAll();
        AggregateScenario.assertAllEqualRawRecomputation(cluster, db);
        cluster.psql(db, AggregateScenario.LATE_WRITES);
        refreshAll();
        AggregateScenario.assertAllEqualRawRecomputation(cluster, db);
    }

    @Test
    @Order(11)
    void compressingChunksLeavesQueryResultsIdentical() {
        List<String> before = RESULT_QUERIES.stream().map(this::sql).toList();
        String compressed = sql("""
                SELECT count(compress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass, if_not_compressed => true))
                FROM timescaledb_information.chunks
                WHERE hypertable_schema = 'factory_telemetry' AND NOT is_compressed""");
        assertTrue(Integer.parseInt(compressed) >= 4, "compressed " + compressed + " chunks");
        assertEquals(before, RESULT_QUERIES.stream().map(this::sql).toList());
        // the aggregates stay equal to the raw recomputation over compressed chunks too
        refreshAll();
        AggregateScenario.assertAllEqualRawRecomputation(cluster, db);
        assertTrue(Integer.parseInt(sql("SELECT sum(compressed_chunks) FROM factory_telemetry.v_compression_statistics")) >= 4);
        // a retried delivery into a compressed chunk is still a no-op (ON CONFLICT on compressed data)
        String rows = sql("SELECT count(*) FROM factory_telemetry.metric_hist");
        cluster.psql(db, """
                INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real)
                SELECT metric_id, ts, 0 FROM factory_telemetry.metric_hist ORDER BY ts LIMIT 100
                ON CONFLICT DO NOTHING""");
        assertEquals(rows, sql("SELECT count(*) FROM factory_telemetry.metric_hist"));
    }

    @Test
    @Order(12)
    void singleChunkManagementFunctionsWork() {
        String chunk = sql("""
                SELECT chunk_name FROM timescaledb_information.chunks
                WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = 'metric_hist' AND is_compressed
                ORDER BY range_start LIMIT 1""");
        assertEquals("t", sql("SELECT factory_telemetry.decompress_chunk_by_name('" + chunk + "')"));
        assertEquals("f", sql("SELECT factory_telemetry.decompress_chunk_by_name('" + chunk + "')"));
        assertEquals("t", sql("SELECT factory_telemetry.compress_chunk_by_name('" + chunk + "')"));
        String unknown = cluster.psqlExpectingError(db, "SELECT factory_telemetry.compress_chunk_by_name('no_such_chunk')");
        assertTrue(unknown.contains("no chunk \"no_such_chunk\""), unknown);
    }

    @Test
    @Order(13)
    void statusViewsShowNativeJobs() {
        assertEquals("9", sql("SELECT count(*) FROM factory_telemetry.v_continuous_aggregate_status WHERE materialization = 'continuous_aggregate' AND refresh_job_id IS NOT NULL"));
        assertEquals("enabled", sql("SELECT DISTINCT compression FROM factory_telemetry.v_compression_statistics"));
        // a job that ran and failed reports last_successful_finish = -infinity: the views must cope
        cluster.psql(db, """
                UPDATE _timescaledb_internal.bgw_job_stat SET last_successful_finish = '-infinity'
                WHERE job_id = (SELECT min(job_id) FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate')""");
        for (String view : List.of("v_chunk_statistics", "v_compression_statistics", "v_compression_jobs", "v_retention_policies",
                "v_data_age_distribution", "v_index_usage", "v_missing_indexes", "v_continuous_aggregate_status",
                "v_realtime_production_dashboard")) {
            assertTrue(Integer.parseInt(sql("SELECT count(md5(v::text)) FROM factory_telemetry." + view + " v")) > 0, view);
        }
    }
    /**
     * Changeset 0016 changes metric_hist's compression settings; it must be safe on a database that already has
     * chunks compressed with the earlier settings (segment by metric_id, order by ts DESC). Played on a scratch
     * hypertable shaped like metric_hist (no policies on it, fixed data dates), with the changeset's own ALTER
     * statement: allowed, the compressed chunk keeps its settings and its data, late writes into it still work, chunks
     * compressed afterwards get the new settings, and recompress converts an old chunk without changing its data.
     */
    @Test
    @Order(14)
    void metricCompressionSettingsChangeIsSafeWithCompressedChunks() throws Exception {
        String alter;
        try (var in = getClass().getClassLoader().getResourceAsStream("db/changelog/0016-compression-and-freshness.sql")) {
            alter = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("ALTER TABLE factory_telemetry.metric_hist SET")).findFirst().orElseThrow();
        }
        cluster.psql(db, """
                CREATE TABLE factory_telemetry.settings_change_probe (LIKE factory_telemetry.metric_hist INCLUDING ALL);
                SELECT create_hypertable('factory_telemetry.settings_change_probe', by_range('ts', interval '1 hour'));
                ALTER TABLE factory_telemetry.settings_change_probe SET (timescaledb.compress,
                    timescaledb.compress_segmentby = 'metric_id', timescaledb.compress_orderby = 'ts DESC');
                INSERT INTO factory_telemetry.settings_change_probe (metric_id, ts, value_real, quality)
                SELECT m, timestamptz '2026-03-02 10:00+00' + make_interval(mins => t), m * 100 + t * 0.25, 192
                FROM generate_series(1, 40) m, generate_series(0, 119) t;""");
        String checksum = "SELECT count(*) || ':' || sum(value_real) || ':' || sum(metric_id) FROM factory_telemetry.settings_change_probe";
        String data = sql(checksum);
        assertEquals("4800:", data.substring(0, 5));
        String oldChunk = sql("""
                SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
                WHERE hypertable_name = 'settings_change_probe' ORDER BY range_start LIMIT 1""");
        String newChunk = sql("""
                SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
                WHERE hypertable_name = 'settings_change_probe' ORDER BY range_start DESC LIMIT 1""");
        sql("SELECT compress_chunk('" + oldChunk + "')");
        String settingsOf = "SELECT coalesce(segmentby, '-') || '|' || orderby FROM timescaledb_information.chunk_compression_settings WHERE chunk = '%s'::regclass";

        cluster.psql(db, alter.replace("factory_telemetry.metric_hist", "factory_telemetry.settings_change_probe"));

        assertEquals("metric_id|ts DESC", sql(settingsOf.formatted(oldChunk)));
        assertEquals(data, sql(checksum));
        // a replayed sample into the old compressed chunk is a no-op, a late one is stored
        cluster.psql(db, """
                INSERT INTO factory_telemetry.settings_change_probe (metric_id, ts, value_real, quality)
                VALUES (7, '2026-03-02 10:30+00', -1, 192), (7, '2026-03-02 10:30:30+00', 0.5, 192)
                ON CONFLICT DO NOTHING""");
        assertEquals("4801", sql("SELECT count(*) FROM factory_telemetry.settings_change_probe"));
        assertEquals("707.5,0.5", sql("""
                SELECT string_agg(value_real::text, ',' ORDER BY ts) FROM factory_telemetry.settings_change_probe
                WHERE metric_id = 7 AND ts IN ('2026-03-02 10:30+00', '2026-03-02 10:30:30+00')"""));
        String withLate = sql(checksum);
        // chunks compressed from now on use the new settings; recompress converts the old one, data unchanged
        sql("SELECT compress_chunk('" + newChunk + "')");
        assertEquals("-|metric_id,ts DESC", sql(settingsOf.formatted(newChunk)));
        sql("SELECT compress_chunk('" + oldChunk + "', recompress => true)");
        assertEquals("-|metric_id,ts DESC", sql(settingsOf.formatted(oldChunk)));
        assertEquals(withLate, sql(checksum));
        assertEquals("120", sql("SELECT count(*) FROM factory_telemetry.settings_change_probe WHERE metric_id = 3 AND value_real >= 300"));
        cluster.psql(db, "DROP TABLE factory_telemetry.settings_change_probe");
    }
}
