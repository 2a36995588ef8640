package dev.factorytelemetry.reference;

import com.github.benmanes.caffeine.cache.Cache;
import dev.factorytelemetry.platform.Caches;
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
import java.util.function.Function;

/**
 * Resolves the external codes that clients send (equipment codes, line codes, product codes, shift
 * names) to the compact ids stored in event rows. One query per batch resolves every code the cache
 * does not hold; hits expire after {@code telemetry.reference.cache-ttl}; unknown codes are not cached.
 * The reference API evicts what it changes. Caffeine caches ({@link Caches}) of at most
 * {@code telemetry.reference.cache-max-entries} codes per kind, the least used evicted.
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

    private final Pool pool;
    private final Cache<String, EquipmentRef> equipment;
    private final Cache<String, Integer> lines;
    private final Cache<String, Integer> productTypes;
    private final Cache<String, Integer> shifts;

    public ReferenceCache(Pool pool, ReferenceConfig config, Caches caches) {
        this.pool = pool;
        this.equipment = caches.cache("reference-equipment", config.cacheMaxEntries(), config.cacheTtl());
        this.lines = caches.cache("reference-lines", config.cacheMaxEntries(), config.cacheTtl());
        this.productTypes = caches.cache("reference-product-types", config.cacheMaxEntries(), config.cacheTtl());
        this.shifts = caches.cache("reference-shifts", config.cacheMaxEntries(), config.cacheTtl());
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
        equipment.invalidate(code);
    }

    void evictLine(String code) {
        lines.invalidate(code);
    }

    void evictProductType(String code) {
        productTypes.invalidate(code);
    }

    void evictShift(String name) {
        shifts.invalidate(name);
    }

    private <V> Uni<Map<String, V>> resolve(Cache<String, V> cache, Collection<String> codes, String sql,
                                                   Function<Row, V> mapper) {
        Map<String, V> found = new HashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        for (String code : codes) {
            if (code == null || found.containsKey(code) || missing.contains(code)) {
                continue;
            }
            V hit = cache.getIfPresent(code);
            if (hit != null) {
                found.put(code, hit);
            } else {
                missing.add(code);
            }
        }
        if (missing.isEmpty()) {
            return Uni.createFrom().item(found);
        }
        return pool.preparedQuery(sql).execute(Tuple.of(missing.toArray(String[]::new)))
                .map(rows -> {
                    for (Row row : rows) {
                        V value = mapper.apply(row);
                        String code = row.getString("code");
                        found.put(code, value);
                        cache.put(code, value);
                    }
                    return found;
                });
    }
}
