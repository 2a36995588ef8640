package dev.factorytelemetry.lifecycle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The service-side lifecycle executors. On the Apache edition they enforce the policy catalog
 * (retention with drop_chunks, refresh of service-maintained aggregates); on the Community edition
 * TimescaleDB's own jobs do that and these executors only run where an object is service-maintained.
 */
@ConfigMapping(prefix = "telemetry.lifecycle")
public interface LifecycleConfig {

    /** Run the scheduled executors at all. Turn off on replicas that should only serve traffic. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Run the scheduled refresh of service-maintained aggregates ({@code refresh-service-aggregates}; Apache edition).
     * Off, aggregates go stale until it is on again or refreshed through the admin API.
     */
    @WithDefault("true")
    boolean refreshEnabled();

    /** Run the scheduled backfill refresh ({@code refresh-aggregate-backfill}) and its backlog gauges. */
    @WithDefault("true")
    boolean backfillEnabled();

    /**
     * Run the scheduled service-side retention ({@code enforce-retention}). Off, chunks past retention stay until it
     * is on again or {@code POST /api/v1/admin/lifecycle/retention/enforce} runs it.
     */
    @WithDefault("true")
    boolean retentionEnabled();

    /**
     * How often due aggregates are looked for. Each service-maintained aggregate is refreshed when its
     * catalog {@code refresh_schedule} has elapsed, so staleness is at most one schedule plus this tick.
     */
    @WithDefault("30s")
    Duration refreshTick();

    /**
     * How often the backfill backlog is looked for: on the Community edition, continuous-aggregate buckets changed
     * before their refresh policy's window are refreshed then (targeted, per range); on both editions the backlog
     * gauges are updated. Backfill reaches the Community edition's aggregates within this tick plus the refresh time.
     */
    @WithDefault("60s")
    Duration backfillTick();

    /** How often service-enforced retention runs (drop_chunks of chunks entirely past retention). */
    @WithDefault("1h")
    Duration retentionInterval();

    /** Delay after start-up before the first executor run. */
    @WithDefault("10s")
    Duration initialDelay();
}
