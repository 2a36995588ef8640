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

    public CachedResponses(ObjectMapper mapper, ResponseCache cache) {
        this.mapper = mapper;
        this.ttl = cache.ttl();
    }

    Response ok(ResponseCache.Timed<?> timed) {
        // a duration on the JVM clock, like computedAt (ResponseCache), whatever the offset to the database clock
        long age = Math.max(0, Duration.between(timed.computedAt(), Instant.now()).toSeconds());
        Response.ResponseBuilder builder = Response.ok(timed.json(mapper), MediaType.APPLICATION_JSON_TYPE);
        if (ttl.isZero() || ttl.isNegative()) {
            builder.header("Cache-Control", "no-cache");
        } else {
            builder.header("Cache-Control", "private, max-age=" + Math.max(0, ttl.toSeconds() - age));
            builder.header("Age", Long.toString(age));
        }
        return builder.build();
    }
}
