package dev.factorytelemetry.manager;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The platform manager ({@code /api/v1/admin/platform}): the thresholds of the health evaluation, which the
 * health endpoint and the {@code factory_telemetry_hypertable_health} / {@code _aggregate_health} gauges share,
 * and the limits of the performance report.
 */
@ConfigMapping(prefix = "telemetry.manager")
public interface ManagerConfig {

    /** When a hypertable or aggregate is healthy, warning or critical. */
    Health health();

    /** The performance report. */
    Performance performance();

    interface Health {

        /**
         * A failing compression, retention or refresh job is a warning; it is critical when it has not succeeded
         * for this long (or never).
         */
        @WithDefault("24h")
        Duration jobFailureCritical();

        /**
         * A job is overdue (warning) when TimescaleDB's next start of a scheduled native job lies this far in the
         * past, or when the service's retention has not run for {@code telemetry.lifecycle.retention-interval}
         * plus this long.
         */
        @WithDefault("1h")
        Duration jobOverdue();

        /**
         * Chunks eligible for compression (older than {@code compress_after}) but not compressed: any is a
         * warning, more than this is critical. Community edition only.
         */
        @WithDefault("10")
        int compressionBacklogCritical();

        /** Chunks of one hypertable above which it is a warning (planning time, locks per query). */
        @WithDefault("5000")
        int chunkCountWarning();

        /** Chunks of one hypertable above which it is critical ({@code max_locks_per_transaction}). */
        @WithDefault("10000")
        int chunkCountCritical();

        /**
         * Retention is overdue (warning) when a chunk whose whole range is older than the retention period is
         * still there this long after it expired (retention runs on a schedule, and drops whole chunks).
         */
        @WithDefault("24h")
        Duration retentionGrace();

        /** … and critical when it expired more than this long ago. */
        @WithDefault("168h")
        Duration retentionOverdueCritical();

        /** An aggregate not refreshed for more than this many refresh schedules is a warning. */
        @WithDefault("2")
        double stalenessWarningFactor();

        /** … and critical beyond this many refresh schedules. */
        @WithDefault("6")
        double stalenessCriticalFactor();

        /**
         * Bytes of a hypertable held in uncompressed chunks (all of it on the Apache edition) above which it is a
         * warning: growth that compression or retention does not keep in check.
         */
        @WithDefault("50G")
        @WithConverter(MemorySizeConverter.class)
        MemorySize uncompressedSizeWarning();

        /** … and critical above this. */
        @WithDefault("200G")
        @WithConverter(MemorySizeConverter.class)
        MemorySize uncompressedSizeCritical();
    }

    interface Performance {

        /** Statements running (or idle in transaction) longer than this are listed as long-running queries. */
        @WithDefault("30s")
        Duration longRunningQuery();

        /** How many of the largest tables the report lists. */
        @WithDefault("10")
        int topTables();

        /** How many of the slowest statements (by mean time, from pg_stat_statements) the report lists. */
        @WithDefault("10")
        int slowestStatements();
    }
}
