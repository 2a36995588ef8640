package dev.factorytelemetry.lifecycle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The maintenance run ({@link MaintenanceRunner}): ANALYZE of the chunks being written, a check for failing lifecycle
 * jobs, compression catch-up (Community edition), the aggregate backlog, and pruning of its own history. Runs on a
 * schedule (one replica at a time) and on demand ({@code POST /api/v1/admin/maintenance/runs}).
 */
@ConfigMapping(prefix = "telemetry.maintenance")
public interface MaintenanceConfig {

    /** Run maintenance on schedule at all (on-demand runs through the admin API work either way). */
    @WithDefault("true")
    boolean enabled();

    /**
     * When scheduled runs start: a Quartz cron expression (seconds minutes hours day-of-month month day-of-week),
     * evaluated in the JVM's time zone; {@code off} disables. Default: Sundays 02:00, the original design's weekly
     * maintenance window.
     */
    @WithDefault("0 0 2 ? * SUN")
    String schedule();

    /** Chunks holding rows of this recent past (and not compressed) are analyzed by each run. */
    @WithDefault("P2D")
    Duration analyzeWindow();

    /** Runs older than this are deleted from the history ({@code maintenance_run}) by each run. */
    @WithDefault("P365D")
    Duration historyRetention();
}
