package dev.factorytelemetry.ingest;

import dev.factorytelemetry.auth.RequiresScope;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code POST /api/v1/telemetry}: JSON batches of samples from PLC gateways (docs/ingest.md). Reads the
 * JSON format and answers in problem+json; the ingest path itself is {@link IngestService}.
 */
@Path("/api/v1/telemetry")
@IngestEndpoint
@RequiresScope(Scope.INGEST)
@Tag(name = "ingest")
public class TelemetryResource {

    /** The answer to a committed batch. */
    public record IngestResult(int accepted, int duplicates) {
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
    public Uni<Response> ingest(byte[] body,
                                @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding,
                                @QueryParam("precision") String precisionParameter) {
        // other failures are answered by the problem+json exception mappers
        return ingest.ingest(format, body, contentEncoding, precisionParameter)
                .map(r -> Response.ok(new IngestResult(r.accepted(), r.duplicates())).build())
                .onFailure(IngestService.Busy.class)
                .recoverWithItem(busy -> IngestResponses.from((ProblemException) busy, false));
    }
}
