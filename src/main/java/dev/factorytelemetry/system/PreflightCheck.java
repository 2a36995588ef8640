package dev.factorytelemetry.system;

import dev.factorytelemetry.platform.Preflight;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SchemaStatus;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Startup;

import java.util.ArrayList;
import java.util.List;

/**
 * The start-up probe ({@code /q/health/started}, check {@code preflight}): what the pre-flight found when this
 * replica started ({@link Preflight}: versions, edition, memory and worker settings, database size, free disk or why
 * it is unknown) and whether the migrations are current, each with its value. UP once start-up finished: the checks
 * that must hold stopped start-up already if they did not; the others are listed in {@code warnings} (and were logged
 * once at start-up). Values are those of the start (the server's settings need a restart to change), so the probe
 * costs no query.
 */
@Startup
@ApplicationScoped
public class PreflightCheck implements HealthCheck {

    static final String NAME = "preflight";

    private final PlatformState platform;

    public PreflightCheck(PlatformState platform) {
        this.platform = platform;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        Preflight.Report report = platform.preflight().orElse(null);
        SchemaStatus schema = platform.schema().orElse(null);
        if (report == null || schema == null) {
            return response.down().withData("error", "start-up not finished").build();
        }
        response.up().withData("database", "reachable");
        List<String> warnings = new ArrayList<>();
        for (Preflight.Check check : report.checks()) {
            response.withData(check.name(), check.value());
            if (check.warning()) {
                warnings.add(check.name() + ": " + check.detail());
            }
        }
        if (schema.upToDate()) {
            response.withData("migrations", "up to date (" + schema.appliedChangeSets() + " applied at this start)");
        } else {
            response.withData("migrations", schema.pendingChangeSets().size() + " pending: "
                    + String.join(", ", schema.pendingChangeSets()));
            warnings.add("migrations: changesets pending, readiness stays DOWN until the migration Job applied them");
        }
        response.withData("warnings", warnings.isEmpty() ? "none" : String.join("; ", warnings));
        return response.build();
    }
}
