package dev.factorytelemetry.manager;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.observe.PlatformMetricsCollector;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static dev.factorytelemetry.manager.PlatformManagerApacheTest.BASE;
import static dev.factorytelemetry.manager.PlatformManagerApacheTest.instant;
import static dev.factorytelemetry.manager.PlatformManagerApacheTest.metric;
import static dev.factorytelemetry.manager.PlatformManagerApacheTest.sql;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The platform manager on the Community edition: a chunk past compress_after is a compression backlog (warning)
 * while metric_hist's compression job is paused (a warning too); compressed by SQL, the info shows the bytes before
 * and after and the percentage, and the gauges the same; a native refresh job's run shows its duration and status.
 * Own database; skipped with its reason where the Community edition is missing.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "platform-manager")})
@ExtendWith(DefaultTestAuthentication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlatformManagerCommunityTest {

    private static final String METRIC_HIST = "hypertables.find { it.name == 'metric_hist' }";

    @Inject
    PlatformMetricsCollector collector;

    private static String job(String proc, String hypertable) {
        return sql("SELECT j.job_id FROM timescaledb_information.jobs j "
                + "LEFT JOIN timescaledb_information.continuous_aggregates ca ON ca.materialization_hypertable_name = j.hypertable_name "
                + "WHERE j.proc_name = '" + proc + "' AND coalesce(ca.view_name, j.hypertable_name) = '" + hypertable + "'");
    }

    @Test
    @Order(1)
    void compressionBacklogThenCompressedChunk() {
        assertEquals("timescale", sql("SHOW timescaledb.license"));
        String compressionJob = job("policy_compression", "metric_hist");
        sql("SELECT alter_job(" + compressionJob + ", scheduled => false)");
        // 20 days back: past compress_after (7 days), well within retention (90 days)
        Instant t = DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(20, ChronoUnit.DAYS).plus(10, ChronoUnit.MINUTES);
        // 20 signals x 200 s = 4,000 samples in one chunk: enough rows that the compressed chunk is clearly smaller
        // than the raw one (with a few hundred rows both are a handful of 8 KiB pages and either may be larger)
        for (int batch = 0; batch < 4; batch++) {
            StringBuilder samples = new StringBuilder();
            for (int i = batch * 1000; i < (batch + 1) * 1000; i++) {
                samples.append(i == batch * 1000 ? "" : ",").append("{\"metric\":\"manager.c.m").append(i % 20).append("\",\"ts\":\"")
                        .append(t.plusSeconds(i / 20)).append("\",\"value\":").append(i * 0.5).append('}');
            }
            given().contentType("application/json").body("{\"samples\":[" + samples + "]}")
                    .when().post("/api/v1/telemetry").then().statusCode(200);
        }

        given().get(BASE + "/health").then().statusCode(200)
                .body("hypertables", hasSize(7))
                .body("hypertables.compression", everyItem(equalTo("enabled")))
                .body("aggregates.materialization", everyItem(equalTo("continuous_aggregate")))
                .body(METRIC_HIST + ".status", equalTo("warning"))
                .body(METRIC_HIST + ".compressionBacklog", equalTo(1))
                .body(METRIC_HIST + ".reasons.check", equalTo(List.of("compression_backlog", "job_paused")))
                .body(METRIC_HIST + ".reasons[0].detail", containsString("1 chunk(s) older than compress_after (7 days)"))
                .body(METRIC_HIST + ".reasons[1].detail", containsString("compression job (timescaledb " + compressionJob + ") is paused"));
        given().get(BASE + "/hypertables/metric_hist").then().statusCode(200)
                .body("compression.state", equalTo("enabled"))
                .body("compression.enforcedBy", equalTo("timescaledb"))
                .body("compression.jobId", equalTo(Integer.parseInt(compressionJob)))
                .body("compression.jobStatus", equalTo("paused"))
                .body("compression.backlogChunks", equalTo(1))
                .body("chunks.total", equalTo(1))
                .body("chunks.compressed", equalTo(0))
                .body("retention.enforcedBy", equalTo("timescaledb"));

        sql("SELECT factory_telemetry.compress_chunk_by_name(format('%I.%I', chunk_schema, chunk_name)) "
                + "FROM timescaledb_information.chunks WHERE hypertable_name = 'metric_hist'");
        given().get(BASE + "/hypertables/metric_hist").then().statusCode(200)
                .body("chunks.compressed", equalTo(1))
                .body("compression.backlogChunks", equalTo(0))
                .body("size.beforeCompressionBytes", greaterThan(0))
                .body("size.afterCompressionBytes", greaterThan(0))
                .body("size.compressionPercent", allOf(greaterThan(0f), lessThan(100f)));
        // bytes before compression are recorded when the chunk is compressed; the compressed chunk's size may still
        // change a little afterwards (background vacuum), so "after" is checked for consistency, not equality
        long before = Long.parseLong(sql("SELECT before_compression_total_bytes FROM hypertable_compression_stats('factory_telemetry.metric_hist')"));
        io.restassured.path.json.JsonPath info = given().get(BASE + "/hypertables/metric_hist").then().statusCode(200).extract().jsonPath();
        long after = info.getLong("size.afterCompressionBytes");
        assertEquals(before, info.getLong("size.beforeCompressionBytes"));
        assertTrue(after > 0 && after < before, "after " + after + " < before " + before);
        assertEquals(Math.round(1000.0 * (before - after) / before) / 10.0, info.getDouble("size.compressionPercent"), 1e-9);
        System.out.printf("metric_hist, 4,000 samples in one chunk: %d bytes before compression, %d after, %s%% saved%n",
                before, after, info.getString("size.compressionPercent"));
        // the oldest and newest rows, read from the compressed chunk
        assertEquals(t, instant(BASE + "/hypertables/metric_hist", "data.oldest"));
        assertEquals(t.plusSeconds(199), instant(BASE + "/hypertables/metric_hist", "data.newest"));
        given().get(BASE + "/health").then().statusCode(200)
                .body(METRIC_HIST + ".compressionBacklog", equalTo(0))
                .body(METRIC_HIST + ".reasons.check", equalTo(List.of("job_paused")));

        // the gauges say what hypertable_compression_stats says at the collector's tick; on a chunk this small the
        // recorded sizes move by whole pages under background vacuum (65536 -> 32768 seen between two reads), and the
        // compressed chunk may even be larger than the raw one, so the gauges are compared with the catalog at the
        // same moment rather than with each other or with the answer above
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            collector.collect().await().atMost(Duration.ofSeconds(60));
            String[] stats = sql("SELECT before_compression_total_bytes || ' ' || after_compression_total_bytes "
                    + "FROM hypertable_compression_stats('factory_telemetry.metric_hist')").split(" ");
            double beforeGauge = metric("factory_telemetry_hypertable_compression_before_bytes", "hypertable=\"metric_hist\"");
            double afterGauge = metric("factory_telemetry_hypertable_compression_after_bytes", "hypertable=\"metric_hist\"");
            assertEquals(Double.parseDouble(stats[0]), beforeGauge, "before-compression gauge");
            assertEquals(Double.parseDouble(stats[1]), afterGauge, "after-compression gauge");
            assertEquals(beforeGauge / afterGauge, metric("factory_telemetry_hypertable_compression_ratio", "hypertable=\"metric_hist\""), 0.006);
        });
        assertEquals(1.0, metric("factory_telemetry_hypertable_compressed_chunks", "hypertable=\"metric_hist\""));
        assertEquals(0.0, metric("factory_telemetry_compression_backlog_chunks", "hypertable=\"metric_hist\""));
        assertEquals(1.0, metric("factory_telemetry_hypertable_health", "hypertable=\"metric_hist\""));
        assertEquals(Duration.between(t, DatabaseTime.now()).toSeconds(),
                metric("factory_telemetry_hypertable_oldest_data_age_seconds", "hypertable=\"metric_hist\""), 300);

        sql("SELECT alter_job(" + compressionJob + ", scheduled => true)");
        given().get(BASE + "/health").then().statusCode(200)
                .body(METRIC_HIST + ".status", equalTo("healthy"));
    }

    @Test
    @Order(2)
    void nativeRefreshJobRunsShowInTheGauges() {
        String refreshJob = job("policy_refresh_continuous_aggregate", "metric_hourly_aggregate");
        String runs = sql("SELECT coalesce(total_runs, 0) FROM timescaledb_information.job_stats WHERE job_id = " + refreshJob);
        sql("SELECT alter_job(" + refreshJob + ", next_start => now())");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() ->
                !runs.equals(sql("SELECT coalesce(total_runs, 0) FROM timescaledb_information.job_stats WHERE job_id = " + refreshJob))
                        && "Success".equals(sql("SELECT last_run_status FROM timescaledb_information.job_stats WHERE job_id = " + refreshJob)));
        collector.collect().await().atMost(Duration.ofSeconds(60));
        String labels = "target=\"metric_hourly_aggregate\"";
        double took = metric("factory_telemetry_aggregate_last_refresh_duration_seconds", "aggregate=\"metric_hourly_aggregate\"");
        assertTrue(took >= 0 && took < 60, "refresh duration " + took);
        assertEquals(took, metric("factory_telemetry_lifecycle_job_last_duration_seconds", "kind=\"refresh\"", labels));
        assertEquals(1.0, metric("factory_telemetry_lifecycle_job_last_run_success", "executor=\"timescaledb\"", "kind=\"refresh\"", labels));
        assertEquals(0.0, metric("factory_telemetry_lifecycle_job_consecutive_failures", "executor=\"timescaledb\"", "kind=\"refresh\"", labels));
        given().get(BASE + "/health").then().statusCode(200)
                .body("aggregates.find { it.name == 'metric_hourly_aggregate' }.status", equalTo("healthy"))
                .body("aggregates.find { it.name == 'metric_hourly_aggregate' }.stalenessSeconds", lessThan(120f));
    }
}
