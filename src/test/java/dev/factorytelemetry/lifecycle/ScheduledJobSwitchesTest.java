package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scheduled lifecycle jobs with the scheduler on (own database, 1 s ticks): the per-job off switch keeps
 * {@code enforce-retention} from ever running while the other jobs run on their schedule; a job that fails is
 * logged, counted in {@code factory_telemetry_job_runs_total{outcome="error"}} and recorded with its error, and the
 * schedule goes on.
 */
@QuarkusTest
@TestProfile(ScheduledJobSwitchesTest.RetentionOff.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "job-switches"))
class ScheduledJobSwitchesTest {

    public static class RetentionOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.lifecycle.enabled", "true",
                    "telemetry.lifecycle.retention-enabled", "false",
                    "telemetry.lifecycle.initial-delay", "1s",
                    "telemetry.lifecycle.refresh-tick", "1s",
                    "telemetry.lifecycle.backfill-tick", "1s",
                    "telemetry.lifecycle.retention-interval", "1s");
        }
    }

    @Inject
    ExclusiveJobs jobs;
    @Inject
    MeterRegistry registry;

    private static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    private static long runs(String job) {
        String value = sql("SELECT coalesce((SELECT total_runs FROM factory_telemetry.service_job_state WHERE job = '" + job + "'), 0)");
        return Long.parseLong(value);
    }

    @Test
    void aJobTurnedOffNeverRunsWhileTheOthersRunOnSchedule() {
        // three runs of each job that is on, on a 1 s schedule: retention, on the same schedule, would have run as often
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                runs(LifecycleScheduler.REFRESH_JOB) >= 3 && runs(LifecycleScheduler.BACKFILL_JOB) >= 3);
        assertEquals(0, runs(LifecycleScheduler.RETENTION_JOB), "enforce-retention is off");
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("factory_telemetry_job_runs_total{job=\"refresh-service-aggregates\",outcome=\"success\"}"))
                .body(not(containsString("job=\"enforce-retention\"")));
    }

    @Test
    void aFailingJobIsCountedAndRecordedWithItsError() {
        String job = "failing-test-job";
        double before = errors(job);
        ExclusiveJobs.JobRun<List<String>> run = jobs.<List<String>>run(job,
                        () -> Uni.createFrom().failure(new IllegalStateException("the test's failure")), result -> List.of())
                .await().atMost(Duration.ofSeconds(30));
        assertEquals(ExclusiveJobs.Outcome.ERROR, run.outcome());
        assertEquals(before + 1, errors(job));
        assertEquals("error|the test's failure", sql("SELECT last_outcome || '|' || last_error FROM factory_telemetry.service_job_state "
                + "WHERE job = '" + job + "'"));
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("factory_telemetry_job_runs_total{job=\"failing-test-job\",outcome=\"error\"} " + (before + 1)));
        assertTrue(runs(job) >= 1);
    }

    private double errors(String job) {
        Counter counter = registry.find("factory_telemetry.job.runs").tags("job", job, "outcome", "error").counter();
        return counter == null ? 0 : counter.count();
    }
}
