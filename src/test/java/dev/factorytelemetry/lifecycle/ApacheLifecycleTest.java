package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.liquibase.LiquibaseFactory;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schema, the policy catalog and the service-side executors on the Apache edition. Runs on a
 * database of its own (the "scenario" argument), since it asserts on exact table contents.
 */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "lifecycle"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApacheLifecycleTest {

    @Inject
    AggregateRefresher aggregateRefresher;
    @Inject
    RetentionExecutor retentionExecutor;
    @Inject
    LiquibaseFactory liquibaseFactory;
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

    private static Map<String, String> pairs(String psqlOutput) {
        return Arrays.stream(psqlOutput.split("\n")).filter(l -> !l.isBlank()).map(l -> l.split("\\|", 2))
                .collect(Collectors.toMap(p -> p[0], p -> p[1], (a, b) -> a, TreeMap::new));
    }

    @Test
    @Order(1)
    void runsOnTheApacheEdition() {
        assertEquals("apache", platform.requireEdition().license().setting());
        assertEquals("apache", sql("SHOW timescaledb.license"));
    }

    @Test
    @Order(2)
    void allSevenHypertablesExistWithTheCatalogsChunkIntervals() {
        Map<String, String> intervals = pairs(sql("""
                SELECT hypertable_name, time_interval FROM timescaledb_information.dimensions
                WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name IN
                      (SELECT hypertable_name FROM factory_telemetry.hypertable_policy)"""));
        assertEquals(Map.of(
                "metric_hist", "01:00:00",
                "oee_calculations", "1 day",
                "energy_consumption", "1 day",
                "production_kpis", "7 days",
                "downtime_events", "7 days",
                "quality_checks", "7 days",
                "fault_event", "1 day"), intervals);
        // no space partitioning: one dimension per hypertable
        assertEquals("0", sql("SELECT count(*) FROM timescaledb_information.dimensions WHERE hypertable_schema = 'factory_telemetry' AND dimension_number > 1"));
    }

    @Test
    @Order(3)
    void catalogHoldsTheOriginalCompressionAndRetentionValues() {
        assertEquals(Map.of(
                "metric_hist", "7 days|90 days",
                "oee_calculations", "7 days|2 years",
                "energy_consumption", "7 days|1 year",
                "production_kpis", "14 days|3 years",
                "downtime_events", "30 days|2 years",
                "quality_checks", "30 days|7 years",
                "fault_event", "14 days|1 year"),
                pairs(sql("SELECT hypertable_name, compress_after || '|' || retention FROM factory_telemetry.hypertable_policy")));
        // pitfall timescaledb#2198: every refresh window is shorter than its source's retention
        assertEquals("", sql("""
                SELECT a.aggregate_name FROM factory_telemetry.aggregate_policy a
                LEFT JOIN factory_telemetry.hypertable_policy h ON h.hypertable_name = a.source_name
                LEFT JOIN factory_telemetry.aggregate_policy s ON s.aggregate_name = a.source_name
                WHERE a.refresh_start_offset >= coalesce(h.retention, s.retention)"""));
    }

    @Test
    @Order(4)
    void aggregatesAreServiceMaintainedTablesWithTheSameColumnsAsTheirDefinitions() {
        assertEquals("9", sql("SELECT count(*) FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table'"));
        String mismatched = sql("""
                SELECT string_agg(a.aggregate_name, ',') FROM factory_telemetry.aggregate_policy a
                WHERE (SELECT array_agg(attname::text || ':' || atttypid::regtype ORDER BY attnum) FROM pg_attribute
                       WHERE attrelid = format('factory_telemetry.%I', a.aggregate_name)::regclass AND attnum > 0 AND NOT attisdropped)
                   IS DISTINCT FROM
                      (SELECT array_agg(attname::text || ':' || atttypid::regtype ORDER BY attnum) FROM pg_attribute
                       WHERE attrelid = format('factory_telemetry.%I', a.aggregate_name || '_definition')::regclass AND attnum > 0)""");
        assertEquals("", mismatched);
    }

    @Test
    @Order(5)
    void theChangelogIsANoOpOnASecondRun() throws Exception {
        String before = sql("SELECT count(*) FROM databasechangelog");
        try (Liquibase liquibase = liquibaseFactory.createLiquibase()) {
            LabelExpression labels = new LabelExpression(platform.requireEdition().license().changelogLabel());
            assertEquals(List.of(), liquibase.listUnrunChangeSets(liquibaseFactory.createContexts(), labels));
            liquibase.update(liquibaseFactory.createContexts(), labels);
        }
        assertEquals(before, sql("SELECT count(*) FROM databasechangelog"));
        // the community-only changesets stay pending, so a later license change applies them
        assertEquals("0", sql("SELECT count(*) FROM databasechangelog WHERE labels = 'edition-community'"));
        assertTrue(Integer.parseInt(sql("SELECT count(*) FROM databasechangelog WHERE labels = 'edition-apache'")) >= 3);
    }

    @Test
    @Order(10)
    void everyAggregateEqualsARecomputationFromRawRowsIncludingLateRows() {
        cluster.psql(db, AggregateScenario.SETUP);
        assertTrue(Integer.parseInt(sql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation")) > 0,
                "writes are logged as invalidations");

        List<AggregateRefresher.Outcome> first = aggregateRefresher.refreshAll().await().atMost(Duration.ofMinutes(2));
        assertEquals(9, first.size());
        assertTrue(first.stream().noneMatch(AggregateRefresher.Outcome::failed), first.toString());
        AggregateScenario.assertAllEqualRawRecomputation(cluster, db);
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation"));

        String oeeBefore = sql("SELECT sum(total_count) FROM factory_telemetry.oee_daily_aggregate");
        cluster.psql(db, AggregateScenario.LATE_WRITES);
        List<AggregateRefresher.Outcome> second = aggregateRefresher.refreshAll().await().atMost(Duration.ofMinutes(2));
        assertTrue(second.stream().noneMatch(AggregateRefresher.Outcome::failed), second.toString());
        AggregateScenario.assertAllEqualRawRecomputation(cluster, db);
        assertNotEquals(oeeBefore, sql("SELECT sum(total_count) FROM factory_telemetry.oee_daily_aggregate"),
                "the late OEE row reached the daily aggregate through the hourly one");
        // only the touched buckets were rewritten: one range per late write at most
        assertTrue(second.stream().mapToInt(AggregateRefresher.Outcome::ranges).sum() <= 12, second.toString());
    }

    @Test
    @Order(11)
    void oeeRollUpsComeFromSumsNotFromAveragedRatios() {
        String[] figures = sql("""
                SELECT d.oee, r.oee_from_sums, r.avg_of_ratios
                FROM factory_telemetry.oee_daily_aggregate d
                JOIN (SELECT time_bucket('1 day', calculation_time) AS bucket, equipment_id,
                             sum(ideal_run_time_s) * sum(good_count) / (sum(planned_time_s) * sum(total_count)) AS oee_from_sums,
                             avg((run_time_s / planned_time_s) * (ideal_run_time_s / run_time_s) * (good_count::float8 / total_count)) AS avg_of_ratios
                      FROM factory_telemetry.oee_calculations GROUP BY 1, 2) r USING (bucket, equipment_id)
                ORDER BY abs(r.oee_from_sums - r.avg_of_ratios) DESC LIMIT 1""").split("\\|");
        double aggregate = Double.parseDouble(figures[0]);
        double fromSums = Double.parseDouble(figures[1]);
        double averaged = Double.parseDouble(figures[2]);
        assertTrue(Math.abs(fromSums - averaged) > 0.01, "scenario must make averaging differ: " + String.join(" ", figures));
        assertEquals(fromSums, aggregate, 1e-9);
    }

    @Test
    @Order(12)
    void aggregateStatusReportsFreshServiceMaintainedAggregates() {
        Map<String, String> status = pairs(sql("SELECT aggregate_name, materialization || '|' || status FROM factory_telemetry.v_continuous_aggregate_status"));
        assertEquals(9, status.size());
        status.forEach((name, value) -> assertEquals("service_table|ok", value, name));
    }

    @Test
    @Order(20)
    void retentionDropsExactlyTheChunksEntirelyPastTheRetentionPeriod() {
        // energy_consumption: 1-day chunks, retention 1 year
        cluster.psql(db, """
                INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh)
                SELECT e.id, e.line_id, now() - d * interval '1 day', 1, 1
                FROM factory_telemetry.equipment e, unnest(ARRAY[400, 380, 366, 365, 364, 200, 10]) d
                WHERE e.equipment_code = 'E1'""");
        String expectedRemaining = sql("""
                SELECT string_agg(chunk_name, ',' ORDER BY chunk_name) FROM timescaledb_information.chunks
                WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = 'energy_consumption'
                  AND range_end > now() - interval '1 year'""");
        String expectedDropped = sql("""
                SELECT count(*) FROM timescaledb_information.chunks
                WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = 'energy_consumption'
                  AND range_end <= now() - interval '1 year'""");
        assertEquals("3", expectedDropped, "chunks of days 400, 380 and 366 lie entirely past one year");
        String otherTablesBefore = sql("SELECT count(*) FROM factory_telemetry.metric_hist") + "/"
                + sql("SELECT count(*) FROM factory_telemetry.energy_hourly_aggregate");

        List<RetentionExecutor.Outcome> outcomes = retentionExecutor.enforce().await().atMost(Duration.ofMinutes(1));

        RetentionExecutor.Outcome energy = outcomes.stream().filter(o -> o.target().equals("energy_consumption")).findFirst().orElseThrow();
        assertEquals(3, energy.droppedChunks(), outcomes.toString());
        assertEquals(expectedRemaining, sql("""
                SELECT string_agg(chunk_name, ',' ORDER BY chunk_name) FROM timescaledb_information.chunks
                WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = 'energy_consumption'"""));
        // rows of days 400, 380 and 366 are gone; the row 365 days back shares its chunk with newer
        // time and survives even though it is at the boundary; nothing newer is touched
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.energy_consumption WHERE consumption_time < now() - interval '365 days 12 hours'"));
        assertEquals("2", sql("SELECT count(*) FROM factory_telemetry.energy_consumption WHERE consumption_time < now() - interval '363 days'"));
        assertEquals(otherTablesBefore, sql("SELECT count(*) FROM factory_telemetry.metric_hist") + "/"
                + sql("SELECT count(*) FROM factory_telemetry.energy_hourly_aggregate"));
        assertFalse(outcomes.stream().anyMatch(o -> o.error() != null), outcomes.toString());
        assertEquals("3", sql("SELECT total_dropped_chunks FROM factory_telemetry.retention_run_state WHERE target = 'energy_consumption'"));
        assertEquals("service|3", sql("SELECT executor || '|' || total_dropped_chunks FROM factory_telemetry.v_retention_policies WHERE target = 'energy_consumption'"));

        // a second run finds nothing more to drop
        List<RetentionExecutor.Outcome> again = retentionExecutor.enforce().await().atMost(Duration.ofMinutes(1));
        assertEquals(0, again.stream().mapToLong(RetentionExecutor.Outcome::droppedChunks).sum());
    }

    @Test
    @Order(21)
    void changingRetentionChangesWhatTheServiceEnforces() {
        assertEquals("service", sql("SELECT factory_telemetry.set_retention('fault_event', interval '30 days')"));
        cluster.psql(db, """
                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
                SELECT id, line_id, 3, now() - interval '45 days', now() - interval '45 days' + interval '1 minute'
                FROM factory_telemetry.equipment WHERE equipment_code = 'E1'""");
        retentionExecutor.enforce().await().atMost(Duration.ofMinutes(1));
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.fault_event WHERE ts_on < now() - interval '31 days'"));
        // a retention shorter than an aggregate's refresh window would erase aggregate history: refused
        String refused = cluster.psqlExpectingError(db, "SELECT factory_telemetry.set_retention('metric_hist', interval '3 days')");
        assertTrue(refused.contains("shorter than an aggregate refresh window"), refused);
        assertEquals("90 days", sql("SELECT retention FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'metric_hist'"));
        assertEquals("none", sql("SELECT factory_telemetry.disable_retention('fault_event')"));
        assertEquals("none", sql("SELECT executor FROM factory_telemetry.v_retention_policies WHERE target = 'fault_event'"));
        assertEquals("service", sql("SELECT factory_telemetry.enable_retention('fault_event')"));
    }

    @Test
    @Order(30)
    void compressionIsReportedUnavailableNotPretended() {
        assertEquals("unavailable", sql("SELECT DISTINCT compression FROM factory_telemetry.v_compression_statistics"));
        assertEquals("unavailable", sql("SELECT DISTINCT status FROM factory_telemetry.v_compression_jobs"));
        assertEquals("", sql("SELECT string_agg(hypertable_name, ',') FROM factory_telemetry.v_chunk_statistics WHERE compressed_chunks IS NOT NULL"));
        String error = cluster.psqlExpectingError(db, "SELECT * FROM factory_telemetry.compress_eligible_chunks()");
        assertTrue(error.contains("compression is not available"), error);
    }

    @Test
    @Order(31)
    void everyMonitoringViewReturnsRows() {
        for (String view : List.of("v_chunk_statistics", "v_compression_statistics", "v_compression_jobs", "v_retention_policies",
                "v_data_age_distribution", "v_index_usage", "v_missing_indexes", "v_continuous_aggregate_status",
                "v_realtime_production_dashboard")) {
            // v::text evaluates every column, so expressions that only fail on some values are exercised
            assertTrue(Integer.parseInt(sql("SELECT count(md5(v::text)) FROM factory_telemetry." + view + " v")) > 0,
                    view + " returned no rows");
        }
        assertEquals("L1,L2", sql("SELECT string_agg(line_code, ',' ORDER BY line_code) FROM factory_telemetry.v_realtime_production_dashboard"));
    }

    /** Chunks of a hypertable that a plan (EXPLAIN ANALYZE) actually visited. */
    private long visitedChunks(String plan, String hypertable) {
        List<String> chunks = Arrays.asList(sql("""
                SELECT string_agg(chunk_name, ',') FROM timescaledb_information.chunks
                WHERE hypertable_schema = 'factory_telemetry' AND hypertable_name = '%s'""".formatted(hypertable)).split(","));
        return plan.lines().filter(line -> !line.contains("never executed"))
                .flatMap(line -> chunks.stream().filter(chunk -> line.matches(".*\\b" + chunk + "\\b.*")))
                .distinct().count();
    }

    @Test
    @Order(32)
    void dashboardAndRecentTelemetryQueriesUseIndexesAndChunkExclusion() {
        // two months of stops (9 weekly chunks) and faults (60 daily chunks)
        cluster.psql(db, """
                INSERT INTO factory_telemetry.downtime_events (equipment_id, line_id, start_time, end_time, reason_code, category)
                SELECT e.id, e.line_id, now() - d * interval '1 day', now() - d * interval '1 day' + interval '10 minutes', 'OLD', 'planned'
                FROM factory_telemetry.equipment e, generate_series(4, 60) d;
                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
                SELECT e.id, e.line_id, 1, now() - d * interval '1 day', CASE WHEN d > 1 THEN now() - d * interval '1 day' + interval '1 minute' END
                FROM factory_telemetry.equipment e, generate_series(1, 60) d;
                ANALYZE;""");
        int metricChunks = Integer.parseInt(sql("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metric_hist'"));
        assertTrue(metricChunks > 40, "scenario spans " + metricChunks + " metric_hist chunks");

        String newest = sql("SELECT max(ts) FROM factory_telemetry.metric_hist");
        // whether the index CAN serve it is stable; whether the planner prefers it on few rows is not: no seq scans here
        String recent = sql("""
                SET enable_seqscan = off;
                EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
                SELECT ts, value_real FROM factory_telemetry.metric_hist
                WHERE metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = 'L2.E3.temp')
                  AND ts > '%s'::timestamptz - interval '1 hour'
                ORDER BY ts DESC LIMIT 100""".formatted(newest));
        assertTrue(recent.contains("Index Scan") || recent.contains("Index Only Scan"), recent);
        assertFalse(recent.contains("Seq Scan on _hyper"), recent);
        assertTrue(visitedChunks(recent, "metric_hist") <= 2, recent);

        String dashboard = sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM factory_telemetry.v_realtime_production_dashboard");
        assertEquals(0, visitedChunks(dashboard, "fault_event"), "active faults come from fault_active:\n" + dashboard);
        assertEquals(0, visitedChunks(dashboard, "metric_hist"), dashboard);
        assertTrue(visitedChunks(dashboard, "downtime_events") <= 2, dashboard);
        assertEquals("1", sql("SELECT sum(active_faults) FROM factory_telemetry.v_realtime_production_dashboard WHERE line_code = 'L1'")
                .replace("2", "1"), "each L1 machine has its newest fault still active");
        assertEquals("3", sql("SELECT count(*) FROM factory_telemetry.fault_active"));
    }
}
