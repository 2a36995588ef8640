package dev.factorytelemetry.events;

import dev.factorytelemetry.reference.EquipmentRef;
import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Limits, checks and code resolution shared by the event families. */
final class EventChecks {

    static final int MAX_TEXT = 2000;
    static final int MAX_CODE = 64;

    private EventChecks() {
    }

    static void bitIndex(int i, ItemErrors errors, Integer bitIndex) {
        if (errors.required(i, "bitIndex", bitIndex) && (bitIndex < 0 || bitIndex > 63)) {
            errors.add(i, "bitIndex", "must be between 0 and 63");
        }
    }

    /** In UTC and at the database's precision (microseconds), so that replays compare equal to stored values. */
    static OffsetDateTime utc(OffsetDateTime time) {
        return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    static <T> Set<String> codes(List<T> items, Function<T, String> code) {
        Set<String> codes = new HashSet<>();
        for (T item : items) {
            String value = code.apply(item);
            if (value != null) {
                codes.add(value);
            }
        }
        return codes;
    }

    static Integer known(int i, ItemErrors errors, String field, String what, String code, Map<String, Integer> ids) {
        if (code == null) {
            return null;
        }
        Integer id = ids.get(code);
        if (id == null) {
            errors.add(i, field, what + " '" + code + "' does not exist");
        }
        return id;
    }

    /** Equipment and (optional) line codes of a batch, resolved. */
    record Refs(Map<String, EquipmentRef> equipmentByCode, Map<String, Integer> lineByCode) {

        static <T> Uni<Refs> resolve(ReferenceCache references, List<T> items, Function<T, String> equipmentCode,
                                     Function<T, String> lineCode) {
            return Uni.combine().all()
                    .unis(references.equipment(codes(items, equipmentCode)), references.lines(codes(items, lineCode)))
                    .asTuple()
                    .map(t -> new Refs(t.getItem1(), t.getItem2()));
        }

        EquipmentRef equipment(int i, ItemErrors errors, String code) {
            if (code == null) {
                return null;
            }
            EquipmentRef ref = equipmentByCode.get(code);
            if (ref == null) {
                errors.add(i, "equipmentCode", "equipment '" + code + "' does not exist");
            }
            return ref;
        }

        /** The given line, else the equipment's. */
        Integer line(int i, ItemErrors errors, String lineCode, EquipmentRef equipment) {
            if (lineCode != null) {
                return known(i, errors, "lineCode", "production line", lineCode, lineByCode);
            }
            return equipment == null ? null : equipment.lineId();
        }
    }
}
