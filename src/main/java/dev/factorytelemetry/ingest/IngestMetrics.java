package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Prometheus metrics of ingestion (at /q/metrics): samples stored and duplicate, requests refused by
 * status, work in flight. Names: {@code telemetry_ingest_samples_total{result}},
 * {@code telemetry_ingest_rejected_requests_total{endpoint,status}}, {@code telemetry_ingest_in_flight_requests},
 * {@code telemetry_ingest_in_flight_samples}.
 */
@ApplicationScoped
public class IngestMetrics {

    private final MeterRegistry registry;
    private final Counter accepted;
    private final Counter duplicates;

    public IngestMetrics(MeterRegistry registry, IngestAdmission admission) {
        this.registry = registry;
        this.accepted = Counter.builder("telemetry.ingest.samples").tag("result", "accepted")
                .description("Samples stored in metric_hist").register(registry);
        this.duplicates = Counter.builder("telemetry.ingest.samples").tag("result", "duplicate")
                .description("Samples already stored (same metric and time) or repeated in their request").register(registry);
        Gauge.builder("telemetry.ingest.in.flight.requests", admission, IngestAdmission::inFlightRequests)
                .description("Ingest requests being processed").register(registry);
        Gauge.builder("telemetry.ingest.in.flight.samples", admission, IngestAdmission::inFlightSamples)
                .description("Samples of the ingest requests being processed").register(registry);
    }

    void written(TelemetryWriter.WriteResult result) {
        accepted.increment(result.accepted());
        duplicates.increment(result.duplicates());
    }

    void rejected(String endpoint, int status) {
        Counter.builder("telemetry.ingest.rejected.requests").tag("endpoint", endpoint).tag("status", Integer.toString(status))
                .description("Ingest requests answered with an error status").register(registry).increment();
    }

    void failed(String endpoint, Throwable failure) {
        if (failure instanceof ProblemException p) {
            rejected(endpoint, p.problem().status());
        } else if (dev.factorytelemetry.web.DatabaseUnavailableException.isUnavailable(failure)) {
            rejected(endpoint, 503);
        } else {
            rejected(endpoint, 500);
        }
    }
}
