package dev.factorytelemetry.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Production event ingestion ({@code /api/v1/events/...}). */
@ConfigMapping(prefix = "telemetry.events")
public interface EventsConfig {

    /**
     * Most items one request may carry. Larger requests are refused whole with 413, so that one
     * request stays one bounded statement and one transaction.
     */
    @WithDefault("5000")
    int maxBatchSize();

    /**
     * How far in the future a timestamp may lie (clock skew between gateways and this service).
     * Later timestamps are rejected with 422: they would create far-future chunks and distort
     * "latest" queries.
     */
    @WithDefault("5m")
    Duration maxFutureSkew();

    /** Most item errors listed in one problem answer (the count in its detail is always complete). */
    @WithDefault("100")
    int maxReportedErrors();
}
