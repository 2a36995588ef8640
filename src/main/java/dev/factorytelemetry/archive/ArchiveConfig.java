package dev.factorytelemetry.archive;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Archive before retention: where archived chunks go and how often the archive job runs. Which hypertables are
 * archived is in the policy catalog ({@code hypertable_policy.archive_enabled}); the job runs where the lifecycle
 * executors run ({@code telemetry.lifecycle.enabled}).
 */
@ConfigMapping(prefix = "telemetry.archive")
public interface ArchiveConfig {

    /**
     * The filesystem target: the directory archive files are written to and restored from (in Kubernetes a mounted
     * volume). Files go to {@code <directory>/<table>/<year>/<table>_<range start>_<range end>_<id>.parquet}, beside
     * a {@code .json} sidecar holding the manifest row. The manifest stores paths relative to it, so the volume may
     * be mounted elsewhere later. An unwritable directory fails the export: the chunk stays, the failure is reported.
     */
    @WithDefault("/var/lib/factory-telemetry/archive")
    Path directory();

    /** How often the archive job looks for chunks of archived hypertables past retention (archive, verify, record, drop). */
    @WithDefault("1h")
    Duration interval();

    /** At most this many chunks are archived per run (the rest wait for the next run: they are the backlog). */
    @WithDefault("20")
    int maxChunksPerRun();

    /**
     * Parquet row-group size: the writer buffers one row group in memory before it writes it out, so this bounds the
     * export's memory per chunk (never the whole chunk). Larger groups compress slightly better.
     */
    @WithDefault("16M")
    MemorySize rowGroupSize();
}
