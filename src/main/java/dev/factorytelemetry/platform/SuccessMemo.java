package dev.factorytelemetry.platform;

import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A value loaded from the database and reused for a while, like {@code Uni.memoize().atLeast(ttl)} but
 * without keeping failures: Mutiny's memoize replays a failure to every subscriber until the TTL ends,
 * so a lookup that failed during a database outage kept answering 503 for seconds after the database
 * returned. Here a failure is delivered to the requests that shared that load and then forgotten; the
 * next request loads again. Concurrent requests share one load.
 */
public final class SuccessMemo<T> {

    /** One load, shared by the requests that arrive while it is valid. */
    private final class Entry {
        final long loadedAtNanos;
        final Uni<T> value;

        Entry(long now) {
            this.loadedAtNanos = now;
            // forgotten when the load fails, before any subscriber sees the failure; done on the load itself,
            // not per subscriber: a subscriber may cancel (Uni.combine does when a sibling fails) while the
            // load goes on, fails, and would otherwise stay memoized for the next request
            this.value = Uni.createFrom().<T>deferred(loader::get)
                    .onFailure().invoke(() -> current.compareAndSet(this, null))
                    .memoize().indefinitely();
        }
    }

    private final Supplier<Uni<T>> loader;
    private final long ttlNanos;
    private final AtomicReference<Entry> current = new AtomicReference<>();

    public SuccessMemo(Supplier<Uni<T>> loader, Duration ttl) {
        this.loader = loader;
        this.ttlNanos = ttl.toNanos();
    }

    /** The memoized value, loading it when there is none, it expired, or the last load failed. */
    public Uni<T> get() {
        return Uni.createFrom().deferred(() -> {
            long now = System.nanoTime();
            Entry entry = current.get();
            if (entry == null || now - entry.loadedAtNanos >= ttlNanos) {
                Entry fresh = new Entry(now);
                entry = current.compareAndSet(entry, fresh) ? fresh : current.get();
                if (entry == null) {
                    entry = fresh;
                }
            }
            return entry.value;
        });
    }

    /** Forgets the value: the next {@link #get()} loads again. */
    public void invalidate() {
        current.set(null);
    }
}
