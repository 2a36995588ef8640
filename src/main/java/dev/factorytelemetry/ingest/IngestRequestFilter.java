package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.Problem;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Runs before an ingest request's body is read: a JSON request without Content-Type is answered 415, a
 * declared Content-Length over the limit 413 and a saturated service 429 + Retry-After, without
 * buffering the body first.
 */
public class IngestRequestFilter {

    private final IngestConfig config;
    private final IngestAdmission admission;
    private final IngestMetrics metrics;

    public IngestRequestFilter(IngestConfig config, IngestAdmission admission, IngestMetrics metrics) {
        this.config = config;
        this.admission = admission;
        this.metrics = metrics;
    }

    @IngestEndpoint
    @ServerRequestFilter(priority = 2_000) // authentication and @RolesAllowed are checked before request filters
    public Response beforeBody(ContainerRequestContext request) {
        boolean influx = request.getUriInfo().getPath().startsWith("/api/v2/");
        if (!influx && request.getHeaderString(HttpHeaders.CONTENT_TYPE) == null) {
            // @Consumes refuses other types but lets a missing Content-Type through
            metrics.rejected("telemetry", 415);
            return IngestResponses.from(Problem.of(415, "Unsupported Media Type",
                    "Content-Type is missing; send Content-Type: application/json"), false, null);
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            try {
                long declared = Long.parseLong(length.trim());
                long max = config.maxBodySize().asLongValue();
                if (declared > max) {
                    metrics.rejected(influx ? "influx-write" : "telemetry", 413);
                    return IngestResponses.from(Problem.of(413, "Content Too Large", "The declared Content-Length " + declared
                            + " exceeds " + max + " bytes (telemetry.ingest.max-body-size); nothing was read or stored, "
                            + "split the batch into smaller requests"), influx, null);
                }
            } catch (NumberFormatException ignored) {
                // Vert.x rejects malformed lengths itself
            }
        }
        if (admission.saturated()) {
            metrics.rejected(influx ? "influx-write" : "telemetry", 429);
            return IngestResponses.busy(config, influx);
        }
        return null;
    }
}
