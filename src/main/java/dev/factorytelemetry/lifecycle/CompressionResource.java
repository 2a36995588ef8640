package dev.factorytelemetry.lifecycle;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.web.GzipRequestBodies;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
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

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Compression of one hypertable on demand: compress chunks older than an interval now, decompress a chunk or a time
 * range (before a backfill that rewrites it). Community edition; the Apache edition has no compression (409).
 * Hypertable and chunk names are checked against the catalog (404 otherwise).
 */
@GzipRequestBodies
@Path("/api/v1/admin/lifecycle/hypertables/{hypertable}")
@RolesAllowed(Scope.Roles.ADMIN)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "lifecycle")
public class CompressionResource {

    static final String COMPRESS_SQL = """
            SELECT chunk_name, range_start, range_end, before_bytes, after_bytes
            FROM factory_telemetry.compress_chunks_older_than($1, $2::text::interval)
            """;

    static final String DECOMPRESS_SQL = """
            SELECT chunk_name, range_start, range_end
            FROM factory_telemetry.decompress_chunks($1, $2, $3::timestamptz, $4::timestamptz)
            """;

    /** Compress the chunks that end at least this long ago (PostgreSQL interval or ISO 8601 duration). */
    public record CompressRequest(@JsonProperty(required = true) String olderThan) {
    }

    /** One chunk: its range, and for a compression its bytes before and after. */
    public record Chunk(String chunk, OffsetDateTime rangeStart, OffsetDateTime rangeEnd, Long beforeBytes, Long afterBytes) {
    }

    /**
     * What a compression did: chunks compressed, their bytes before and after, and the ratio achieved (before / after;
     * null when nothing was compressed).
     */
    public record Compressed(String hypertable, String olderThan, int chunksCompressed, long beforeBytes, long afterBytes,
                             Double ratio, List<Chunk> chunks) {
    }

    /** One chunk by name, or every compressed chunk overlapping [from, to) (ISO 8601 instants). */
    public record DecompressRequest(String chunk, String from, String to) {
    }

    public record Decompressed(String hypertable, int chunksDecompressed, List<Chunk> chunks) {
    }

    private final Pool pool;
    private final PolicyCatalog catalog;

    public CompressionResource(Pool pool, PolicyCatalog catalog) {
        this.pool = pool;
        this.catalog = catalog;
    }

    @POST
    @Path("/compress")
    @Operation(summary = "Compress chunks now", description = "Compresses every uncompressed chunk of the hypertable that ends "
            + "at least olderThan ago (whatever its compress_after), and answers the chunks touched, their bytes before and "
            + "after compression and the ratio achieved. Community edition; 409 on the Apache edition.")
    @APIResponse(responseCode = "404", description = "The policy catalog has no hypertable of that name")
    @APIResponse(responseCode = "409", description = "The Apache edition of TimescaleDB has no compression")
    @APIResponse(responseCode = "422", description = "olderThan is not an interval of zero or more")
    @APIResponse(responseCode = "200", description = "What was compressed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Compressed.class)))
    public Uni<Compressed> compress(
            @Parameter(description = "hypertable name from the policy catalog") @PathParam("hypertable") String hypertable,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CompressRequest.class),
                    examples = @ExampleObject(name = "a week", value = "{\"olderThan\": \"7 days\"}"))) CompressRequest request) {
        if (request == null) {
            throw ProblemException.badRequest("Send {\"olderThan\": \"7 days\"} (any PostgreSQL interval or ISO 8601 duration)");
        }
        return catalog.requireHypertable(hypertable)
                .invoke(catalog::requireCompression)
                .chain(() -> pool.preparedQuery(COMPRESS_SQL).execute(Tuple.of(hypertable, request.olderThan())))
                .map(rows -> {
                    List<Chunk> chunks = new ArrayList<>();
                    long before = 0;
                    long after = 0;
                    for (Row row : rows) {
                        Chunk chunk = chunk(row, row.getLong("before_bytes"), row.getLong("after_bytes"));
                        chunks.add(chunk);
                        before += chunk.beforeBytes() == null ? 0 : chunk.beforeBytes();
                        after += chunk.afterBytes() == null ? 0 : chunk.afterBytes();
                    }
                    Double ratio = after > 0 ? Math.round(100.0 * before / after) / 100.0 : null;
                    return new Compressed(hypertable, request.olderThan(), chunks.size(), before, after, ratio, List.copyOf(chunks));
                })
                .onFailure().transform(failure -> PolicyCatalog.clientError(failure, "Invalid compression request"));
    }

    @POST
    @Path("/decompress")
    @Operation(summary = "Decompress a chunk or a time range", description = "Before a backfill that rewrites old data: "
            + "decompresses one chunk of the hypertable ({\"chunk\": name}, checked against its chunks) or every compressed "
            + "chunk overlapping [from, to) (ISO 8601 instants), and answers the chunks touched. The compression policy "
            + "compresses them again on its next run once they are older than compress_after: pause it for a long backfill "
            + "(PUT /api/v1/admin/lifecycle/policies/compression/{hypertable}/enabled). Community edition; 409 on the Apache edition.")
    @APIResponse(responseCode = "400", description = "Neither or both of chunk and from/to, or a bad instant")
    @APIResponse(responseCode = "404", description = "No such hypertable in the policy catalog, or no such chunk of it")
    @APIResponse(responseCode = "409", description = "The Apache edition of TimescaleDB has no compression")
    @APIResponse(responseCode = "200", description = "The chunks decompressed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Decompressed.class)))
    public Uni<Decompressed> decompress(
            @Parameter(description = "hypertable name from the policy catalog") @PathParam("hypertable") String hypertable,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DecompressRequest.class),
                    examples = {@ExampleObject(name = "a range", value = "{\"from\": \"2026-03-02T00:00:00Z\", \"to\": \"2026-03-03T00:00:00Z\"}"),
                            @ExampleObject(name = "a chunk", value = "{\"chunk\": \"_hyper_1_42_chunk\"}")})) DecompressRequest request) {
        if (request == null || (request.chunk() == null) == (request.from() == null && request.to() == null)) {
            throw ProblemException.badRequest("Send {\"chunk\": \"_hyper_1_42_chunk\"} or "
                    + "{\"from\": \"2026-03-02T00:00:00Z\", \"to\": \"2026-03-03T00:00:00Z\"}: one chunk or one range");
        }
        BackfillRefresher.Range range = LifecycleAdminResource.range(request.from(), request.to());
        return catalog.requireHypertable(hypertable)
                .invoke(catalog::requireCompression)
                .chain(() -> pool.preparedQuery(DECOMPRESS_SQL).execute(Tuple.of(hypertable, request.chunk(),
                        range == null ? null : range.from().atOffset(ZoneOffset.UTC),
                        range == null ? null : range.to().atOffset(ZoneOffset.UTC))))
                .map(rows -> {
                    List<Chunk> chunks = new ArrayList<>();
                    for (Row row : rows) {
                        chunks.add(chunk(row, null, null));
                    }
                    return new Decompressed(hypertable, chunks.size(), List.copyOf(chunks));
                })
                .onFailure().transform(failure -> PolicyCatalog.clientError(failure, "Invalid decompression request"));
    }

    private static Chunk chunk(Row row, Long before, Long after) {
        return new Chunk(row.getString("chunk_name"), row.getOffsetDateTime("range_start"), row.getOffsetDateTime("range_end"),
                before, after);
    }
}
