package dev.factorytelemetry.dashboard;

import com.github.benmanes.caffeine.cache.AsyncCache;
import dev.factorytelemetry.platform.Caches;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A short-lived in-process cache of computed answers that also coalesces concurrent identical requests: while an
 * answer is being computed, further requests with the same key wait for that one computation instead of starting
 * their own. Failures are never cached. With 100 dashboards polling the same plant view, the database computes it
 * once per {@link DashboardConfig#cacheTtl()}. For {@link DashboardConfig#cacheStaleWhileRevalidate()} after that,
 * the previous answer is still sent while a single background computation replaces it, so a hot answer never makes
 * requests wait for the database. A Caffeine cache ({@link Caches}): at most {@link DashboardConfig#cacheMaxEntries()}
 * answers and {@link DashboardConfig#cacheMaxSize()} of their JSON (the least used are evicted), hits and misses in /q/metrics as {@code cache="dashboard-answers"}.
 */
@ApplicationScoped
public class ResponseCache {

    /**
     * A computed value and when its computation started (the time its figures are current to). Its JSON is encoded
     * once, by the first request that sends it, and reused by every further request the cache answers.
     */
    public static final class Timed<T> {
        private final T value;
        private final Instant computedAt;
        private volatile byte[] json;
        /** Run once the JSON is encoded: the cache weighs the answer again, by its JSON. */
        private volatile Runnable onEncoded;

        public Timed(T value, Instant computedAt) {
            this.value = value;
            this.computedAt = computedAt;
        }

        public T value() {
            return value;
        }

        public Instant computedAt() {
            return computedAt;
        }

        byte[] json(com.fasterxml.jackson.databind.ObjectMapper mapper) {
            byte[] encoded = json;
            if (encoded == null) {
                try {
                    encoded = mapper.writeValueAsBytes(value);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
                }
                json = encoded;
                Runnable reweigh = onEncoded;
                if (reweigh != null) {
                    reweigh.run();
                }
            }
            return encoded;
        }

        /** The cache's weight of this answer: its JSON's length once encoded (answers used as objects are never encoded). */
        int weight(int minimum) {
            byte[] encoded = json;
            return encoded == null ? minimum : Math.max(minimum, encoded.length);
        }

        void whenEncoded(Runnable reweigh) {
            onEncoded = reweigh;
            if (json != null) {
                reweigh.run();
            }
        }
    }

    /** A computed answer and when it was stored (on the JVM's monotonic clock). */
    private record Entry(Timed<?> timed, long storedAtNanos, AtomicBoolean revalidating) {
        Entry(Timed<?> timed) {
            this(timed, System.nanoTime(), new AtomicBoolean());
        }
    }

    /** Answers by key; Caffeine bounds it and drops an entry cache-ttl + cache-stale-while-revalidate after it was stored. */
    private final AsyncCache<String, Entry> entries;
    private final Duration ttl;
    private final long ttlNanos;
    private final Clock clock = Clock.systemUTC();
    /** The current request's wishes (a fresh answer); absent outside requests and in unit tests. */
    @jakarta.inject.Inject
    jakarta.enterprise.inject.Instance<AnswerRequest> answerRequest;

    public ResponseCache(DashboardConfig config, Caches caches) {
        this.ttl = config.cacheTtl();
        this.ttlNanos = ttl.toNanos();
        Duration stale = config.cacheStaleWhileRevalidate().isNegative() ? Duration.ZERO : config.cacheStaleWhileRevalidate();
        long maxBytes = Math.max(1, config.cacheMaxSize().asLongValue());
        int minimumWeight = (int) Math.min(Integer.MAX_VALUE, Math.max(1, maxBytes / Math.max(1, config.cacheMaxEntries())));
        this.entries = ttl.isZero() || ttl.isNegative() ? null
                : caches.<String, Entry>asyncWeightedCache("dashboard-answers", maxBytes,
                        (key, entry) -> entry.timed().weight(minimumWeight), ttl.plus(stale));
    }

    /** Weighs a stored answer again once its JSON is encoded (by the first request that sends it). */
    private CompletableFuture<Entry> stored(String key, CompletableFuture<Entry> future) {
        future.thenAccept(entry -> entry.timed().whenEncoded(() -> entries.asMap().replace(key, future, future)));
        return future;
    }

    /** How long answers are reused. */
    public Duration ttl() {
        return ttl;
    }

    /**
     * The cached answer for {@code key}, or the one being computed, or a new computation by {@code compute}.
     * The answer is delivered on the caller's Vert.x context.
     */
    @SuppressWarnings("unchecked")
    public <T> Uni<Timed<T>> get(String key, Supplier<Uni<T>> compute) {
        if (entries == null) {
            Instant started = clock.instant();
            return Uni.createFrom().<T>deferred(compute::get).map(v -> new Timed<>(v, started));
        }
        if (freshRequested()) {
            // computed for this request; it replaces the cached answer, so the next requests get it too
            Instant started = clock.instant();
            return Uni.createFrom().<T>deferred(compute::get).map(v -> new Timed<>(v, started))
                    .invoke(t -> entries.put(key, stored(key, CompletableFuture.completedFuture(new Entry(t)))));
        }
        CompletableFuture<Entry> current = entries.get(key, (k, executor) -> {
            Instant started = clock.instant();
            return stored(k, Uni.createFrom().<T>deferred(compute::get).map(v -> new Entry(new Timed<>(v, started)))
                    .subscribeAsCompletionStage());
        });
        if (current.isDone() && !current.isCompletedExceptionally()) {
            Entry entry = current.join();
            if (System.nanoTime() - entry.storedAtNanos() >= ttlNanos && entry.revalidating().compareAndSet(false, true)) {
                revalidate(key, current, entry, compute); // this request still gets the stale answer
            }
        }
        Uni<Entry> answer = Caches.uni(current);
        Context context = Vertx.currentContext();
        Uni<Timed<T>> timed = answer.map(e -> (Timed<T>) e.timed());
        return context == null ? timed : timed.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    /** Replaces a stale answer with a new computation; the stale one is served until then. */
    private <T> void revalidate(String key, CompletableFuture<Entry> present, Entry stale, Supplier<Uni<T>> compute) {
        Instant started = clock.instant();
        Uni.createFrom().<T>deferred(compute::get).subscribe().with(
                value -> entries.asMap().replace(key, present, stored(key, CompletableFuture.completedFuture(new Entry(new Timed<>(value, started))))),
                failure -> stale.revalidating().set(false));
    }

    private boolean freshRequested() {
        return answerRequest != null && io.quarkus.arc.Arc.container() != null
                && io.quarkus.arc.Arc.container().requestContext().isActive() && answerRequest.get().fresh();
    }

    /** Forgets every cached answer (tests; after changes that must show at once). */
    public void clear() {
        if (entries != null) {
            entries.synchronous().invalidateAll();
        }
    }
}
