package dev.factorytelemetry.platform;

import com.github.benmanes.caffeine.cache.AsyncCache;
import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A value loaded from the database and reused for a while, like {@code Uni.memoize().atLeast(ttl)} but
 * without keeping failures: Mutiny's memoize replays a failure to every subscriber until the TTL ends,
 * so a lookup that failed during a database outage kept answering 503 for seconds after the database
 * returned. Here a failure is delivered to the requests that shared that load and then forgotten; the
 * next request loads again. Concurrent requests share one load. A one-entry Caffeine {@link AsyncCache}
 * (see {@link Caches#memo}, which also puts its hits and misses in /q/metrics).
 */
public final class SuccessMemo<T> {

    private static final String KEY = "value";

    private final Supplier<Uni<T>> loader;
    private final AsyncCache<String, T> cache;

    public SuccessMemo(Supplier<Uni<T>> loader, Duration ttl) {
        this.loader = loader;
        this.cache = Caches.builder(1).expireAfterWrite(ttl).buildAsync();
    }

    AsyncCache<String, T> cache() {
        return cache;
    }

    /** The memoized value, loading it when there is none, it expired, or the last load failed. */
    public Uni<T> get() {
        return Caches.get(cache, KEY, loader);
    }

    /** Forgets the value: the next {@link #get()} loads again. */
    public void invalidate() {
        cache.synchronous().invalidateAll();
    }
}
