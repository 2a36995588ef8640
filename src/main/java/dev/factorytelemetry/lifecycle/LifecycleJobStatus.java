package dev.factorytelemetry.lifecycle;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * The last run of every lifecycle job, native (TimescaleDB's job_stats and job_errors) or run by the
 * service, read from the view {@code factory_telemetry.v_lifecycle_jobs}: the one source of the
 * readiness details, {@code /api/v1/system/info} and the admin API, so that they agree with each other
 * and with the SQL views. Lifecycle is {@code degraded} while any job's last run failed.
 */
@ApplicationScoped
public class LifecycleJobStatus {

    static final String JOBS_SQL = """
            SELECT kind, target, executor, job_id, last_run_at, last_status, last_success_at, last_error, next_run_at,
                   total_runs, total_failures, status
            FROM factory_telemetry.v_lifecycle_jobs
            ORDER BY kind, target
            """;

    /** Overall state: every job's last run succeeded (or it has not run yet), or some are failing. */
    public static final String OK = "ok";
    public static final String DEGRADED = "degraded";

    /**
     * One job. {@code kind}: compression, retention, refresh (of an aggregate) or job (a scheduled job of
     * the service as a whole); {@code executor}: timescaledb or service; {@code lastStatus}: Success or
     * Failed; {@code status}: ok, failing, paused or never run.
     */
    public record Job(String kind, String target, String executor, Integer jobId, OffsetDateTime lastRunAt,
                      String lastStatus, OffsetDateTime lastSuccessAt, String lastError, OffsetDateTime nextRunAt,
                      Long totalRuns, Long totalFailures, String status) {

        public boolean failing() {
            return "failing".equals(status);
        }

        /** E.g. "compression of metric_hist (timescaledb job 1000, last run 2026-...): error". */
        public String problem() {
            return kind + " of " + target + " (" + executor + (jobId != null ? " job " + jobId : "")
                    + ", last run " + lastRunAt + (lastSuccessAt != null ? ", last success " + lastSuccessAt : ", never succeeded")
                    + "): " + lastError;
        }
    }

    /** {@code status} ok or degraded; {@code problems}: one line per failing job. */
    public record Summary(String status, List<String> problems, List<Job> jobs) {
    }

    private final Pool pool;

    public LifecycleJobStatus(Pool pool) {
        this.pool = pool;
    }

    public Uni<Summary> summary() {
        return pool.query(JOBS_SQL).execute().map(rows -> {
            List<Job> jobs = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (Row row : rows) {
                Job job = new Job(row.getString("kind"), row.getString("target"), row.getString("executor"),
                        row.getInteger("job_id"), row.getOffsetDateTime("last_run_at"), row.getString("last_status"),
                        row.getOffsetDateTime("last_success_at"), row.getString("last_error"),
                        row.getOffsetDateTime("next_run_at"), row.getLong("total_runs"), row.getLong("total_failures"),
                        row.getString("status"));
                jobs.add(job);
                if (job.failing()) {
                    problems.add(job.problem());
                }
            }
            return new Summary(problems.isEmpty() ? OK : DEGRADED, List.copyOf(problems), List.copyOf(jobs));
        });
    }
}
