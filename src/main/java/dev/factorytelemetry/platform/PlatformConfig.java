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

    /**
     * Migration-only mode (the Kubernetes migration Job): apply the Liquibase changelog (whatever
     * {@code migrate-at-start} says), log one line and exit with status 0 (non-zero if the migration fails)
     * instead of serving. See {@code FactoryTelemetryMain}.
     */
    @WithDefault("false")
    boolean migrateOnly();

    /**
     * With {@code migrate-at-start=false}: how long start-up waits for pending changesets to be applied by someone
     * else (the migration Job), re-checking every 5 s, before it fails (and the pod is restarted). {@code 0s}: no
     * wait, the service starts and readiness reports the pending changesets (DOWN).
     */
    @WithDefault("0s")
    Duration schemaWait();

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
