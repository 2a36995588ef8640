package dev.factorytelemetry.ingest;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static dev.factorytelemetry.ingest.IngestTestSupport.batch;
import static dev.factorytelemetry.ingest.IngestTestSupport.count;
import static dev.factorytelemetry.ingest.IngestTestSupport.gzip;
import static dev.factorytelemetry.ingest.IngestTestSupport.postJson;
import static dev.factorytelemetry.ingest.IngestTestSupport.psql;
import static dev.factorytelemetry.ingest.IngestTestSupport.recent;
import static dev.factorytelemetry.ingest.IngestTestSupport.sample;
import static dev.factorytelemetry.ingest.IngestTestSupport.utf8;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Happy paths of POST /api/v1/telemetry on the Apache edition: storage, types, duplicates, precision, gzip, aggregates. */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class TelemetryIngestTest {

    @Test
    void storesABatchWithEachValueTypeAndRegistersUnknownMetrics() {
        Instant t = recent(10);
        String body = "{\"samples\":["
                + "{\"metric\":\"it.store.speed\",\"ts\":\"" + t + "\",\"value\":12.5,\"quality\":192},"
                + "{\"metric\":\"it.store.running\",\"ts\":\"" + t + "\",\"value\":true},"
                + "{\"metric\":\"it.store.recipe\",\"ts\":\"" + t + "\",\"value\":\"IPA-33cl\"},"
                + "{\"metric\":\"it.store.speed\",\"ts\":\"" + t.plusMillis(123) + "\",\"value\":13}"
                + "]}";
        postJson(body).then().statusCode(200).body("accepted", equalTo(4)).body("duplicates", equalTo(0));

        assertEquals("it.store.recipe|TEXT|t\nit.store.running|BOOL|t\nit.store.speed|REAL|t",
                psql("SELECT metric_key, value_type, auto_registered FROM factory_telemetry.metric_def "
                        + "WHERE metric_key LIKE 'it.store.%' ORDER BY 1"));
        assertEquals("12.5||||192\n13||||", psql("""
                SELECT value_real, value_int, value_bool, value_text, quality FROM factory_telemetry.metric_hist h
                JOIN factory_telemetry.metric_def d ON d.id = h.metric_id WHERE d.metric_key = 'it.store.speed' ORDER BY ts"""));
        assertEquals("t", psql("SELECT value_bool FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                + "ON d.id = h.metric_id WHERE d.metric_key = 'it.store.running'"));
        assertEquals("IPA-33cl", psql("SELECT value_text FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                + "ON d.id = h.metric_id WHERE d.metric_key = 'it.store.recipe'"));
        assertEquals(t.plusMillis(123).toString().replace("T", " ").replace("Z", "+00"),
                psql("SET TIME ZONE 'UTC'; SELECT max(ts) FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                        + "ON d.id = h.metric_id WHERE d.metric_key = 'it.store.speed'").lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void samplesAlreadyStoredOrRepeatedInTheRequestAreDuplicatesNotErrors() {
        Instant t = recent(11);
        String body = batch(sample("it.dup.a", t, "1.0"), sample("it.dup.a", t.plusSeconds(1), "2.0"));
        postJson(body).then().statusCode(200).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        postJson(body).then().statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(2));
        // the same metric+ts twice in one request: the first one wins, the second counts as duplicate
        postJson(batch(sample("it.dup.a", t.plusSeconds(2), "3.0"), sample("it.dup.a", t.plusSeconds(2), "4.0")))
                .then().statusCode(200).body("accepted", equalTo(1)).body("duplicates", equalTo(1));
        assertEquals("1\n2\n3", psql("SELECT value_real FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                + "ON d.id = h.metric_id WHERE d.metric_key = 'it.dup.a' ORDER BY ts"));
    }

    @Test
    void numericTimestampsFollowThePrecisionParameter() {
        Instant t = recent(12);
        long s = t.getEpochSecond();
        postJson(batch("{\"metric\":\"it.prec.ms\",\"ts\":" + (s * 1000 + 7) + ",\"value\":1}")).then().statusCode(200);
        postJson(batch("{\"metric\":\"it.prec.s\",\"ts\":" + s + ".5,\"value\":1}"), "?precision=s").then().statusCode(200);
        postJson(batch("{\"metric\":\"it.prec.us\",\"ts\":" + (s * 1_000_000 + 3) + ",\"value\":1}"), "?precision=us").then().statusCode(200);
        postJson(batch("{\"metric\":\"it.prec.ns\",\"ts\":" + (s * 1_000_000_000 + 4_999) + ",\"value\":1}"), "?precision=ns").then().statusCode(200);
        assertEquals("it.prec.ms|7000\nit.prec.ns|4\nit.prec.s|500000\nit.prec.us|3", psql(
                "SELECT d.metric_key, (extract(epoch FROM h.ts) * 1000000)::bigint - " + s * 1_000_000L
                        + " FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d ON d.id = h.metric_id "
                        + "WHERE d.metric_key LIKE 'it.prec.%' ORDER BY 1"));
        postJson(batch(sample("it.prec.x", t, "1")), "?precision=minutes").then().statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void gzipBodiesAreAccepted() {
        Instant t = recent(13);
        byte[] body = gzip(utf8(batch(sample("it.gzip.a", t, "1.5"), sample("it.gzip.a", t.plusSeconds(1), "2.5"))));
        given().header("Authorization", TestKeys.bearer(Scope.INGEST))
                .contentType("application/json").header("Content-Encoding", "gzip").body(body)
                .when().post("/api/v1/telemetry")
                .then().statusCode(200).body("accepted", equalTo(2));
        assertEquals(2, count("FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d ON d.id = h.metric_id "
                + "WHERE d.metric_key = 'it.gzip.a'"));
    }

    @Test
    void declaredMetricTypesAreEnforced() {
        psql("INSERT INTO factory_telemetry.metric_def (metric_key, value_type) VALUES ('it.types.count', 'INT'), "
                + "('it.types.flag', 'BOOL'), ('it.types.temp', 'REAL')");
        Instant t = recent(14);
        postJson(batch(sample("it.types.count", t, "42"), sample("it.types.count", t.plusSeconds(1), "43.0"),
                sample("it.types.temp", t, "21"), sample("it.types.flag", t, "false")))
                .then().statusCode(200).body("accepted", equalTo(4));
        assertEquals("42|\n43|", psql("SELECT value_int, value_real FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                + "ON d.id = h.metric_id WHERE d.metric_key = 'it.types.count' ORDER BY ts"));
        assertEquals("21", psql("SELECT value_real FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                + "ON d.id = h.metric_id WHERE d.metric_key = 'it.types.temp'"));

        postJson(batch(sample("it.types.count", t.plusSeconds(5), "1.5"), sample("it.types.flag", t.plusSeconds(5), "1"),
                sample("it.types.temp", t.plusSeconds(5), "\"hot\"")))
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.size()", equalTo(3))
                .body("errors[0].index", equalTo(0)).body("errors[0].field", equalTo("value"))
                .body("errors[0].message", equalTo("a non-integral number does not fit value type INT of metric 'it.types.count'"))
                .body("errors[1].index", equalTo(1))
                .body("errors[1].message", equalTo("a number does not fit value type BOOL of metric 'it.types.flag'"))
                .body("errors[2].index", equalTo(2))
                .body("errors[2].message", equalTo("a string does not fit value type REAL of metric 'it.types.temp'"));
    }

    @Test
    void apacheEditionLogsOneInvalidationPerBatchAndAggregatesSeeTheSamples() {
        Instant t = recent(30);
        StringBuilder samples = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            samples.append(i == 0 ? "" : ",").append(sample("it.agg.level", t.plusSeconds(i), Integer.toString(i)));
        }
        psql("DELETE FROM factory_telemetry.aggregate_invalidation");
        postJson("{\"samples\":[" + samples + "]}").then().statusCode(200).body("accepted", equalTo(50));
        // one range per aggregate built on metric_hist, covering the batch (not 50 row-by-row entries)
        String range = "|" + ts(t) + "|" + ts(t.plusSeconds(49));
        assertEquals("metric_hourly_aggregate" + range + "\nmetric_minute_aggregate" + range, psql(
                "SET TIME ZONE 'UTC'; SELECT aggregate_name, range_start, range_end FROM factory_telemetry.aggregate_invalidation ORDER BY 1")
                .lines().filter(line -> line.startsWith("metric_")).collect(java.util.stream.Collectors.joining("\n")));
        for (String aggregate : List.of("metric_hourly_aggregate", "metric_minute_aggregate")) {
            psql("SELECT factory_telemetry.refresh_service_aggregate('" + aggregate + "')");
            assertEquals("50|1225", psql("SELECT sum(a.samples), sum(a.real_sum) FROM factory_telemetry." + aggregate + " a "
                    + "JOIN factory_telemetry.metric_def d ON d.id = a.metric_id WHERE d.metric_key = 'it.agg.level'"), aggregate);
        }
    }

    @Test
    void prometheusMetricsCountSamplesAndRefusals() {
        Instant t = recent(31);
        postJson(batch(sample("it.metrics.a", t, "1"))).then().statusCode(200);
        postJson(batch(sample("it.metrics.a", t, "1"))).then().statusCode(200).body("duplicates", equalTo(1));
        postJson("{\"samples\":[]}").then().statusCode(422);
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        org.hamcrest.MatcherAssert.assertThat(metrics, org.hamcrest.Matchers.matchesPattern(
                "(?s).*telemetry_ingest_samples_total\\{result=\"accepted\"\\} [1-9].*"));
        org.hamcrest.MatcherAssert.assertThat(metrics, org.hamcrest.Matchers.matchesPattern(
                "(?s).*telemetry_ingest_samples_total\\{result=\"duplicate\"\\} [1-9].*"));
        org.hamcrest.MatcherAssert.assertThat(metrics, org.hamcrest.Matchers.matchesPattern(
                "(?s).*telemetry_ingest_rejected_requests_total\\{endpoint=\"telemetry\",status=\"422\"\\} [1-9].*"));
        org.hamcrest.MatcherAssert.assertThat(metrics, org.hamcrest.Matchers.containsString("telemetry_ingest_in_flight_requests"));
    }

    private static String ts(Instant t) {
        return t.toString().replace("T", " ").replace("Z", "+00");
    }
}
