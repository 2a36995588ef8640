package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.web.GzipRequestBodies;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Operators' view of and control over the policy catalog. Changes go through the SQL management
 * functions, which update the catalog and the executor (native TimescaleDB policy or the service)
 * in one transaction.
 */
@GzipRequestBodies
@Path("/api/v1/admin/lifecycle")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "lifecycle")
public class LifecycleAdminResource {

    /**
     * Catalog, compression state, and the last run of each table's retention and compression job from
     * v_lifecycle_jobs (last run, status, last success, last error), the same rows readiness and
     * /api/v1/system/info report.
     */
    public static final String HYPERTABLE_POLICIES_SQL = """
            SELECT p.hypertable_name, p.time_column, p.chunk_interval::text, p.compress_after::text,
                   p.compress_segment_by, p.compress_order_by, p.compression_enabled, p.retention::text, p.retention_enabled,
                   p.archive_enabled, p.archive_target, p.archive_format,
                   r.executor AS retention_executor, rj.job_id AS retention_job_id,
                   rj.last_run_at AS retention_last_run_at, rj.last_status AS retention_last_status,
                   rj.last_success_at AS retention_last_success_at, rj.last_error AS retention_last_error,
                   coalesce(rj.status, CASE WHEN r.executor = 'none' THEN 'none' END) AS retention_status,
                   r.total_dropped_chunks,
                   c.compression, cj.job_id AS compression_job_id,
                   cj.last_run_at AS compression_last_run_at, cj.last_status AS compression_last_status,
                   cj.last_success_at AS compression_last_success_at, cj.last_error AS compression_last_error,
                   cj.status AS compression_status
            FROM factory_telemetry.hypertable_policy p
            LEFT JOIN factory_telemetry.v_retention_policies r ON r.kind = 'hypertable' AND r.target = p.hypertable_name
            LEFT JOIN factory_telemetry.v_compression_statistics c USING (hypertable_name)
            LEFT JOIN factory_telemetry.v_lifecycle_jobs rj ON rj.kind = 'retention' AND rj.target = p.hypertable_name
            LEFT JOIN factory_telemetry.v_lifecycle_jobs cj ON cj.kind = 'compression' AND cj.target = p.hypertable_name
            ORDER BY p.hypertable_name
            """;

    static final String AGGREGATE_STATUS_SQL = """
            SELECT s.aggregate_name, s.source_name, s.bucket_width::text, s.materialization, s.real_time,
                   s.refresh_start_offset::text, s.refresh_end_offset::text, s.refresh_schedule::text, a.refresh_enabled,
                   s.retention::text, s.last_refresh, extract(epoch FROM s.staleness) AS staleness_seconds,
                   s.pending_invalidations, s.oldest_pending_bucket, s.backfill_ranges, s.last_error, s.status
            FROM factory_telemetry.v_continuous_aggregate_status s
            JOIN factory_telemetry.aggregate_policy a USING (aggregate_name)
            ORDER BY s.aggregate_name
            """;

    static final String BACKLOG_SQL = """
            SELECT aggregate_name, bucket_from, bucket_to, log_entries
            FROM factory_telemetry.aggregate_backlog()
            ORDER BY aggregate_name, bucket_from
            """;

    private static final String SET_RETENTION_SQL = "SELECT factory_telemetry.set_retention($1, $2::text::interval) AS executor";

    /**
     * A new retention period: an ISO 8601 duration ({@code P90D}, {@code P2Y}) or PostgreSQL interval text;
     * an explicit {@code null} disables. The member is required: an absent (or misspelt) member is refused,
     * never taken as "disable".
     */
    public record RetentionChange(@JsonProperty(required = true) String retention) {
    }

    public record RetentionChanged(String target, String retention, String executor) {
    }

    private final Pool pool;
    private final LifecycleScheduler jobs;
    private final AggregateRefresher aggregateRefresher;
    private final BackfillRefresher backfillRefresher;
    private final PlatformState platform;
    private final PolicyCatalog catalog;

    public LifecycleAdminResource(Pool pool, LifecycleScheduler jobs, AggregateRefresher aggregateRefresher,
                                  BackfillRefresher backfillRefresher, PlatformState platform, PolicyCatalog catalog) {
        this.pool = pool;
        this.jobs = jobs;
        this.aggregateRefresher = aggregateRefresher;
        this.backfillRefresher = backfillRefresher;
        this.platform = platform;
        this.catalog = catalog;
    }

    @GET
    @Path("/hypertables")
    @Operation(summary = "Policy catalog of the hypertables", description = "Chunk interval, compression settings and state "
            + "(unavailable on the Apache edition), archiving (archiveEnabled, archiveTarget, archiveFormat: an archived table's "
            + "retention is always the service's, which exports each chunk before dropping it), retention and who enforces it "
            + "(timescaledb or service), and for the "
            + "retention and compression job of each table: last run, last status (Success/Failed), last success, last error "
            + "and status (ok, failing, paused, never run).")
    @APIResponse(responseCode = "200", description = "One object per hypertable: its catalog policy and job state, as the operation describes",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = Object.class)))
    public Uni<List<Map<String, Object>>> hypertables() {
        return pool.query(HYPERTABLE_POLICIES_SQL).execute().map(LifecycleAdminResource::rows);
    }

    @GET
    @Path("/aggregates")
    @Operation(summary = "Aggregates and their freshness", description = "Materialization (continuous_aggregate or "
            + "service_table), refresh policy, last refresh, staleness, pending invalidations and status.")
    @APIResponse(responseCode = "200", description = "One object per aggregate: its policy and freshness, as the operation describes",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = Object.class)))
    public Uni<List<Map<String, Object>>> aggregates() {
        return pool.query(AGGREGATE_STATUS_SQL).execute().map(LifecycleAdminResource::rows);
    }

    @PUT
    @Path("/retention/{target}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a retention period", description = "Updates the catalog and its executor in one step: the "
            + "native retention policy on the Community edition, the service's drop_chunks run on the Apache edition. "
            + "Refused (422) when shorter than a refresh window of an aggregate built on the table.")
    @APIResponse(responseCode = "404", description = "The catalog has no hypertable or aggregate of that name")
    @APIResponse(responseCode = "422", description = "Not a valid interval, or shorter than a refresh window of an aggregate built on it")
    @APIResponse(responseCode = "200", description = "Changed; names who enforces it now",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RetentionChanged.class)))
    public Uni<RetentionChanged> setRetention(
            @Parameter(description = "hypertable or aggregate name from the policy catalog") @PathParam("target") String target,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RetentionChange.class),
                    examples = @ExampleObject(name = "400 days", value = "{\"retention\": \"400 days\"}"))) RetentionChange change) {
        if (change == null) {
            throw ProblemException.badRequest("Send {\"retention\": \"P400D\"} (or any PostgreSQL interval), "
                    + "or {\"retention\": null} to disable retention");
        }
        String retention = change.retention();
        return catalog.requireTarget(target)
                .chain(() -> pool.preparedQuery(SET_RETENTION_SQL).execute(Tuple.of(target, retention)))
                .map(rows -> new RetentionChanged(target, retention, rows.iterator().next().getString("executor")))
                .onFailure(PgException.class).transform(LifecycleAdminResource::clientError);
    }

    @GET
    @Path("/aggregates/backlog")
    @Operation(summary = "Backfill backlog", description = "Per aggregate, the bucket ranges [bucketFrom, bucketTo) whose source "
            + "rows changed after they were materialized and that wait for a refresh, of any age within the source's "
            + "retention: the service's invalidation log (Apache edition) or TimescaleDB's (Community edition).")
    public Uni<List<Map<String, Object>>> backlog() {
        return pool.query(BACKLOG_SQL).execute().map(LifecycleAdminResource::rows);
    }

    @POST
    @Path("/aggregates/refresh")
    @Operation(summary = "Refresh aggregates now", description = "Both editions, in dependency order (hourly before daily). "
            + "Without from/to: every pending change of any age (the backlog). With from and to (ISO 8601 instants): also "
            + "every bucket of [from, to), widened to whole buckets and clipped to the source's retention. "
            + "aggregate: one aggregate of the catalog (404 otherwise); default all. Community edition: one "
            + "CALL refresh_continuous_aggregate per range, each outside any transaction block.")
    @APIResponse(responseCode = "404", description = "aggregate names no aggregate of the policy catalog")
    @APIResponse(responseCode = "200", description = "What each aggregate's refresh did",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = AggregateRefresher.Outcome.class)))
    public Uni<List<AggregateRefresher.Outcome>> refreshAggregates(
            @Parameter(description = "aggregate name from the policy catalog; all when absent") @QueryParam("aggregate") String aggregate,
            @Parameter(description = "start of the range to recompute (ISO 8601 instant)") @QueryParam("from") String from,
            @Parameter(description = "end of the range to recompute, exclusive (ISO 8601 instant)") @QueryParam("to") String to) {
        BackfillRefresher.Range range = range(from, to);
        String name = aggregate == null || aggregate.isBlank() ? null : aggregate;
        Uni<Void> known = name == null ? Uni.createFrom().voidItem() : catalog.requireAggregate(name);
        return known.chain(() -> platform.requireEdition().nativePolicies()
                        ? backfillRefresher.refresh(name, range)
                        : aggregateRefresher.refresh(name, range))
                .call(backfillRefresher::updateGauges);
    }

    /** [from, to) of two ISO 8601 instants, both or neither (null); 400 otherwise. Also used by the archive API. */
    public static BackfillRefresher.Range range(String from, String to) {
        boolean hasFrom = from != null && !from.isBlank();
        boolean hasTo = to != null && !to.isBlank();
        if (!hasFrom && !hasTo) {
            return null;
        }
        if (hasFrom != hasTo) {
            throw new ProblemException(Problem.of(400, "Invalid range", "from and to go together: give both or neither"));
        }
        Instant start = instant("from", from);
        Instant end = instant("to", to);
        if (!start.isBefore(end)) {
            throw new ProblemException(Problem.of(400, "Invalid range", "from (" + start + ") must be before to (" + end + ")"));
        }
        return new BackfillRefresher.Range(start, end);
    }

    private static Instant instant(String name, String value) {
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw new ProblemException(Problem.of(400, "Invalid range",
                    name + " must be an ISO 8601 instant with offset (e.g. 2026-03-02T00:00:00Z), not '" + value + "'"));
        }
    }

    @POST
    @Path("/retention/enforce")
    @Operation(summary = "Run service-enforced retention now", description = "Drops chunks entirely past retention for every "
            + "target the service enforces (raw hypertables on the Apache edition, service-maintained aggregates). 409 while the "
            + "retention job runs (scheduled, or on another replica).")
    @APIResponse(responseCode = "409", description = "The retention job is running (scheduled, or on another replica)")
    @APIResponse(responseCode = "200", description = "What each target's retention run dropped",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = RetentionExecutor.Outcome.class)))
    public Uni<List<RetentionExecutor.Outcome>> enforceRetention() {
        return jobs.enforceRetentionOnce().map(LifecycleAdminResource::resultOf);
    }

    /**
     * What an on-demand run did; 409 while the job runs (on another replica or scheduled on this one). Also used by
     * the archive API.
     */
    public static <T> T resultOf(ExclusiveJobs.JobRun<T> run) {
        if (!run.ran()) {
            throw new ProblemException(Problem.of(409, "Job running", "Job " + run.job()
                    + " is running now (on another replica or scheduled on this one); try again when it has finished"));
        }
        if (run.failure() instanceof RuntimeException failure) {
            throw failure; // mapped like any other (e.g. 503 when the database is unavailable)
        }
        if (run.failure() != null) {
            throw new IllegalStateException(run.failure());
        }
        return run.result();
    }

    private static Throwable clientError(Throwable failure) {
        PgException pg = (PgException) failure;
        // 22xxx: bad interval text or value; the management functions raise invalid_parameter_value (22023)
        if (pg.getSqlState() != null && pg.getSqlState().startsWith("22")) {
            return new ProblemException(Problem.of(422, "Invalid retention", pg.getErrorMessage()));
        }
        return failure;
    }

    /** Rows as JSON objects with camelCase keys (temporal values as ISO text). Also used by the archive API. */
    public static List<Map<String, Object>> rows(RowSet<Row> rows) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row row : rows) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < row.size(); i++) {
                Object value = row.getValue(i);
                map.put(toCamelCase(row.getColumnName(i)), value instanceof java.time.temporal.Temporal ? value.toString() : value);
            }
            list.add(map);
        }
        return list;
    }

    private static String toCamelCase(String column) {
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : column.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return out.toString();
    }
}
