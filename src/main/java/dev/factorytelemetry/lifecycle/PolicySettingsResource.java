package dev.factorytelemetry.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.web.GzipRequestBodies;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/**
 * Compression settings, aggregate refresh policies and the on/off switch of each policy, changed through the policy
 * catalog: one SQL management function per change updates the catalog and the executor of whichever edition runs
 * (TimescaleDB's native jobs on the Community edition, the service's executors on the Apache edition) in one
 * transaction. Names are checked against the catalog (404 otherwise).
 */
@GzipRequestBodies
@Path("/api/v1/admin/lifecycle/policies")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "lifecycle")
public class PolicySettingsResource {

    static final String SET_COMPRESSION_SQL =
            "SELECT factory_telemetry.set_compression($1, $2::text::interval, $3, $4) AS executor";
    static final String SET_REFRESH_SQL =
            "SELECT factory_telemetry.set_aggregate_refresh($1, $2::text::interval, $3::text::interval, $4::text::interval) AS executor";
    static final String SET_ENABLED_SQL = "SELECT factory_telemetry.set_policy_enabled($1, $2, $3) AS executor";

    static final String COMPRESSION_POLICY_SQL = """
            SELECT p.hypertable_name, p.compress_after::text, p.compress_segment_by, p.compress_order_by,
                   p.compress_schedule::text, p.compression_enabled, c.compression, j.job_id, j.status AS job_status
            FROM factory_telemetry.hypertable_policy p
            LEFT JOIN factory_telemetry.v_compression_statistics c USING (hypertable_name)
            LEFT JOIN factory_telemetry.v_compression_jobs j USING (hypertable_name)
            WHERE p.hypertable_name = $1
            """;

    static final String REFRESH_POLICY_SQL = """
            SELECT a.aggregate_name, a.refresh_start_offset::text, a.refresh_end_offset::text, a.refresh_schedule::text,
                   a.refresh_enabled, a.materialization, s.refresh_job_id, s.status
            FROM factory_telemetry.aggregate_policy a
            LEFT JOIN factory_telemetry.v_continuous_aggregate_status s USING (aggregate_name)
            WHERE a.aggregate_name = $1
            """;

    /** The policies that can be switched, and what they apply to. */
    static final List<String> KINDS = List.of("compression", "retention", "refresh");

    /**
     * New compression settings; an absent member stays as it is. {@code compressAfter}: a PostgreSQL interval or
     * ISO 8601 duration; {@code segmentBy}: comma-separated columns ("" for none); {@code orderBy}: comma-separated
     * columns, each optionally ASC/DESC and NULLS FIRST/LAST.
     */
    public record CompressionSettings(String compressAfter, String segmentBy, String orderBy) {
    }

    /** A new refresh window (offsets back from now) and schedule; an absent member stays as it is. */
    public record RefreshSettings(String startOffset, String endOffset, String schedule) {
    }

    public record Switch(@JsonProperty(required = true) Boolean enabled) {
    }

    /** A switched policy: its kind, target, state and who runs it now (timescaledb, service, unavailable, none). */
    public record Switched(String kind, String target, boolean enabled, String executor) {
    }

    private final Pool pool;
    private final PolicyCatalog catalog;

    public PolicySettingsResource(Pool pool, PolicyCatalog catalog) {
        this.pool = pool;
        this.catalog = catalog;
    }

    @PUT
    @Path("/compression/{hypertable}")
    @Operation(summary = "Change compression settings", description = "compressAfter, segmentBy and orderBy of a hypertable "
            + "(absent members unchanged; columns checked against the table). Community edition: the table's compression "
            + "settings and its native compression job follow in the same transaction; a segment-by or order-by change is "
            + "refused with 409 while the table has compressed chunks (decompress them first). Apache edition: the catalog "
            + "keeps the settings (compression: unavailable). The answer is the catalog row with the job's state.")
    @APIResponse(responseCode = "404", description = "The policy catalog has no hypertable of that name")
    @APIResponse(responseCode = "409", description = "A segment-by or order-by change while compressed chunks exist; the detail says why")
    @APIResponse(responseCode = "422", description = "Not an interval, not a column of the table, or compressAfter not shorter than the retention")
    @APIResponse(responseCode = "200", description = "The compression policy as it is now",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Object.class)))
    public Uni<Map<String, Object>> setCompression(
            @Parameter(description = "hypertable name from the policy catalog") @PathParam("hypertable") String hypertable,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CompressionSettings.class),
                    examples = @ExampleObject(name = "compress after 3 days", value = "{\"compressAfter\": \"3 days\", \"segmentBy\": \"metric_id\", \"orderBy\": \"ts DESC\"}")))
            CompressionSettings settings) {
        if (settings == null || (settings.compressAfter() == null && settings.segmentBy() == null && settings.orderBy() == null)) {
            throw ProblemException.badRequest("Send at least one of compressAfter, segmentBy, orderBy");
        }
        return catalog.requireHypertable(hypertable)
                .chain(() -> apply(SET_COMPRESSION_SQL, Tuple.of(hypertable, settings.compressAfter(), settings.segmentBy(),
                        settings.orderBy()), COMPRESSION_POLICY_SQL, hypertable, "Invalid compression settings"));
    }

    @PUT
    @Path("/refresh/{aggregate}")
    @Operation(summary = "Change an aggregate's refresh policy", description = "startOffset and endOffset (the window refreshed, "
            + "back from now) and schedule (absent members unchanged). Community edition: the continuous aggregate's native "
            + "refresh job is replaced in the same transaction; Apache edition: the service refreshes the table every "
            + "schedule. Refused (422) when the window reaches past the retention of the aggregate's source (refreshing "
            + "would erase history, timescaledb#2198).")
    @APIResponse(responseCode = "404", description = "The policy catalog has no aggregate of that name")
    @APIResponse(responseCode = "422", description = "Not an interval, an empty window, or one reaching past the source's retention")
    @APIResponse(responseCode = "200", description = "The refresh policy as it is now",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Object.class)))
    public Uni<Map<String, Object>> setRefresh(
            @Parameter(description = "aggregate name from the policy catalog") @PathParam("aggregate") String aggregate,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RefreshSettings.class),
                    examples = @ExampleObject(name = "14 days, every 10 minutes", value = "{\"startOffset\": \"14 days\", \"endOffset\": \"1 hour\", \"schedule\": \"10 minutes\"}")))
            RefreshSettings settings) {
        if (settings == null || (settings.startOffset() == null && settings.endOffset() == null && settings.schedule() == null)) {
            throw ProblemException.badRequest("Send at least one of startOffset, endOffset, schedule");
        }
        return catalog.requireAggregate(aggregate)
                .chain(() -> apply(SET_REFRESH_SQL, Tuple.of(aggregate, settings.startOffset(), settings.endOffset(),
                        settings.schedule()), REFRESH_POLICY_SQL, aggregate, "Invalid refresh policy"));
    }

    @PUT
    @Path("/{kind}/{target}/enabled")
    @Operation(summary = "Turn a policy on or off", description = "kind: compression or retention (target: a hypertable), "
            + "refresh (target: an aggregate). Community edition: the native job is paused or resumed (compression, refresh) "
            + "or removed and re-added with the catalog's period (retention). Apache edition: the service's executors follow "
            + "the catalog (retention, refresh); compression is stored (unavailable). Settings are kept while a policy is off.")
    @APIResponse(responseCode = "404", description = "Unknown kind, or no such hypertable or aggregate in the catalog")
    @APIResponse(responseCode = "422", description = "Retention turned on for a table without a retention period")
    @APIResponse(responseCode = "200", description = "The policy's state and executor",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Switched.class)))
    public Uni<Switched> setEnabled(
            @Parameter(description = "compression, retention or refresh") @PathParam("kind") String kind,
            @Parameter(description = "hypertable (compression, retention) or aggregate (refresh) from the policy catalog")
            @PathParam("target") String target,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Switch.class),
                    examples = @ExampleObject(name = "pause", value = "{\"enabled\": false}"))) Switch change) {
        if (!KINDS.contains(kind)) {
            throw ProblemException.notFound("'" + kind + "' is not a policy kind: compression, retention or refresh");
        }
        if (change == null || change.enabled() == null) {
            throw ProblemException.badRequest("Send {\"enabled\": true} or {\"enabled\": false}");
        }
        Uni<Void> known = "refresh".equals(kind) ? catalog.requireAggregate(target) : catalog.requireHypertable(target);
        return known.chain(() -> pool.preparedQuery(SET_ENABLED_SQL).execute(Tuple.of(kind, target, change.enabled())))
                .map(rows -> new Switched(kind, target, change.enabled(), rows.iterator().next().getString("executor")))
                .onFailure().transform(failure -> PolicyCatalog.clientError(failure, "Invalid policy change"));
    }

    /** The change and the read-back of the policy in one transaction, so the answer is what was committed. */
    private Uni<Map<String, Object>> apply(String changeSql, Tuple change, String readSql, String name, String title) {
        return pool.withTransaction(connection -> connection.preparedQuery(changeSql).execute(change)
                        .map(rows -> rows.iterator().next().getString("executor"))
                        .flatMap(executor -> connection.preparedQuery(readSql).execute(Tuple.of(name))
                                .map(rows -> {
                                    Map<String, Object> policy = new java.util.LinkedHashMap<>(LifecycleAdminResource.rows(rows).get(0));
                                    policy.put("executor", executor);
                                    return policy;
                                })))
                .onFailure().transform(failure -> PolicyCatalog.clientError(failure, title));
    }
}
