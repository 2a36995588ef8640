package dev.factorytelemetry.platform;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Every in-memory cache of the service is a Caffeine cache made here: bounded (Caffeine's size eviction, which
 * keeps recently and frequently used entries), expiring after write, recording statistics, and registered in
 * {@code /q/metrics} as {@code cache_gets_total{cache=NAME,result=hit|miss}}, {@code cache_evictions_total},
 * {@code cache_size} and friends. Asynchronous caches ({@link AsyncCache}) share one computation per key and drop
 * a failed one, so a failure (a database outage) is delivered to the requests that shared it and never kept.
 * Cache maintenance runs on the calling thread: no thread pool of its own, nothing blocking.
 */
@ApplicationScoped
public class Caches {

    private final MeterRegistry registry;

    public Caches(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A builder with statistics on and maintenance on the calling thread. */
    public static Caffeine<Object, Object> builder(long maximumSize) {
        return unbounded().maximumSize(maximumSize);
    }

    /** Statistics on and maintenance on the calling thread; the caller sets the bound. */
    private static Caffeine<Object, Object> unbounded() {
        return Caffeine.newBuilder().executor(Runnable::run).recordStats();
    }

    /** A synchronous cache of at most {@code maximumSize} entries, each kept {@code ttl} after it was written. */
    public <K, V> Cache<K, V> cache(String name, long maximumSize, Duration ttl) {
        return monitor(name, builder(maximumSize).expireAfterWrite(ttl).<K, V>build());
    }

    /** A synchronous cache of at most {@code maximumSize} entries that do not expire. */
    public <K, V> Cache<K, V> cache(String name, long maximumSize) {
        return monitor(name, builder(maximumSize).<K, V>build());
    }

    /** An asynchronous cache of at most {@code maximumSize} entries, each kept {@code ttl} after it completed. */
    public <K, V> AsyncCache<K, V> asyncCache(String name, long maximumSize, Duration ttl) {
        return monitor(name, builder(maximumSize).expireAfterWrite(ttl).<K, V>buildAsync());
    }

    /**
     * An asynchronous cache bounded by the total {@code weigher} weight of its completed values (computations in
     * progress weigh nothing), each kept {@code ttl} after it completed.
     */
    public <K, V> AsyncCache<K, V> asyncWeightedCache(String name, long maximumWeight, com.github.benmanes.caffeine.cache.Weigher<K, V> weigher,
                                                      Duration ttl) {
        return monitor(name, unbounded().maximumWeight(maximumWeight).weigher(weigher).expireAfterWrite(ttl).buildAsync());
    }

    /** A {@link SuccessMemo} whose hits and misses show in /q/metrics. */
    public <T> SuccessMemo<T> memo(String name, Supplier<Uni<T>> loader, Duration ttl) {
        SuccessMemo<T> memo = new SuccessMemo<>(loader, ttl);
        monitor(name, memo.cache());
        return memo;
    }

    public <K, V> Cache<K, V> monitor(String name, Cache<K, V> cache) {
        CaffeineCacheMetrics.monitor(registry, cache, name);
        return cache;
    }

    public <K, V> AsyncCache<K, V> monitor(String name, AsyncCache<K, V> cache) {
        CaffeineCacheMetrics.monitor(registry, cache, name);
        return cache;
    }

    /**
     * The entry of {@code key}, computing it with {@code compute} when absent: concurrent callers share one
     * computation, and a failed one is removed before the next caller asks. Cancelling the returned Uni does not
     * cancel the shared computation.
     */
    public static <K, V> Uni<V> get(AsyncCache<K, V> cache, K key, Supplier<Uni<V>> compute) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<V> shared = cache.get(key, (k, executor) -> compute.get().subscribeAsCompletionStage());
            return uni(shared);
        });
    }

    /** A Uni of a shared computation; cancelling it does not cancel the computation. */
    public static <V> Uni<V> uni(CompletableFuture<V> shared) {
        return Uni.createFrom().completionStage(shared.copy());
    }
}
