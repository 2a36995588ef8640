package dev.factorytelemetry.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Database platform settings: start-up migration and health probing. */
@ConfigMapping(prefix = "telemetry.platform")
public interface PlatformConfig {

    /**
     * Apply the Liquibase changelog at start-up. When false, the service only checks the schema and
     * reports pending changesets in readiness (the DBA applies them, e.g. with the Liquibase CLI).
     */
    @WithDefault("true")
    boolean migrateAtStart();

    /** How long a readiness probe waits for the database before it reports DOWN. */
    @WithDefault("3s")
    Duration healthTimeout();

    /** The {@code Retry-After} sent with 503 answers while the database is unavailable. */
    @WithDefault("5s")
    Duration retryAfter();

    /**
     * How often the offset between this JVM's clock and the database server's is re-measured. The service takes
     * "now" from the database (see {@code DatabaseClock}), so that every replica and every SQL statement agree.
     */
    @WithDefault("5m")
    Duration clockSyncInterval();
}
