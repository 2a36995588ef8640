package dev.factorytelemetry.system;

import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.lifecycle.LifecycleJobStatus;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SchemaStatus;
import dev.factorytelemetry.platform.TimescaleEdition;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** What this service runs on: versions, TimescaleDB edition, and which lifecycle features are native. */
@Path("/api/v1/system/info")
@RolesAllowed(Scope.Roles.READ)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "system")
public class SystemInfoResource {

    /** How each lifecycle feature is provided on the running edition. */
    public enum Provider {
        NATIVE, SERVICE, UNAVAILABLE;

        /** Lower-case name, as shown in health details. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public record Features(Provider compression, Provider retention, Provider continuousAggregates) {
        static Features of(TimescaleEdition edition) {
            return edition.nativePolicies()
                    ? new Features(Provider.NATIVE, Provider.NATIVE, Provider.NATIVE)
                    : new Features(Provider.UNAVAILABLE, Provider.SERVICE, Provider.SERVICE);
        }
    }

    public record Database(String postgresVersion, String timescaledbVersion, String edition, String license) {
    }

    public record Schema(boolean upToDate, int appliedAtStart, List<String> pendingChangeSets) {
    }

    /**
     * The lifecycle jobs: {@code status} ok or degraded, one line per failing job, and every job's last
     * run, status and error (the view {@code factory_telemetry.v_lifecycle_jobs}).
     */
    public record Lifecycle(String status, List<String> problems, List<LifecycleJobStatus.Job> jobs) {
    }

    public record SystemInfo(String service, String version, Database database, Features features, Schema schema,
                             Lifecycle lifecycle) {
    }

    private final PlatformState platform;
    private final LifecycleJobStatus jobs;
    private final String applicationName;
    private final String applicationVersion;

    public SystemInfoResource(PlatformState platform, LifecycleJobStatus jobs,
                              @ConfigProperty(name = "quarkus.application.name") String applicationName,
                              @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown") String applicationVersion) {
        this.platform = platform;
        this.jobs = jobs;
        this.applicationName = applicationName;
        this.applicationVersion = applicationVersion;
    }

    @GET
    @Operation(summary = "Service and database platform facts",
            description = "TimescaleDB version and edition as detected at start-up, and how compression, retention and "
                    + "continuous aggregates are provided: NATIVE (TimescaleDB policies, Community edition), SERVICE "
                    + "(scheduled by this service, Apache edition) or UNAVAILABLE; and the lifecycle jobs: last run, last "
                    + "status and last error of each (native TimescaleDB job or the service's), status ok or degraded.")
    public Uni<SystemInfo> info() {
        TimescaleEdition edition = platform.requireEdition();
        SchemaStatus schema = platform.schema().orElseThrow();
        return jobs.summary().map(summary -> new SystemInfo(applicationName, applicationVersion,
                new Database(edition.postgresVersion(), edition.extensionVersion(), edition.editionName(),
                        edition.license().setting()),
                Features.of(edition),
                new Schema(schema.upToDate(), schema.appliedChangeSets(), schema.pendingChangeSets()),
                new Lifecycle(summary.status(), summary.problems(), summary.jobs())));
    }
}
