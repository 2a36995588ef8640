package dev.factorytelemetry.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.observe.PlatformMetricsCollector;
import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.support.ExternalTool;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The platform gauges after some ingest, and a real Prometheus scraping this test instance: every metric the
 * alert rules and the Prometheus-backed Grafana panels use exists in the scrape, every panel's PromQL returns
 * data, every rule evaluates without error. Runs on the Community edition (production) where it is installed.
 */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "edition", value = "community"))
@ExtendWith(DefaultTestAuthentication.class)
class MonitoringScrapeTest {

    /** Published only where compression exists (Community edition). */
    static final Set<String> COMPRESSION_ONLY = Set.of("factory_telemetry_hypertable_compressed_chunks",
            "factory_telemetry_hypertable_compression_ratio", "factory_telemetry_compression_backlog_chunks");
    static final Pattern METRIC_LINE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$");

    @Inject
    PlatformMetricsCollector collector;

    private static boolean prepared;

    /** Once per class (the application is shared): some ingest, a refused request, a job run, one collection. */
    @BeforeEach
    void someIngestAndJobRuns() {
        if (prepared) {
            return;
        }
        prepared = true;
        Instant t = DatabaseTime.now().truncatedTo(ChronoUnit.SECONDS).minus(30, ChronoUnit.MINUTES);
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            samples.append(i == 0 ? "" : ",").append("{\"metric\":\"observe.test.m").append(i % 5).append("\",\"ts\":\"")
                    .append(t.plusSeconds(i)).append("\",\"value\":").append(i).append('}');
        }
        given().contentType("application/json").body("{\"samples\":[" + samples + "]}")
                .when().post("/api/v1/telemetry").then().statusCode(200);
        given().header("Authorization", "Token " + TestKeys.key(Scope.INGEST)).contentType("text/plain")
                .body("observe_lp,line=L1 temperature=21.5 " + t.plusSeconds(99).getEpochSecond() + "000000000")
                .when().post("/api/v2/write?bucket=telemetry").then().statusCode(204);
        if (TimescaleTestResource.communityUnavailableReason == null) {
            // one compressed chunk (20 days back, inside retention), so that the compression ratio exists
            Instant old = t.minus(20, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS).plus(10, ChronoUnit.MINUTES);
            given().contentType("application/json").body("{\"samples\":[{\"metric\":\"observe.test.old\",\"ts\":\"" + old
                    + "\",\"value\":1},{\"metric\":\"observe.test.old\",\"ts\":\"" + old.plusSeconds(60) + "\",\"value\":2}]}")
                    .when().post("/api/v1/telemetry").then().statusCode(200);
            TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, """
                    SELECT factory_telemetry.compress_chunk_by_name(format('%%I.%%I', chunk_schema, chunk_name))
                    FROM timescaledb_information.chunks
                    WHERE hypertable_name = 'metric_hist' AND range_start <= '%s' AND range_end > '%s'""".formatted(old, old));
        }
        // a refused request, and a run of a scheduled job (counted per outcome)
        given().contentType("application/json").body("{\"samples\":[{\"metric\":\"\"}]}")
                .when().post("/api/v1/telemetry").then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400));
        given().when().post("/api/v1/admin/lifecycle/retention/enforce").then().statusCode(200);
        collector.collect().await().atMost(Duration.ofSeconds(30));
    }

    @Test
    void platformGaugesDescribeTheDatabase() {
        Map<String, Double> metrics = scrape();
        assertEquals(1.0, metrics.get("factory_telemetry_readiness_up"));
        assertTrue(metrics.get("factory_telemetry_database_size_bytes") > 1_000_000, "database size");
        assertTrue(metrics.get("factory_telemetry_hypertable_chunks{hypertable=\"metric_hist\"}") >= 1, "metric_hist chunks");
        assertTrue(metrics.get("factory_telemetry_hypertable_size_bytes{hypertable=\"metric_hist\"}") > 0, "metric_hist size");
        assertEquals(0.0, metrics.get("factory_telemetry_hypertable_health{hypertable=\"metric_hist\"}"), "metric_hist health");
        assertEquals(100.0 * 1024 * 1024 * 1024, metrics.get("factory_telemetry_database_size_limit_bytes"));
        assertTrue(metrics.keySet().stream().anyMatch(k -> k.startsWith("factory_telemetry_aggregate_refresh_schedule_seconds{aggregate=\"oee_hourly_aggregate\"")),
                "aggregate schedules: " + metrics.keySet());
        long jobs = Long.parseLong(TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT count(*) FROM factory_telemetry.v_lifecycle_jobs").trim());
        assertEquals(jobs, metrics.keySet().stream().filter(k -> k.startsWith("factory_telemetry_lifecycle_job_failing{")).count(),
                "one failing gauge per v_lifecycle_jobs row");
        assertTrue(metrics.get("factory_telemetry_observe_last_success_timestamp_seconds") > 1.7e9);
    }

    @Test
    void prometheusScrapesEveryMetricTheRulesAndPanelsUse() throws Exception {
        String missing = ExternalTool.unavailableReason("prometheus", "prometheus");
        Assumptions.assumeTrue(missing == null, missing);
        Set<String> used = new TreeSet<>(metricNames(PrometheusRulesTest.alerts().stream().map(r -> (String) r.get("expr")).toList()));
        List<String> panelQueries = GrafanaDashboards.prometheusQueries();
        used.addAll(metricNames(panelQueries));
        assertTrue(used.containsAll(Set.of("up", "factory_telemetry_readiness_up", "factory_telemetry_job_runs_total",
                "http_server_requests_seconds_bucket")), "metric names found in the rules: " + used);
        boolean community = TimescaleTestResource.communityUnavailableReason == null;

        try (PrometheusServer prometheus = new PrometheusServer(RestAssured.port, PrometheusRulesTest.path(PrometheusRulesTest.RULES))) {
            // three scrapes at least, so that rate() over the panels' windows has data
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                assertTrue(prometheus.alive(), "prometheus exited:\n" + prometheus.log());
                JsonNode result = prometheus.query("count_over_time(up{job=\"factory-telemetry\"}[1m])");
                assertTrue(result.size() == 1 && result.get(0).path("value").get(1).asDouble() >= 3, "scrapes: " + result);
            });
            assertEquals("1", prometheus.query("up{job=\"factory-telemetry\"}").get(0).path("value").get(1).asText());

            Set<String> scraped = new HashSet<>();
            prometheus.api("/api/v1/label/__name__/values").forEach(n -> scraped.add(n.asText()));
            List<String> absent = used.stream().filter(n -> !scraped.contains(n))
                    .filter(n -> community || !COMPRESSION_ONLY.contains(n)).toList();
            assertEquals(List.of(), absent, "metrics used by the rules or panels but not in the scrape; scraped: " + new TreeSet<>(scraped));

            // the service's job label arrives as exported_job, which the rules use
            JsonNode runs = prometheus.query("factory_telemetry_job_runs_total");
            assertFalse(runs.isEmpty());
            runs.forEach(r -> assertTrue(r.path("metric").has("exported_job"), r.toString()));

            // every panel query returns data
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                List<String> empty = new ArrayList<>();
                for (String q : panelQueries) {
                    if (prometheus.query(GrafanaDashboards.instantiate(q)).isEmpty()) {
                        empty.add(q);
                    }
                }
                assertEquals(List.of(), empty, "panel queries without data");
            });

            // every rule has been evaluated without error against the real series
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                List<String> unhealthy = new ArrayList<>();
                int rules = 0;
                for (JsonNode group : prometheus.api("/api/v1/rules").path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        rules++;
                        if (!"ok".equals(rule.path("health").asText())) {
                            unhealthy.add(rule.path("name").asText() + ": " + rule.path("health").asText() + " " + rule.path("lastError").asText());
                        }
                    }
                }
                assertEquals(PrometheusRulesTest.alerts().size(), rules);
                assertEquals(List.of(), unhealthy);
            });
            // a healthy instance fires none of them
            assertEquals("[]", prometheus.api("/api/v1/alerts").path("alerts").toString());
        }
    }

    /** Metric names in PromQL: identifiers outside strings, label matchers, ranges and grouping lists, not called. */
    static Set<String> metricNames(List<String> expressions) {
        Set<String> names = new TreeSet<>();
        Set<String> keywords = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
                "bool", "offset", "inf", "nan");
        for (String expr : expressions) {
            String stripped = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                    .replaceAll("\\{[^}]*}", " ")
                    .replaceAll("\\[[^]]*]", " ")
                    .replaceAll("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
                    .replaceAll("\\$\\w+", " ");
            Matcher m = Pattern.compile("(?<![\\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(?!\\s*\\()").matcher(stripped);
            while (m.find()) {
                if (!keywords.contains(m.group(1).toLowerCase())) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /** /q/metrics as series (name and labels as printed) to value. */
    static Map<String, Double> scrape() {
        String text = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Map<String, Double> metrics = new HashMap<>();
        Matcher m = METRIC_LINE.matcher(text);
        while (m.find()) {
            String labels = m.group(2) == null ? "" : m.group(2).replaceAll(",}", "}");
            metrics.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
        }
        return metrics;
    }
}
