package dev.factorytelemetry.ingest;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the ingest work in progress: requests and samples being parsed or written. Beyond either
 * limit requests are answered 429 with Retry-After instead of queueing on the database pool, so a
 * burst of gateway retries cannot pile up unbounded memory and latency.
 */
@ApplicationScoped
public class IngestAdmission {

    /** Held while a request is processed; release exactly once. */
    public final class Permit {
        private final int samples;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(int samples) {
            this.samples = samples;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                inFlightRequests.decrementAndGet();
                inFlightSamples.addAndGet(-samples);
            }
        }
    }

    private final AtomicInteger inFlightRequests = new AtomicInteger();
    private final AtomicLong inFlightSamples = new AtomicLong();
    private final IngestConfig config;

    public IngestAdmission(IngestConfig config) {
        this.config = config;
    }

    /** Cheap check before a body is even read. */
    boolean saturated() {
        return inFlightRequests.get() >= config.maxInFlightRequests() || inFlightSamples.get() >= config.maxInFlightSamples();
    }

    /** A permit for a request of the given size, or null when the service is at its limit. */
    Permit tryAcquire(int samples) {
        if (inFlightRequests.incrementAndGet() > config.maxInFlightRequests()) {
            inFlightRequests.decrementAndGet();
            return null;
        }
        long total = inFlightSamples.addAndGet(samples);
        // a single request is always admitted when nothing else runs (its size is bounded by max-batch-size)
        if (total > config.maxInFlightSamples() && total != samples) {
            inFlightSamples.addAndGet(-samples);
            inFlightRequests.decrementAndGet();
            return null;
        }
        return new Permit(samples);
    }

    public int inFlightRequests() {
        return inFlightRequests.get();
    }

    public long inFlightSamples() {
        return inFlightSamples.get();
    }
}
