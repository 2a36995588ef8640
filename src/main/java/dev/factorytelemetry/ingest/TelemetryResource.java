package dev.factorytelemetry.ingest;

import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import dev.factorytelemetry.web.Problem;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/v1/telemetry}: JSON batches of samples from PLC gateways (docs/ingest.md). Reads the
 * JSON format and answers in problem+json; the ingest path itself is {@link IngestService}.
 */
@Path("/api/v1/telemetry")
@IngestEndpoint
@RolesAllowed(Scope.Roles.INGEST)
@Tag(name = "ingest")
public class TelemetryResource {

    /** The answer to a committed batch. */
    public record IngestResult(int accepted, int duplicates) {

        /**
         * {@code {"accepted":N,"duplicates":M}}, written directly: two integers do not need the JSON writer's lookup and
         * serializer on every request (a few percent of the service's CPU per batch).
         */
        byte[] json() {
            return ("{\"accepted\":" + accepted + ",\"duplicates\":" + duplicates + "}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }

    private final IngestService ingest;
    private final IngestService.Format format;

    public TelemetryResource(IngestService ingest, IngestConfig config) {
        this.ingest = ingest;
        this.format = new IngestService.Format("telemetry", TimestampPrecision.MS, (json, precision, rules) -> {
            try {
                return JsonSampleParser.parse(json, precision, rules, config.maxBatchSize());
            } catch (JsonSampleParser.MalformedBodyException e) {
                throw ProblemException.badRequest(e.getMessage());
            }
        });
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Store a batch of telemetry samples",
            description = "All or nothing: 200 {accepted, duplicates} after commit; 400 malformed JSON; 422 invalid samples "
                    + "(errors[] names item index, field and reason); 413 too large; 415 wrong content type or encoding; "
                    + "429/503 with Retry-After.")
    @APIResponse(responseCode = "200", description = "Committed: samples accepted and duplicates (same metric and ts) ignored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = IngestResult.class)))
    @APIResponse(responseCode = "422", description = "Invalid samples; errors[] names item index, field and reason; nothing stored",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "The service is saturated; nothing stored. Retry after Retry-After seconds",
            headers = @Header(name = "Retry-After", description = "Seconds to wait", schema = @Schema(implementation = Long.class)),
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Uni<Response> ingest(@RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                        examples = @ExampleObject(name = "two samples", value = "{\"samples\": ["
                                                + "{\"metric\": \"L1.filler.speed\", \"ts\": \"2026-03-02T10:00:00Z\", \"value\": 12.5}, "
                                                + "{\"metric\": \"L1.filler.recipe\", \"ts\": \"2026-03-02T10:00:00Z\", \"value\": \"IPA-33cl\", "
                                                + "\"quality\": 192}]}"))) byte[] body,
                                @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding,
                                @QueryParam("precision") String precisionParameter) {
        // other failures are answered by the problem+json exception mappers
        return ingest.ingest(format, body, contentEncoding, precisionParameter)
                .map(r -> Response.ok(new IngestResult(r.accepted(), r.duplicates()).json(), MediaType.APPLICATION_JSON_TYPE).build())
                .onFailure(IngestService.Busy.class)
                .recoverWithItem(busy -> IngestResponses.from((ProblemException) busy, false));
    }
}
