package dev.factorytelemetry.archive;

import dev.factorytelemetry.lifecycle.LifecycleScheduler;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Runs the archive job every {@code telemetry.archive.interval} where the lifecycle executors run
 * ({@code telemetry.lifecycle.enabled}), on one replica at a time, never before start-up finished.
 */
@ApplicationScoped
public class ArchiveScheduler {

    private final ArchiveExecutor executor;

    public ArchiveScheduler(ArchiveExecutor executor) {
        this.executor = executor;
    }

    @Scheduled(identity = ArchiveExecutor.ARCHIVE_JOB, every = "${telemetry.archive.interval}",
            delayed = "${telemetry.lifecycle.initial-delay}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = LifecycleScheduler.NotReady.class)
    Uni<Void> archiveExpired() {
        return executor.archiveExpiredOnce().replaceWithVoid();
    }
}
