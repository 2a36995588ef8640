package dev.factorytelemetry.dashboard;

import jakarta.enterprise.context.RequestScoped;

import java.time.Instant;

/**
 * What the current dashboard request asked of the answer cache: when it arrived (on the JVM clock, like
 * {@link ResponseCache.Timed#computedAt()}) and whether it asked for a fresh answer ({@code Cache-Control: no-cache}
 * from a caller allowed to, see {@link FreshReadFilter}).
 */
@RequestScoped
public class AnswerRequest {

    private final Instant arrivedAt = Instant.now();
    private volatile boolean fresh;

    public Instant arrivedAt() {
        return arrivedAt;
    }

    public boolean fresh() {
        return fresh;
    }

    void askFresh() {
        fresh = true;
    }
}
