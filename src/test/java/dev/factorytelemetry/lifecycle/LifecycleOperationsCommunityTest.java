package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations endpoints on the Community edition, against TimescaleDB's own compression, jobs and continuous
 * aggregates: compress now (chunks touched, ratio achieved), decompress for a backfill (then rows go into the
 * decompressed range), settings reflected in timescaledb_information.jobs and compression_settings, a segment-by change
 * refused while chunks are compressed, refresh through the API. Fixed data dates: metric samples on 2026-03-02 00:00–02:00
 * UTC (two hourly chunks). Retention is disabled and the native jobs are paused in this database (its own), so that no
 * background job changes the chunks under the assertions, on any date. Skipped with its reason where the Community
 * edition is not installed.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "lifecycle-operations")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleOperationsCommunityTest {

    private static final List<String> HYPERTABLES = List.of("downtime_events", "energy_consumption", "fault_event",
            "metric_hist", "oee_calculations", "production_kpis", "quality_checks");
    /** 3 metrics, one sample a second, 2026-03-02 00:00–02:00 UTC: 21,600 rows in two hourly chunks. */
    private static final String DAY = "2026-03-02";

    private static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON);
    }

    private static ValidatableResponse put(String path, String body) {
        return admin().body(body).when().put(path).then().log().ifValidationFails();
    }

    private static ValidatableResponse post(String path, String body) {
        return admin().body(body).when().post(path).then().log().ifValidationFails();
    }

    private static String compressedChunks() {
        return sql("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' "
                + "AND hypertable_name = 'metric_hist' AND is_compressed");
    }

    /** The native compression job of metric_hist: compress_after, schedule, scheduled. */
    private static String compressionJob() {
        return sql("SELECT (config ->> 'compress_after')::interval || '|' || schedule_interval || '|' || scheduled "
                + "FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' AND hypertable_name = 'metric_hist'");
    }

    /** Rows materialized for the hourly and the daily metric aggregate: "hourly|daily". */
    private static String materialized() {
        String hourly = sql("SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) "
                + "FROM timescaledb_information.continuous_aggregates WHERE view_name = 'metric_hourly_aggregate'");
        String daily = sql("SELECT format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name) "
                + "FROM timescaledb_information.continuous_aggregates WHERE view_name = 'metric_daily_aggregate'");
        return sql("SELECT (SELECT count(*) FROM " + hourly + ") || '|' || (SELECT count(*) FROM " + daily + ")");
    }

    @Test
    @Order(1)
    void setUpAFixedDayOfData() {
        assertEquals("timescale", sql("SHOW timescaledb.license"));
        for (String table : HYPERTABLES) {
            sql("SELECT factory_telemetry.set_retention('" + table + "', NULL)");
        }
        sql("SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000");
        // compression through the switch: paused in the catalog and the native job (stays paused when settings change)
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist/enabled", "{\"enabled\": false}")
                .statusCode(200).body("executor", equalTo("timescaledb"));
        assertEquals("f", sql("SELECT scheduled FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' "
                + "AND hypertable_name = 'metric_hist'"));
        assertEquals("paused", sql("SELECT status FROM factory_telemetry.v_compression_jobs WHERE hypertable_name = 'metric_hist'"));
        sql("INSERT INTO factory_telemetry.metric_def (metric_key, value_type) VALUES ('ops.a', 'REAL'), ('ops.b', 'REAL'), ('ops.c', 'REAL')");
        sql("INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real) "
                + "SELECT d.id, g, 20 + d.id + sin(extract(epoch FROM g) / 600) "
                + "FROM factory_telemetry.metric_def d, generate_series(timestamptz '" + DAY + "T00:00:00Z', timestamptz '" + DAY
                + "T01:59:59Z', interval '1 second') g WHERE d.metric_key LIKE 'ops.%'");
        assertEquals("21600", sql("SELECT count(*) FROM factory_telemetry.metric_hist"));
        assertEquals("2", sql("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metric_hist'"));
    }

    @Test
    @Order(2)
    void compressesNowAndAnswersTheRatioAchieved() {
        ValidatableResponse answer = post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"7 days\"}")
                .statusCode(200)
                .body("hypertable", equalTo("metric_hist"))
                .body("chunksCompressed", equalTo(2))
                .body("chunks", hasSize(2))
                .body("chunks[0].rangeStart", equalTo(DAY + "T00:00:00Z"))
                .body("ratio", greaterThan(1.0f));
        long before = answer.extract().jsonPath().getLong("beforeBytes");
        long after = answer.extract().jsonPath().getLong("afterBytes");
        System.out.printf("compress-now: 2 chunks, %d -> %d bytes, ratio %s%n", before, after, answer.extract().path("ratio"));
        assertTrue(before > after && after > 0, before + " -> " + after);
        assertEquals("2", compressedChunks());
        // the same rows, read back from compressed chunks
        assertEquals("21600", sql("SELECT count(*) FROM factory_telemetry.metric_hist"));
        // nothing left to compress
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"P7D\"}")
                .statusCode(200).body("chunksCompressed", equalTo(0)).body("ratio", nullValue());
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"-1 day\"}")
                .statusCode(422).contentType("application/problem+json");
        post("/api/v1/admin/lifecycle/hypertables/no_such_table/compress", "{\"olderThan\": \"7 days\"}").statusCode(404);
    }

    @Test
    @Order(3)
    void refusesASegmentByChangeWhileChunksAreCompressed() {
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist", "{\"segmentBy\": \"metric_id, quality\"}")
                .statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("metric_hist has 2 compressed chunk(s)"))
                .body("detail", containsString("decompress them first"));
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist", "{\"orderBy\": \"ts\"}").statusCode(409);
        // unchanged: the seeded layout of changeset 0016 (no segment-by column, ordered by metric_id, ts DESC)
        assertEquals("", sql("SELECT compress_segment_by FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'metric_hist'"));
        assertEquals("", sql("SELECT string_agg(attname, ', ' ORDER BY segmentby_column_index) FROM "
                + "timescaledb_information.compression_settings WHERE hypertable_name = 'metric_hist' AND segmentby_column_index IS NOT NULL"));
        // compress_after alone is no layout change: the native job follows, and stays paused
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist", "{\"compressAfter\": \"3 days\"}")
                .statusCode(200).body("executor", equalTo("timescaledb")).body("compressAfter", equalTo("3 days"))
                .body("compressionEnabled", equalTo(false)).body("jobStatus", equalTo("paused"));
        assertEquals("3 days|00:30:00|false", compressionJob());
    }

    @Test
    @Order(4)
    void decompressesARangeForABackfillThatThenGoesIn() {
        String firstChunk = sql("SELECT chunk_name FROM timescaledb_information.chunks WHERE hypertable_name = 'metric_hist' "
                + "ORDER BY range_start LIMIT 1");
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{\"chunk\": \"_hyper_999_999_chunk\"}")
                .statusCode(404).body("detail", containsString("no chunk \"_hyper_999_999_chunk\" of hypertable metric_hist"));
        post("/api/v1/admin/lifecycle/hypertables/oee_calculations/decompress", "{\"chunk\": \"" + firstChunk + "\"}")
                .statusCode(404).body("detail", containsString("of hypertable oee_calculations"));
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress",
                "{\"from\": \"" + DAY + "T00:30:00Z\", \"to\": \"" + DAY + "T00:40:00Z\"}")
                .statusCode(200).body("chunksDecompressed", equalTo(1)).body("chunks[0].chunk", equalTo(firstChunk));
        assertEquals("1", compressedChunks());
        // the backfill: corrected and late rows into the decompressed hour
        sql("INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real) SELECT id, timestamptz '" + DAY
                + "T00:30:00.5Z', 99 FROM factory_telemetry.metric_def WHERE metric_key = 'ops.a'");
        sql("UPDATE factory_telemetry.metric_hist SET value_real = 0 WHERE ts = '" + DAY + "T00:31:00Z'");
        assertEquals("21601|3", sql("SELECT count(*) || '|' || count(*) FILTER (WHERE value_real = 0) FROM factory_telemetry.metric_hist"));
        // by name: the other chunk
        String secondChunk = sql("SELECT chunk_name FROM timescaledb_information.chunks WHERE hypertable_name = 'metric_hist' AND is_compressed");
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{\"chunk\": \"" + secondChunk + "\"}")
                .statusCode(200).body("chunksDecompressed", equalTo(1)).body("chunks[0].chunk", equalTo(secondChunk));
        assertEquals("0", compressedChunks());
        // and again: nothing to do
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{\"chunk\": \"" + secondChunk + "\"}")
                .statusCode(200).body("chunksDecompressed", equalTo(0));
    }

    @Test
    @Order(5)
    void changesTheLayoutOnceNoChunkIsCompressed() {
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist", "{\"segmentBy\": \"metric_id\", \"orderBy\": \"ts DESC, quality\"}")
                .statusCode(200).body("compressOrderBy", equalTo("ts DESC, quality"));
        assertEquals("ts DESC, quality", sql("SELECT string_agg(attname || CASE WHEN orderby_asc THEN '' ELSE ' DESC' END, ', ' "
                + "ORDER BY orderby_column_index) FROM timescaledb_information.compression_settings "
                + "WHERE hypertable_name = 'metric_hist' AND orderby_column_index IS NOT NULL"));
        // back to the seeded layout, compressed again with it
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist", "{\"segmentBy\": \"\", \"orderBy\": \"metric_id, ts DESC\"}")
                .statusCode(200).body("compressOrderBy", equalTo("metric_id, ts DESC"));
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"7 days\"}")
                .statusCode(200).body("chunksCompressed", equalTo(2));
    }

    @Test
    @Order(6)
    void settingsAndSwitchesAreReflectedInTheNativeJobs() {
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist/enabled", "{\"enabled\": true}").statusCode(200);
        assertEquals("3 days|00:30:00|true", compressionJob());
        assertEquals("ok|never run", sql("SELECT coalesce(nullif(status, 'never run'), 'ok') || '|' || 'never run' "
                + "FROM factory_telemetry.v_compression_jobs WHERE hypertable_name = 'metric_hist'"));
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist/enabled", "{\"enabled\": false}").statusCode(200);
        assertEquals("3 days|00:30:00|false", compressionJob());

        // refresh policy: window and schedule replaced; switched off and on
        put("/api/v1/admin/lifecycle/policies/refresh/metric_daily_aggregate/enabled", "{\"enabled\": false}")
                .statusCode(200).body("executor", equalTo("timescaledb"));
        put("/api/v1/admin/lifecycle/policies/refresh/metric_daily_aggregate",
                "{\"startOffset\": \"20 days\", \"endOffset\": \"2 days\", \"schedule\": \"2 hours\"}")
                .statusCode(200).body("executor", equalTo("timescaledb")).body("refreshStartOffset", equalTo("20 days"))
                .body("refreshEnabled", equalTo(false));
        String job = "SELECT (config ->> 'start_offset')::interval || '|' || (config ->> 'end_offset')::interval || '|' "
                + "|| schedule_interval || '|' || scheduled FROM timescaledb_information.jobs j "
                + "JOIN timescaledb_information.continuous_aggregates ca ON ca.materialization_hypertable_name = j.hypertable_name "
                + "WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND ca.view_name = 'metric_daily_aggregate'";
        assertEquals("20 days|2 days|02:00:00|false", sql(job));
        assertEquals("paused", sql("SELECT status FROM factory_telemetry.v_lifecycle_jobs WHERE kind = 'refresh' "
                + "AND target = 'metric_daily_aggregate'"));
        put("/api/v1/admin/lifecycle/policies/refresh/metric_daily_aggregate/enabled", "{\"enabled\": true}").statusCode(200);
        assertEquals("20 days|2 days|02:00:00|true", sql(job));
        assertEquals("20 days|2 days|02:00:00", sql("SELECT refresh_start_offset || '|' || refresh_end_offset || '|' || refresh_schedule "
                + "FROM factory_telemetry.v_continuous_aggregate_status WHERE aggregate_name = 'metric_daily_aggregate'"));
        put("/api/v1/admin/lifecycle/policies/refresh/metric_daily_aggregate/enabled", "{\"enabled\": false}").statusCode(200);

        // retention: removed and re-added with the catalog's period (fault_event holds no rows here; quality_checks is
        // archived, so its retention is the service's archive job and has no native policy to switch)
        put("/api/v1/admin/lifecycle/retention/fault_event", "{\"retention\": \"400 days\"}").statusCode(200);
        put("/api/v1/admin/lifecycle/policies/retention/fault_event/enabled", "{\"enabled\": false}")
                .statusCode(200).body("executor", equalTo("none"));
        assertEquals("0", sql("SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' "
                + "AND hypertable_name = 'fault_event'"));
        put("/api/v1/admin/lifecycle/policies/retention/fault_event/enabled", "{\"enabled\": true}")
                .statusCode(200).body("executor", equalTo("timescaledb"));
        assertEquals("400 days", sql("SELECT config ->> 'drop_after' FROM timescaledb_information.jobs "
                + "WHERE proc_name = 'policy_retention' AND hypertable_name = 'fault_event'"));
        put("/api/v1/admin/lifecycle/retention/fault_event", "{\"retention\": \"1 year\"}").statusCode(200);
        // a table without a retention period cannot be switched on
        put("/api/v1/admin/lifecycle/policies/retention/energy_consumption/enabled", "{\"enabled\": true}")
                .statusCode(422).body("detail", containsString("has no retention period"));
    }

    @Test
    @Order(7)
    void refreshesContinuousAggregatesThroughTheApiInDependencyOrder() {
        // what is materialized (the aggregates themselves add unmaterialized buckets in real time)
        assertEquals("0|0", materialized());
        List<String> order = admin().queryParam("from", DAY + "T00:00:00Z").queryParam("to", "2026-03-03T00:00:00Z")
                .when().post("/api/v1/admin/lifecycle/aggregates/refresh")
                .then().statusCode(200)
                .body("error", org.hamcrest.Matchers.everyItem(nullValue()))
                .extract().jsonPath().getList("aggregate");
        assertTrue(order.indexOf("metric_hourly_aggregate") < order.indexOf("metric_daily_aggregate"), "hourly before daily: " + order);
        // the hourly aggregate holds the two hours of all three metrics (with the backfilled row), the daily one their sum
        assertEquals("6|3", materialized());
        assertEquals("6|21601", sql("SELECT count(*) || '|' || sum(samples) FROM factory_telemetry.metric_hourly_aggregate"));
        assertEquals("3|21601", sql("SELECT count(*) || '|' || sum(samples) FROM factory_telemetry.metric_daily_aggregate"));
        // the rest of the backlog, here reaching back to TimescaleDB's -infinity sentinel (no retention: no horizon)
        admin().when().post("/api/v1/admin/lifecycle/aggregates/refresh").then().log().ifValidationFails().statusCode(200)
                .body("error", org.hamcrest.Matchers.everyItem(nullValue()));
        assertEquals("0", sql("SELECT coalesce(sum(pending_ranges), 0) FROM factory_telemetry.v_aggregate_backlog "
                + "WHERE aggregate_name LIKE 'metric_%'"));
        assertEquals("6|21601", sql("SELECT count(*) || '|' || sum(samples) FROM factory_telemetry.metric_hourly_aggregate"));
    }

    @Test
    @Order(8)
    void maintenanceCatchesUpWithCompressionOfSwitchedOnTables() {
        // decompressed for a backfill and never compressed again: the catch-up compresses it, while compression is on
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress",
                "{\"from\": \"" + DAY + "T00:00:00Z\", \"to\": \"" + DAY + "T02:00:00Z\"}").statusCode(200).body("chunksDecompressed", equalTo(2));
        admin().when().post("/api/v1/admin/maintenance/runs").then().statusCode(201)
                .body("outcome", equalTo("success"))
                .body("steps.find { it.step == 'compression-catch-up' }.status", equalTo("done"))
                .body("steps.find { it.step == 'compression-catch-up' }.count", equalTo(0));
        assertEquals("0", compressedChunks());
        put("/api/v1/admin/lifecycle/policies/compression/metric_hist/enabled", "{\"enabled\": true}").statusCode(200);
        admin().when().post("/api/v1/admin/maintenance/runs").then().statusCode(201)
                .body("outcome", equalTo("success"))
                .body("steps.find { it.step == 'compression-catch-up' }.count", equalTo(2))
                .body("steps.find { it.step == 'compression-catch-up' }.detail", containsString("metric_hist 2"));
        assertEquals("2", compressedChunks());
    }
}
