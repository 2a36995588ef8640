package dev.factorytelemetry.observe;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.stream.Stream;

/**
 * Latency buckets for {@code http_server_requests_seconds} (a fixed, short list rather than Micrometer's 70-odd
 * percentile buckets), so that Prometheus computes percentiles across replicas, e.g. the ingest p99 alert:
 * {@code histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{uri=...}[5m])))}.
 */
@Singleton
public class HttpLatencyHistogram {

    /** Bucket bounds: 5 ms … 10 s. */
    static final double[] BUCKETS_NANOS = Stream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
            .mapToDouble(ms -> Duration.ofMillis(ms).toNanos()).toArray();

    @Produces
    @Singleton
    MeterFilter httpServerLatencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if ("http.server.requests".equals(id.getName())) {
                    return DistributionStatisticConfig.builder().serviceLevelObjectives(BUCKETS_NANOS).build().merge(config);
                }
                return config;
            }
        };
    }
}
