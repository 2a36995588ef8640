package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A failing native TimescaleDB job shows on every surface. The compression policy job of fault_event
 * is pointed at a hypertable id that does not exist (its config, changed in TimescaleDB's catalog, as
 * alter_job would refuse it) and started by TimescaleDB's own scheduler in the background; its run fails
 * deterministically. Then the job's config is restored, the next background run succeeds, and every
 * surface says ok again. Own database; skipped with its reason where the Community edition is missing.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "job-status")})
@ExtendWith(DefaultTestAuthentication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobStatusCommunityTest {

    private static final String CHECK = "checks.find { it.name == 'timescaledb' }";
    private static final String FAULT_EVENT = "find { it.hypertableName == 'fault_event' }";

    private static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    private static String jobId() {
        return sql("SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression' "
                + "AND hypertable_name = 'fault_event'");
    }

    /** Lets TimescaleDB's scheduler run the job now (in the background, as in production). */
    private static void runInBackgroundAndAwait(String jobId, String expectedStatus) {
        String runsBefore = sql("SELECT coalesce(total_runs, 0) FROM timescaledb_information.job_stats WHERE job_id = " + jobId);
        sql("SELECT alter_job(" + jobId + ", next_start => now())");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() ->
                !runsBefore.equals(sql("SELECT coalesce(total_runs, 0) FROM timescaledb_information.job_stats WHERE job_id = " + jobId))
                        && expectedStatus.equals(sql("SELECT last_run_status FROM timescaledb_information.job_stats WHERE job_id = " + jobId)));
    }

    @Test
    @Order(1)
    void aFailingNativeJobShowsOnEverySurface() {
        assertEquals("timescale", sql("SHOW timescaledb.license"));
        String job = jobId();
        String config = sql("SELECT config FROM _timescaledb_config.bgw_job WHERE id = " + job);
        // due now, and broken, in one transaction (alter_job checks the config, so it comes first); the
        // scheduler starts it once this commits
        sql("SELECT alter_job(" + job + ", next_start => now()); "
                + "UPDATE _timescaledb_config.bgw_job SET config = jsonb_set(config, '{hypertable_id}', '999999') WHERE id = " + job);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() ->
                "Failed".equals(sql("SELECT last_run_status FROM timescaledb_information.job_stats WHERE job_id = " + job)));

        // the SQL views know ...
        assertEquals("failing", sql("SELECT status FROM factory_telemetry.v_compression_jobs WHERE hypertable_name = 'fault_event'"));
        String error = sql("SELECT last_error FROM factory_telemetry.v_lifecycle_jobs WHERE kind = 'compression' AND target = 'fault_event'");
        org.hamcrest.MatcherAssert.assertThat(error, notNullValue());
        assertEquals(sql("SELECT err_message FROM timescaledb_information.job_errors WHERE job_id = " + job
                + " ORDER BY start_time DESC LIMIT 1"), error, "the error TimescaleDB recorded");
        // ... and so does every surface
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body(CHECK + ".data.lifecycle", equalTo("degraded"))
                .body(CHECK + ".data.lifecycleProblems", allOf(containsString("compression of fault_event (timescaledb job " + job),
                        containsString(error)));
        given().get("/api/v1/system/info").then().statusCode(200)
                .body("lifecycle.status", equalTo("degraded"))
                .body("lifecycle.problems", hasSize(1))
                .body("lifecycle.jobs.find { it.kind == 'compression' && it.target == 'fault_event' }.jobId", equalTo(Integer.parseInt(job)))
                .body("lifecycle.jobs.find { it.kind == 'compression' && it.target == 'fault_event' }.lastStatus", equalTo("Failed"))
                .body("lifecycle.jobs.find { it.kind == 'compression' && it.target == 'fault_event' }.lastError", equalTo(error));
        given().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(200)
                .body(FAULT_EVENT + ".compressionStatus", equalTo("failing"))
                .body(FAULT_EVENT + ".compressionLastStatus", equalTo("Failed"))
                .body(FAULT_EVENT + ".compressionLastRunAt", notNullValue())
                .body(FAULT_EVENT + ".compressionLastError", equalTo(error))
                .body(FAULT_EVENT + ".retentionExecutor", equalTo("timescaledb"));

        // repaired: the next background run succeeds and every surface says so
        sql("UPDATE _timescaledb_config.bgw_job SET config = '" + config + "' WHERE id = " + job);
        runInBackgroundAndAwait(job, "Success");
        assertEquals("ok", sql("SELECT status FROM factory_telemetry.v_compression_jobs WHERE hypertable_name = 'fault_event'"));
        given().get("/q/health/ready").then().statusCode(200)
                .body(CHECK + ".data.lifecycle", equalTo("ok"))
                .body(CHECK + ".data.lifecycleProblems", nullValue());
        given().get("/api/v1/system/info").then().statusCode(200).body("lifecycle.status", equalTo("ok"));
        given().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(200)
                .body(FAULT_EVENT + ".compressionStatus", equalTo("ok"))
                .body(FAULT_EVENT + ".compressionLastSuccessAt", notNullValue())
                .body(FAULT_EVENT + ".compressionLastError", nullValue());
    }
}
