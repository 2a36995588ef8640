package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Singleton;

/**
 * Runs the lifecycle executors on schedule. Both jobs are non-blocking ({@code Uni}) and skip a run
 * while the previous one is still going ({@code concurrentExecution = SKIP}); several replicas may
 * run them, since the database serializes each aggregate's refresh with an advisory lock.
 */
@ApplicationScoped
public class LifecycleScheduler {

    private final AggregateRefresher aggregateRefresher;
    private final RetentionExecutor retentionExecutor;
    private final BackfillRefresher backfillRefresher;

    public LifecycleScheduler(AggregateRefresher aggregateRefresher, RetentionExecutor retentionExecutor,
                              BackfillRefresher backfillRefresher) {
        this.aggregateRefresher = aggregateRefresher;
        this.retentionExecutor = retentionExecutor;
        this.backfillRefresher = backfillRefresher;
    }

    @Scheduled(identity = "refresh-service-aggregates", every = "${telemetry.lifecycle.refresh-tick:30s}",
            delayed = "${telemetry.lifecycle.initial-delay:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotReady.class)
    Uni<Void> refreshAggregates() {
        return aggregateRefresher.refreshDue().replaceWithVoid();
    }

    @Scheduled(identity = "refresh-aggregate-backfill", every = "${telemetry.lifecycle.backfill-tick:60s}",
            delayed = "${telemetry.lifecycle.initial-delay:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotReady.class)
    Uni<Void> refreshBackfill() {
        return backfillRefresher.refreshBacklog().replaceWithVoid();
    }

    @Scheduled(identity = "enforce-retention", every = "${telemetry.lifecycle.retention-interval:1h}",
            delayed = "${telemetry.lifecycle.initial-delay:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = NotReady.class)
    Uni<Void> enforceRetention() {
        return retentionExecutor.enforce().replaceWithVoid();
    }

    /** Skips runs before start-up finished or when the executors are turned off. */
    @Singleton
    public static class NotReady implements Scheduled.SkipPredicate {

        private final PlatformState platform;
        private final LifecycleConfig config;

        public NotReady(PlatformState platform, LifecycleConfig config) {
            this.platform = platform;
            this.config = config;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !config.enabled() || platform.edition().isEmpty();
        }
    }
}
