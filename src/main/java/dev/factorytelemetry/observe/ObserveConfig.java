package dev.factorytelemetry.observe;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The platform-metrics collector ({@link PlatformMetricsCollector}). */
@ConfigMapping(prefix = "telemetry.observe")
public interface ObserveConfig {

    /** Collect at all (readiness and one SQL query per tick; the gauges keep their last values). */
    @WithDefault("true")
    boolean enabled();

    /**
     * How often the database-side gauges are refreshed. Scrapes only read the cached values, so a scrape never
     * queries the database; a value is at most one tick old.
     */
    @WithDefault("30s")
    Duration tick();

    /**
     * The disk space the database may fill (its volume, or the managed service's storage), published as
     * {@code factory_telemetry_database_size_limit_bytes} for the disk-forecast and growth alerts.
     */
    @WithDefault("100G")
    @WithConverter(MemorySizeConverter.class)
    MemorySize databaseSizeLimit();
}
