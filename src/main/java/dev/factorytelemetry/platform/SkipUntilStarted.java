package dev.factorytelemetry.platform;

import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;

/**
 * Skips a scheduled run before start-up has finished (the schema and the edition are known only then) or while the
 * feature it belongs to (or the job itself) is turned off. Each feature's predicate says what "turned off" means.
 */
public abstract class SkipUntilStarted implements Scheduled.SkipPredicate {

    private final PlatformState platform;

    protected SkipUntilStarted(PlatformState platform) {
        this.platform = platform;
    }

    /** Whether the feature's scheduled work is turned on. */
    protected abstract boolean enabled();

    /**
     * Whether one job of the feature (its {@code @Scheduled(identity)}) is turned on: the feature's switch unless a
     * feature has one per job.
     */
    protected boolean enabled(String job) {
        return enabled();
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !enabled(execution.getTrigger().getId()) || platform.edition().isEmpty();
    }
}
