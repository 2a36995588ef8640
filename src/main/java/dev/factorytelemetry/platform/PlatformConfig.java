package dev.factorytelemetry.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.WithConverter;

import java.time.Duration;
import java.util.Optional;

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

    /**
     * Re-measure the clock offset on schedule at all. Per replica by nature (each JVM has its own clock), so it
     * takes no lock; off, the offset measured at start-up stays.
     */
    @WithDefault("true")
    boolean clockSyncEnabled();

    /**
     * Migration-only mode with this set: instead of applying the changelog, roll the schema back to this Liquibase
     * tag (a release, e.g. {@code 0.1.0}; see {@code db.changelog-master.yaml}) with the rollback blocks of this
     * image's changelog, log one line and exit. Run it with the image of the release being rolled back (it knows the
     * newer changesets), then deploy the older image. Ignored unless {@code migrate-only} is true.
     */
    Optional<String> rollbackToTag();

    /** Pre-flight checks at start-up (before the migration): see {@code Preflight}. */
    PreflightSettings preflight();

    /**
     * How often the post-deployment validation (readiness check {@code deployment}) compares the hypertables,
     * policies and aggregates in the database with the policy catalog: one query per interval, whatever the probe
     * rate; probes in between read the cached answer.
     */
    @WithDefault("30s")
    Duration validationInterval();

    /**
     * Thresholds of the pre-flight checks. A TimescaleDB that is missing, not loaded or older than
     * {@code minimum-timescaledb-version} stops start-up (one line, exit status 1); the other checks are
     * warnings in the start-up health check ({@code /q/health/started}).
     */
    interface PreflightSettings {

        /**
         * The oldest TimescaleDB the service supports. The changelog uses {@code create_hypertable(..., by_range(...))}
         * (2.13) and {@code ON CONFLICT} on compressed chunks (2.11); tested with 2.19.3.
         */
        @WithDefault("2.13.0")
        String minimumTimescaledbVersion();

        /**
         * {@code shared_buffers} below this is a warning. TimescaleDB's sizing rule: the indexes of the chunks being
         * written should fit in about a quarter of it.
         */
        @WithDefault("128M")
        @WithConverter(MemorySizeConverter.class)
        MemorySize minimumSharedBuffers();

        /** {@code work_mem} below this is a warning (sorts and hashes of the aggregate refreshes spill to disk). */
        @WithDefault("4M")
        @WithConverter(MemorySizeConverter.class)
        MemorySize minimumWorkMem();

        /**
         * TimescaleDB background workers the Community edition's native jobs need to run without queueing
         * ({@code timescaledb.max_background_workers} below this is a warning there; the changelog creates 30 jobs,
         * which run with 8 workers, retrying when all are busy).
         */
        @WithDefault("8")
        int neededBackgroundWorkers();
    }
}
