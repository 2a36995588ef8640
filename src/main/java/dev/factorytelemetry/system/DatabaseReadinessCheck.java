package dev.factorytelemetry.system;

import dev.factorytelemetry.lifecycle.LifecycleJobStatus;
import dev.factorytelemetry.platform.PlatformConfig;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SchemaStatus;
import dev.factorytelemetry.platform.TimescaleEdition;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the database answers within {@code telemetry.platform.health-timeout}, the TimescaleDB
 * extension is installed, the server still runs the edition detected at start-up, and the schema is
 * up to date. Details carry the TimescaleDB version and edition, and the state of the lifecycle jobs
 * ({@link LifecycleJobStatus}): {@code lifecycle} is {@code ok}, or {@code degraded} with
 * {@code lifecycleProblems} naming each failing job and its last error. A failing job does not make
 * the service unready (it still serves reads and writes), but it is never shown as fine.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "timescaledb";

    private static final String PROBE_SQL = """
            SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS extversion,
                   current_setting('timescaledb.license', true) AS license
            """;

    private final Pool pool;
    private final PlatformState platform;
    private final PlatformConfig config;
    private final LifecycleJobStatus jobs;

    public DatabaseReadinessCheck(Pool pool, PlatformState platform, PlatformConfig config, LifecycleJobStatus jobs) {
        this.pool = pool;
        this.platform = platform;
        this.config = config;
        this.jobs = jobs;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query(PROBE_SQL).execute()
                .ifNoItem().after(config.healthTimeout()).failWith(() -> new IllegalStateException(
                        "no answer within " + config.healthTimeout().toMillis() + " ms"))
                .map(rows -> evaluate(rows.iterator().next()))
                .flatMap(this::withLifecycle)
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named(NAME).down()
                        .withData("database", "unreachable")
                        .withData("error", String.valueOf(failure.getMessage()))
                        .build());
    }

    /** Adds the lifecycle jobs' state to a ready answer (the view exists once the schema is up to date). */
    private Uni<HealthCheckResponse> withLifecycle(HealthCheckResponse response) {
        if (response.getStatus() != HealthCheckResponse.Status.UP) {
            return Uni.createFrom().item(response);
        }
        HealthCheckResponseBuilder builder = HealthCheckResponse.named(NAME).up();
        response.getData().ifPresent(data -> data.forEach((key, value) -> builder.withData(key, String.valueOf(value))));
        return jobs.summary()
                .ifNoItem().after(config.healthTimeout()).failWith(() -> new IllegalStateException(
                        "no answer within " + config.healthTimeout().toMillis() + " ms"))
                .map(summary -> {
                    builder.withData("lifecycle", summary.status());
                    if (!summary.problems().isEmpty()) {
                        builder.withData("lifecycleProblems", String.join("; ", summary.problems()));
                    }
                    return builder.build();
                })
                .onFailure().recoverWithItem(failure -> builder.withData("lifecycle", "unknown")
                        .withData("lifecycleError", String.valueOf(failure.getMessage())).build());
    }

    private HealthCheckResponse evaluate(Row row) {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).up().withData("database", "reachable");
        String version = row.getString("extversion");
        String license = row.getString("license");
        if (version == null) {
            return response.down().withData("error", "the timescaledb extension is not installed in this database").build();
        }
        response.withData("version", version)
                .withData("edition", TimescaleEdition.License.fromSetting(license).editionName())
                .withData("license", String.valueOf(license));
        TimescaleEdition started = platform.edition().orElse(null);
        if (started == null) {
            return response.down().withData("error", "start-up not finished").build();
        }
        if (!started.license().setting().equalsIgnoreCase(license)) {
            response.down().withData("error", "the server's timescaledb.license changed from '"
                    + started.license().setting() + "' to '" + license + "' since start-up; restart the service "
                    + "so that it applies the matching lifecycle policies");
        }
        SystemInfoResource.Features features = SystemInfoResource.Features.of(started);
        response.withData("compression", features.compression().label())
                .withData("retention", features.retention().label())
                .withData("continuousAggregates", features.continuousAggregates().label());
        SchemaStatus schema = platform.schema().orElseThrow();
        response.withData("schema", schema.upToDate() ? "up to date" : "pending changesets");
        if (!schema.upToDate()) {
            response.down().withData("pendingChangeSets", String.join(", ", schema.pendingChangeSets()));
        }
        return response.build();
    }
}
