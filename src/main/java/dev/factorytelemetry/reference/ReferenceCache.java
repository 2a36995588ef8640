package dev.factorytelemetry.reference;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Resolves the external codes that clients send (equipment codes, line codes, product codes, shift
 * names) to the compact ids stored in event rows. One query per batch resolves every code the cache
 * does not hold; hits expire after {@code telemetry.reference.cache-ttl}; unknown codes are not cached.
 * The reference API evicts what it changes.
 */
@ApplicationScoped
public class ReferenceCache {

    private static final String EQUIPMENT_SQL = """
            SELECT equipment_code AS code, id, line_id, ideal_cycle_time_s
            FROM factory_telemetry.equipment WHERE equipment_code = ANY($1)
            """;
    private static final String LINES_SQL = """
            SELECT line_code AS code, id FROM factory_telemetry.production_lines WHERE line_code = ANY($1)
            """;
    private static final String PRODUCT_TYPES_SQL = """
            SELECT product_code AS code, id FROM factory_telemetry.product_types WHERE product_code = ANY($1)
            """;
    private static final String SHIFTS_SQL = """
            SELECT name AS code, id::int AS id FROM factory_telemetry.production_shifts WHERE name = ANY($1)
            """;

    private record Cached<V>(V value, long expiresAtNanos) {
    }

    private final Pool pool;
    private final ReferenceConfig config;
    private final Map<String, Cached<EquipmentRef>> equipment = new ConcurrentHashMap<>();
    private final Map<String, Cached<Integer>> lines = new ConcurrentHashMap<>();
    private final Map<String, Cached<Integer>> productTypes = new ConcurrentHashMap<>();
    private final Map<String, Cached<Integer>> shifts = new ConcurrentHashMap<>();

    public ReferenceCache(Pool pool, ReferenceConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /** Equipment by code; codes that do not exist are absent from the answer. */
    public Uni<Map<String, EquipmentRef>> equipment(Collection<String> codes) {
        return resolve(equipment, codes, EQUIPMENT_SQL, row -> new EquipmentRef(row.getInteger("id"),
                row.getInteger("line_id"), row.getDouble("ideal_cycle_time_s")));
    }

    /** Line ids by line code; unknown codes are absent. */
    public Uni<Map<String, Integer>> lines(Collection<String> codes) {
        return resolve(lines, codes, LINES_SQL, row -> row.getInteger("id"));
    }

    /** Product type ids by product code; unknown codes are absent. */
    public Uni<Map<String, Integer>> productTypes(Collection<String> codes) {
        return resolve(productTypes, codes, PRODUCT_TYPES_SQL, row -> row.getInteger("id"));
    }

    /** Shift ids by shift name; unknown names are absent. */
    public Uni<Map<String, Integer>> shifts(Collection<String> names) {
        return resolve(shifts, names, SHIFTS_SQL, row -> row.getInteger("id"));
    }

    void evictEquipment(String code) {
        equipment.remove(code);
    }

    void evictLine(String code) {
        lines.remove(code);
    }

    void evictProductType(String code) {
        productTypes.remove(code);
    }

    void evictShift(String name) {
        shifts.remove(name);
    }

    private <V> Uni<Map<String, V>> resolve(Map<String, Cached<V>> cache, Collection<String> codes, String sql,
                                            Function<Row, V> mapper) {
        long now = System.nanoTime();
        Map<String, V> found = new HashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        for (String code : codes) {
            if (code == null || found.containsKey(code)) {
                continue;
            }
            Cached<V> hit = cache.get(code);
            if (hit != null && hit.expiresAtNanos() - now > 0) {
                found.put(code, hit.value());
            } else {
                missing.add(code);
            }
        }
        if (missing.isEmpty()) {
            return Uni.createFrom().item(found);
        }
        return pool.preparedQuery(sql).execute(Tuple.of(missing.toArray(String[]::new)))
                .map(rows -> {
                    if (cache.size() + rows.size() > config.cacheMaxEntries()) {
                        cache.clear();
                    }
                    long expires = System.nanoTime() + config.cacheTtl().toNanos();
                    for (Row row : rows) {
                        V value = mapper.apply(row);
                        String code = row.getString("code");
                        found.put(code, value);
                        cache.put(code, new Cached<>(value, expires));
                    }
                    return found;
                });
    }
}
