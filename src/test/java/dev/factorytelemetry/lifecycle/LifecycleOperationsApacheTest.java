package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operations endpoints on the Apache edition: compression and decompression answer 409 with the edition in the
 * detail, settings and policy switches change the catalog (and the service's executors follow it), maintenance runs
 * and their history. Names are checked against the catalog, scopes enforced. A database of its own ("scenario"),
 * since it changes the catalog.
 */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "lifecycle-operations"))
class LifecycleOperationsApacheTest {

    private static final String APACHE_409 =
            "compression is not available on the apache edition of TimescaleDB (timescaledb.license=apache)";

    @Inject
    AggregateRefresher aggregateRefresher;

    private static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    private static RequestSpecification admin() {
        return given().header("Authorization", TestKeys.bearer(Scope.ADMIN)).contentType(ContentType.JSON);
    }

    private static ValidatableResponse put(String path, String body) {
        return admin().body(body).when().put(path).then();
    }

    private static ValidatableResponse post(String path, String body) {
        return admin().body(body).when().post(path).then();
    }

    @Test
    void compressAndDecompressAreNotAvailableOnTheApacheEdition() {
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"7 days\"}")
                .statusCode(409).contentType("application/problem+json").body("detail", equalTo(APACHE_409));
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{\"chunk\": \"_hyper_1_1_chunk\"}")
                .statusCode(409).contentType("application/problem+json").body("detail", equalTo(APACHE_409));
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress",
                "{\"from\": \"2026-03-02T00:00:00Z\", \"to\": \"2026-03-03T00:00:00Z\"}")
                .statusCode(409).body("detail", equalTo(APACHE_409));
    }

    @Test
    void compressionNamesAndBodiesAreChecked() {
        for (String name : List.of("pg_class", "metric_hist_x", "oee_hourly_aggregate", "metric_hist;DROP TABLE x")) {
            post("/api/v1/admin/lifecycle/hypertables/" + name + "/compress", "{\"olderThan\": \"7 days\"}")
                    .statusCode(404).contentType("application/problem+json").body("detail", containsString("policy catalog"));
            post("/api/v1/admin/lifecycle/hypertables/" + name + "/decompress", "{\"chunk\": \"_hyper_1_1_chunk\"}")
                    .statusCode(404).contentType("application/problem+json");
        }
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{}").statusCode(400);
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"7 days\", \"x\": 1}").statusCode(400);
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{}").statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("one chunk or one range"));
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress",
                "{\"chunk\": \"c\", \"from\": \"2026-03-02T00:00:00Z\", \"to\": \"2026-03-03T00:00:00Z\"}").statusCode(400);
        post("/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{\"from\": \"2026-03-02T00:00:00Z\"}")
                .statusCode(400).body("detail", containsString("from and to go together"));
    }

    @Test
    void needsTheAdminScope() {
        List<String[]> endpoints = List.of(
                new String[] {"POST", "/api/v1/admin/lifecycle/hypertables/metric_hist/compress", "{\"olderThan\": \"7 days\"}"},
                new String[] {"POST", "/api/v1/admin/lifecycle/hypertables/metric_hist/decompress", "{\"chunk\": \"c\"}"},
                new String[] {"PUT", "/api/v1/admin/lifecycle/policies/compression/metric_hist", "{\"compressAfter\": \"3 days\"}"},
                new String[] {"PUT", "/api/v1/admin/lifecycle/policies/refresh/oee_hourly_aggregate", "{\"schedule\": \"10 minutes\"}"},
                new String[] {"PUT", "/api/v1/admin/lifecycle/policies/retention/metric_hist/enabled", "{\"enabled\": true}"},
                new String[] {"POST", "/api/v1/admin/maintenance/runs", ""},
                new String[] {"GET", "/api/v1/admin/maintenance/runs", ""},
                new String[] {"GET", "/api/v1/admin/maintenance/runs/1", ""});
        for (String[] e : endpoints) {
            given().contentType(ContentType.JSON).body(e[2]).when().request(e[0], e[1]).then().statusCode(401);
            for (Scope scope : List.of(Scope.READ, Scope.INGEST)) {
                given().header("Authorization", TestKeys.bearer(scope)).contentType(ContentType.JSON).body(e[2])
                        .when().request(e[0], e[1]).then().statusCode(403).contentType("application/problem+json");
            }
        }
    }

    @Test
    void compressionSettingsGoToTheCatalog() {
        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption",
                "{\"compressAfter\": \"3 days\", \"segmentBy\": \"equipment_id, line_id\", \"orderBy\": \"consumption_time desc\"}")
                .statusCode(200)
                .body("executor", equalTo("unavailable"))
                .body("compression", equalTo("unavailable"))
                .body("compressAfter", equalTo("3 days"))
                .body("compressSegmentBy", equalTo("equipment_id, line_id"))
                .body("compressOrderBy", equalTo("consumption_time DESC"));
        assertEquals("3 days|equipment_id, line_id|consumption_time DESC", sql("SELECT compress_after || '|' || compress_segment_by || '|' "
                + "|| compress_order_by FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'energy_consumption'"));
        assertEquals("3 days|equipment_id, line_id", sql("SELECT compress_after || '|' || compress_segment_by "
                + "FROM factory_telemetry.v_compression_statistics WHERE hypertable_name = 'energy_consumption'"));
        // an absent member stays as it is
        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption", "{\"compressAfter\": \"P5D\"}")
                .statusCode(200).body("compressAfter", equalTo("5 days")).body("compressSegmentBy", equalTo("equipment_id, line_id"));

        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption", "{\"segmentBy\": \"equipment_id, no_such_column\"}")
                .statusCode(422).contentType("application/problem+json")
                .body("detail", containsString("\"no_such_column\" is not a column of energy_consumption"));
        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption", "{\"orderBy\": \"consumption_time; DROP TABLE x\"}")
                .statusCode(422).body("detail", containsString("is not a column name"));
        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption", "{\"compressAfter\": \"soon\"}").statusCode(422);
        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption", "{\"compressAfter\": \"2 years\"}")
                .statusCode(422).body("detail", containsString("shorter than its retention"));
        put("/api/v1/admin/lifecycle/policies/compression/energy_consumption", "{}").statusCode(400);
        put("/api/v1/admin/lifecycle/policies/compression/no_such_table", "{\"compressAfter\": \"3 days\"}")
                .statusCode(404).contentType("application/problem+json");
        // refusals changed nothing
        assertEquals("5 days|equipment_id, line_id|consumption_time DESC", sql("SELECT compress_after || '|' || compress_segment_by "
                + "|| '|' || compress_order_by FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'energy_consumption'"));
    }

    @Test
    void refreshPolicyGoesToTheCatalogAndTheServiceFollowsItsSchedule() {
        put("/api/v1/admin/lifecycle/policies/refresh/energy_hourly_aggregate",
                "{\"startOffset\": \"14 days\", \"schedule\": \"10 minutes\"}")
                .statusCode(200)
                .body("executor", equalTo("service"))
                .body("refreshStartOffset", equalTo("14 days"))
                .body("refreshEndOffset", equalTo("01:00:00"))
                .body("refreshSchedule", equalTo("00:10:00"));
        admin().when().get("/api/v1/admin/lifecycle/aggregates").then().statusCode(200)
                .body("find { it.aggregateName == 'energy_hourly_aggregate' }.refreshSchedule", equalTo("00:10:00"))
                .body("find { it.aggregateName == 'energy_hourly_aggregate' }.refreshStartOffset", equalTo("14 days"));
        assertEquals("00:10:00", sql("SELECT refresh_schedule FROM factory_telemetry.v_continuous_aggregate_status "
                + "WHERE aggregate_name = 'energy_hourly_aggregate'"));

        // metric_hist keeps 90 days: a 100-day window would re-materialize buckets whose raw rows are gone
        put("/api/v1/admin/lifecycle/policies/refresh/metric_hourly_aggregate", "{\"startOffset\": \"100 days\"}")
                .statusCode(422).body("detail", containsString("reaches past the retention"));
        put("/api/v1/admin/lifecycle/policies/refresh/metric_hourly_aggregate", "{\"startOffset\": \"1 hour\", \"endOffset\": \"2 hours\"}")
                .statusCode(422).body("detail", containsString("must be greater than end offset"));
        put("/api/v1/admin/lifecycle/policies/refresh/metric_hourly_aggregate", "{\"schedule\": \"often\"}").statusCode(422);
        put("/api/v1/admin/lifecycle/policies/refresh/metric_hist", "{\"schedule\": \"10 minutes\"}").statusCode(404);
        put("/api/v1/admin/lifecycle/policies/refresh/metric_hourly_aggregate", "{}").statusCode(400);
        assertEquals("7 days", sql("SELECT refresh_start_offset FROM factory_telemetry.aggregate_policy "
                + "WHERE aggregate_name = 'metric_hourly_aggregate'"));
    }

    @Test
    void policiesAreSwitchedOffAndOnInTheCatalogAndTheServiceExecutors() {
        // refresh: a switched-off aggregate is never due for the scheduled refresh, and says so in the admin API
        sql("DELETE FROM factory_telemetry.aggregate_refresh_state WHERE aggregate_name = 'downtime_daily_aggregate'");
        put("/api/v1/admin/lifecycle/policies/refresh/downtime_daily_aggregate/enabled", "{\"enabled\": false}")
                .statusCode(200).body("kind", equalTo("refresh")).body("enabled", equalTo(false)).body("executor", equalTo("service"));
        admin().when().get("/api/v1/admin/lifecycle/aggregates").then().statusCode(200)
                .body("find { it.aggregateName == 'downtime_daily_aggregate' }.refreshEnabled", equalTo(false));
        List<String> refreshed = aggregateRefresher.refreshDue().await().indefinitely().stream()
                .map(AggregateRefresher.Outcome::aggregate).toList();
        assertFalse(refreshed.contains("downtime_daily_aggregate"), "paused aggregate refreshed: " + refreshed);
        put("/api/v1/admin/lifecycle/policies/refresh/downtime_daily_aggregate/enabled", "{\"enabled\": true}").statusCode(200);
        sql("DELETE FROM factory_telemetry.aggregate_refresh_state WHERE aggregate_name = 'downtime_daily_aggregate'");
        refreshed = aggregateRefresher.refreshDue().await().indefinitely().stream().map(AggregateRefresher.Outcome::aggregate).toList();
        assertTrue(refreshed.contains("downtime_daily_aggregate"), "resumed aggregate not refreshed: " + refreshed);

        // retention: the service's executor stops (v_retention_policies: none) and resumes with the catalog's period
        put("/api/v1/admin/lifecycle/policies/retention/quality_checks/enabled", "{\"enabled\": false}")
                .statusCode(200).body("executor", equalTo("none"));
        assertEquals("false|none|7 years", sql("SELECT enabled || '|' || executor || '|' || retention FROM factory_telemetry.v_retention_policies "
                + "WHERE kind = 'hypertable' AND target = 'quality_checks'"));
        put("/api/v1/admin/lifecycle/policies/retention/quality_checks/enabled", "{\"enabled\": true}")
                .statusCode(200).body("executor", equalTo("service"));
        assertEquals("true|service", sql("SELECT enabled || '|' || executor FROM factory_telemetry.v_retention_policies "
                + "WHERE kind = 'hypertable' AND target = 'quality_checks'"));

        // compression: kept in the catalog for the day the server runs the Community edition
        put("/api/v1/admin/lifecycle/policies/compression/quality_checks/enabled", "{\"enabled\": false}")
                .statusCode(200).body("executor", equalTo("unavailable"));
        assertEquals("f", sql("SELECT compression_enabled FROM factory_telemetry.hypertable_policy WHERE hypertable_name = 'quality_checks'"));
        admin().when().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(200)
                .body("find { it.hypertableName == 'quality_checks' }.compressionEnabled", equalTo(false));
        put("/api/v1/admin/lifecycle/policies/compression/quality_checks/enabled", "{\"enabled\": true}").statusCode(200);

        put("/api/v1/admin/lifecycle/policies/vacuum/quality_checks/enabled", "{\"enabled\": true}").statusCode(404)
                .contentType("application/problem+json");
        put("/api/v1/admin/lifecycle/policies/refresh/quality_checks/enabled", "{\"enabled\": true}").statusCode(404);
        put("/api/v1/admin/lifecycle/policies/retention/quality_daily_aggregate/enabled", "{\"enabled\": true}").statusCode(404);
        put("/api/v1/admin/lifecycle/policies/retention/quality_checks/enabled", "{}").statusCode(400);
        put("/api/v1/admin/lifecycle/policies/retention/quality_checks/enabled", "{\"enabled\": \"false\"}").statusCode(400);
    }

    @Test
    void maintenanceRunsOnDemandAndIsRecorded() throws Exception {
        // a chunk being written now: the analyze step must find it, on any date
        sql("INSERT INTO factory_telemetry.metric_def (metric_key, value_type) VALUES ('ops.analyze', 'REAL') ON CONFLICT DO NOTHING");
        sql("INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real) SELECT id, now(), 1 "
                + "FROM factory_telemetry.metric_def WHERE metric_key = 'ops.analyze' ON CONFLICT DO NOTHING");
        String location = admin().when().post("/api/v1/admin/maintenance/runs").then()
                .statusCode(201)
                .header("Location", containsString("/api/v1/admin/maintenance/runs/"))
                .body("trigger", equalTo("api"))
                .body("outcome", equalTo("success"))
                .body("finishedAt", notNullValue())
                .body("errors", org.hamcrest.Matchers.empty())
                .body("steps.step", equalTo(List.of("analyze", "job-failure-check", "compression-catch-up",
                        "aggregate-backlog", "history-cleanup")))
                .body("steps.find { it.step == 'analyze' }.status", equalTo("done"))
                .body("steps.find { it.step == 'analyze' }.count", greaterThanOrEqualTo(1))
                .body("steps.find { it.step == 'analyze' }.detail", containsString("metric_hist"))
                .body("steps.find { it.step == 'compression-catch-up' }.status", equalTo("skipped"))
                .body("steps.find { it.step == 'compression-catch-up' }.detail", equalTo(APACHE_409))
                .body("steps.find { it.step == 'aggregate-backlog' }.status", equalTo("done"))
                .extract().header("Location");
        long runId = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
        assertTrue(Long.parseLong(sql("SELECT count(*) FROM pg_stat_user_tables s JOIN timescaledb_information.chunks c "
                + "ON c.chunk_schema = s.schemaname AND c.chunk_name = s.relname WHERE c.hypertable_name = 'metric_hist' "
                + "AND s.last_analyze IS NOT NULL")) >= 1, "the chunk being written was analyzed");
        assertEquals("api|success|5", sql("SELECT trigger || '|' || outcome || '|' || jsonb_array_length(steps) "
                + "FROM factory_telemetry.maintenance_run WHERE run_id = " + runId));

        admin().when().get("/api/v1/admin/maintenance/runs/" + runId).then().statusCode(200)
                .body("runId", equalTo((int) runId)).body("outcome", equalTo("success"))
                .body("steps[0].step", equalTo("analyze"));
        admin().when().post("/api/v1/admin/maintenance/runs").then().statusCode(201);
        admin().queryParam("limit", 1).when().get("/api/v1/admin/maintenance/runs").then().statusCode(200)
                .body("", org.hamcrest.Matchers.hasSize(1)).body("[0].runId", org.hamcrest.Matchers.greaterThan((int) runId));
        admin().queryParam("before", runId + 1).when().get("/api/v1/admin/maintenance/runs").then().statusCode(200)
                .body("[0].runId", equalTo((int) runId));
        admin().when().get("/api/v1/admin/maintenance/runs").then().statusCode(200)
                .body("runId", hasItem((int) runId)).body("trigger", everyItem(equalTo("api")));
        admin().queryParam("limit", 0).when().get("/api/v1/admin/maintenance/runs").then().statusCode(400);
        admin().queryParam("limit", 101).when().get("/api/v1/admin/maintenance/runs").then().statusCode(400);
        admin().queryParam("limit", "ten").when().get("/api/v1/admin/maintenance/runs").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("limit must be a whole number"));
        admin().queryParam("before", "1e400").when().get("/api/v1/admin/maintenance/runs").then().statusCode(400)
                .body("detail", containsString("before must be a whole number"));
        admin().when().get("/api/v1/admin/maintenance/runs/987654321").then().statusCode(404).contentType("application/problem+json");
        admin().when().get("/api/v1/admin/maintenance/runs/abc").then().statusCode(404);

        // the job's row and the metric
        assertEquals("success", sql("SELECT last_outcome FROM factory_telemetry.service_job_state WHERE job = 'maintenance'"));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("factory_telemetry_maintenance_runs_total{outcome=\"success\"}"));
    }

    @Test
    void maintenanceRunsOnOneReplicaAtATime() throws Exception {
        // another replica holds the maintenance job's lock
        try (Connection other = DriverManager.getConnection(
                TimescaleTestResource.currentCluster.jdbcUrl(TimescaleTestResource.currentDatabase),
                dev.factorytelemetry.support.LocalTimescale.USER, dev.factorytelemetry.support.LocalTimescale.PASSWORD)) {
            other.setAutoCommit(false);
            try (Statement statement = other.createStatement()) {
                statement.execute("SELECT pg_advisory_xact_lock(hashtext('factory_telemetry.scheduled_job'), hashtext('maintenance'))");
            }
            admin().when().post("/api/v1/admin/maintenance/runs").then().statusCode(409)
                    .contentType("application/problem+json").body("detail", containsString("maintenance"));
            other.rollback();
        }
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("factory_telemetry_maintenance_runs_total{outcome=\"skipped\"}"));
        admin().when().post("/api/v1/admin/maintenance/runs").then().statusCode(201).body("outcome", equalTo("success"))
                .body("replica", notNullValue()).body("errors", org.hamcrest.Matchers.empty())
                .body("steps.find { it.step == 'history-cleanup' }.count", equalTo(0))
                .body("finishedAt", notNullValue()).body("steps.find { it.step == 'x' }", nullValue());
    }
}
