package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A failing service-run job (retention of fault_event, made to fail by a view that depends on one of its
 * expired chunks, as a DBA's ad-hoc view would) shows as failing on every surface — the SQL views,
 * readiness (UP, lifecycle degraded with the reason), /api/v1/system/info, the admin hypertables list,
 * the job-run metric — and as ok again once it succeeds. Own database: it breaks a job on purpose.
 */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "job-status"))
@ExtendWith(DefaultTestAuthentication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobStatusApacheTest {

    private static final String CHECK = "checks.find { it.name == 'timescaledb' }";
    private static final String FAULT_EVENT = "find { it.hypertableName == 'fault_event' }";

    private static String sql(String query) {
        LocalTimescale cluster = TimescaleTestResource.currentCluster;
        return cluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    private static double metric(String series) {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElse(0);
    }

    @Test
    @Order(1)
    void noJobHasFailedYet() {
        given().get("/q/health/ready").then().statusCode(200)
                .body(CHECK + ".status", equalTo("UP"))
                .body(CHECK + ".data.lifecycle", equalTo("ok"))
                .body(CHECK + ".data.lifecycleProblems", nullValue());
        given().get("/api/v1/system/info").then().statusCode(200)
                .body("lifecycle.status", equalTo("ok"))
                .body("lifecycle.problems", hasSize(0))
                .body("lifecycle.jobs.find { it.kind == 'retention' && it.target == 'fault_event' }.executor", equalTo("service"));
    }

    @Test
    @Order(2)
    void aFailingRetentionShowsOnEverySurface() {
        sql("""
                INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('S1', 'Status line');
                INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id)
                SELECT 'S1.press', 'Press', id FROM factory_telemetry.production_lines WHERE line_code = 'S1';
                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
                SELECT id, line_id, 1, '2024-01-10', '2024-01-10 00:01' FROM factory_telemetry.equipment WHERE equipment_code = 'S1.press';
                """);
        String chunk = sql("SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
                + "WHERE hypertable_name = 'fault_event' AND range_end <= '2024-02-01'");
        sql("CREATE VIEW public.pinned_fault_chunk AS SELECT * FROM " + chunk);

        given().post("/api/v1/admin/lifecycle/retention/enforce").then().statusCode(200)
                .body("find { it.target == 'fault_event' }.error", containsString("depend"))
                .body("find { it.target == 'fault_event' }.droppedChunks", equalTo(0));

        // the SQL views know ...
        assertEquals("service|t", sql("SELECT executor, last_error IS NOT NULL FROM factory_telemetry.v_retention_policies "
                + "WHERE kind = 'hypertable' AND target = 'fault_event'"));
        assertEquals("Failed|failing", sql("SELECT last_status, status FROM factory_telemetry.v_lifecycle_jobs "
                + "WHERE kind = 'retention' AND target = 'fault_event'"));
        assertEquals("1", sql("SELECT count(*) FROM factory_telemetry.v_lifecycle_jobs WHERE status = 'failing'"));
        // ... and so does every surface
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(CHECK + ".data.lifecycle", equalTo("degraded"))
                .body(CHECK + ".data.lifecycleProblems", allOf(containsString("retention of fault_event (service"),
                        containsString("never succeeded"), containsString("depend")));
        given().get("/api/v1/system/info").then().statusCode(200)
                .body("lifecycle.status", equalTo("degraded"))
                .body("lifecycle.problems", hasSize(1))
                .body("lifecycle.jobs.find { it.kind == 'retention' && it.target == 'fault_event' }.status", equalTo("failing"))
                .body("lifecycle.jobs.find { it.kind == 'retention' && it.target == 'fault_event' }.lastError", containsString("depend"));
        given().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(200)
                .body(FAULT_EVENT + ".retentionStatus", equalTo("failing"))
                .body(FAULT_EVENT + ".retentionLastStatus", equalTo("Failed"))
                .body(FAULT_EVENT + ".retentionLastRunAt", notNullValue())
                .body(FAULT_EVENT + ".retentionLastSuccessAt", nullValue())
                .body(FAULT_EVENT + ".retentionLastError", containsString("depend"))
                .body("find { it.hypertableName == 'metric_hist' }.retentionStatus", equalTo("ok"));
        assertEquals(1.0, metric("factory_telemetry_job_runs_total{job=\"enforce-retention\",outcome=\"failed\"}"));
    }

    @Test
    @Order(3)
    void aSucceedingRunClearsTheFailure() {
        sql("DROP VIEW public.pinned_fault_chunk");
        given().post("/api/v1/admin/lifecycle/retention/enforce").then().statusCode(200)
                .body("find { it.target == 'fault_event' }.droppedChunks", equalTo(1));
        given().get("/q/health/ready").then().statusCode(200)
                .body(CHECK + ".data.lifecycle", equalTo("ok"));
        given().get("/api/v1/system/info").then().statusCode(200).body("lifecycle.status", equalTo("ok"));
        given().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(200)
                .body(FAULT_EVENT + ".retentionStatus", equalTo("ok"))
                .body(FAULT_EVENT + ".retentionLastSuccessAt", notNullValue())
                .body(FAULT_EVENT + ".retentionLastError", nullValue());
        assertEquals("2|1", sql("SELECT total_runs, total_failures FROM factory_telemetry.service_job_state WHERE job = 'enforce-retention'"));
        assertEquals(1.0, metric("factory_telemetry_job_runs_total{job=\"enforce-retention\",outcome=\"success\"}"));
    }
}
