package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** Maintenance runs on demand and their history (scheduled and on-demand runs alike). */
@Path("/api/v1/admin/maintenance/runs")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "maintenance")
public class MaintenanceResource {

    /** Newest first; $2: only runs before this id (the next page), null for the newest. */
    static final String RUNS_SQL = "SELECT " + MaintenanceRunner.RUN_COLUMNS + """
             FROM factory_telemetry.maintenance_run
            WHERE $2::bigint IS NULL OR run_id < $2
            ORDER BY run_id DESC LIMIT $1
            """;

    static final String RUN_SQL = "SELECT " + MaintenanceRunner.RUN_COLUMNS
            + " FROM factory_telemetry.maintenance_run WHERE run_id = $1";

    static final int MAX_LIMIT = 100;

    private final Pool pool;
    private final MaintenanceRunner runner;

    public MaintenanceResource(Pool pool, MaintenanceRunner runner) {
        this.pool = pool;
        this.runner = runner;
    }

    @POST
    @Operation(summary = "Run maintenance now", description = "ANALYZE of the chunks being written, failing-job check, compression "
            + "catch-up (Community edition), aggregate backlog, history cleanup; answers the recorded run with what each "
            + "step did. 409 while a maintenance run is going on (scheduled, or on another replica).")
    @APIResponse(responseCode = "409", description = "A maintenance run is going on (scheduled, or on another replica)")
    @APIResponse(responseCode = "201", description = "The run, as recorded; Location names it",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MaintenanceRunner.Run.class)))
    public Uni<Response> run() {
        return runner.runOnce("api").map(LifecycleAdminResource::resultOf)
                .map(run -> Response.created(URI.create("/api/v1/admin/maintenance/runs/" + run.runId())).entity(run).build());
    }

    @GET
    @Operation(summary = "Maintenance history", description = "Runs newest first, at most limit (1–100, default 20); "
            + "before: a run id, for the page after the one that ended with it. A run without finishedAt and outcome is "
            + "going on (or its replica died during it).")
    @APIResponse(responseCode = "400", description = "limit outside 1–100")
    @APIResponse(responseCode = "200", description = "The runs",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = MaintenanceRunner.Run.class)))
    public Uni<List<MaintenanceRunner.Run>> runs(
            @Parameter(description = "most runs answered, 1–100", schema = @Schema(type = SchemaType.INTEGER))
            @QueryParam("limit") @DefaultValue("20") String limitText,
            @Parameter(description = "only runs with a smaller id (the next page)", schema = @Schema(type = SchemaType.INTEGER))
            @QueryParam("before") String beforeText) {
        long limit = number("limit", limitText);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ProblemException.badRequest("limit must be between 1 and " + MAX_LIMIT + ", not " + limit);
        }
        Long before = beforeText == null ? null : number("before", beforeText);
        return pool.preparedQuery(RUNS_SQL).execute(Tuple.of(limit, before)).map(rows -> {
            List<MaintenanceRunner.Run> runs = new ArrayList<>();
            for (Row row : rows) {
                runs.add(MaintenanceRunner.run(row));
            }
            return runs;
        });
    }

    /** A whole number from the query string; 400 naming the parameter otherwise. */
    private static long number(String name, String text) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest(name + " must be a whole number, not '" + text + "'");
        }
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One maintenance run", description = "Start, end, trigger (schedule or api), replica, outcome "
            + "(success, failed), what each step did, errors.")
    @APIResponse(responseCode = "404", description = "No run with that id")
    @APIResponse(responseCode = "200", description = "The run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MaintenanceRunner.Run.class)))
    public Uni<MaintenanceRunner.Run> runById(@Parameter(description = "run id") @PathParam("id") long id) {
        return pool.preparedQuery(RUN_SQL).execute(Tuple.of(id)).map(rows -> {
            if (rows.size() == 0) {
                throw ProblemException.notFound("no maintenance run " + id);
            }
            return MaintenanceRunner.run(rows.iterator().next());
        });
    }
}
