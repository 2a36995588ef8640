package dev.factorytelemetry.reference;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Reference data (lines, equipment, product types, shifts) and the code-to-id cache of the write paths. */
@ConfigMapping(prefix = "telemetry.reference")
public interface ReferenceConfig {

    /**
     * How long a resolved code (equipment code, line code, product code, shift name) stays cached by
     * the event write paths. Changes made through this instance's reference API take effect at once;
     * changes made through another replica (or directly in the database) within this time. Unknown
     * codes are never cached, so a newly registered code is usable immediately.
     */
    @WithDefault("60s")
    Duration cacheTtl();

    /** Upper bound of cached codes per kind; beyond it the least used codes are evicted (plants have thousands, not millions). */
    @WithDefault("100000")
    int cacheMaxEntries();
}
