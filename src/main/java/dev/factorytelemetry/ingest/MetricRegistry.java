package dev.factorytelemetry.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import dev.factorytelemetry.platform.Caches;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Singleton;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Metric key → (id, value type), cached in memory (a bounded Caffeine cache, {@code cache="ingest-metrics"} in
 * /q/metrics). Only committed metric_def rows enter the cache:
 * rows read outside a transaction, and rows registered by a write after its commit. Metric ids are
 * never reused and value types are not changed by the service, so cached entries stay valid; a
 * metric deleted by a DBA needs a service restart (or {@link #forget}) to be re-registered.
 * A {@code @Singleton} (no client proxy): {@link #cached} runs once per distinct key of every request.
 */
@Singleton
public class MetricRegistry {

    /** A metric as ingest needs it. */
    public record Metric(int id, String key, ValueType type) {
    }

    static final String SELECT_BY_KEYS = """
            SELECT id, metric_key, value_type
            FROM factory_telemetry.metric_def
            WHERE metric_key = ANY($1::text[])
            """;

    /** Race-safe registration: concurrent writers registering the same key get the winner's row on reselect. */
    static final String REGISTER = """
            INSERT INTO factory_telemetry.metric_def (metric_key, value_type, auto_registered, description)
            SELECT k, t, true, 'registered automatically by telemetry ingest'
            FROM unnest($1::text[], $2::text[]) AS u(k, t)
            ON CONFLICT (metric_key) DO NOTHING
            RETURNING id, metric_key, value_type
            """;

    /** Bound on cached metrics (a plant has thousands; the least used are evicted and read again when sent). */
    static final int MAX_CACHED = 200_000;

    private final Pool pool;
    /** Synchronous on purpose: {@link #cached} is the per-sample lookup of the ingest path. */
    private final Cache<String, Metric> cache;

    public MetricRegistry(Pool pool, Caches caches) {
        this.pool = pool;
        this.cache = caches.cache("ingest-metrics", MAX_CACHED);
    }

    Metric cached(String key) {
        return cache.getIfPresent(key);
    }

    /** Loads the given keys from metric_def (committed rows) into the cache; returns those found. */
    Uni<Map<String, Metric>> load(Collection<String> keys) {
        return select(pool, keys).invoke(found -> cache.putAll(found));
    }

    /**
     * Registers the given keys with their types inside the caller's transaction and returns the
     * metric of every key (its own type when another writer registered it first). The caller must
     * {@link #remember} them after commit.
     */
    Uni<Map<String, Metric>> register(SqlClient tx, Map<String, ValueType> newKeys) {
        String[] keys = newKeys.keySet().toArray(String[]::new);
        String[] types = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            types[i] = newKeys.get(keys[i]).name();
        }
        return tx.preparedQuery(REGISTER).execute(Tuple.tuple().addArrayOfString(keys).addArrayOfString(types)).flatMap(rows -> {
            Map<String, Metric> result = new HashMap<>();
            for (Row row : rows) {
                Metric m = metric(row);
                result.put(m.key(), m);
            }
            if (result.size() == keys.length) {
                return Uni.createFrom().item(result);
            }
            // registered concurrently by another request: read the winner's row (visible after its commit,
            // as ON CONFLICT waited for it)
            var missing = newKeys.keySet().stream().filter(k -> !result.containsKey(k)).toList();
            return select(tx, missing).map(found -> {
                result.putAll(found);
                return result;
            });
        });
    }

    void remember(Collection<Metric> metrics) {
        for (Metric m : metrics) {
            cache.put(m.key(), m);
        }
    }

    /** Drops cached entries (e.g. after a DBA deleted metric definitions). */
    public void forget() {
        cache.invalidateAll();
    }

    private static Uni<Map<String, Metric>> select(SqlClient client, Collection<String> keys) {
        return client.preparedQuery(SELECT_BY_KEYS).execute(Tuple.tuple().addArrayOfString(keys.toArray(String[]::new))).map(rows -> {
            Map<String, Metric> found = new HashMap<>();
            for (Row row : rows) {
                Metric m = metric(row);
                found.put(m.key(), m);
            }
            return found;
        });
    }

    private static Metric metric(Row row) {
        return new Metric(row.getInteger("id"), row.getString("metric_key"), ValueType.valueOf(row.getString("value_type")));
    }
}
