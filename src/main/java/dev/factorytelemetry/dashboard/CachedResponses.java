package dev.factorytelemetry.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Duration;
import java.time.Instant;

/**
 * Sends cached answers: their JSON is encoded once per computation (a 7-day hourly trend is ~100 KB), with freshness
 * headers {@code Cache-Control: private, max-age} (what is left of the TTL) and {@code Age}.
 */
@ApplicationScoped
public class CachedResponses {

    private final ObjectMapper mapper;
    private final Duration ttl;
    private final AnswerRequest answerRequest;

    public CachedResponses(ObjectMapper mapper, ResponseCache cache, AnswerRequest answerRequest) {
        this.answerRequest = answerRequest;
        this.mapper = mapper;
        this.ttl = cache.ttl();
    }

    Response ok(ResponseCache.Timed<?> timed) {
        // a duration on the JVM clock, like computedAt (ResponseCache), whatever the offset to the database clock
        long age = Math.max(0, Duration.between(timed.computedAt(), Instant.now()).toSeconds());
        Response.ResponseBuilder builder = Response.ok(timed.json(mapper), MediaType.APPLICATION_JSON_TYPE);
        // RFC 9211: computed for this request on its asking (fwd=request), computed because nothing was cached
        // (fwd=miss), or a cached answer (hit)
        if (io.quarkus.arc.Arc.container().requestContext().isActive()) {
            String status = answerRequest.fresh() ? "fwd=request"
                    : timed.computedAt().isBefore(answerRequest.arrivedAt()) ? "hit" : "fwd=miss";
            builder.header("Cache-Status", "factory-telemetry; " + status);
        }
        if (ttl.isZero() || ttl.isNegative()) {
            builder.header("Cache-Control", "no-cache");
        } else {
            builder.header("Cache-Control", "private, max-age=" + Math.max(0, ttl.toSeconds() - age));
            builder.header("Age", Long.toString(age));
        }
        return builder.build();
    }
}
