package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.platform.Caches;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The answer cache on its own: coalescing, expiry, stale-while-revalidate, failures not cached. */
class ResponseCacheTest {

    static ResponseCache cache(Duration ttl, Duration stale) {
        return cache(ttl, stale, new SimpleMeterRegistry());
    }

    static ResponseCache cache(Duration ttl, Duration stale, MeterRegistry registry) {
        return cache(ttl, stale, registry, 16L << 20);
    }

    static ResponseCache cache(Duration ttl, Duration stale, MeterRegistry registry, long maxBytes) {
        DashboardConfig config = (DashboardConfig) Proxy.newProxyInstance(DashboardConfig.class.getClassLoader(),
                new Class<?>[]{DashboardConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "cacheTtl" -> ttl;
                    case "cacheStaleWhileRevalidate" -> stale;
                    case "cacheMaxEntries" -> 100;
                    case "cacheMaxSize" -> new io.quarkus.runtime.configuration.MemorySize(java.math.BigInteger.valueOf(maxBytes));
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return new ResponseCache(config, new Caches(registry));
    }

    static int get(ResponseCache cache, Uni<Integer> compute) {
        return cache.get("k", () -> compute).await().atMost(Duration.ofSeconds(5)).value();
    }

    @Test
    void concurrentIdenticalRequestsShareOneComputation() {
        ResponseCache cache = cache(Duration.ofSeconds(30), Duration.ZERO);
        AtomicInteger computations = new AtomicInteger();
        CompletableFuture<Integer> slow = new CompletableFuture<>();
        Uni<Integer> compute = Uni.createFrom().completionStage(() -> {
            computations.incrementAndGet();
            return slow;
        });
        var first = cache.get("k", () -> compute).subscribeAsCompletionStage();
        var second = cache.get("k", () -> compute).subscribeAsCompletionStage();
        slow.complete(7);
        assertEquals(7, first.join().value());
        assertEquals(7, second.join().value());
        assertEquals(1, computations.get());
    }

    @Test
    void expiredAnswersAreServedStaleWhileOneBackgroundComputationReplacesThem() {
        ResponseCache cache = cache(Duration.ofMillis(200), Duration.ofSeconds(30));
        AtomicInteger computations = new AtomicInteger();
        Uni<Integer> compute = Uni.createFrom().item(computations::incrementAndGet);
        assertEquals(1, get(cache, compute));
        await().pollDelay(250, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
        assertEquals(1, get(cache, compute), "expired: the old answer is sent at once");
        await().atMost(5, TimeUnit.SECONDS).until(() -> get(cache, compute) == 2);
        assertEquals(2, computations.get(), "one background computation");
    }

    @Test
    void withoutStaleServingExpiredAnswersAreRecomputedAndFailuresAreNotCached() {
        ResponseCache cache = cache(Duration.ofMillis(100), Duration.ZERO);
        AtomicInteger computations = new AtomicInteger();
        Uni<Integer> compute = Uni.createFrom().item(computations::incrementAndGet);
        assertEquals(1, get(cache, compute));
        await().pollDelay(150, TimeUnit.MILLISECONDS).atMost(5, TimeUnit.SECONDS).until(() -> true);
        assertEquals(2, get(cache, compute));

        ResponseCache failing = cache(Duration.ofSeconds(30), Duration.ofSeconds(30));
        assertThrows(RuntimeException.class, () -> get(failing, Uni.createFrom().failure(new IllegalStateException("down"))));
        assertEquals(5, get(failing, Uni.createFrom().item(5)), "the failure was not cached");
    }

    @Test
    void whenFullTheLeastUsedAnswersAreEvictedNotTheNewOnes() {
        MeterRegistry registry = new SimpleMeterRegistry();
        ResponseCache cache = cache(Duration.ofMinutes(5), Duration.ZERO, registry); // at most 100 answers
        AtomicInteger computations = new AtomicInteger();
        Uni<Integer> compute = Uni.createFrom().item(computations::incrementAndGet);
        for (int i = 0; i < 300; i++) {
            cache.get("k" + i, () -> compute).await().indefinitely();
        }
        int before = computations.get();
        assertEquals(300, before);
        // a full cache used to stop caching: the newest answer is cached now
        cache.get("k299", () -> compute).await().indefinitely();
        assertEquals(before, computations.get(), "the newest answer is served from the cache");
        await().atMost(5, TimeUnit.SECONDS).until(() -> registry.get("cache.evictions").tag("cache", "dashboard-answers")
                .functionCounter().count() >= 200);
        assertEquals(1.0, registry.get("cache.gets").tag("cache", "dashboard-answers").tag("result", "hit")
                .functionCounter().count());
        assertEquals(300.0, registry.get("cache.gets").tag("cache", "dashboard-answers").tag("result", "miss")
                .functionCounter().count());
    }

    @Test
    void cachedAnswersAreBoundedByTheSizeOfTheirJsonAndByTheirNumber() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ResponseCache cache = cache(Duration.ofSeconds(30), Duration.ZERO, registry, 10_000);
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        String answer = "x".repeat(1_000);
        for (int i = 0; i < 30; i++) {
            // sent once: its JSON (1,002 bytes) is encoded, and the answer weighs that much from then on
            byte[] json = cache.get("big" + i, () -> Uni.createFrom().item(answer)).await().atMost(Duration.ofSeconds(5)).json(mapper);
            assertEquals(1_002, json.length);
        }
        double cached = registry.get("cache.size").tag("cache", "dashboard-answers").gauge().value();
        assertTrue(cached >= 5 && cached <= 9, "10,000 bytes hold at most 9 answers of 1,002 bytes, not 30: " + cached);

        ResponseCache counted = cache(Duration.ofSeconds(30), Duration.ZERO, new SimpleMeterRegistry(), 1L << 20);
        AtomicInteger computations = new AtomicInteger();
        for (int i = 0; i < 300; i++) {
            int n = i;
            counted.get("small" + n, () -> Uni.createFrom().item(() -> computations.incrementAndGet() + n))
                    .await().atMost(Duration.ofSeconds(5));
        }
        int before = computations.get();
        for (int i = 0; i < 300; i++) {
            int n = i;
            counted.get("small" + n, () -> Uni.createFrom().item(() -> computations.incrementAndGet() + n))
                    .await().atMost(Duration.ofSeconds(5));
        }
        assertTrue(computations.get() - before >= 200,
                "at most 100 entries (cache-max-entries) stay cached however small: " + (computations.get() - before) + " recomputed");
    }
}
