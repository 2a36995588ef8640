package dev.factorytelemetry.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.factorytelemetry.support.LocalTimescale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The simulator's telemetry side against a stub of the telemetry API contract (the real endpoint is
 * built on another branch): the body format, metric keys, the bearer token, monotonic counters, and
 * retries that honour 429/503 + Retry-After without losing or duplicating a batch.
 */
class PlantSimulatorTelemetryContractTest {

    private final ObjectMapper mapper = new ObjectMapper();
    private final List<JsonNode> telemetryBodies = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final List<Long> telemetryArrivals = new CopyOnWriteArrayList<>();
    private final AtomicInteger telemetryRequests = new AtomicInteger();
    private HttpServer server;

    @BeforeEach
    void startStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    @AfterEach
    void stopStub() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
        String path = exchange.getRequestURI().getPath();
        int status = 200;
        String answer = "{\"accepted\":0,\"duplicates\":0}";
        if (exchange.getRequestMethod().equals("PUT")) {
            status = 201;
            answer = "{}";
        } else if (path.equals("/api/v1/telemetry")) {
            int n = telemetryRequests.incrementAndGet();
            telemetryArrivals.add(System.nanoTime());
            if (n == 1 || n == 3) {
                // first: rate limited; third: database unavailable; both ask to come back in 1 s
                exchange.getResponseHeaders().add("Retry-After", "1");
                status = n == 1 ? 429 : 503;
                answer = "{\"status\":" + status + "}";
            } else {
                JsonNode json = mapper.readTree(body);
                telemetryBodies.add(json);
                answer = "{\"accepted\":" + json.get("samples").size() + ",\"duplicates\":0}";
            }
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Test
    void postsWellFormedSamplesWithTheApiKeyAndRetriesHonouringRetryAfter() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path source = LocalTimescale.projectRoot().resolve("bench/simulator/PlantSimulator.java");
        Process process = new ProcessBuilder(java.toString(), source.toString(),
                "--url", "http://127.0.0.1:" + server.getAddress().getPort(), "--api-key", "s3cret",
                "--lines", "2", "--equipment-per-line", "3", "--metrics", "60", "--backfill-days", "1",
                "--backfill-interval", "10m", "--batch-size", "500", "--concurrency", "1", "--duration", "0",
                "--end", "2026-01-15T00:00:00Z", "--quiet")
                .redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), output);

        // 60 signals x 144 ten-minute steps, each sample delivered exactly once despite two refusals
        int samples = telemetryBodies.stream().mapToInt(b -> b.get("samples").size()).sum();
        assertEquals(60 * 144, samples, output);
        assertThat(output, containsString("telemetry points   sent 8640, accepted 8640, duplicates 0"));
        assertThat(output, containsString("retries 2, failed 0"));
        // the refused requests were retried no earlier than Retry-After
        assertThat((telemetryArrivals.get(1) - telemetryArrivals.get(0)) / 1_000_000, greaterThanOrEqualTo(1000L));
        assertThat((telemetryArrivals.get(3) - telemetryArrivals.get(2)) / 1_000_000, greaterThanOrEqualTo(1000L));
        assertTrue(authorizations.stream().allMatch("Bearer s3cret"::equals), authorizations.toString());

        Map<String, List<JsonNode>> byMetric = new HashMap<>();
        for (JsonNode body : telemetryBodies) {
            assertEquals(1, body.size(), "only 'samples' at the top level");
            for (JsonNode sample : body.get("samples")) {
                String metric = sample.get("metric").asText();
                assertTrue(metric.matches("line[12]\\.[a-z]+\\.[a-z_0-9]+"), metric);
                Instant.parse(sample.get("ts").asText());
                assertTrue(sample.get("value").isNumber() || sample.get("value").isBoolean(), sample.toString());
                assertEquals(192, sample.get("quality").asInt());
                byMetric.computeIfAbsent(metric, k -> new ArrayList<>()).add(sample);
            }
        }
        assertEquals(60, byMetric.size());
        assertTrue(byMetric.get("line1.filler.running").stream().allMatch(s -> s.get("value").isBoolean()));
        for (String counter : List.of("line1.filler.good_count", "line2.capper.reject_count", "line1.filler.energy_kwh")) {
            List<JsonNode> series = byMetric.get(counter);
            series.sort((a, b) -> a.get("ts").asText().compareTo(b.get("ts").asText()));
            for (int i = 1; i < series.size(); i++) {
                assertTrue(series.get(i).get("value").asDouble() >= series.get(i - 1).get("value").asDouble(),
                        counter + " decreased at " + series.get(i).get("ts"));
            }
            assertThat(counter, series.get(series.size() - 1).get("value").asDouble(), greaterThan(0.0));
        }
    }
}
