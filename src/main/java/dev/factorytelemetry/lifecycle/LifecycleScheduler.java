package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SkipUntilStarted;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Runs the lifecycle executors on schedule. Every job is non-blocking ({@code Uni}), has its interval in
 * {@link LifecycleConfig} ({@code refresh-tick}, {@code backfill-tick}, {@code retention-interval}) and an off switch
 * ({@code enabled} for all, {@code refresh-enabled}, {@code backfill-enabled}, {@code retention-enabled} per job), skips
 * a run while the previous one is still going on this replica ({@code concurrentExecution = SKIP}), and runs on one
 * replica at a time: {@link ExclusiveJobs} takes the job's advisory lock in the database first, and the replicas that
 * do not get it skip the run. A failure is logged with the job and replica, counted in
 * {@code factory_telemetry_job_runs_total{outcome="error"}} and recorded in {@code service_job_state}
 * ({@link ExclusiveJobs}); it never ends the schedule.
 */
@ApplicationScoped
public class LifecycleScheduler {

    /** Job names: advisory lock keys, metric tags, rows of {@code service_job_state}. */
    public static final String REFRESH_JOB = "refresh-service-aggregates";
    public static final String RETENTION_JOB = "enforce-retention";
    public static final String BACKFILL_JOB = "refresh-aggregate-backfill";

    private final AggregateRefresher aggregateRefresher;
    private final RetentionExecutor retentionExecutor;
    private final BackfillRefresher backfillRefresher;
    private final ExclusiveJobs jobs;

    public LifecycleScheduler(AggregateRefresher aggregateRefresher, RetentionExecutor retentionExecutor,
                              BackfillRefresher backfillRefresher, ExclusiveJobs jobs) {
        this.aggregateRefresher = aggregateRefresher;
        this.retentionExecutor = retentionExecutor;
        this.backfillRefresher = backfillRefresher;
        this.jobs = jobs;
    }

    /**
     * Refreshes the service-maintained aggregates (the due ones, or all of them: admin API), if no other
     * replica runs the refresh job now.
     */
    public Uni<ExclusiveJobs.JobRun<List<AggregateRefresher.Outcome>>> refreshAggregatesOnce(boolean all) {
        return jobs.run(REFRESH_JOB, all ? aggregateRefresher::refreshAll : aggregateRefresher::refreshDue,
                outcomes -> outcomes.stream().filter(AggregateRefresher.Outcome::failed)
                        .map(o -> "refresh of " + o.aggregate() + ": " + o.error()).toList());
    }

    /** Refreshes the aggregates over backfilled ranges older than their refresh windows, if no other replica does so now. */
    public Uni<ExclusiveJobs.JobRun<List<AggregateRefresher.Outcome>>> refreshBackfillOnce() {
        return jobs.run(BACKFILL_JOB, backfillRefresher::refreshBacklog,
                outcomes -> outcomes.stream().filter(AggregateRefresher.Outcome::failed)
                        .map(o -> "backfill refresh of " + o.aggregate() + ": " + o.error()).toList());
    }

    /** Applies service-enforced retention (scheduled or admin API), if no other replica does so now. */
    public Uni<ExclusiveJobs.JobRun<List<RetentionExecutor.Outcome>>> enforceRetentionOnce() {
        return jobs.run(RETENTION_JOB, retentionExecutor::enforce, RetentionExecutor::failures);
    }

    // the intervals come from LifecycleConfig: its @WithDefault values are the defaults of these properties
    @Scheduled(identity = REFRESH_JOB, every = "${telemetry.lifecycle.refresh-tick}",
            delayed = "${telemetry.lifecycle.initial-delay}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotReady.class)
    Uni<Void> refreshAggregates() {
        return refreshAggregatesOnce(false).replaceWithVoid();
    }

    @Scheduled(identity = BACKFILL_JOB, every = "${telemetry.lifecycle.backfill-tick}",
            delayed = "${telemetry.lifecycle.initial-delay}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotReady.class)
    Uni<Void> refreshBackfill() {
        return refreshBackfillOnce().replaceWithVoid();
    }

    @Scheduled(identity = RETENTION_JOB, every = "${telemetry.lifecycle.retention-interval}",
            delayed = "${telemetry.lifecycle.initial-delay}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotReady.class)
    Uni<Void> enforceRetention() {
        return enforceRetentionOnce().replaceWithVoid();
    }

    /** Skips runs before start-up finished or when the executors, or this job, are turned off. */
    @Singleton
    public static class NotReady extends SkipUntilStarted {

        private final LifecycleConfig config;

        public NotReady(PlatformState platform, LifecycleConfig config) {
            super(platform);
            this.config = config;
        }

        @Override
        protected boolean enabled() {
            return config.enabled();
        }

        @Override
        protected boolean enabled(String job) {
            return config.enabled() && switch (job) {
                case REFRESH_JOB -> config.refreshEnabled();
                case BACKFILL_JOB -> config.backfillEnabled();
                case RETENTION_JOB -> config.retentionEnabled();
                default -> true;
            };
        }
    }
}
