package dev.factorytelemetry.manager;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.observe.PlatformMetricsCollector;
import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The platform manager on the Apache edition: every endpoint, its scope, unknown names, and health turning warning
 * and critical as the conditions are created (too many chunks, a chunk past retention, a failing retention job, stale
 * aggregates), with the gauges of /q/metrics saying the same. Own database and a profile with small thresholds
 * (chunk count, long-running query).
 */
@QuarkusTest
@TestProfile(PlatformManagerApacheTest.SmallThresholds.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "platform-manager"))
@ExtendWith(DefaultTestAuthentication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlatformManagerApacheTest {

    public static class SmallThresholds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.manager.health.chunk-count-warning", "20",
                    "telemetry.manager.health.chunk-count-critical", "1000",
                    "telemetry.manager.performance.long-running-query", "2s");
        }
    }

    static final String BASE = "/api/v1/admin/platform";
    static final List<String> ENDPOINTS = List.of(BASE + "/health", BASE + "/hypertables", BASE + "/hypertables/metric_hist",
            BASE + "/performance");

    @Inject
    PlatformMetricsCollector collector;

    static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    /** 50 samples of 5 metrics in the hour two hours back (relative to the database clock, far from any retention bound). */
    static Instant ingestRecent() {
        Instant t = DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS).plusSeconds(60);
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            samples.append(i == 0 ? "" : ",").append("{\"metric\":\"manager.test.m").append(i % 5).append("\",\"ts\":\"")
                    .append(t.plusSeconds(i)).append("\",\"value\":").append(i).append('}');
        }
        given().contentType("application/json").body("{\"samples\":[" + samples + "]}")
                .when().post("/api/v1/telemetry").then().statusCode(200);
        return t;
    }

    /** The value of the first series of that name whose labels contain all the given name="value" pairs. */
    static Double metric(String name, String... labels) {
        String text = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return text.lines().filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
                .filter(l -> List.of(labels).stream().allMatch(l::contains))
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(null);
    }

    static Instant instant(String path, String field) {
        String value = given().get(path).then().statusCode(200).extract().path(field);
        return java.time.OffsetDateTime.parse(value).toInstant();
    }

    private static Instant first;

    @Test
    @Order(1)
    void adminScopeOnly() {
        String read = TestKeys.bearer(Scope.READ);
        for (String path : ENDPOINTS) {
            given().header("Authorization", "").when().get(path).then().statusCode(401);
            given().header("Authorization", read).when().get(path).then().statusCode(403)
                    .contentType("application/problem+json");
        }
    }

    @Test
    @Order(2)
    void allHealthyAfterIngestAndRefresh() {
        first = ingestRecent();
        given().post("/api/v1/admin/lifecycle/aggregates/refresh").then().statusCode(200);
        given().get(BASE + "/health").then().statusCode(200)
                .body("status", equalTo("healthy"))
                .body("counts.healthy", equalTo(16))
                .body("counts.warning", equalTo(0))
                .body("counts.critical", equalTo(0))
                .body("hypertables", hasSize(7))
                .body("aggregates", hasSize(9))
                .body("hypertables.compression", everyItem(equalTo("not available on this edition")))
                .body("hypertables.compressionBacklog", everyItem(nullValue()))
                .body("aggregates.materialization", everyItem(equalTo("service_table")))
                .body("hypertables.reasons.flatten()", hasSize(0))
                .body("aggregates.reasons.flatten()", hasSize(0));
    }

    @Test
    @Order(3)
    void hypertableInfo() {
        sql("ANALYZE factory_telemetry.metric_hist");
        given().get(BASE + "/hypertables").then().statusCode(200)
                .body("name", equalTo(List.of("downtime_events", "energy_consumption", "fault_event", "metric_hist", "oee_calculations",
                        "production_kpis", "quality_checks")));
        given().get(BASE + "/hypertables/metric_hist").then().statusCode(200)
                .body("name", equalTo("metric_hist"))
                .body("status", equalTo("healthy"))
                .body("chunks.total", equalTo(1))
                .body("chunks.compressed", nullValue())
                .body("chunks.interval", equalTo("01:00:00"))
                .body("data.timeColumn", equalTo("ts"))
                .body("data.rowsEstimate", equalTo(50))
                .body("size.totalBytes", greaterThan(0))
                .body("size.indexBytes", greaterThan(0))
                .body("size.beforeCompressionBytes", nullValue())
                .body("size.compressionPercent", nullValue())
                .body("compression.state", equalTo("not available on this edition"))
                .body("compression.enforcedBy", equalTo("not available on this edition"))
                .body("compression.compressAfter", equalTo("7 days"))
                .body("compression.segmentBy", equalTo("metric_id"))
                .body("retention.period", equalTo("90 days"))
                .body("retention.enabled", equalTo(true))
                .body("retention.enforcedBy", equalTo("service"))
                .body("retention.expiredChunks", equalTo(0));
        assertEquals(first, instant(BASE + "/hypertables/metric_hist", "data.oldest"));
        assertEquals(first.plusSeconds(49), instant(BASE + "/hypertables/metric_hist", "data.newest"));
        // names are compared with the catalog: an aggregate table (a hypertable on this edition), a typo, SQL → 404
        for (String name : List.of("oee_hourly_aggregate", "metric_hist_x", "metric_hist' OR '1'='1", "pg_class")) {
            given().get(BASE + "/hypertables/{name}", name).then().statusCode(404)
                    .contentType("application/problem+json")
                    .body("detail", containsString("is not a hypertable of the policy catalog"));
        }
    }

    @Test
    @Order(4)
    void performanceFigures() throws Exception {
        given().get(BASE + "/performance").then().statusCode(200)
                .body("database", equalTo(TimescaleTestResource.currentDatabase))
                .body("cacheHitRatio", allOf(greaterThan(0f), lessThanOrEqualTo(1f)))
                .body("transactions.committed", greaterThan(0))
                .body("connections.active", greaterThanOrEqualTo(1))
                .body("maxConnections", greaterThan(0))
                .body("databaseBytes", greaterThan(1_000_000))
                .body("deadlocks", equalTo(0))
                .body("tempFiles.files", greaterThanOrEqualTo(0))
                .body("largestTables", hasSize(10))
                .body("largestTables.kind", hasItem("service-maintained aggregate"))
                .body("longRunningThresholdSeconds", equalTo(2.0f))
                .body("slowestStatements.available", equalTo(false))
                .body("slowestStatements.reason", containsString("not installed"));
        List<Integer> sizes = given().get(BASE + "/performance").then().extract().path("largestTables.totalBytes");
        for (int i = 1; i < sizes.size(); i++) {
            assertTrue(sizes.get(i - 1) >= sizes.get(i), "largest first: " + sizes);
        }

        // a query of the service's role running longer than the threshold (2 s in this profile) is listed
        LocalTimescale cluster = TimescaleTestResource.currentCluster;
        try (Connection connection = DriverManager.getConnection(cluster.jdbcUrl(TimescaleTestResource.currentDatabase),
                LocalTimescale.USER, LocalTimescale.PASSWORD); Statement sleeper = connection.createStatement()) {
            CompletableFuture<Void> sleeping = CompletableFuture.runAsync(() -> {
                try {
                    sleeper.execute("SELECT pg_sleep(60) /* manager-test-sleeper */");
                } catch (java.sql.SQLException cancelled) {
                    // cancelled below
                }
            });
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    given().get(BASE + "/performance").then().statusCode(200)
                            .body("longRunningQueries.find { it.query.contains('manager-test-sleeper') }.runningSeconds", greaterThan(2.0f))
                            .body("longRunningQueries.find { it.query.contains('manager-test-sleeper') }.state", equalTo("active"))
                            .body("longRunningQueries.find { it.query.contains('manager-test-sleeper') }.user", equalTo(LocalTimescale.USER)));
            sleeper.cancel();
            sleeping.get();
        }

        // installed but not loaded (this cluster does not preload it): said so, with what to do
        sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        given().get(BASE + "/performance").then().statusCode(200)
                .body("slowestStatements.available", equalTo(false))
                .body("slowestStatements.reason", containsString("shared_preload_libraries"));
    }

    @Test
    @Order(5)
    void healthTurnsWarningAndCritical() {
        // 25 hourly chunks of metric_hist (warning above 20 in this profile), all within retention
        Instant base = DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.DAYS);
        sql("INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real) "
                + "SELECT (SELECT min(id) FROM factory_telemetry.metric_def), '" + base + "'::timestamptz + h * interval '1 hour', h "
                + "FROM generate_series(0, 24) h");
        // a fault of 2024-01-10: past fault_event's one-year retention, which the service enforces on this edition
        sql("""
                INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('PM1', 'Manager line');
                INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id)
                SELECT 'PM1.press', 'Press', id FROM factory_telemetry.production_lines WHERE line_code = 'PM1';
                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
                SELECT id, line_id, 1, '2024-01-10', '2024-01-10 00:01' FROM factory_telemetry.equipment WHERE equipment_code = 'PM1.press';
                """);
        // a view pinning the expired chunk makes the retention run fail (twice)
        String chunk = sql("SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
                + "WHERE hypertable_name = 'fault_event' AND range_end <= '2024-02-01'");
        sql("CREATE VIEW public.pinned_manager_chunk AS SELECT * FROM " + chunk);
        for (int i = 0; i < 2; i++) {
            given().post("/api/v1/admin/lifecycle/retention/enforce").then().statusCode(200)
                    .body("find { it.target == 'fault_event' }.error", containsString("depend"));
        }
        // aggregates: refreshed, then one an hour old (12 schedules of 5 min: critical) and one 15 minutes old (3: warning)
        given().post("/api/v1/admin/lifecycle/aggregates/refresh").then().statusCode(200);
        sql("UPDATE factory_telemetry.aggregate_refresh_state SET last_success_at = now() - interval '1 hour' "
                + "WHERE aggregate_name = 'oee_hourly_aggregate'");
        sql("UPDATE factory_telemetry.aggregate_refresh_state SET last_success_at = now() - interval '15 minutes' "
                + "WHERE aggregate_name = 'energy_hourly_aggregate'");

        String faults = "hypertables.find { it.name == 'fault_event' }";
        String metrics = "hypertables.find { it.name == 'metric_hist' }";
        String oee = "aggregates.find { it.name == 'oee_hourly_aggregate' }";
        String energy = "aggregates.find { it.name == 'energy_hourly_aggregate' }";
        given().get(BASE + "/health").then().statusCode(200)
                .body("status", equalTo("critical"))
                .body("counts.healthy", equalTo(12))
                .body("counts.warning", equalTo(2))
                .body("counts.critical", equalTo(2))
                .body(faults + ".status", equalTo("critical"))
                .body(faults + ".expiredChunks", equalTo(1))
                .body(faults + ".reasons.check", equalTo(List.of("retention_overdue", "job_failing")))
                .body(faults + ".reasons.find { it.check == 'retention_overdue' }.severity", equalTo("critical"))
                .body(faults + ".reasons.find { it.check == 'job_failing' }.severity", equalTo("critical"))
                .body(faults + ".reasons.find { it.check == 'job_failing' }.detail",
                        allOf(containsString("retention job (service) failed 2 time(s) in a row"), containsString("last success never"),
                                containsString("depend")))
                .body(metrics + ".status", equalTo("warning"))
                .body(metrics + ".chunks", equalTo(26))
                .body(metrics + ".reasons.check", equalTo(List.of("chunk_count")))
                .body(metrics + ".reasons[0].detail", containsString("26 chunks (warning above 20"))
                .body(oee + ".status", equalTo("critical"))
                .body(oee + ".reasons.check", equalTo(List.of("aggregate_stale")))
                .body(oee + ".stalenessSeconds", greaterThan(3600f))
                .body(energy + ".status", equalTo("warning"))
                .body(energy + ".reasons[0].severity", equalTo("warning"));
        given().get(BASE + "/hypertables/fault_event").then().statusCode(200)
                .body("status", equalTo("critical"))
                .body("retention.expiredChunks", equalTo(1))
                .body("retention.jobStatus", equalTo("failing"))
                .body("retention.lastError", containsString("depend"));
        assertEquals(Instant.parse("2024-01-10T00:00:00Z"), instant(BASE + "/hypertables/fault_event", "data.oldest"));

        // the gauges say the same
        collector.collect().await().atMost(Duration.ofSeconds(60));
        assertEquals(2.0, metric("factory_telemetry_hypertable_health", "hypertable=\"fault_event\""));
        assertEquals(1.0, metric("factory_telemetry_hypertable_health", "hypertable=\"metric_hist\""));
        assertEquals(0.0, metric("factory_telemetry_hypertable_health", "hypertable=\"quality_checks\""));
        assertEquals(2.0, metric("factory_telemetry_aggregate_health", "aggregate=\"oee_hourly_aggregate\""));
        assertEquals(1.0, metric("factory_telemetry_aggregate_health", "aggregate=\"energy_hourly_aggregate\""));
        assertEquals(26.0, metric("factory_telemetry_hypertable_chunks", "hypertable=\"metric_hist\""));
        double faultAge = metric("factory_telemetry_hypertable_oldest_data_age_seconds", "hypertable=\"fault_event\"");
        double expected = Duration.between(Instant.parse("2024-01-10T00:00:00Z"), DatabaseTime.now()).toSeconds();
        assertEquals(expected, faultAge, 300, "fault_event's oldest row is of 2024-01-10");
        double metricAge = metric("factory_telemetry_hypertable_oldest_data_age_seconds", "hypertable=\"metric_hist\"");
        assertEquals(Duration.between(base, DatabaseTime.now()).toSeconds(), metricAge, 300, "metric_hist's oldest row");
        String faultRetention = "target=\"fault_event\"";
        assertEquals(2.0, metric("factory_telemetry_lifecycle_job_consecutive_failures", "kind=\"retention\"", faultRetention));
        assertEquals(0.0, metric("factory_telemetry_lifecycle_job_last_run_success", "kind=\"retention\"", faultRetention));
        assertEquals(1.0, metric("factory_telemetry_lifecycle_job_last_run_success", "kind=\"retention\"", "target=\"metric_hist\""));
        assertTrue(metric("factory_telemetry_lifecycle_job_last_duration_seconds", "kind=\"retention\"", faultRetention) >= 0);
        Double refresh = metric("factory_telemetry_aggregate_last_refresh_duration_seconds", "aggregate=\"oee_daily_aggregate\"");
        assertTrue(refresh != null && refresh >= 0 && refresh < 60, "refresh duration " + refresh);
        assertEquals(null, metric("factory_telemetry_hypertable_compression_before_bytes"), "no compression on this edition");
    }

    @Test
    @Order(6)
    void healthyAgainOnceRetentionSucceeds() {
        sql("DROP VIEW public.pinned_manager_chunk");
        given().post("/api/v1/admin/lifecycle/retention/enforce").then().statusCode(200)
                .body("find { it.target == 'fault_event' }.droppedChunks", equalTo(1));
        given().get(BASE + "/health").then().statusCode(200)
                .body("hypertables.find { it.name == 'fault_event' }.status", equalTo("healthy"))
                .body("hypertables.find { it.name == 'fault_event' }.reasons", hasSize(0));
        collector.collect().await().atMost(Duration.ofSeconds(60));
        assertEquals(0.0, metric("factory_telemetry_hypertable_health", "hypertable=\"fault_event\""));
        assertEquals(0.0, metric("factory_telemetry_lifecycle_job_consecutive_failures", "kind=\"retention\"", "target=\"fault_event\""));
        assertEquals(1.0, metric("factory_telemetry_lifecycle_job_last_run_success", "kind=\"retention\"", "target=\"fault_event\""));
        assertTrue(metric("factory_telemetry_lifecycle_job_last_success_timestamp_seconds", "kind=\"retention\"",
                "target=\"fault_event\"") > 1.7e9);
        assertTrue(metric("factory_telemetry_database_size_bytes") > 1_000_000);
    }
}
