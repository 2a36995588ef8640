package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.web.ProblemException;
import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.SuccessMemo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The reference data dashboards name things by: production lines, equipment and product types (small tables, kept
 * as a snapshot for a few seconds and reloaded at once when a code is not in it), and metric definitions (looked up
 * per request by their unique key). Unknown codes end the request with 404.
 */
@ApplicationScoped
public class Catalog {

    public record Line(int id, String code, String name, boolean enabled) {
    }

    public record Equipment(int id, String code, String name, Integer lineId) {
    }

    public record Metric(int id, String key, String valueType, String unit, String equipmentCode) {
    }

    /** One consistent read of lines, equipment and product types. */
    public record Snapshot(List<Line> lines, Map<String, Line> linesByCode, Map<Integer, Line> linesById,
                           Map<String, Equipment> equipmentByCode, Map<Integer, Equipment> equipmentById,
                           Map<Integer, String> productCodesById, Map<String, Integer> productIdsByCode) {

        String lineCode(Integer id) {
            Line line = id == null ? null : linesById.get(id);
            return line == null ? null : line.code();
        }

        String equipmentCode(Integer id) {
            Equipment e = id == null ? null : equipmentById.get(id);
            return e == null ? null : e.code();
        }
    }

    private static final String SNAPSHOT_SQL = """
            SELECT 'line' AS kind, id, line_code AS code, name, NULL::integer AS line_id, enabled
            FROM factory_telemetry.production_lines
            UNION ALL
            SELECT 'equipment', id, equipment_code, name, line_id, enabled FROM factory_telemetry.equipment
            UNION ALL
            SELECT 'product', id, product_code, name, NULL, enabled FROM factory_telemetry.product_types
            """;

    private static final String METRICS_SQL = """
            SELECT m.id, m.metric_key, m.value_type, m.unit, e.equipment_code
            FROM factory_telemetry.metric_def m
            LEFT JOIN factory_telemetry.equipment e ON e.id = m.equipment_id
            WHERE m.metric_key = ANY($1::text[])
            """;

    private static final Duration SNAPSHOT_TTL = Duration.ofSeconds(5);

    private final Pool pool;
    private final SuccessMemo<Snapshot> snapshot;

    public Catalog(Pool pool, Caches caches) {
        this.pool = pool;
        this.snapshot = caches.memo("dashboard-catalog", this::load, SNAPSHOT_TTL);
    }

    public Uni<Snapshot> snapshot() {
        return snapshot.get();
    }

    /** The line with this code; 404 when there is none. */
    public Uni<Line> line(String code) {
        return lookup(s -> s.linesByCode().get(code), "Unknown production line '" + code + "'");
    }

    /** The equipment with this code; 404 when there is none. */
    public Uni<Equipment> equipment(String code) {
        return lookup(s -> s.equipmentByCode().get(code), "Unknown equipment '" + code + "'");
    }

    /** The product type id with this code; 404 when there is none. */
    public Uni<Integer> productType(String code) {
        return lookup(s -> s.productIdsByCode().get(code), "Unknown product type '" + code + "'");
    }

    /** The metrics with these keys, in the order asked; 404 naming every unknown key. */
    public Uni<List<Metric>> metrics(List<String> keys) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
        return pool.preparedQuery(METRICS_SQL).execute(Tuple.of(distinct.toArray(String[]::new))).map(rows -> {
            Map<String, Metric> byKey = new HashMap<>();
            for (Row r : rows) {
                byKey.put(r.getString("metric_key"), new Metric(r.getInteger("id"), r.getString("metric_key"),
                        r.getString("value_type"), r.getString("unit"), r.getString("equipment_code")));
            }
            List<String> unknown = distinct.stream().filter(k -> !byKey.containsKey(k)).toList();
            if (!unknown.isEmpty()) {
                throw ProblemException.notFound("Unknown metric key(s): " + String.join(", ", unknown));
            }
            return distinct.stream().map(byKey::get).toList();
        });
    }

    private <T> Uni<T> lookup(java.util.function.Function<Snapshot, T> find, String notFound) {
        return snapshot.get().flatMap(s -> {
            T found = find.apply(s);
            if (found != null) {
                return Uni.createFrom().item(found);
            }
            // created since the snapshot? read again before answering 404
            snapshot.invalidate();
            return snapshot.get().map(fresh -> {
                T again = find.apply(fresh);
                if (again == null) {
                    throw ProblemException.notFound(notFound);
                }
                return again;
            });
        });
    }

    private Uni<Snapshot> load() {
        return pool.query(SNAPSHOT_SQL).execute().map(rows -> {
            List<Line> lines = new ArrayList<>();
            Map<String, Line> linesByCode = new HashMap<>();
            Map<Integer, Line> linesById = new HashMap<>();
            Map<String, Equipment> equipmentByCode = new HashMap<>();
            Map<Integer, Equipment> equipmentById = new HashMap<>();
            Map<Integer, String> products = new HashMap<>();
            Map<String, Integer> productIds = new HashMap<>();
            for (Row r : rows) {
                int id = r.getInteger("id");
                String code = r.getString("code");
                switch (r.getString("kind")) {
                    case "line" -> {
                        Line line = new Line(id, code, r.getString("name"), r.getBoolean("enabled"));
                        lines.add(line);
                        linesByCode.put(code, line);
                        linesById.put(id, line);
                    }
                    case "equipment" -> {
                        Equipment e = new Equipment(id, code, r.getString("name"), r.getInteger("line_id"));
                        equipmentByCode.put(code, e);
                        equipmentById.put(id, e);
                    }
                    default -> {
                        products.put(id, code);
                        productIds.put(code, id);
                    }
                }
            }
            lines.sort(java.util.Comparator.comparing(Line::code));
            return new Snapshot(Collections.unmodifiableList(lines), linesByCode, linesById, equipmentByCode,
                    equipmentById, products, productIds);
        });
    }
}
