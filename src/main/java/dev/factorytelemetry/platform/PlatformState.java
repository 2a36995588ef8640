package dev.factorytelemetry.platform;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * What the service learned about its database at start-up: the TimescaleDB edition and the schema
 * state, and the pre-flight's findings. Written once by {@link SchemaMigration}, read by health checks, the system API and the
 * lifecycle executors (which choose native policies or service-managed ones from the edition).
 */
@ApplicationScoped
public class PlatformState {

    private volatile TimescaleEdition edition;
    private volatile SchemaStatus schema;
    private volatile Preflight.Report preflight;

    void preflight(Preflight.Report report) {
        this.preflight = report;
    }

    /** What the start-up pre-flight found; empty only while the service is still starting. */
    public Optional<Preflight.Report> preflight() {
        return Optional.ofNullable(preflight);
    }

    void started(TimescaleEdition edition, SchemaStatus schema) {
        this.edition = edition;
        this.schema = schema;
    }

    /** The edition detected at start-up; empty only while the service is still starting. */
    public Optional<TimescaleEdition> edition() {
        return Optional.ofNullable(edition);
    }

    /** The edition detected at start-up; fails if called before start-up finished. */
    public TimescaleEdition requireEdition() {
        return edition().orElseThrow(() -> new IllegalStateException("database platform not initialised yet"));
    }

    public Optional<SchemaStatus> schema() {
        return Optional.ofNullable(schema);
    }
}
