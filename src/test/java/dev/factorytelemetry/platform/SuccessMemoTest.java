package dev.factorytelemetry.platform;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Successes are shared for the time to live; failures never outlive the load that saw them. */
class SuccessMemoTest {

    @Test
    void aSuccessIsSharedForItsTimeToLive() {
        AtomicInteger loads = new AtomicInteger();
        SuccessMemo<Integer> memo = new SuccessMemo<>(() -> Uni.createFrom().item(loads.incrementAndGet()), Duration.ofHours(1));
        assertEquals(1, memo.get().await().indefinitely());
        assertEquals(1, memo.get().await().indefinitely());
        assertEquals(1, loads.get());
        memo.invalidate();
        assertEquals(2, memo.get().await().indefinitely());
    }

    @Test
    void theNextRequestAfterAFailureLoadsAgain() {
        AtomicInteger loads = new AtomicInteger();
        SuccessMemo<String> memo = new SuccessMemo<>(() -> loads.incrementAndGet() == 1
                ? Uni.createFrom().failure(new IllegalStateException("database down"))
                : Uni.createFrom().item("loaded"), Duration.ofHours(1));
        assertThrows(IllegalStateException.class, () -> memo.get().await().indefinitely());
        assertEquals("loaded", memo.get().await().indefinitely());
        assertEquals(2, loads.get());
    }

    @Test
    void aFailureAfterEveryRequestCancelledIsNotKeptEither() {
        // Uni.combine cancels the other lookups when one fails; the cancelled load still fails later
        List<UniEmitter<? super String>> pending = new ArrayList<>();
        AtomicInteger loads = new AtomicInteger();
        SuccessMemo<String> memo = new SuccessMemo<>(() -> loads.incrementAndGet() == 1
                ? Uni.createFrom().emitter(pending::add)
                : Uni.createFrom().item("loaded"), Duration.ofHours(1));
        Cancellable request = memo.get().subscribe().with(item -> { }, failure -> { });
        request.cancel();
        pending.get(0).fail(new IllegalStateException("connection refused"));
        assertEquals("loaded", memo.get().await().indefinitely());
        assertEquals(2, loads.get());
    }
}
