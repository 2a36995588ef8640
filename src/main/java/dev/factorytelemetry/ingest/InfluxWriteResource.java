package dev.factorytelemetry.ingest;

import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.platform.PlatformConfig;
import dev.factorytelemetry.web.DatabaseUnavailableException;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
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
import org.jboss.logging.Logger;

import java.util.List;

/**
 * {@code POST /api/v2/write}: InfluxDB v2 line protocol, so that Telegraf ({@code outputs.influxdb_v2}),
 * Node-RED and InfluxDB client libraries can write telemetry unchanged. Status codes and error
 * bodies follow InfluxDB: 204, 400 {"code":"invalid"} naming the line, 401, 413, 422, 429/503 with
 * Retry-After. {@code org} and {@code bucket} are accepted and ignored (docs/ingest.md). Reads line
 * protocol and answers in InfluxDB's dialect; the ingest path itself is {@link IngestService}.
 */
@Path("/api/v2/write")
@IngestEndpoint
@RolesAllowed(Scope.Roles.INGEST)
@Tag(name = "ingest")
public class InfluxWriteResource {

    private static final Logger LOG = Logger.getLogger(InfluxWriteResource.class);

    private final IngestService ingest;
    private final PlatformConfig platformConfig;
    private final IngestService.Format format;

    public InfluxWriteResource(IngestService ingest, IngestConfig config, PlatformConfig platformConfig, RetentionWindow retention) {
        this.ingest = ingest;
        this.platformConfig = platformConfig;
        this.format = new IngestService.Format("influx-write", TimestampPrecision.NS, (text, precision, rules) -> {
            LineProtocolParser.Parsed parsed = new LineProtocolParser(precision, rules, config.maxBatchSize(),
                    config.lineProtocol().ignoredTags(), config.lineProtocol().qualityFields(), retention.currentMicros()).parse(text);
            SampleBatch batch = parsed.batch();
            if (parsed.syntaxErrors()) {
                throw new ProblemException(Problem.of(400, "Invalid line protocol", "unable to parse " + batch.errorCount()
                        + " line(s); nothing was written").withErrors(List.copyOf(batch.errors())));
            }
            return batch;
        });
    }

    @POST
    @Operation(summary = "Write InfluxDB line protocol",
            description = "Each field becomes a sample of metric measurement.tagvalue(s).field; all or nothing; 204 after commit.")
    @APIResponse(responseCode = "204", description = "Committed")
    @APIResponse(responseCode = "422", description = "Points that cannot be stored (value type, time outside retention); "
            + "the message names each line; nothing stored")
    @APIResponse(responseCode = "429", description = "The service is saturated; nothing stored. Retry after Retry-After seconds",
            headers = @Header(name = "Retry-After", description = "Seconds to wait", schema = @Schema(implementation = Long.class)))
    public Uni<Response> write(@RequestBody(content = @Content(mediaType = MediaType.TEXT_PLAIN,
                                       examples = @ExampleObject(name = "line protocol", value = "filler,line=L1 speed=12.5,count=3i,recipe=\"IPA\" "
                                               + "1772445600000000000\nfiller,line=L2 speed=11.0 1772445600000000000"))) byte[] body,
                               @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding,
                               @QueryParam("precision") String precisionParameter,
                               @QueryParam("org") String org,
                               @QueryParam("bucket") String bucket) {
        return ingest.ingest(format, body, contentEncoding, precisionParameter)
                .map(r -> Response.noContent().build())
                .onFailure().recoverWithItem(this::failure);
    }

    /** InfluxDB's error answer (the failure is already counted by the ingest path). */
    private Response failure(Throwable failure) {
        if (failure instanceof ProblemException e) {
            return IngestResponses.from(e, true);
        }
        if (DatabaseUnavailableException.isUnavailable(failure)) {
            LOG.warnf("Database unavailable: %s", failure.getMessage());
            return IngestResponses.from(Problem.of(503, "Database unavailable",
                    "The database cannot be reached right now; nothing was written"), true, platformConfig.retryAfter());
        }
        LOG.error("Line protocol write failed", failure);
        return IngestResponses.from(Problem.of(500, "Internal error", "The write failed unexpectedly; nothing was written"),
                true, null);
    }
}
