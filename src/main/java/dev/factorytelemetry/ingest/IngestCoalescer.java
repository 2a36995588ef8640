package dev.factorytelemetry.ingest;

import dev.factorytelemetry.platform.PlatformState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Writes small requests (at most {@code telemetry.ingest.coalesce-max-samples} samples, metrics already
 * known) together: while {@code coalesce-concurrency} such writes are running, further small requests
 * queue and go into the next statement as one batch. An idle service writes each request at once (no
 * added latency); under load many requests share one statement and one commit. Each request is still
 * answered only after the commit of the statement that holds all of its rows, and all requests of a
 * failed statement fail (nothing of them is stored). Per-request accepted counts come from
 * {@code RETURNING metric_id, ts}.
 */
@ApplicationScoped
public class IngestCoalescer {

    static final String INSERT_RETURNING = TelemetryWriter.INSERT.strip() + "\nRETURNING metric_id, ts";

    /** Rows of one combined statement at most (more requests wait for the next one). */
    static final int MAX_ROWS_PER_STATEMENT = 5_000;

    private record Pending(Rows rows, CompletableFuture<Integer> inserted) {
    }

    private record Key(int metricId, long micros) {
    }

    private final Pool pool;
    private final PlatformState platform;
    private final IngestConfig config;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Counter statements;
    private final Counter requests;
    private int running;

    public IngestCoalescer(Pool pool, PlatformState platform, IngestConfig config, MeterRegistry registry) {
        this.pool = pool;
        this.platform = platform;
        this.config = config;
        this.statements = Counter.builder("telemetry.ingest.coalesced.statements")
                .description("Statements that wrote small (coalesced) requests").register(registry);
        this.requests = Counter.builder("telemetry.ingest.coalesced.requests")
                .description("Small requests written by coalesced statements (requests / statements = coalescing factor)")
                .register(registry);
    }

    /** Writes the rows (possibly together with other requests' rows); emits the number inserted after commit. */
    Uni<Integer> write(Rows rows) {
        Pending pending = new Pending(rows, new CompletableFuture<>());
        List<Pending> batch = null;
        synchronized (this) {
            queue.add(pending);
            if (running < Math.max(1, config.coalesceConcurrency())) {
                running++;
                batch = drain();
            }
        }
        if (batch != null) {
            flush(batch);
        }
        return Uni.createFrom().completionStage(pending.inserted());
    }

    /** Called with the lock held. */
    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        int rows = 0;
        while (!queue.isEmpty() && (batch.isEmpty() || rows + queue.peek().rows().count <= MAX_ROWS_PER_STATEMENT)) {
            Pending p = queue.poll();
            rows += p.rows().count;
            batch.add(p);
        }
        return batch;
    }

    private void flush(List<Pending> batch) {
        try {
            execute(batch);
        } catch (RuntimeException e) { // never leave a slot taken
            for (Pending p : batch) {
                p.inserted().completeExceptionally(e);
            }
            next();
        }
    }

    private void execute(List<Pending> batch) {
        List<Rows> parts = new ArrayList<>(batch.size());
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Pending p : batch) {
            parts.add(p.rows());
            min = Math.min(min, p.rows().minMicros);
            max = Math.max(max, p.rows().maxMicros);
        }
        Tuple parameters = Rows.parameters(parts);
        statements.increment();
        requests.increment(batch.size());
        Uni<RowSet<Row>> statement;
        if (platform.requireEdition().nativePolicies()) {
            statement = pool.preparedQuery(INSERT_RETURNING).execute(parameters);
        } else {
            Tuple range = Tuple.of(TelemetryWriter.timestamp(min), TelemetryWriter.timestamp(max));
            statement = pool.withTransaction(tx -> tx.preparedQuery(TelemetryWriter.LOG_INVALIDATION).execute(range)
                    .flatMap(x -> tx.preparedQuery(INSERT_RETURNING).execute(parameters)));
        }
        statement.subscribe().with(rows -> {
            try {
                complete(batch, rows);
            } finally {
                next();
            }
        }, failure -> {
            for (Pending p : batch) {
                p.inserted().completeExceptionally(failure);
            }
            next();
        });
    }

    /** Attributes each inserted row to the first request (in statement order) that sent it. */
    private static void complete(List<Pending> batch, RowSet<Row> inserted) {
        int[] counts = new int[batch.size()];
        if (batch.size() == 1) {
            counts[0] = inserted.rowCount();
        } else {
            Map<Key, Integer> owner = new HashMap<>();
            for (int b = 0; b < batch.size(); b++) {
                Rows r = batch.get(b).rows();
                for (int i = 0; i < r.count; i++) {
                    owner.putIfAbsent(new Key(r.ids[i], r.micros[i]), b);
                }
            }
            for (Row row : inserted) {
                OffsetDateTime ts = row.getOffsetDateTime("ts");
                long micros = ts.toEpochSecond() * 1_000_000L + ts.getNano() / 1_000L;
                Integer b = owner.get(new Key(row.getInteger("metric_id"), micros));
                if (b != null) {
                    counts[b]++;
                }
            }
        }
        for (int b = 0; b < batch.size(); b++) {
            batch.get(b).inserted().complete(counts[b]);
        }
    }

    private void next() {
        List<Pending> batch;
        synchronized (this) {
            if (queue.isEmpty()) {
                running--;
                return;
            }
            batch = drain();
        }
        flush(batch);
    }
}
