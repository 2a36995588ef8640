package dev.factorytelemetry.dashboard;

import org.jboss.resteasy.reactive.RestResponse;

import java.time.Duration;
import java.time.Instant;

/** Freshness headers of dashboard answers: {@code Cache-Control: private, max-age} (what is left of the TTL) and {@code Age}. */
final class CachedResponses {

    private CachedResponses() {
    }

    static <T> RestResponse<T> ok(ResponseCache.Timed<T> timed, Duration ttl) {
        long age = Math.max(0, Duration.between(timed.computedAt(), Instant.now()).toSeconds());
        RestResponse.ResponseBuilder<T> builder = RestResponse.ResponseBuilder.ok(timed.value());
        if (ttl.isZero() || ttl.isNegative()) {
            builder.header("Cache-Control", "no-cache");
        } else {
            builder.header("Cache-Control", "private, max-age=" + Math.max(0, ttl.toSeconds() - age));
            builder.header("Age", Long.toString(age));
        }
        return builder.build();
    }
}
