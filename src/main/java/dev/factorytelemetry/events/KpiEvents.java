package dev.factorytelemetry.events;

import dev.factorytelemetry.events.ProductionEvents.ProductionKpi;
import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.tuples.Tuple2;
import jakarta.inject.Singleton;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static dev.factorytelemetry.events.EventChecks.MAX_CODE;
import static dev.factorytelemetry.events.EventChecks.codes;
import static dev.factorytelemetry.events.EventChecks.known;

/** Daily or per-shift production KPIs ({@code production_kpis}), idempotent per line, shift and date. */
@Singleton
class KpiEvents extends EventFamily<ProductionKpi, Tuple2<Map<String, Integer>, Map<String, Integer>>> {

    private static final Table TABLE = Table.plain("""
            INSERT INTO factory_telemetry.production_kpis
                   (line_id, kpi_date, shift_id, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count,
                    scrap_count, rework_count, planned_downtime_s, unplanned_downtime_s, changeover_s, maintenance_s,
                    energy_consumption_kwh, material_waste_percent, first_pass_yield)
            SELECT * FROM unnest($1::int4[], $2::date[], $3::int2[], $4::float8[], $5::float8[], $6::float8[],
                                 $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::float8[], $12::float8[],
                                 $13::float8[], $14::float8[], $15::float8[], $16::float8[], $17::float8[])
            ON CONFLICT DO NOTHING
            """,
            Integer.class, LocalDate.class, Short.class, Double.class, Double.class, Double.class,
            Long.class, Long.class, Long.class, Long.class, Double.class, Double.class,
            Double.class, Double.class, Double.class, Double.class, Double.class);

    KpiEvents() {
        super(TABLE, null);
    }

    @Override
    void check(int i, ProductionKpi it, Limits limits, ItemErrors errors) {
        LocalDate latestDate = limits.latestDate();
        errors.requiredText(i, "lineCode", it.lineCode(), MAX_CODE);
        errors.maxLength(i, "shiftName", it.shiftName(), MAX_CODE);
        if (errors.required(i, "kpiDate", it.kpiDate()) && it.kpiDate().isAfter(latestDate)) {
            errors.add(i, "kpiDate", "lies in the future (after " + latestDate + " in the plant's time zone)");
        }
        boolean planned = errors.atLeast(i, "plannedTimeS", it.plannedTimeS(), 0);
        boolean run = errors.atLeast(i, "runTimeS", it.runTimeS(), 0);
        if (planned && run && it.plannedTimeS() != null && it.runTimeS() != null && it.runTimeS() > it.plannedTimeS()) {
            errors.add(i, "runTimeS", "must not exceed plannedTimeS (" + it.plannedTimeS() + ")");
        }
        errors.atLeast(i, "idealRunTimeS", it.idealRunTimeS(), 0);
        boolean total = errors.atLeast(i, "totalCount", it.totalCount(), 0);
        boolean good = errors.atLeast(i, "goodCount", it.goodCount(), 0);
        boolean scrap = errors.atLeast(i, "scrapCount", it.scrapCount(), 0);
        boolean rework = errors.atLeast(i, "reworkCount", it.reworkCount(), 0);
        if (total && it.totalCount() != null) {
            long goodCount = good && it.goodCount() != null ? it.goodCount() : 0;
            long scrapCount = scrap && it.scrapCount() != null ? it.scrapCount() : 0;
            if (goodCount > it.totalCount()) {
                errors.add(i, "goodCount", "must not exceed totalCount (" + it.totalCount() + ")");
            } else if (goodCount + scrapCount > it.totalCount()) {
                errors.add(i, "scrapCount", "goodCount + scrapCount must not exceed totalCount (" + it.totalCount() + ")");
            }
            if (rework && it.reworkCount() != null && it.reworkCount() > it.totalCount()) {
                errors.add(i, "reworkCount", "must not exceed totalCount (" + it.totalCount() + ")");
            }
        } else if (it.totalCount() == null && (it.goodCount() != null || it.scrapCount() != null)) {
            errors.add(i, "totalCount", "is required when goodCount or scrapCount is given");
        }
        errors.atLeast(i, "plannedDowntimeS", it.plannedDowntimeS(), 0);
        errors.atLeast(i, "unplannedDowntimeS", it.unplannedDowntimeS(), 0);
        errors.atLeast(i, "changeoverS", it.changeoverS(), 0);
        errors.atLeast(i, "maintenanceS", it.maintenanceS(), 0);
        errors.atLeast(i, "energyKwh", it.energyConsumptionKwh(), 0);
        errors.between(i, "materialWastePercent", it.materialWastePercent(), 0, 100);
        errors.between(i, "firstPassYield", it.firstPassYield(), 0, 1);
    }

    /** Lines and shifts by code. */
    @Override
    Uni<Tuple2<Map<String, Integer>, Map<String, Integer>>> resolve(List<ProductionKpi> items, ReferenceCache references) {
        return Uni.combine().all().unis(references.lines(codes(items, ProductionKpi::lineCode)),
                references.shifts(codes(items, ProductionKpi::shiftName))).asTuple();
    }

    @Override
    Object[] row(int i, ProductionKpi it, Tuple2<Map<String, Integer>, Map<String, Integer>> found, ItemErrors errors) {
        Integer line = known(i, errors, "lineCode", "production line", it.lineCode(), found.getItem1());
        Integer shiftId = known(i, errors, "shiftName", "shift", it.shiftName(), found.getItem2());
        return new Object[] {line, it.kpiDate(), shiftId == null ? null : shiftId.shortValue(), it.plannedTimeS(), it.runTimeS(),
                it.idealRunTimeS(), it.totalCount(), it.goodCount(), it.scrapCount(), it.reworkCount(), it.plannedDowntimeS(),
                it.unplannedDowntimeS(), it.changeoverS(), it.maintenanceS(), it.energyConsumptionKwh(),
                it.materialWastePercent(), it.firstPassYield()};
    }
}
