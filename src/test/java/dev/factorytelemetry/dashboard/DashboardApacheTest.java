package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard contract on the Apache edition (service-maintained aggregate tables + raw rows past their watermark),
 * and the query plans of the hot queries.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class DashboardApacheTest extends DashboardContract {

    @Test
    void n_lateRowsAreCountedBeforeTheNextRefreshAndAfterIt() {
        // the backfilled hour of yesterday is still pending in the invalidation log (seeded after the refresh)
        assertTrue(Integer.parseInt(sql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation "
                + "WHERE aggregate_name = 'oee_hourly_aggregate'")) > 0, "late rows are pending");
        d_oeeTrendHourlyPerEquipmentEqualsRaw();
        DashboardTestData.refresh(cluster(), db());
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation"));
        cache.clear();
        d_oeeTrendHourlyPerEquipmentEqualsRaw();
        e_dailyOeeIsFromSumsNotAnAverageOfRatios();
        f_metricStatisticsEqualRaw();
    }

    /** Chunks of a hypertable that appear in an EXPLAIN ANALYZE of the query. */
    private List<String> chunksIn(String plan, String hypertable) {
        List<String> all = List.of(sql("SELECT string_agg(c::text, ',') FROM show_chunks('factory_telemetry." + hypertable + "') c")
                .split(","));
        Matcher m = Pattern.compile("_hyper_\\d+_\\d+_chunk").matcher(plan);
        java.util.Set<String> seen = new java.util.TreeSet<>();
        while (m.find()) {
            String chunk = "_timescaledb_internal." + m.group();
            if (all.contains(chunk)) {
                seen.add(chunk);
            }
        }
        assertTrue(all.size() > 3, hypertable + " must have several chunks for this test, has " + all.size());
        return List.copyOf(seen);
    }

    private String explain(String sql, Object... params) {
        String text = sql;
        for (int i = params.length; i >= 1; i--) {
            text = text.replace("$" + i, params[i - 1].toString());
        }
        // Whether an index CAN serve the query is stable; whether the planner prefers it on a few hundred rows is not
        // (a seq scan of a small chunk is the right choice then): forbid seq scans for this one statement's session.
        return sql("SET enable_seqscan = off; EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + text);
    }

    @Test
    void o_hotQueriesUseIndexesAndReadOnlyTheirChunks() {
        Instant now = DatabaseTime.now();
        Instant day = now.truncatedTo(ChronoUnit.DAYS);
        String from = "'" + day.atOffset(ZoneOffset.UTC) + "'::timestamptz";
        String to = "'" + day.plus(1, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC) + "'::timestamptz";

        // dashboard OEE today: aggregate table + raw rows past the watermark (raw: today's chunk only)
        String oee = explain(WindowQuery.sql(AggregateFamily.OEE, WindowQuery.Level.HOUR, WindowQuery.Mode.WATERMARK,
                List.of("line_id"), ""), from, to, "'UTC'", "'1 hour'");
        List<String> oeeChunks = chunksIn(oee, "oee_calculations");
        assertTrue(oeeChunks.size() <= 1, "raw OEE rows of today come from today's chunk only: " + oeeChunks + "\n" + oee);
        assertTrue(oee.contains("Index"), "index scans:\n" + oee);

        // dashboard downtime and faults of today: a few recent chunks, through indexes
        String downtime = explain(ProductionDashboard.DOWNTIME_TODAY_SQL, from, to, from, to, "'7 days'");
        assertTrue(downtime.contains("Index"), downtime);
        String faults = explain(ProductionDashboard.ACTIVE_FAULTS_SQL, "'30 days'");
        assertTrue(faults.contains("fault_event_active_idx") || faults.contains("Index"), faults);

        // recent samples of a metric: the primary key scanned backwards, in the last hour's chunks only
        String metricId = sql("SELECT id FROM factory_telemetry.metric_def WHERE metric_key = 'L1.E11.temp'");
        String recent = explain(MetricQueries.RECENT_SQL, metricId,
                "'" + now.minus(1, ChronoUnit.HOURS).atOffset(ZoneOffset.UTC) + "'::timestamptz", "1000");
        List<String> recentChunks = chunksIn(recent, "metric_hist");
        assertTrue(recentChunks.size() <= 2, "last hour: at most two 1-hour chunks, got " + recentChunks + "\n" + recent);
        assertTrue(recent.contains("metric_hist_pkey"), "primary key index:\n" + recent);
        assertFalse(recent.contains("Seq Scan on _hyper"), recent);
    }
}
