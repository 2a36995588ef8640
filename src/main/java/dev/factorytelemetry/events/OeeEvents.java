package dev.factorytelemetry.events;

import dev.factorytelemetry.events.EventChecks.Refs;
import dev.factorytelemetry.events.ProductionEvents.OeeCalculation;
import dev.factorytelemetry.reference.EquipmentRef;
import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;
import java.util.List;

import static dev.factorytelemetry.events.EventChecks.MAX_CODE;
import static dev.factorytelemetry.events.EventChecks.utc;

/** OEE calculations ({@code oee_calculations}), idempotent per equipment and calculation time. */
@Singleton
class OeeEvents extends EventFamily<OeeCalculation, Refs> {

    private static final Table TABLE = Table.logged("""
            INSERT INTO factory_telemetry.oee_calculations
                   (equipment_id, line_id, calculation_time, planned_time_s, run_time_s, ideal_run_time_s,
                    total_count, good_count, ideal_cycle_time_s)
            SELECT * FROM unnest($1::int4[], $2::int4[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[],
                                 $7::int8[], $8::int8[], $9::float8[])
            ON CONFLICT DO NOTHING
            """, "oee_calculations", 2,
            Integer.class, Integer.class, OffsetDateTime.class, Double.class, Double.class, Double.class,
            Long.class, Long.class, Double.class);

    OeeEvents() {
        super(TABLE, null);
    }

    @Override
    void check(int i, OeeCalculation it, Limits limits, ItemErrors errors) {
        errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
        errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
        if (errors.required(i, "calculationTime", it.calculationTime())) {
            errors.notInFuture(i, "calculationTime", it.calculationTime(), limits.latest());
        }
        boolean planned = errors.required(i, "plannedTimeS", it.plannedTimeS())
                && errors.greaterThan(i, "plannedTimeS", it.plannedTimeS(), 0);
        boolean run = errors.required(i, "runTimeS", it.runTimeS()) && errors.atLeast(i, "runTimeS", it.runTimeS(), 0);
        if (planned && run && it.runTimeS() > it.plannedTimeS()) {
            errors.add(i, "runTimeS", "must not exceed plannedTimeS (" + it.plannedTimeS() + ")");
        }
        errors.atLeast(i, "idealRunTimeS", it.idealRunTimeS(), 0);
        errors.greaterThan(i, "idealCycleTimeS", it.idealCycleTimeS(), 0);
        boolean total = errors.required(i, "totalCount", it.totalCount()) && errors.atLeast(i, "totalCount", it.totalCount(), 0);
        boolean good = errors.required(i, "goodCount", it.goodCount()) && errors.atLeast(i, "goodCount", it.goodCount(), 0);
        if (total && good && it.goodCount() > it.totalCount()) {
            errors.add(i, "goodCount", "must not exceed totalCount (" + it.totalCount() + ")");
        }
    }

    @Override
    Uni<Refs> resolve(List<OeeCalculation> items, ReferenceCache references) {
        return Refs.resolve(references, items, OeeCalculation::equipmentCode, OeeCalculation::lineCode);
    }

    @Override
    Object[] row(int i, OeeCalculation it, Refs refs, ItemErrors errors) {
        EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
        Integer lineId = refs.line(i, errors, it.lineCode(), eq);
        if (eq == null) {
            return null;
        }
        Double cycle = it.idealCycleTimeS() != null ? it.idealCycleTimeS() : eq.idealCycleTimeS();
        Double ideal = it.idealRunTimeS();
        if (ideal == null && cycle != null) {
            ideal = it.totalCount() != null ? cycle * it.totalCount() : null; // else: totalCount reported
        } else if (ideal == null) {
            errors.add(i, "idealRunTimeS", "is required when neither the item nor equipment '"
                    + it.equipmentCode() + "' has an ideal cycle time");
        }
        return new Object[] {eq.id(), lineId, utc(it.calculationTime()), it.plannedTimeS(), it.runTimeS(), ideal,
                it.totalCount(), it.goodCount(), cycle};
    }
}
