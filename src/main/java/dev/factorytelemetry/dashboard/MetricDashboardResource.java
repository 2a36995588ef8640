package dev.factorytelemetry.dashboard;

import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;

import dev.factorytelemetry.dashboard.DashboardViews.DownsampledSeries;
import dev.factorytelemetry.dashboard.DashboardViews.MetricStatistics;
import dev.factorytelemetry.dashboard.DashboardViews.RecentSamples;
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

import java.util.List;

/** Metric statistics, recent samples and downsampled series for trend charts. */
@Path("/api/v1/dashboard/metrics")
@RolesAllowed(Scope.Roles.READ)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "dashboard")
@APIResponse(responseCode = "400", description = "Invalid parameter",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "404", description = "Unknown metric key",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
@APIResponse(responseCode = "503", description = "Database unavailable (with Retry-After)",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class MetricDashboardResource {

    private final MetricQueries metrics;
    private final CachedResponses responses;

    public MetricDashboardResource(MetricQueries metrics, CachedResponses responses) {
        this.metrics = metrics;
        this.responses = responses;
    }

    @GET
    @Path("/statistics")
    @Operation(summary = "Metric statistics per hour or day",
            description = "count/min/max/avg/stddev per bucket for one or many metrics (REAL: all; INT: no stddev; BOOL: "
                    + "true count and ratio; TEXT: count), from the metric aggregates.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = MetricStatistics.class)))
    public Uni<Response> statistics(
            @Parameter(description = "Metric key (metric_key); repeat for several (metric=a&metric=b), at most telemetry.dashboard.max-metrics-per-request")
            @QueryParam("metric") List<String> metricKeys,
            @Parameter(description = ProductionDashboardResource.FROM) @QueryParam("from") String from,
            @Parameter(description = ProductionDashboardResource.TO) @QueryParam("to") String to,
            @Parameter(description = ProductionDashboardResource.GRANULARITY) @QueryParam("granularity") String granularity) {
        return metrics.statistics(metricKeys, from, to, granularity).map(responses::ok);
    }

    @GET
    @Path("/{metricKey}/recent")
    @Operation(summary = "Recent samples of a metric", description = "Raw samples newest first: those of the last 'window' "
            + "(default PT1H), or the last 'limit' ones within telemetry.dashboard.recent-search-window.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RecentSamples.class)))
    public Uni<Response> recent(
            @Parameter(description = "Metric key") @PathParam("metricKey") String metricKey,
            @Parameter(description = "ISO-8601 duration back from now, e.g. PT1H (default; when only 'limit' is given: telemetry.dashboard.recent-search-window)")
            @QueryParam("window") String window,
            @Parameter(description = "Most samples returned (default 1000, at most telemetry.dashboard.max-recent-samples)")
            @QueryParam("limit") Integer limit) {
        return metrics.recent(metricKey, window, limit).map(responses::ok);
    }

    @GET
    @Path("/{metricKey}/series")
    @Operation(summary = "Downsampled series of a metric", description = "At most 'maxPoints' buckets over the range: the "
            + "bucket width is the smallest of 1 s … 364 d that fits; buckets under a minute come from raw samples (ranges "
            + "up to telemetry.dashboard.raw-series-max-span), buckets from a minute up to an hour from the 1-minute "
            + "aggregate (ranges up to telemetry.dashboard.minute-series-max-span), hourly and daily ones from the "
            + "hourly and daily aggregates ('source': raw, minute, hourly, daily). The default 24 hours at 500 points "
            + "are 5-minute buckets from the 1-minute aggregate (1,440 rows); a year never reads more than 365 daily "
            + "rows per metric.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DownsampledSeries.class)))
    public Uni<Response> series(
            @Parameter(description = "Metric key") @PathParam("metricKey") String metricKey,
            @Parameter(description = "Start (inclusive); same formats as elsewhere; default 'to' minus 24 h") @QueryParam("from") String from,
            @Parameter(description = "End (exclusive); default now") @QueryParam("to") String to,
            @Parameter(description = "Most points returned (default telemetry.dashboard.default-max-points, at most telemetry.dashboard.max-points-limit)")
            @QueryParam("maxPoints") Integer maxPoints) {
        return metrics.series(metricKey, from, to, maxPoints).map(responses::ok);
    }
}
