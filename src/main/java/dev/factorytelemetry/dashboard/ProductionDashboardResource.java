package dev.factorytelemetry.dashboard;

import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;

import dev.factorytelemetry.dashboard.DashboardViews.DowntimePareto;
import dev.factorytelemetry.dashboard.DashboardViews.DowntimeTotals;
import dev.factorytelemetry.dashboard.DashboardViews.EnergyTrend;
import dev.factorytelemetry.dashboard.DashboardViews.FaultList;
import dev.factorytelemetry.dashboard.DashboardViews.LineDashboard;
import dev.factorytelemetry.dashboard.DashboardViews.OeeTrend;
import dev.factorytelemetry.dashboard.DashboardViews.PlantView;
import dev.factorytelemetry.dashboard.DashboardViews.QualityTrend;
import dev.factorytelemetry.web.Problem;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.ws.rs.core.Response;

/**
 * Production dashboards and trends: OEE, downtime, energy, quality, faults. Answers carry a {@code freshness} object
 * and {@code Cache-Control}/{@code Age} headers; identical requests within the cache TTL share one computation.
 */
@Path("/api/v1/dashboard")
@RolesAllowed(Scope.Roles.READ)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "dashboard", description = "Production dashboards and trends (OEE, downtime, energy, quality, faults)")
@APIResponse(responseCode = "400", description = "Invalid parameter (range, granularity, limit)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "503", description = "Database unavailable (with Retry-After)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class ProductionDashboardResource {

    static final String FROM = "Start of the range (inclusive): ISO-8601 time with offset (2026-10-25T06:00:00Z), plant-local time "
            + "without offset (2026-10-25T08:00) or plant-local date (2026-10-25 = its local midnight). Widened to the "
            + "start of its bucket. Default: 'to' minus 24 h (hourly) or 30 days (daily).";
    static final String TO = "End of the range (exclusive), same formats as 'from'; widened to the end of its bucket. Default: now.";
    static final String GRANULARITY = "Bucket: 'hour' (default; ranges up to telemetry.dashboard.max-hourly-span) or 'day' "
            + "(plant-local days, midnight to midnight, 23 or 25 hours on DST changes)";
    static final String LINE = "Production line code (line_code); unknown codes answer 404";
    static final String EQUIPMENT = "Equipment code (equipment_code); takes precedence over 'line'; unknown codes answer 404";

    private final ProductionDashboard dashboard;
    private final ProductionTrends trends;
    private final CachedResponses responses;

    public ProductionDashboardResource(ProductionDashboard dashboard, ProductionTrends trends, CachedResponses responses) {
        this.dashboard = dashboard;
        this.trends = trends;
        this.responses = responses;
    }

    @GET
    @Path("/plant")
    @Operation(summary = "Real-time production dashboard of the whole plant",
            description = "Per line and for the plant: the current hour and today (plant time zone): OEE with availability, "
                    + "performance, quality, good/total parts; downtime minutes (stops clipped to the window, open stops up to "
                    + "now); energy kWh and cost; quality pass rate; active faults.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PlantView.class)))
    public Uni<Response> plant() {
        return dashboard.plantView().map(responses::ok);
    }

    @GET
    @Path("/lines/{lineCode}")
    @Operation(summary = "Real-time production dashboard of one line", description = "The plant dashboard's figures for one line.")
    @APIResponse(responseCode = "404", description = "Unknown line",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LineDashboard.class)))
    public Uni<Response> line(@Parameter(description = LINE) @PathParam("lineCode") String lineCode) {
        return dashboard.lineView(lineCode).map(responses::ok);
    }

    @GET
    @Path("/oee")
    @Operation(summary = "OEE trend", description = "OEE, its factors and inputs per hour or plant-local day, for the plant, "
            + "per line or per equipment. Ratios come from the sums of each bucket and group.")
    @APIResponse(responseCode = "404", description = "Unknown line or equipment",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OeeTrend.class)))
    public Uni<Response> oee(@Parameter(description = FROM) @QueryParam("from") String from,
                                           @Parameter(description = TO) @QueryParam("to") String to,
                                           @Parameter(description = GRANULARITY) @QueryParam("granularity") String granularity,
                                           @Parameter(description = "plant, line (default) or equipment") @QueryParam("groupBy") String groupBy,
                                           @Parameter(description = LINE) @QueryParam("line") String line,
                                           @Parameter(description = EQUIPMENT) @QueryParam("equipment") String equipment) {
        return trends.oee(from, to, granularity, groupBy, line, equipment).map(responses::ok);
    }

    @GET
    @Path("/energy")
    @Operation(summary = "Energy consumption", description = "kWh, cost (kWh × plant tariff), peak/min/average power per hour "
            + "or plant-local day, for the plant, per line or per equipment.")
    @APIResponse(responseCode = "404", description = "Unknown line or equipment",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EnergyTrend.class)))
    public Uni<Response> energy(@Parameter(description = FROM) @QueryParam("from") String from,
                                                 @Parameter(description = TO) @QueryParam("to") String to,
                                                 @Parameter(description = GRANULARITY) @QueryParam("granularity") String granularity,
                                                 @Parameter(description = "plant, line (default) or equipment") @QueryParam("groupBy") String groupBy,
                                                 @Parameter(description = LINE) @QueryParam("line") String line,
                                                 @Parameter(description = EQUIPMENT) @QueryParam("equipment") String equipment) {
        return trends.energy(from, to, granularity, groupBy, line, equipment).map(responses::ok);
    }

    @GET
    @Path("/downtime")
    @Operation(summary = "Daily downtime by line and category", description = "Closed stops booked to the plant-local day "
            + "they started: events, minutes, longest stop.")
    @APIResponse(responseCode = "404", description = "Unknown line",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DowntimeTotals.class)))
    public Uni<Response> downtime(@Parameter(description = FROM) @QueryParam("from") String from,
                                                      @Parameter(description = TO) @QueryParam("to") String to,
                                                      @Parameter(description = LINE) @QueryParam("line") String line) {
        return trends.downtime(from, to, line).map(responses::ok);
    }

    @GET
    @Path("/downtime/pareto")
    @Operation(summary = "Pareto of downtime reasons", description = "Reason codes of closed stops started in the range "
            + "(plant-local days), by total downtime, with share and cumulative share of all downtime of the range.")
    @APIResponse(responseCode = "404", description = "Unknown line",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DowntimePareto.class)))
    public Uni<Response> pareto(@Parameter(description = FROM) @QueryParam("from") String from,
                                                    @Parameter(description = TO) @QueryParam("to") String to,
                                                    @Parameter(description = LINE) @QueryParam("line") String line,
                                                    @Parameter(description = "Number of reasons (default 10, at most telemetry.dashboard.max-list-rows)")
                                                    @QueryParam("limit") Integer limit) {
        return trends.pareto(from, to, line, limit).map(responses::ok);
    }

    @GET
    @Path("/quality")
    @Operation(summary = "Daily quality by line, product type and check type",
            description = "Checks per result and quantities; pass and fail rates from summed quantities.")
    @APIResponse(responseCode = "404", description = "Unknown line or product type",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = QualityTrend.class)))
    public Uni<Response> quality(@Parameter(description = FROM) @QueryParam("from") String from,
                                                   @Parameter(description = TO) @QueryParam("to") String to,
                                                   @Parameter(description = LINE) @QueryParam("line") String line,
                                                   @Parameter(description = "Product code (product_code)") @QueryParam("productType") String productType,
                                                   @Parameter(description = "incoming, in_process, final or audit") @QueryParam("checkType") String checkType) {
        return trends.quality(from, to, line, productType, checkType).map(responses::ok);
    }

    @GET
    @Path("/faults/active")
    @Operation(summary = "Active faults", description = "Faults raised within telemetry.dashboard.active-fault-lookback and "
            + "not cleared, newest first, with how long each has been active.")
    @APIResponse(responseCode = "404", description = "Unknown line or equipment",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FaultList.class)))
    public Uni<Response> activeFaults(@Parameter(description = LINE) @QueryParam("line") String line,
                                                     @Parameter(description = EQUIPMENT) @QueryParam("equipment") String equipment,
                                                     @Parameter(description = "Most faults listed (default and maximum telemetry.dashboard.max-list-rows)")
                                                     @QueryParam("limit") Integer limit) {
        return trends.activeFaults(line, equipment, limit).map(responses::ok);
    }

    @GET
    @Path("/faults/history")
    @Operation(summary = "Fault history", description = "Faults raised in the range (hour-aligned), newest first, with "
            + "durations (active faults: time since raised); total count and duration of all faults of the range.")
    @APIResponse(responseCode = "404", description = "Unknown line or equipment",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FaultList.class)))
    public Uni<Response> faultHistory(@Parameter(description = FROM) @QueryParam("from") String from,
                                                     @Parameter(description = TO) @QueryParam("to") String to,
                                                     @Parameter(description = LINE) @QueryParam("line") String line,
                                                     @Parameter(description = EQUIPMENT) @QueryParam("equipment") String equipment,
                                                     @Parameter(description = "Most faults listed (default and maximum telemetry.dashboard.max-list-rows)")
                                                     @QueryParam("limit") Integer limit) {
        return trends.faultHistory(from, to, line, equipment, limit).map(responses::ok);
    }
}
