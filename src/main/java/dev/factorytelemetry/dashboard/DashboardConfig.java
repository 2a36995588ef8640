package dev.factorytelemetry.dashboard;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** Dashboard read API: data source, caching and the bounds that keep every answer small and fast. */
@ConfigMapping(prefix = "telemetry.dashboard")
public interface DashboardConfig {

    /** Where figures are computed from. */
    enum Source {
        /**
         * Aggregates: continuous aggregates (real-time) on the Community edition; on the Apache edition the
         * service-maintained aggregate tables, combined with raw rows for buckets changed since their last refresh.
         */
        AGGREGATES,
        /** Raw hypertables only (same answers, much slower): for verification, benchmarks or a broken aggregate. */
        RAW
    }

    /** Source of all aggregate-based figures. */
    @WithDefault("aggregates")
    Source source();

    /**
     * How long a computed answer is reused for identical requests (in-process; concurrent identical requests share
     * one computation). Also sent as {@code Cache-Control: max-age}. {@code 0s} disables caching.
     */
    @WithDefault("5s")
    Duration cacheTtl();

    /**
     * For this long after {@code cache-ttl} has run out, an answer is still sent (with its true {@code Age} and
     * {@code dataAsOf}) while one request recomputes it in the background, so that no request waits for a
     * recomputation of a hot answer. {@code 0s}: expired answers are always recomputed first.
     */
    @WithDefault("5s")
    Duration cacheStaleWhileRevalidate();

    /**
     * Who may ask for a fresh answer with {@code Cache-Control: no-cache} (the answer is computed for that request and
     * replaces the cached one): callers whose key has this scope ({@code read}: every dashboard caller; {@code ingest}
     * or {@code admin} to keep polling dashboards from bypassing the cache). Others get the cached answer.
     */
    @WithDefault("read")
    dev.factorytelemetry.auth.Scope cacheBypassScope();

    /**
     * Upper bound on cached answers; beyond it the least used answers are evicted. Each answer counts as at least
     * {@link #cacheMaxSize()} / this many bytes, so both bounds hold.
     */
    @WithDefault("10000")
    int cacheMaxEntries();

    /**
     * Upper bound on the encoded JSON of the cached answers (the objects behind an answer take about as much again);
     * beyond it the least used answers are evicted. Sized for the shipped heap (-Xmx128m): without it, 100 clients
     * asking for the 1,000 recent samples of as many metrics filled the heap with answers (OutOfMemoryError).
     */
    @WithDefault("16M")
    io.quarkus.runtime.configuration.MemorySize cacheMaxSize();

    /** Longest time range of an hourly series; longer ranges must ask for daily buckets. */
    @WithDefault("P93D")
    Duration maxHourlySpan();

    /** Longest time range of a daily series (and of the downtime Pareto and fault history). */
    @WithDefault("P3660D")
    Duration maxDailySpan();

    /** Default number of points of a downsampled metric series. */
    @WithDefault("500")
    int defaultMaxPoints();

    /** Largest {@code maxPoints} a client may ask for. */
    @WithDefault("10000")
    int maxPointsLimit();

    /**
     * Longest range a downsampled series may compute from raw samples (buckets shorter than a minute); longer ranges
     * use buckets of at least a minute, from the 1-minute, hourly or daily metric aggregates. A series of buckets of a
     * minute or more never reads raw samples, whatever its span (but for the not yet refreshed tail).
     */
    @WithDefault("P2D")
    Duration rawSeriesMaxSpan();

    /**
     * Longest range a downsampled series reads from the 1-minute metric aggregate (buckets from a minute up to an
     * hour: at most 1,440 rows per metric-day); longer ranges use buckets of at least an hour from the hourly or daily
     * aggregates.
     */
    @WithDefault("P7D")
    Duration minuteSeriesMaxSpan();

    /** Largest number of metrics in one statistics request. */
    @WithDefault("100")
    int maxMetricsPerRequest();

    /** Largest number of recent samples one request returns. */
    @WithDefault("10000")
    int maxRecentSamples();

    /**
     * How far back "the last N samples" of a metric are searched. Older samples are not returned (bounds the
     * chunks a request touches: metric_hist has one chunk per hour).
     */
    @WithDefault("P1D")
    Duration recentSearchWindow();

    /**
     * How long before a window a stop may have started and still count towards the window's downtime
     * (stops are clipped to the window). Bounds the chunks the live downtime figures read.
     */
    @WithDefault("P7D")
    Duration downtimeLookback();

    /** Active faults (no ts_off) are looked for among faults raised within this period. */
    @WithDefault("P30D")
    Duration activeFaultLookback();

    /** Largest number of rows of the fault history and of the downtime Pareto. */
    @WithDefault("1000")
    int maxListRows();
}
