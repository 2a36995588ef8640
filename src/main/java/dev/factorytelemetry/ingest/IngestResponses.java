package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.InfluxErrors;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.util.Map;

/** Error answers of the ingest endpoints: problem+json (v1), or InfluxDB's {"code","message"} (v2 write). */
final class IngestResponses {

    private IngestResponses() {
    }

    static Response busy(IngestConfig config, boolean influx) {
        return from(busyProblem(config), influx, busyRetryAfter(config));
    }

    /** The 429 answer of a request refused at the ingest limit. */
    static Problem busyProblem(IngestConfig config) {
        return Problem.of(429, "Too Many Requests", "The service is at its ingest limit ("
                + config.maxInFlightRequests() + " requests / " + config.maxInFlightSamples()
                + " samples in flight); nothing of this request was stored. Retry after "
                + busyRetryAfter(config).toSeconds() + " s.");
    }

    /** The Retry-After of 429 answers: the configured one, at least a second. */
    static Duration busyRetryAfter(IngestConfig config) {
        return Duration.ofSeconds(Math.max(1, config.retryAfter().toSeconds()));
    }

    /** The answer to a failed request; a {@link IngestService.Busy} one carries its Retry-After. */
    static Response from(ProblemException e, boolean influx) {
        return from(e.problem(), influx, e instanceof IngestService.Busy busy ? busy.retryAfter() : null);
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

    static Map<String, String> influxBody(Problem problem) {
        return InfluxErrors.body(problem);
    }
}
