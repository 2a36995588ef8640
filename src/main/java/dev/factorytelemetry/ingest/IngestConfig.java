package dev.factorytelemetry.ingest;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;

/** Telemetry ingestion: limits, validation and how unknown metrics are treated (docs/ingest.md). */
@ConfigMapping(prefix = "telemetry.ingest")
public interface IngestConfig {

    /** What happens to samples of a metric key that is not in {@code metric_def}. */
    enum UnknownMetrics {
        /** Register the metric (type inferred from the value, {@code auto_registered = true}) and store the sample. */
        REGISTER,
        /** Reject the whole request with 422 naming the unknown keys (strict mode). */
        REJECT
    }

    /**
     * Unknown metric keys are registered automatically ({@code register}, the default: gateways can be
     * onboarded without a DBA step, and auto-registered metrics are flagged for review) or rejected
     * ({@code reject}: strict mode for plants whose metric catalog is curated).
     */
    @WithDefault("register")
    UnknownMetrics unknownMetrics();

    /** Samples stamped later than now plus this skew are rejected (clock errors, wrong precision). */
    @WithDefault("5m")
    Duration maxFutureSkew();

    /** Most samples (JSON items or line-protocol fields) one request may carry; more is answered 413. */
    @WithDefault("50000")
    int maxBatchSize();

    /**
     * Largest request body, before and after gzip decompression; more is answered 413. Keep it at or
     * below {@code quarkus.http.limits.max-body-size} (10M by default).
     */
    @WithDefault("8M")
    @WithConverter(MemorySizeConverter.class)
    MemorySize maxBodySize();

    /** Longest TEXT value, in characters. */
    @WithDefault("4096")
    int maxTextLength();

    /** Ingest requests processed at the same time; more are answered 429 with Retry-After. */
    @WithDefault("32")
    int maxInFlightRequests();

    /** Samples of all requests being processed at the same time; more are answered 429 with Retry-After. */
    @WithDefault("250000")
    int maxInFlightSamples();

    /** The Retry-After sent with 429 answers. */
    @WithDefault("1s")
    Duration retryAfter();

    /** How often the retention of metric_hist (which bounds how old a sample may be) is re-read. */
    @WithDefault("1m")
    Duration retentionRefresh();

    /** InfluxDB line protocol ({@code POST /api/v2/write}). */
    LineProtocol lineProtocol();

    interface LineProtocol {

        /**
         * Tags left out of the metric key: Telegraf adds {@code host} to every metric, and a key must
         * not change when a gateway moves to another machine.
         */
        @WithDefault("host")
        List<String> ignoredTags();

        /**
         * Fields that carry the quality of the other fields of their line instead of being a metric
         * (Telegraf's OPC UA input writes {@code Quality="OK (0x0)"}); the status code in parentheses,
         * or an integer value, becomes the {@code quality} of each sample of that line.
         */
        @WithDefault("Quality,quality")
        List<String> qualityFields();
    }
}
