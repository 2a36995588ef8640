package dev.factorytelemetry.archive;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.lifecycle.BackfillRefresher;
import dev.factorytelemetry.lifecycle.LifecycleAdminResource;
import dev.factorytelemetry.lifecycle.PolicyCatalog;
import dev.factorytelemetry.web.GzipRequestBodies;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Archives of hypertable chunks: list them, archive a range now, restore one, and the backlog with the last errors.
 * Table names are checked against the policy catalog; files are only ever addressed by manifest id.
 */
@GzipRequestBodies
@Path("/api/v1/admin/archives")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "archive")
public class ArchiveAdminResource {

    static final String LIST_SQL = """
            SELECT id, hypertable_name, chunk_name, range_start, range_end, row_count, path, size_bytes, checksum, format,
                   target, created_at, dropped_at
            FROM factory_telemetry.archive_manifest
            WHERE ($1::text IS NULL OR hypertable_name = $1)
              AND ($2::timestamptz IS NULL OR range_end > $2) AND ($3::timestamptz IS NULL OR range_start < $3)
            ORDER BY hypertable_name, range_start, id
            LIMIT $4
            """;

    static final String BACKLOG_SQL = """
            SELECT hypertable_name, chunk_name, range_start, range_end, is_compressed, last_error, last_failed_at, failures
            FROM factory_telemetry.v_archive_backlog ORDER BY range_start, hypertable_name
            """;

    static final String FAILURES_SQL = """
            SELECT hypertable_name, chunk_name, range_start, range_end, error, first_failed_at, last_failed_at, failures
            FROM factory_telemetry.archive_failure ORDER BY last_failed_at DESC
            """;

    static final String LAST_RUN_SQL = """
            SELECT last_started_at, last_finished_at, last_outcome, last_error, last_replica, total_runs, total_failures
            FROM factory_telemetry.service_job_state WHERE job = $1
            """;

    /** A range to archive now: the chunks of {@code table} lying entirely within [from, to). */
    public record ArchiveRequest(@JsonProperty(required = true) String table, @JsonProperty(required = true) String from,
                                 @JsonProperty(required = true) String to) {
    }

    private final Pool pool;
    private final ArchiveExecutor executor;
    private final PolicyCatalog catalog;
    private final ChunkArchiver archiver;

    public ArchiveAdminResource(Pool pool, ArchiveExecutor executor, ChunkArchiver archiver, PolicyCatalog catalog) {
        this.pool = pool;
        this.catalog = catalog;
        this.executor = executor;
        this.archiver = archiver;
    }

    @GET
    @Operation(summary = "List archives", description = "Manifest rows (chunk, table, time range [rangeStart, rangeEnd), rows, "
            + "path relative to the archive directory, size, checksum, created at, dropped at), optionally of one table and "
            + "overlapping [from, to).")
    @APIResponse(responseCode = "404", description = "table names no hypertable of the policy catalog")
    @APIResponse(responseCode = "200", description = "Manifest rows, oldest first per table",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = ChunkArchiver.ArchiveEntry.class)))
    public Uni<List<Map<String, Object>>> list(
            @Parameter(description = "hypertable name from the policy catalog") @QueryParam("table") String table,
            @Parameter(description = "archives whose range ends after this instant (ISO 8601)") @QueryParam("from") String from,
            @Parameter(description = "archives whose range starts before this instant (ISO 8601)") @QueryParam("to") String to,
            @Parameter(description = "at most this many rows (1-10000)") @QueryParam("limit") @DefaultValue("1000") int limit) {
        if (limit < 1 || limit > 10_000) {
            throw ProblemException.badRequest("limit must be between 1 and 10000, not " + limit);
        }
        BackfillRefresher.Range range = from == null && to == null ? null
                : LifecycleAdminResource.range(from == null ? "0001-01-01T00:00:00Z" : from, to == null ? "9999-12-31T00:00:00Z" : to);
        String name = table == null || table.isBlank() ? null : table;
        return (name == null ? Uni.createFrom().voidItem() : catalog.requireHypertable(name))
                .chain(() -> pool.preparedQuery(LIST_SQL).execute(Tuple.of(name,
                        range == null ? null : range.from().atOffset(ZoneOffset.UTC),
                        range == null ? null : range.to().atOffset(ZoneOffset.UTC), limit)))
                .map(LifecycleAdminResource::rows);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Archive a range now", description = "Archives every chunk of the table lying entirely within "
            + "[from, to): export to Parquet, verify by re-reading (row count, checksum), record in the manifest. A chunk of an "
            + "archived table that is past retention is then dropped in the same transaction; other chunks are kept. A failed "
            + "chunk is kept and named with its error. 409 while the archive job runs (scheduled, or on another replica).")
    @APIResponse(responseCode = "404", description = "table names no hypertable of the policy catalog")
    @APIResponse(responseCode = "409", description = "The archive job is running (scheduled, or on another replica)")
    @APIResponse(responseCode = "200", description = "What happened to each chunk (error set: kept)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = ArchiveExecutor.ChunkOutcome.class)))
    public Uni<List<ArchiveExecutor.ChunkOutcome>> archive(
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ArchiveRequest.class),
                    examples = @ExampleObject(name = "one week", value = "{\"table\": \"quality_checks\", \"from\": \"2024-01-01T00:00:00Z\", \"to\": \"2024-01-08T00:00:00Z\"}")))
            ArchiveRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("Send {\"table\": \"quality_checks\", \"from\": \"2024-01-01T00:00:00Z\", \"to\": \"2024-01-08T00:00:00Z\"}");
        }
        BackfillRefresher.Range range = LifecycleAdminResource.range(request.from(), request.to());
        if (range == null) {
            throw ProblemException.badRequest("from and to are required");
        }
        return catalog.requireHypertable(request.table())
                .chain(() -> executor.archiveRangeOnce(request.table(), range.from(), range.to()))
                .map(LifecycleAdminResource::resultOf);
    }

    @POST
    @Path("/run")
    @Operation(summary = "Run the archive job now", description = "Archives and drops the chunks of archived tables past "
            + "retention (oldest first, at most telemetry.archive.max-chunks-per-run), as the scheduled job does. 409 while it runs.")
    @APIResponse(responseCode = "409", description = "The archive job is running (scheduled, or on another replica)")
    @APIResponse(responseCode = "200", description = "What happened to each chunk (error set: kept)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY,
                    implementation = ArchiveExecutor.ChunkOutcome.class)))
    public Uni<List<ArchiveExecutor.ChunkOutcome>> run() {
        return executor.archiveExpiredOnce().map(LifecycleAdminResource::resultOf);
    }

    @POST
    @Path("/{id}/restore")
    @Operation(summary = "Restore an archive", description = "Re-imports the archive's rows into its hypertable after checking "
            + "the file against the manifest checksum. Idempotent: rows the table already has (same key) are skipped, so a second "
            + "restore inserts none. Restored rows older than retention are archived (again) and dropped by the next archive run.")
    @APIResponse(responseCode = "404", description = "No archive with that id")
    @APIResponse(responseCode = "409", description = "The file is missing or altered, the table changed incompatibly, or TimescaleDB refused the insert")
    @APIResponse(responseCode = "200", description = "Rows in the file, inserted, and skipped as duplicates",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ChunkArchiver.Restored.class)))
    public Uni<ChunkArchiver.Restored> restore(@Parameter(description = "manifest id of the archive") @PathParam("id") long id) {
        return ArchiveExecutor.blocking(() -> archiver.restore(id))
                .onFailure(ChunkArchiver.ArchiveException.class).transform(f -> new ProblemException(
                        Problem.of(((ChunkArchiver.ArchiveException) f).status(), "Restore refused", f.getMessage())));
    }

    @GET
    @Path("/backlog")
    @Operation(summary = "Archive backlog and last errors", description = "chunks: chunks of archived tables past retention "
            + "still in the database (each with its last error, if its archive failed); failures: the chunks whose last archive "
            + "failed; lastRun: the archive job's last run (any replica).")
    @APIResponse(responseCode = "200", description = "Backlog, failures, last run",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Object.class)))
    public Uni<Map<String, Object>> backlog() {
        return pool.query(BACKLOG_SQL).execute().map(LifecycleAdminResource::rows)
                .chain(chunks -> pool.query(FAILURES_SQL).execute().map(LifecycleAdminResource::rows)
                        .chain(failures -> pool.preparedQuery(LAST_RUN_SQL).execute(Tuple.of(ArchiveExecutor.ARCHIVE_JOB))
                                .map(LifecycleAdminResource::rows)
                                .map(last -> {
                                    Map<String, Object> answer = new LinkedHashMap<>();
                                    answer.put("backlogChunks", chunks.size());
                                    answer.put("chunks", chunks);
                                    answer.put("failures", failures);
                                    answer.put("lastRun", last.isEmpty() ? null : last.get(0));
                                    return answer;
                                })))
                .call(executor::updateBacklog);
    }
}
