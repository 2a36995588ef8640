package dev.factorytelemetry.dashboard;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A short-lived in-process cache of computed answers that also coalesces concurrent identical requests: while an
 * answer is being computed, further requests with the same key wait for that one computation instead of starting
 * their own. Failures are never cached. With 100 dashboards polling the same plant view, the database computes it
 * once per {@link DashboardConfig#cacheTtl()}. For {@link DashboardConfig#cacheStaleWhileRevalidate()} after that,
 * the previous answer is still sent while a single background computation replaces it, so a hot answer never makes
 * requests wait for the database.
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
            }
            return encoded;
        }
    }

    private record Entry(CompletableFuture<Timed<?>> future, long expiresAtNanos, AtomicBoolean revalidating) {
        Entry(CompletableFuture<Timed<?>> future, long expiresAtNanos) {
            this(future, expiresAtNanos, new AtomicBoolean());
        }

        boolean fresh(long now) {
            return now - expiresAtNanos < 0;
        }

        boolean servableStale(long now, long staleNanos) {
            return now - expiresAtNanos < staleNanos && future.isDone() && !future.isCompletedExceptionally();
        }
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final Duration ttl;
    private final long staleNanos;
    private final int maxEntries;
    private final Clock clock = Clock.systemUTC();

    public ResponseCache(DashboardConfig config) {
        this.ttl = config.cacheTtl();
        this.staleNanos = Math.max(0, config.cacheStaleWhileRevalidate().toNanos());
        this.maxEntries = config.cacheMaxEntries();
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
        if (ttl.isZero() || ttl.isNegative()) {
            Instant started = clock.instant();
            return Uni.createFrom().<T>deferred(compute::get).map(v -> new Timed<>(v, started));
        }
        long now = System.nanoTime();
        Entry existing = entries.get(key);
        if (existing != null && !existing.fresh(now) && existing.servableStale(now, staleNanos)) {
            if (existing.revalidating().compareAndSet(false, true)) {
                revalidate(key, existing, compute);
            }
        } else if (existing == null || !existing.fresh(now)) {
            if (existing == null && entries.size() >= maxEntries) {
                evictExpired();
                if (entries.size() >= maxEntries) {
                    Instant started = clock.instant();
                    return Uni.createFrom().<T>deferred(compute::get).map(v -> new Timed<>(v, started));
                }
            }
            CompletableFuture<Timed<?>> mine = new CompletableFuture<>();
            Entry created = new Entry(mine, now + ttl.toNanos());
            Entry winner = entries.compute(key, (k, current) -> current != null && current.fresh(now) ? current : created);
            if (winner == created) {
                Instant started = clock.instant();
                Uni.createFrom().<T>deferred(compute::get).subscribe().with(
                        value -> mine.complete(new Timed<>(value, started)),
                        failure -> {
                            entries.remove(key, created);
                            mine.completeExceptionally(failure);
                        });
            }
            existing = winner;
        }
        Uni<Timed<T>> answer = Uni.createFrom().completionStage((CompletableFuture<Timed<T>>) (Object) existing.future());
        Context context = Vertx.currentContext();
        return context == null ? answer : answer.emitOn(task -> context.runOnContext(v -> task.run()));
    }

    /** Replaces a stale entry with a new computation; the stale one is served until then. */
    private <T> void revalidate(String key, Entry stale, Supplier<Uni<T>> compute) {
        Instant started = clock.instant();
        Uni.createFrom().<T>deferred(compute::get).subscribe().with(
                value -> entries.replace(key, stale, new Entry(CompletableFuture.completedFuture(new Timed<>(value, started)),
                        System.nanoTime() + ttl.toNanos())),
                failure -> stale.revalidating().set(false));
    }

    /** Forgets every cached answer (tests; after changes that must show at once). */
    public void clear() {
        entries.clear();
    }

    @Scheduled(every = "60s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void evictExpired() {
        long now = System.nanoTime();
        entries.values().removeIf(e -> !e.fresh(now) && !e.servableStale(now, staleNanos) && e.future().isDone());
    }
}
