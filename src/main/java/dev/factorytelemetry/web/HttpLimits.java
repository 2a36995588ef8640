package dev.factorytelemetry.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.factorytelemetry.platform.PlatformConfig;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * Refusals of the HTTP layer, with the same bodies as the application's (problem+json; InfluxDB's error
 * JSON under {@code /api/v2/}). Quarkus itself answers a Content-Length over
 * {@code quarkus.http.limits.max-body-size} with a bare 413 and the Vert.x codec answers over-long
 * request lines and headers with a bare 414/431 (there is no hook for the latter, quarkus#55082). So:
 * <ul>
 *   <li>a route ahead of Quarkus' upload limit answers those 413s itself, and 414/431 for requests over
 *       {@link HttpConfig}'s limits (the codec's limits are set higher, as a hard ceiling);</li>
 *   <li>a failure handler gives every failure that ends routing outside the REST layer a problem body.</li>
 * </ul>
 */
@ApplicationScoped
public class HttpLimits {

    private static final Logger LOG = Logger.getLogger(HttpLimits.class);

    /** How long the unread body of a refused request is discarded before the connection is closed. */
    private static final java.time.Duration DRAIN_LIMIT = java.time.Duration.ofSeconds(30);

    private final HttpConfig config;
    private final PlatformConfig platformConfig;
    private final long maxBodySize;
    private final ObjectMapper mapper;

    public HttpLimits(HttpConfig config, PlatformConfig platformConfig, ObjectMapper mapper,
                      @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.config = config;
        this.platformConfig = platformConfig;
        this.mapper = mapper;
        this.maxBodySize = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::check);
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).failureHandler(this::failed);
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        int lineLength = request.method().name().length() + request.uri().length() + 11; // " " + " HTTP/1.1"
        if (lineLength > config.maxRequestLineLength()) {
            refuse(ctx, Problem.of(414, "URI Too Long", "The request line has " + lineLength + " characters; at most "
                    + config.maxRequestLineLength() + " are accepted (telemetry.http.max-request-line-length)"), true);
            return;
        }
        long headerBytes = 0;
        for (Map.Entry<String, String> header : request.headers()) {
            headerBytes += header.getKey().length() + header.getValue().length() + 4; // ": " + CRLF
        }
        if (headerBytes > config.maxHeaderSize().asLongValue()) {
            refuse(ctx, Problem.of(431, "Request Header Fields Too Large", "The request headers have " + headerBytes
                    + " bytes; at most " + config.maxHeaderSize().asLongValue()
                    + " are accepted (telemetry.http.max-header-size)"), true);
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                refuse(ctx, Problem.of(400, "Bad Request", "Content-Length '" + length + "' is not a number"), true);
                return;
            }
            if (declared > maxBodySize) {
                refuse(ctx, Problem.of(413, "Content Too Large", "The declared Content-Length " + declared + " exceeds "
                        + maxBodySize + " bytes (quarkus.http.limits.max-body-size); nothing was read or stored"), true);
                return;
            }
        }
        ctx.next();
    }

    private void failed(RoutingContext ctx) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.headWritten()) {
            ctx.next();
            return;
        }
        Throwable failure = ctx.failure();
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        Problem problem;
        if (failure != null && DatabaseUnavailableException.isUnavailable(failure)) {
            problem = Problem.of(503, "Database unavailable", "The database cannot be reached right now; nothing of this "
                    + "request was stored");
            status = 503;
        } else if (status >= 500) {
            LOG.error("Unhandled failure outside the REST layer", failure);
            problem = Problem.of(status, "Internal error", "The service failed unexpectedly; the error is logged with its "
                    + "cause. Nothing of this request was acknowledged.");
        } else {
            problem = Problem.of(status, reason(status), failure != null && failure.getMessage() != null
                    ? failure.getMessage() : "The request was refused by the HTTP layer");
        }
        refuse(ctx, problem, status == 413 || status >= 500 && status != 503);
    }

    private void refuse(RoutingContext ctx, Problem problem, boolean closeConnection) {
        boolean influx = InfluxErrors.applies(ctx.normalizedPath());
        byte[] body;
        try {
            body = influx ? mapper.writeValueAsBytes(InfluxErrors.body(problem)) : mapper.writeValueAsBytes(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpServerResponse response = ctx.response().setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, influx ? "application/json" : Problem.MEDIA_TYPE);
        if (problem.status() == 503) {
            response.putHeader("Retry-After", Long.toString(ProblemMappers.retryAfterSeconds(platformConfig)));
        }
        if (closeConnection) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
            HttpServerRequest request = ctx.request();
            if (request.isEnded()) {
                response.endHandler(v -> request.connection().close());
            } else {
                // Closing while the client still uploads would reset the connection, and the client would
                // likely lose this answer ("reset mid-upload"): discard the rest of the body, then close
                // (at the latest after DRAIN_LIMIT).
                long timer = ctx.vertx().setTimer(DRAIN_LIMIT.toMillis(), id -> request.connection().close());
                request.handler(ignored -> { });
                request.endHandler(v -> {
                    ctx.vertx().cancelTimer(timer);
                    request.connection().close();
                });
                request.resume();
            }
        }
        response.end(io.vertx.core.buffer.Buffer.buffer(body));
    }

    private static String reason(int status) {
        var known = jakarta.ws.rs.core.Response.Status.fromStatusCode(status);
        return known != null ? known.getReasonPhrase() : "HTTP " + status;
    }
}
