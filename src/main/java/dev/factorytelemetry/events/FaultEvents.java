package dev.factorytelemetry.events;

import dev.factorytelemetry.events.EventChecks.Refs;
import dev.factorytelemetry.events.ProductionEvents.BatchResult;
import dev.factorytelemetry.events.ProductionEvents.FaultCleared;
import dev.factorytelemetry.events.ProductionEvents.FaultRaised;
import dev.factorytelemetry.reference.EquipmentRef;
import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.factorytelemetry.events.EventChecks.MAX_CODE;
import static dev.factorytelemetry.events.EventChecks.bitIndex;
import static dev.factorytelemetry.events.EventChecks.codes;
import static dev.factorytelemetry.events.EventChecks.utc;

/**
 * Faults ({@code fault_event}): raised (fault bit on), idempotent per (equipment, bit, tsOn); and cleared
 * (fault bit off), which closes the latest occurrence raised at or before the clear.
 */
@Singleton
class FaultEvents extends EventFamily<FaultRaised, Refs> {

    private static final Table TABLE = Table.plain("""
            INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
            SELECT * FROM unnest($1::int4[], $2::int4[], $3::int2[], $4::timestamptz[], $5::timestamptz[])
            ON CONFLICT DO NOTHING
            """, Integer.class, Integer.class, Short.class, OffsetDateTime.class, OffsetDateTime.class);

    /**
     * Serialises clears of the same equipment and bit (transaction-scoped advisory locks, taken in key
     * order so that two batches cannot deadlock). Row locks ({@code FOR UPDATE}) are not an option: the
     * search for the occurrence to clear reads every chunk, and TimescaleDB refuses to lock tuples of
     * compressed chunks. Raising a fault needs no lock: a clear applies to the latest occurrence
     * committed before it, as if the two requests had arrived one after the other.
     */
    private static final String LOCK_FAULT_BITS = """
            SELECT count(pg_advisory_xact_lock(hashtext('factory_telemetry.fault_event'), k.key)) AS locked
            FROM (SELECT DISTINCT ((u.equipment_id::int8 * 64 + u.bit_index) % 2147483647)::int4 AS key
                  FROM unnest($1::int4[], $2::int2[]) AS u(equipment_id, bit_index)
                  ORDER BY 1) k
            """;
    /** Per clear request (in order): the latest occurrence of that bit raised at or before tsOff. */
    private static final String FIND_FAULTS_TO_CLEAR = """
            SELECT r.ord, f.ts_on, f.ts_off
            FROM unnest($1::int4[], $2::int2[], $3::timestamptz[]) WITH ORDINALITY AS r(equipment_id, bit_index, ts_off, ord)
            LEFT JOIN LATERAL (
                SELECT f.ts_on, f.ts_off FROM factory_telemetry.fault_event f
                WHERE f.equipment_id = r.equipment_id AND f.bit_index = r.bit_index AND f.ts_on <= r.ts_off
                ORDER BY f.ts_on DESC LIMIT 1) f ON true
            ORDER BY r.ord
            """;
    private static final String CLEAR_FAULTS = """
            UPDATE factory_telemetry.fault_event f SET ts_off = u.ts_off
            FROM unnest($1::int4[], $2::int2[], $3::timestamptz[], $4::timestamptz[]) AS u(equipment_id, bit_index, ts_on, ts_off)
            WHERE f.equipment_id = u.equipment_id AND f.bit_index = u.bit_index AND f.ts_on = u.ts_on AND f.ts_off IS NULL
            """;

    private final ProductionEventStore store;

    FaultEvents(ProductionEventStore store) {
        super(TABLE, null);
        this.store = store;
    }

    @Override
    void check(int i, FaultRaised it, Limits limits, ItemErrors errors) {
        Instant latest = limits.latest();
        errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
        errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
        bitIndex(i, errors, it.bitIndex());
        boolean on = errors.required(i, "tsOn", it.tsOn()) && errors.notInFuture(i, "tsOn", it.tsOn(), latest);
        if (errors.notInFuture(i, "tsOff", it.tsOff(), latest) && on && it.tsOff() != null && it.tsOff().isBefore(it.tsOn())) {
            errors.add(i, "tsOff", "must not be before tsOn");
        }
    }

    @Override
    Uni<Refs> resolve(List<FaultRaised> items, ReferenceCache references) {
        return Refs.resolve(references, items, FaultRaised::equipmentCode, FaultRaised::lineCode);
    }

    @Override
    Object[] row(int i, FaultRaised it, Refs refs, ItemErrors errors) {
        EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
        Integer line = refs.line(i, errors, it.lineCode(), eq);
        return new Object[] {eq == null ? null : eq.id(), line, it.bitIndex() == null ? null : it.bitIndex().shortValue(),
                utc(it.tsOn()), utc(it.tsOff())};
    }

    /**
     * Clears fault occurrences: each item closes the latest occurrence of its bit raised at or before
     * its {@code tsOff}. All or nothing: if any item finds no such occurrence, or finds it cleared at
     * another time, the request is refused with 409 and nothing changes. An item whose occurrence is
     * already cleared at the same time counts as a duplicate (a retried delivery).
     */
    Uni<BatchResult> clear(List<FaultCleared> items) {
        ItemErrors errors = store.errors();
        Instant latest = store.limits().latest();
        for (int i = 0; i < items.size(); i++) {
            FaultCleared it = items.get(i);
            errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
            bitIndex(i, errors, it.bitIndex());
            if (errors.required(i, "tsOff", it.tsOff())) {
                errors.notInFuture(i, "tsOff", it.tsOff(), latest);
            }
        }
        return store.references().equipment(codes(items, FaultCleared::equipmentCode)).flatMap(equipmentByCode -> {
            int n = items.size();
            Integer[] equipment = new Integer[n];
            Short[] bit = new Short[n];
            OffsetDateTime[] off = new OffsetDateTime[n];
            for (int i = 0; i < n; i++) {
                FaultCleared it = items.get(i);
                EquipmentRef eq = it.equipmentCode() == null ? null : equipmentByCode.get(it.equipmentCode());
                if (eq == null && it.equipmentCode() != null) {
                    errors.add(i, "equipmentCode", "equipment '" + it.equipmentCode() + "' does not exist");
                }
                equipment[i] = eq == null ? null : eq.id();
                bit[i] = it.bitIndex() == null ? null : it.bitIndex().shortValue();
                off[i] = utc(it.tsOff());
            }
            errors.throwIfAny(422, "Invalid items");
            return store.pool().withTransaction(connection -> connection.preparedQuery(LOCK_FAULT_BITS)
                    .execute(Tuple.of(equipment, bit))
                    .flatMap(locked -> connection.preparedQuery(FIND_FAULTS_TO_CLEAR).execute(Tuple.tuple(List.of(equipment, bit, off))))
                    .flatMap(found -> {
                        ItemErrors conflicts = store.errors();
                        // state of each occurrence after the earlier items of this batch (null: active)
                        Map<String, OffsetDateTime> offAfterEarlierItems = new HashMap<>();
                        List<Integer> toClear = new ArrayList<>();
                        OffsetDateTime[] onOfItem = new OffsetDateTime[n];
                        int duplicates = 0;
                        for (Row row : found) {
                            int i = (int) (row.getLong("ord") - 1);
                            FaultCleared it = items.get(i);
                            OffsetDateTime tsOn = row.getOffsetDateTime("ts_on");
                            if (tsOn == null) {
                                conflicts.add(i, "tsOff", "no fault of bit " + it.bitIndex() + " on equipment '"
                                        + it.equipmentCode() + "' was raised at or before " + it.tsOff());
                                continue;
                            }
                            String key = equipment[i] + "/" + bit[i] + "/" + tsOn.toInstant();
                            OffsetDateTime current = offAfterEarlierItems.containsKey(key)
                                    ? offAfterEarlierItems.get(key) : row.getOffsetDateTime("ts_off");
                            if (current == null) {
                                toClear.add(i);
                                onOfItem[i] = tsOn;
                                offAfterEarlierItems.put(key, off[i]);
                            } else if (current.isEqual(off[i])) {
                                duplicates++;
                            } else {
                                conflicts.add(i, "tsOff", "the fault of bit " + it.bitIndex() + " on equipment '"
                                        + it.equipmentCode() + "' raised at " + tsOn + " is not active: it was cleared at "
                                        + current);
                            }
                        }
                        conflicts.throwIfAny(409, "Fault not active");
                        int cleared = toClear.size();
                        int duplicateCount = duplicates;
                        if (cleared == 0) {
                            return Uni.createFrom().item(new BatchResult(0, duplicateCount, null));
                        }
                        Integer[] eqIds = new Integer[cleared];
                        Short[] bits = new Short[cleared];
                        OffsetDateTime[] ons = new OffsetDateTime[cleared];
                        OffsetDateTime[] offs = new OffsetDateTime[cleared];
                        for (int k = 0; k < cleared; k++) {
                            int i = toClear.get(k);
                            eqIds[k] = equipment[i];
                            bits[k] = bit[i];
                            ons[k] = onOfItem[i];
                            offs[k] = off[i];
                        }
                        return connection.preparedQuery(CLEAR_FAULTS)
                                .execute(Tuple.tuple(List.of(eqIds, bits, ons, offs)))
                                .map(rows -> new BatchResult(rows.rowCount(), duplicateCount, null));
                    }))
                    .onFailure().transform(ProductionEventStore::constraintViolation);
        });
    }
}
