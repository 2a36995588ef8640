package dev.factorytelemetry.ingest;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.restassured.response.Response;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;

/** Helpers of the ingest tests: authenticated posts and psql checks against the run's database. */
final class IngestTestSupport {

    private IngestTestSupport() {
    }

    static Response postJson(String body) {
        return postJson(body, "");
    }

    static Response postJson(String body, String query) {
        return given().header("Authorization", TestKeys.bearer(Scope.INGEST))
                .contentType("application/json").body(body)
                .when().post("/api/v1/telemetry" + query);
    }

    static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    static long count(String sqlFromWhere) {
        return Long.parseLong(psql("SELECT count(*) " + sqlFromWhere));
    }

    /** A recent whole second (well inside retention and skew), distinct per call site by offset. */
    static Instant recent(int minutesAgo) {
        return DatabaseTime.now().truncatedTo(ChronoUnit.SECONDS).minus(minutesAgo, ChronoUnit.MINUTES);
    }

    static byte[] gzip(byte[] data) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(data);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String sample(String metric, Instant ts, String valueJson) {
        return "{\"metric\":\"" + metric + "\",\"ts\":\"" + ts + "\",\"value\":" + valueJson + "}";
    }

    static String batch(String... samples) {
        return "{\"samples\":[" + String.join(",", samples) + "]}";
    }
}
