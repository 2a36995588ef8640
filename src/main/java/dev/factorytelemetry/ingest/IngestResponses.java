package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Error answers of the ingest endpoints: problem+json (v1), or InfluxDB's {"code","message"} (v2 write). */
final class IngestResponses {

    private IngestResponses() {
    }

    static Response busy(IngestConfig config, boolean influx) {
        long seconds = Math.max(1, config.retryAfter().toSeconds());
        Problem problem = Problem.of(429, "Too Many Requests", "The service is at its ingest limit ("
                + config.maxInFlightRequests() + " requests / " + config.maxInFlightSamples()
                + " samples in flight); nothing of this request was stored. Retry after " + seconds + " s.");
        return from(problem, influx, Duration.ofSeconds(seconds));
    }

    static Response from(ProblemException e, boolean influx) {
        return from(e.problem(), influx, null);
    }

    static Response from(Problem problem, boolean influx, Duration retryAfter) {
        Response.ResponseBuilder builder = influx
                ? Response.status(problem.status()).type(MediaType.APPLICATION_JSON).entity(influxBody(problem))
                : Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        if (retryAfter != null) {
            builder.header("Retry-After", Math.max(1, retryAfter.toSeconds()));
        }
        return builder.build();
    }

    /** InfluxDB v2 error body: code (invalid, unprocessable entity, request too large, ...) and message. */
    static Map<String, String> influxBody(Problem problem) {
        String code = switch (problem.status()) {
            case 400 -> "invalid";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 413 -> "request too large";
            case 415 -> "unsupported media type";
            case 422 -> "unprocessable entity";
            case 429 -> "too many requests";
            case 503 -> "unavailable";
            default -> "internal error";
        };
        String message = problem.detail();
        if (problem.errors() != null && !problem.errors().isEmpty()) {
            message = message + ": " + problem.errors().stream()
                    .map(e -> (e.index() != null ? "line " + e.index() + ": " : "") + e.message())
                    .collect(Collectors.joining("; "));
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("message", message);
        return body;
    }
}
