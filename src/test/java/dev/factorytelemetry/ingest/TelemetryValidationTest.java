package dev.factorytelemetry.ingest;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static dev.factorytelemetry.ingest.IngestTestSupport.batch;
import static dev.factorytelemetry.ingest.IngestTestSupport.count;
import static dev.factorytelemetry.ingest.IngestTestSupport.gzip;
import static dev.factorytelemetry.ingest.IngestTestSupport.postJson;
import static dev.factorytelemetry.ingest.IngestTestSupport.psql;
import static dev.factorytelemetry.ingest.IngestTestSupport.recent;
import static dev.factorytelemetry.ingest.IngestTestSupport.sample;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bad input to POST /api/v1/telemetry: every case answers problem+json naming item, field and reason,
 * and nothing of a rejected request is stored. Also: the database going away (503, nothing acknowledged).
 * Test profile limits: max-batch-size 1000, max-body-size 256K (application.properties).
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class TelemetryValidationTest {

    private static RequestSpecification ingest() {
        return given().header("Authorization", TestKeys.bearer(Scope.INGEST));
    }

    @Test
    void malformedJsonIs400() {
        postJson("{\"samples\":[{\"metric\":\"it.bad.json\",").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("detail", containsString("not valid JSON"));
    }

    @Test
    void missingFieldsAndWrongTypesAre422WithIndexAndField() {
        Instant t = recent(20);
        postJson("{\"samples\":["
                + sample("it.val.ok", t, "1") + ","
                + "{\"ts\":\"" + t + "\",\"value\":1},"
                + "{\"metric\":\"it.val.x\",\"value\":1},"
                + "{\"metric\":\"it.val.x\",\"ts\":\"" + t + "\"},"
                + "{\"metric\":42,\"ts\":\"" + t + "\",\"value\":1},"
                + "{\"metric\":\"it.val.x\",\"ts\":\"yesterday\",\"value\":1},"
                + "{\"metric\":\"it.val.x\",\"ts\":\"" + t + "\",\"value\":{\"a\":1}},"
                + "{\"metric\":\"it val x\",\"ts\":\"" + t + "\",\"value\":1},"
                + "{\"metric\":\"it.val.x\",\"ts\":\"" + t + "\",\"value\":1,\"quality\":\"good\"},"
                + "{\"metric\":\"it.val.x\",\"ts\":\"" + t + "\",\"value\":null},"
                + "17"
                + "]}")
                .then().statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("10 sample(s) are invalid; nothing of this request was stored"))
                .body("errors", hasSize(10))
                .body("errors[0].index", equalTo(1)).body("errors[0].field", equalTo("metric")).body("errors[0].message", equalTo("is required"))
                .body("errors[1].index", equalTo(2)).body("errors[1].field", equalTo("ts"))
                .body("errors[2].index", equalTo(3)).body("errors[2].field", equalTo("value"))
                .body("errors[3].index", equalTo(4)).body("errors[3].field", equalTo("metric")).body("errors[3].message", containsString("string"))
                .body("errors[4].index", equalTo(5)).body("errors[4].field", equalTo("ts")).body("errors[4].message", containsString("RFC 3339"))
                .body("errors[5].index", equalTo(6)).body("errors[5].field", equalTo("value"))
                .body("errors[6].index", equalTo(7)).body("errors[6].message", containsString("not a valid metric key"))
                .body("errors[7].index", equalTo(8)).body("errors[7].field", equalTo("quality"))
                .body("errors[8].index", equalTo(9)).body("errors[8].message", equalTo("must not be null"))
                .body("errors[9].index", equalTo(10));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key LIKE 'it.val.%'"));
    }

    @Test
    void nanAndInfinityAreRejected() {
        Instant t = recent(21);
        postJson(batch("{\"metric\":\"it.nan\",\"ts\":\"" + t + "\",\"value\":NaN}",
                "{\"metric\":\"it.nan\",\"ts\":\"" + t.plusSeconds(1) + "\",\"value\":-Infinity}",
                "{\"metric\":\"it.nan\",\"ts\":\"" + t.plusSeconds(2) + "\",\"value\":1e999}"))
                .then().statusCode(422)
                .body("errors", hasSize(3))
                .body("errors[0].field", equalTo("value"))
                .body("errors[0].message", containsString("finite"))
                .body("errors[2].index", equalTo(2));
    }

    @Test
    void timestampsTooFarAheadOrOlderThanRetentionAreRejected() {
        Instant now = DatabaseTime.now();
        postJson(batch(sample("it.time", now.plus(Duration.ofMinutes(10)), "1"),
                sample("it.time", now.minus(Duration.ofDays(91)), "1"),
                sample("it.time", now.plus(Duration.ofMinutes(2)), "1")))
                .then().statusCode(422)
                .body("errors", hasSize(2))
                .body("errors[0].index", equalTo(0)).body("errors[0].field", equalTo("ts"))
                .body("errors[0].message", containsString("in the future"))
                .body("errors[1].index", equalTo(1)).body("errors[1].message", containsString("older than metric_hist's retention (90 days"));
        // milliseconds sent as seconds: far in the future
        postJson(batch("{\"metric\":\"it.time\",\"ts\":" + now.toEpochMilli() + ",\"value\":1}"), "?precision=s")
                .then().statusCode(422).body("errors[0].field", equalTo("ts"));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key = 'it.time'"));
    }

    @Test
    void emptyAndShapelessBatchesAre422() {
        postJson("{\"samples\":[]}").then().statusCode(422)
                .body("errors[0].field", equalTo("samples")).body("errors[0].message", containsString("empty"));
        postJson("{}").then().statusCode(422).body("errors[0].message", containsString("missing"));
        postJson("[1,2]").then().statusCode(422).body("errors[0].field", equalTo("samples"));
    }

    @Test
    void batchOverMaxBatchSizeIs413() {
        Instant t = recent(22);
        StringBuilder b = new StringBuilder("{\"samples\":[");
        for (int i = 0; i < 1001; i++) {
            b.append(i == 0 ? "" : ",").append("{\"metric\":\"it.big\",\"ts\":").append(t.toEpochMilli() + i).append(",\"value\":1}");
        }
        postJson(b.append("]}").toString()).then().statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("max-batch-size"));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key = 'it.big'"));
    }

    @Test
    void bodyOverMaxBodySizeIs413EvenWhenGzipped() {
        String padding = "x".repeat(300 * 1024);
        // refused from the declared length, before the body is read
        postJson("{\"pad\":\"" + padding + "\",\"samples\":[]}").then().statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("declared Content-Length"));
        // a gzip bomb: 1 KB on the wire, 300 KB decompressed
        byte[] bomb = gzip(("{\"pad\":\"" + padding + "\",\"samples\":[]}").getBytes());
        org.junit.jupiter.api.Assertions.assertTrue(bomb.length < 4096);
        ingest().contentType("application/json").header("Content-Encoding", "gzip").body(bomb)
                .when().post("/api/v1/telemetry")
                .then().statusCode(413).contentType("application/problem+json")
                .body("detail", containsString("decompressed"));
        ingest().contentType("application/json").header("Content-Encoding", "gzip").body("not gzip".getBytes())
                .when().post("/api/v1/telemetry")
                .then().statusCode(400).body("detail", containsString("gzip"));
    }

    @Test
    void unsupportedContentTypeOrEncodingIs415() {
        Instant t = recent(23);
        ingest().contentType("text/csv").body("it.csv," + t + ",1")
                .when().post("/api/v1/telemetry")
                .then().statusCode(415).contentType("application/problem+json");
        ingest().contentType("application/json").header("Content-Encoding", "br").body(batch(sample("it.br", t, "1")))
                .when().post("/api/v1/telemetry")
                .then().statusCode(415).contentType("application/problem+json").body("detail", containsString("br"));
    }

    @Test
    void aRejectedRequestStoresNothingAndRegistersNothing() {
        psql("INSERT INTO factory_telemetry.metric_def (metric_key, value_type) VALUES ('it.atomic.count', 'INT')");
        Instant t = recent(24);
        long rowsBefore = count("FROM factory_telemetry.metric_hist");
        long defsBefore = count("FROM factory_telemetry.metric_def");
        // valid samples of new metrics + one value that does not fit an existing metric (found only after the lookup)
        postJson(batch(sample("it.atomic.new1", t, "1.5"), sample("it.atomic.new2", t, "true"),
                sample("it.atomic.count", t, "2"), sample("it.atomic.count", t.plusSeconds(1), "2.5")))
                .then().statusCode(422).body("errors", hasSize(1)).body("errors[0].index", equalTo(3));
        // and one that is invalid on its own
        postJson(batch(sample("it.atomic.new1", t, "1.5"), "{\"metric\":\"it.atomic.new3\",\"ts\":\"" + t + "\"}"))
                .then().statusCode(422);
        assertEquals(rowsBefore, count("FROM factory_telemetry.metric_hist"));
        assertEquals(defsBefore, count("FROM factory_telemetry.metric_def"));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key LIKE 'it.atomic.new%'"));
    }

    @Test
    void aNewMetricWithMixedValueKindsIsRejectedAsAWhole() {
        Instant t = recent(25);
        postJson(batch(sample("it.mixed", t, "1.5"), sample("it.mixed", t.plusSeconds(1), "\"high\"")))
                .then().statusCode(422)
                .body("errors[0].index", equalTo(1))
                .body("errors[0].message", containsString("does not fit value type REAL of metric 'it.mixed'"));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key = 'it.mixed'"));
    }

    @Test
    void withoutAnIngestKeyRequestsAreRefusedBeforeAnythingIsRead() {
        Instant t = recent(26);
        given().contentType("application/json").body(batch(sample("it.noauth", t, "1")))
                .when().post("/api/v1/telemetry").then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", "Bearer ftk_not-a-real-key").contentType("application/json")
                .body(batch(sample("it.noauth", t, "1")))
                .when().post("/api/v1/telemetry").then().statusCode(401);
        given().header("Authorization", TestKeys.bearer(Scope.READ)).contentType("application/json")
                .body(batch(sample("it.noauth", t, "1")))
                .when().post("/api/v1/telemetry").then().statusCode(403);
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key = 'it.noauth'"));
    }

    @Test
    void databaseUnavailableIs503WithRetryAfterAndNothingIsAcknowledged() {
        Instant t = recent(27);
        String body = batch(sample("it.outage", t, "1"));
        TestKeys.key(Scope.INGEST); // created while the database is up
        postJson(batch(sample("it.outage", t.minusSeconds(1), "0"))).then().statusCode(200); // metric known and cached
        var cluster = TimescaleTestResource.currentCluster;
        cluster.stop();
        try {
            postJson(body).then().statusCode(503)
                    .contentType("application/problem+json")
                    .header("Retry-After", notNullValue());
        } finally {
            cluster.start();
        }
        assertEquals(0, count("FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d ON d.id = h.metric_id "
                + "WHERE d.metric_key = 'it.outage' AND h.ts = '" + t + "'"));
        // the gateway's retry succeeds once the database is back
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                postJson(body).then().statusCode(200).body("accepted", equalTo(1)));
    }
}
