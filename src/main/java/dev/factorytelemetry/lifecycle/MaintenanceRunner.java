package dev.factorytelemetry.lifecycle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SkipUntilStarted;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The maintenance run, on schedule ({@link MaintenanceConfig#schedule()}) and on demand. Its steps, one after the
 * other, each recorded with what it did; a failing step is recorded and the next one runs:
 * <ol>
 *   <li>{@code analyze}: ANALYZE of the uncompressed chunks holding rows of the last {@code analyze-window} (the ones
 *       being written; autovacuum's statistics lag behind them, and the planner's row estimates with them);</li>
 *   <li>{@code job-failure-check}: every lifecycle job whose last run failed (v_lifecycle_jobs), logged as a warning;</li>
 *   <li>{@code compression-catch-up} (Community edition): compresses every chunk past its table's compress_after that
 *       the compression jobs have not compressed yet (a paused or failing job, chunks decompressed for a backfill);</li>
 *   <li>{@code aggregate-backlog}: brings pending invalidations into the aggregates (the backfill job on the Community
 *       edition, due service aggregates on the Apache edition; each under its own job lock) and reports what is left;</li>
 *   <li>{@code history-cleanup}: deletes runs older than {@code history-retention}.</li>
 * </ol>
 * A run holds the {@code maintenance} job lock of {@link ExclusiveJobs} (one replica at a time), is recorded in
 * {@code factory_telemetry.maintenance_run}, and counted in {@code factory_telemetry_maintenance_runs_total{outcome}}:
 * {@code success}, {@code failed} (a step failed), {@code error} (the run could not be recorded), {@code skipped}.
 */
@ApplicationScoped
public class MaintenanceRunner {

    private static final Logger LOG = Logger.getLogger(MaintenanceRunner.class);

    /** Job name: advisory lock key, metric tag, row of service_job_state. */
    public static final String JOB = "maintenance";

    static final String START_SQL = """
            INSERT INTO factory_telemetry.maintenance_run (trigger, replica) VALUES ($1, $2) RETURNING run_id
            """;

    static final String FINISH_SQL = """
            UPDATE factory_telemetry.maintenance_run
               SET finished_at = clock_timestamp(), outcome = $2, steps = $3::text::jsonb, errors = $4::text::jsonb
             WHERE run_id = $1
            RETURNING run_id, started_at, finished_at, trigger, replica, outcome, steps, errors
            """;

    static final String ANALYZE_SQL = """
            SELECT hypertable_name, count(*) AS chunks
            FROM factory_telemetry.analyze_recent_chunks($1 * interval '1 second')
            GROUP BY hypertable_name ORDER BY hypertable_name
            """;

    static final String FAILING_JOBS_SQL = """
            SELECT kind, target, executor, job_id, last_run_at, last_success_at, last_error
            FROM factory_telemetry.v_lifecycle_jobs WHERE status = 'failing' ORDER BY kind, target
            """;

    /** Chunks past compress_after of the tables whose compression is switched on, compressed now. */
    static final String CATCH_UP_SQL = """
            SELECT p.hypertable_name, count(c.chunk_name) AS chunks,
                   coalesce(sum(c.before_bytes), 0) AS before_bytes, coalesce(sum(c.after_bytes), 0) AS after_bytes
            FROM factory_telemetry.hypertable_policy p
            CROSS JOIN LATERAL factory_telemetry.compress_eligible_chunks(p.hypertable_name) c
            WHERE p.compress_after IS NOT NULL AND p.compression_enabled
            GROUP BY p.hypertable_name ORDER BY p.hypertable_name
            """;

    static final String BACKLOG_LEFT_SQL = """
            SELECT coalesce(sum(pending_ranges), 0) AS ranges FROM factory_telemetry.v_aggregate_backlog
            """;

    static final String CLEANUP_SQL = """
            WITH gone AS (DELETE FROM factory_telemetry.maintenance_run
                          WHERE started_at < now() - $1 * interval '1 second' RETURNING 1)
            SELECT count(*) AS deleted FROM gone
            """;

    static final String RUN_COLUMNS = "run_id, started_at, finished_at, trigger, replica, outcome, steps, errors";

    /**
     * One step of a run. {@code status}: done, skipped (not applicable on this edition, or its job ran elsewhere) or
     * failed; {@code count}: what it counted (chunks analyzed, failing jobs, chunks compressed, ranges refreshed, runs
     * deleted).
     */
    public record Step(String step, String status, long count, String detail) {
        boolean failed() {
            return "failed".equals(status);
        }
    }

    /** A maintenance run as recorded; {@code outcome} and {@code finishedAt} are null while it runs. */
    public record Run(long runId, OffsetDateTime startedAt, OffsetDateTime finishedAt, String trigger, String replica,
                      String outcome, List<Step> steps, List<String> errors) {
    }

    private final Pool pool;
    private final ExclusiveJobs jobs;
    private final LifecycleScheduler lifecycle;
    private final PlatformState platform;
    private final PolicyCatalog catalog;
    private final MaintenanceConfig config;
    private final MeterRegistry registry;
    private final ObjectMapper json;

    public MaintenanceRunner(Pool pool, ExclusiveJobs jobs, LifecycleScheduler lifecycle, PlatformState platform,
                             PolicyCatalog catalog, MaintenanceConfig config, MeterRegistry registry, ObjectMapper json) {
        this.pool = pool;
        this.jobs = jobs;
        this.lifecycle = lifecycle;
        this.platform = platform;
        this.catalog = catalog;
        this.config = config;
        this.registry = registry;
        this.json = json;
    }

    /** Runs maintenance now unless another replica (or a scheduled run here) does; {@code trigger}: schedule or api. */
    public Uni<ExclusiveJobs.JobRun<Run>> runOnce(String trigger) {
        return jobs.run(JOB, () -> run(trigger), Run::errors)
                .invoke(run -> count(run.outcome().label()))
                .onFailure().invoke(failure -> count(ExclusiveJobs.Outcome.ERROR.label()));
    }

    @Scheduled(identity = JOB, cron = "${telemetry.maintenance.schedule}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotEnabled.class)
    Uni<Void> scheduled() {
        // failures are logged and counted by ExclusiveJobs and runOnce; the next scheduled run tries again
        return runOnce("schedule").replaceWithVoid().onFailure().recoverWithNull();
    }

    private Uni<Run> run(String trigger) {
        return pool.preparedQuery(START_SQL).execute(Tuple.of(trigger, jobs.replica()))
                .map(rows -> rows.iterator().next().getLong("run_id"))
                .flatMap(runId -> {
                    LOG.infof("Maintenance run %d started (%s) on replica %s", runId, trigger, jobs.replica());
                    List<Step> steps = new ArrayList<>();
                    return step(runId, steps, "analyze", this::analyze)
                            .chain(() -> step(runId, steps, "job-failure-check", this::jobFailureCheck))
                            .chain(() -> step(runId, steps, "compression-catch-up", this::compressionCatchUp))
                            .chain(() -> step(runId, steps, "aggregate-backlog", this::aggregateBacklog))
                            .chain(() -> step(runId, steps, "history-cleanup", this::historyCleanup))
                            .chain(() -> finish(runId, steps));
                });
    }

    private Uni<Void> step(long runId, List<Step> steps, String name, Supplier<Uni<Step>> body) {
        return Uni.createFrom().<Step>deferred(body::get)
                .onFailure().recoverWithItem(failure -> {
                    LOG.errorf(failure, "Maintenance run %d: step %s failed", runId, name);
                    return new Step(name, "failed", 0, String.valueOf(failure.getMessage()));
                })
                .invoke(steps::add)
                .replaceWithVoid();
    }

    private Uni<Run> finish(long runId, List<Step> steps) {
        List<String> errors = steps.stream().filter(Step::failed).map(s -> s.step() + ": " + s.detail()).toList();
        String outcome = errors.isEmpty() ? "success" : "failed";
        return pool.preparedQuery(FINISH_SQL).execute(Tuple.of(runId, outcome, write(steps), write(errors)))
                .map(rows -> run(rows.iterator().next()))
                .invoke(run -> LOG.infof("Maintenance run %d finished: %s%s", runId, outcome,
                        errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")"));
    }

    private Uni<Step> analyze() {
        return pool.preparedQuery(ANALYZE_SQL).execute(Tuple.of(config.analyzeWindow().toSeconds()))
                .map(rows -> {
                    long total = 0;
                    List<String> parts = new ArrayList<>();
                    for (Row row : rows) {
                        total += row.getLong("chunks");
                        parts.add(row.getString("hypertable_name") + " " + row.getLong("chunks"));
                    }
                    return new Step("analyze", "done", total, total == 0 ? "no uncompressed chunk holds rows of the last "
                            + config.analyzeWindow() : "analyzed " + total + " chunk(s): " + String.join(", ", parts));
                });
    }

    private Uni<Step> jobFailureCheck() {
        return pool.query(FAILING_JOBS_SQL).execute().map(rows -> {
            List<String> failing = new ArrayList<>();
            for (Row row : rows) {
                failing.add(row.getString("kind") + " of " + row.getString("target") + " (" + row.getString("executor")
                        + (row.getInteger("job_id") != null ? " job " + row.getInteger("job_id") : "") + ", last run "
                        + row.getOffsetDateTime("last_run_at") + "): " + row.getString("last_error"));
            }
            if (!failing.isEmpty()) {
                LOG.warnf("Maintenance: %d lifecycle job(s) failing: %s", failing.size(), String.join("; ", failing));
            }
            return new Step("job-failure-check", "done", failing.size(),
                    failing.isEmpty() ? "no lifecycle job is failing" : "failing: " + String.join("; ", failing));
        });
    }

    private Uni<Step> compressionCatchUp() {
        if (!platform.requireEdition().nativePolicies()) {
            return Uni.createFrom().item(new Step("compression-catch-up", "skipped", 0, catalog.compressionUnavailable()));
        }
        return pool.query(CATCH_UP_SQL).execute().map(rows -> {
            long chunks = 0;
            long before = 0;
            long after = 0;
            List<String> parts = new ArrayList<>();
            for (Row row : rows) {
                chunks += row.getLong("chunks");
                before += row.getLong("before_bytes");
                after += row.getLong("after_bytes");
                parts.add(row.getString("hypertable_name") + " " + row.getLong("chunks"));
            }
            return new Step("compression-catch-up", "done", chunks, chunks == 0 ? "no chunk was waiting for compression"
                    : "compressed " + chunks + " chunk(s) (" + String.join(", ", parts) + "): " + before + " → " + after + " bytes");
        });
    }

    private Uni<Step> aggregateBacklog() {
        Uni<ExclusiveJobs.JobRun<List<AggregateRefresher.Outcome>>> refresh = platform.requireEdition().nativePolicies()
                ? lifecycle.refreshBackfillOnce() : lifecycle.refreshAggregatesOnce(false);
        return refresh.flatMap(run -> pool.query(BACKLOG_LEFT_SQL).execute()
                .map(rows -> rows.iterator().next().getLong("ranges"))
                .map(left -> {
                    if (!run.ran()) {
                        return new Step("aggregate-backlog", "skipped", 0, "job " + run.job()
                                + " is running (another replica or its schedule); " + left + " range(s) pending");
                    }
                    long ranges = run.result() == null ? 0
                            : run.result().stream().mapToLong(AggregateRefresher.Outcome::ranges).sum();
                    String detail = "refreshed " + ranges + " range(s) (job " + run.job() + "); " + left + " range(s) pending";
                    return run.error() == null ? new Step("aggregate-backlog", "done", ranges, detail)
                            : new Step("aggregate-backlog", "failed", ranges, detail + "; " + run.error());
                }));
    }

    private Uni<Step> historyCleanup() {
        return pool.preparedQuery(CLEANUP_SQL).execute(Tuple.of(config.historyRetention().toSeconds()))
                .map(rows -> rows.iterator().next().getLong("deleted"))
                .map(deleted -> new Step("history-cleanup", "done", deleted, "deleted " + deleted
                        + " run(s) older than " + config.historyRetention()));
    }

    /** A recorded run from a row with {@link #RUN_COLUMNS}. */
    static Run run(Row row) {
        List<Step> steps = new ArrayList<>();
        for (Object item : (JsonArray) row.getValue("steps")) {
            JsonObject step = (JsonObject) item;
            steps.add(new Step(step.getString("step"), step.getString("status"), step.getLong("count", 0L), step.getString("detail")));
        }
        List<String> errors = new ArrayList<>();
        for (Object item : (JsonArray) row.getValue("errors")) {
            errors.add(String.valueOf(item));
        }
        return new Run(row.getLong("run_id"), row.getOffsetDateTime("started_at"), row.getOffsetDateTime("finished_at"),
                row.getString("trigger"), row.getString("replica"), row.getString("outcome"), List.copyOf(steps),
                List.copyOf(errors));
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write maintenance steps as JSON", e);
        }
    }

    private void count(String outcome) {
        Counter.builder("factory_telemetry.maintenance.runs")
                .description("Maintenance runs on this replica by outcome: success, failed (a step failed), error (the run "
                        + "failed or could not be recorded), skipped (another replica ran it)")
                .tag("outcome", outcome).register(registry).increment();
    }

    /** Skips scheduled runs before start-up finished or when maintenance is turned off. */
    @Singleton
    public static class NotEnabled extends SkipUntilStarted {

        private final MaintenanceConfig config;

        public NotEnabled(PlatformState platform, MaintenanceConfig config) {
            super(platform);
            this.config = config;
        }

        @Override
        protected boolean enabled() {
            return config.enabled();
        }
    }
}
