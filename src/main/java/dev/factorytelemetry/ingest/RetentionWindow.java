package dev.factorytelemetry.ingest;

import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.DatabaseClock;
import dev.factorytelemetry.platform.SuccessMemo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * metric_hist's retention from the policy catalog, re-read every {@code telemetry.ingest.retention-refresh}:
 * samples older than it would be dropped by the next retention run, so ingest rejects them instead.
 */
@ApplicationScoped
public class RetentionWindow {

    static final String SELECT_RETENTION = """
            SELECT extract(epoch FROM retention)::float8 AS seconds, retention::text AS label
            FROM factory_telemetry.hypertable_policy
            WHERE hypertable_name = 'metric_hist' AND retention_enabled AND retention IS NOT NULL
            """;

    /** Retention in microseconds (empty: none) and its label. */
    record Retention(Optional<Long> micros, String label) {
    }

    private final Pool pool;
    private final IngestConfig config;
    private final DatabaseClock clock;
    private final SuccessMemo<Retention> current;

    public RetentionWindow(Pool pool, IngestConfig config, DatabaseClock clock, Caches caches) {
        this.pool = pool;
        this.config = config;
        this.clock = clock;
        this.current = caches.memo("ingest-retention", this::load, config.retentionRefresh());
    }

    Uni<Retention> current() {
        return current.get();
    }

    private Uni<Retention> load() {
        return pool.preparedQuery(SELECT_RETENTION).execute().map(rows -> {
            Retention loaded;
            if (rows.size() == 0) {
                loaded = new Retention(Optional.empty(), null);
            } else {
                Row row = rows.iterator().next();
                loaded = new Retention(Optional.of((long) (row.getDouble("seconds") * 1_000_000L)), row.getString("label"));
            }
            return loaded;
        });
    }

    /** The rules for a request received now. */
    Uni<SampleRules> rulesNow() {
        return current().map(r -> {
            long now = clock.nowMicros();
            long oldest = r.micros().map(m -> now - m).orElse(Long.MIN_VALUE);
            return new SampleRules(oldest, now + config.maxFutureSkew().toNanos() / 1_000L, config.maxTextLength(), r.label());
        });
    }

    /** The database's current time in microseconds (what line-protocol points without a timestamp get). */
    long currentMicros() {
        return clock.nowMicros();
    }

    /** Forces a re-read on the next request (after the admin API changed the policy). */
    public void invalidate() {
        current.invalidate();
    }

}
