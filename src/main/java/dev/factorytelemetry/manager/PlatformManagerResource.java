package dev.factorytelemetry.manager;

import dev.factorytelemetry.auth.Scope;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/**
 * The platform manager's read side (the original design's TimescaleDB manager): health of every hypertable and
 * aggregate with reasons, hypertable info, and the database's performance figures. Admin scope.
 */
@Path("/api/v1/admin/platform")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "platform")
public class PlatformManagerResource {

    private final PlatformHealth health;
    private final HypertableInfo hypertables;
    private final PerformanceReport performance;

    public PlatformManagerResource(PlatformHealth health, HypertableInfo hypertables, PerformanceReport performance) {
        this.health = health;
        this.hypertables = hypertables;
        this.performance = performance;
    }

    @GET
    @Path("/health")
    @Operation(summary = "Health of hypertables and aggregates", description = "healthy, warning or critical per hypertable of the "
            + "policy catalog and per aggregate (continuous aggregate on the Community edition, service-maintained on the Apache "
            + "edition), each with its reasons: a failing, paused or overdue compression/retention/refresh job, compression "
            + "backlog (Community edition; on the Apache edition compression is 'not available on this edition'), chunk count, "
            + "retention overdue, aggregate staleness, size in uncompressed chunks. Thresholds: telemetry.manager.health.*. "
            + "counts: how many hypertables and aggregates are healthy, warning, critical; status: the worst.")
    @APIResponse(responseCode = "200", description = "The evaluation, as the operation describes",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PlatformHealth.Summary.class)))
    public Uni<PlatformHealth.Summary> health() {
        return health.evaluate();
    }

    @GET
    @Path("/hypertables")
    @Operation(summary = "Hypertable info", description = "Per hypertable of the policy catalog: size (before/after compression, "
            + "compression percentage, index and table bytes), chunks (total/compressed), oldest and newest row, row estimate, "
            + "health, and its compression and retention settings with who enforces them (timescaledb policy job, service, none).")
    @APIResponse(responseCode = "200", description = "One object per hypertable",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = HypertableInfo.Info.class)))
    public Uni<List<HypertableInfo.Info>> hypertables() {
        return hypertables.all();
    }

    @GET
    @Path("/hypertables/{name}")
    @Operation(summary = "Info of one hypertable", description = "As the list, for one hypertable of the policy catalog.")
    @APIResponse(responseCode = "404", description = "The policy catalog has no hypertable of that name")
    @APIResponse(responseCode = "200", description = "The hypertable",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HypertableInfo.Info.class)))
    public Uni<HypertableInfo.Info> hypertable(
            @Parameter(description = "hypertable name from the policy catalog, e.g. metric_hist") @PathParam("name") String name) {
        return hypertables.one(name);
    }

    @GET
    @Path("/performance")
    @Operation(summary = "Database performance figures", description = "Buffer cache hit ratio, connections by state, transactions "
            + "committed and rolled back, deadlocks, temporary files and bytes (cumulative since statsReset), database size, the "
            + "largest tables, queries running longer than telemetry.manager.performance.long-running-query, and the slowest "
            + "statements by mean time when pg_stat_statements is installed and loaded (otherwise available=false and why).")
    @APIResponse(responseCode = "200", description = "The figures",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PerformanceReport.Report.class)))
    public Uni<PerformanceReport.Report> performance() {
        return performance.report();
    }
}
