package dev.factorytelemetry.events;

import dev.factorytelemetry.platform.DatabaseClock;
import dev.factorytelemetry.events.ProductionEvents.BatchResult;
import dev.factorytelemetry.events.ProductionEvents.DowntimeClose;
import dev.factorytelemetry.events.ProductionEvents.DowntimeClosed;
import dev.factorytelemetry.events.ProductionEvents.DowntimeEvent;
import dev.factorytelemetry.events.ProductionEvents.EnergyReading;
import dev.factorytelemetry.events.ProductionEvents.FaultCleared;
import dev.factorytelemetry.events.ProductionEvents.FaultRaised;
import dev.factorytelemetry.events.ProductionEvents.OeeCalculation;
import dev.factorytelemetry.events.ProductionEvents.ProductionKpi;
import dev.factorytelemetry.events.ProductionEvents.QualityCheck;
import dev.factorytelemetry.plant.PlantConfig;
import dev.factorytelemetry.reference.EquipmentRef;
import dev.factorytelemetry.reference.ReferenceCache;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Validates and stores batches of production events. Each batch is one prepared
 * {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING} (one statement: all or nothing,
 * answered after its commit); rows whose key is already stored count as duplicates. Codes are resolved
 * to ids through {@link ReferenceCache}; every problem of a batch is reported at once.
 */
@ApplicationScoped
public class ProductionEventStore {

    static final List<String> DOWNTIME_CATEGORIES = List.of("planned", "unplanned", "changeover", "maintenance");
    static final List<String> CHECK_TYPES = List.of("incoming", "in_process", "final", "audit");
    static final List<String> CHECK_RESULTS = List.of("pass", "fail", "conditional");
    static final int MAX_TEXT = 2000;
    static final int MAX_CODE = 64;
    static final int MAX_DEFECT_CODES = 100;

    // ---- SQL ------------------------------------------------------------------------------------
    private static final String INSERT_OEE = """
            INSERT INTO factory_telemetry.oee_calculations
                   (equipment_id, line_id, calculation_time, planned_time_s, run_time_s, ideal_run_time_s,
                    total_count, good_count, ideal_cycle_time_s)
            SELECT * FROM unnest($1::int4[], $2::int4[], $3::timestamptz[], $4::float8[], $5::float8[], $6::float8[],
                                 $7::int8[], $8::int8[], $9::float8[])
            ON CONFLICT DO NOTHING
            """;
    private static final String INSERT_ENERGY = """
            INSERT INTO factory_telemetry.energy_consumption
                   (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh,
                    voltage_v, current_a, power_factor, temperature_c, humidity_percent)
            SELECT * FROM unnest($1::int4[], $2::int4[], $3::timestamptz[], $4::float8[], $5::float8[],
                                 $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[])
            ON CONFLICT DO NOTHING
            """;
    private static final String INSERT_KPIS = """
            INSERT INTO factory_telemetry.production_kpis
                   (line_id, kpi_date, shift_id, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count,
                    scrap_count, rework_count, planned_downtime_s, unplanned_downtime_s, changeover_s, maintenance_s,
                    energy_consumption_kwh, material_waste_percent, first_pass_yield)
            SELECT * FROM unnest($1::int4[], $2::date[], $3::int2[], $4::float8[], $5::float8[], $6::float8[],
                                 $7::int8[], $8::int8[], $9::int8[], $10::int8[], $11::float8[], $12::float8[],
                                 $13::float8[], $14::float8[], $15::float8[], $16::float8[], $17::float8[])
            ON CONFLICT DO NOTHING
            """;
    private static final String INSERT_DOWNTIME = """
            INSERT INTO factory_telemetry.downtime_events
                   (event_id, equipment_id, line_id, start_time, end_time, reason_code, reason_description, category,
                    subcategory, reported_by, notes)
            SELECT * FROM unnest($1::uuid[], $2::int4[], $3::int4[], $4::timestamptz[], $5::timestamptz[], $6::text[],
                                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
            ON CONFLICT DO NOTHING
            """;
    /**
     * Serialises closes of one event id (transaction-scoped advisory lock). A row lock ({@code SELECT ...
     * FOR UPDATE}) cannot be used: TimescaleDB refuses to lock tuples of compressed chunks ("locking
     * compressed tuples is not supported"), and the search for the event reads every chunk.
     */
    private static final String LOCK_DOWNTIME_EVENT =
            "SELECT pg_advisory_xact_lock(hashtext('factory_telemetry.downtime_events'), hashtext($1::text))";
    /**
     * Closes the open occurrence of an event id (the latest, or the one starting at $3), after
     * {@link #LOCK_DOWNTIME_EVENT} in the same transaction, so this statement's snapshot sees every
     * earlier close. Returns no row when there is none; else its start, its end before this statement,
     * and the end set by it (null when nothing was closed: already closed, or the end lies before the start).
     */
    private static final String CLOSE_DOWNTIME = """
            WITH target AS (
                SELECT event_id, start_time, end_time FROM factory_telemetry.downtime_events
                WHERE event_id = $1 AND ($3::timestamptz IS NULL OR start_time = $3)
                ORDER BY start_time DESC LIMIT 1),
            closed AS (
                UPDATE factory_telemetry.downtime_events d
                   SET end_time = $2, notes = coalesce($4, d.notes)
                  FROM target t
                 WHERE d.event_id = t.event_id AND d.start_time = t.start_time
                   AND d.end_time IS NULL AND $2 >= t.start_time
                RETURNING d.end_time)
            SELECT t.start_time, t.end_time AS previous_end_time, (SELECT end_time FROM closed) AS closed_end_time
            FROM target t
            """;
    /** Client-supplied event ids already stored with another start time (item index, stored start). */
    private static final String DOWNTIME_IDS_REUSED = """
            SELECT u.item, d.start_time AS stored_time
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int4[]) AS u(event_id, start_time, item)
            JOIN factory_telemetry.downtime_events d ON d.event_id = u.event_id AND d.start_time <> u.start_time
            ORDER BY u.item
            """;
    /** Client-supplied check ids already stored with another check time. */
    private static final String QUALITY_IDS_REUSED = """
            SELECT u.item, q.check_time AS stored_time
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int4[]) AS u(check_id, check_time, item)
            JOIN factory_telemetry.quality_checks q ON q.check_id = u.check_id AND q.check_time <> u.check_time
            ORDER BY u.item
            """;
    private static final String INSERT_QUALITY = """
            INSERT INTO factory_telemetry.quality_checks
                   (check_id, line_id, product_type_id, check_time, check_type, check_result, quantity_checked,
                    quantity_passed, quantity_failed, defect_codes, notes, checked_by)
            SELECT u.check_id, u.line_id, u.product_type_id, u.check_time, u.check_type, u.check_result,
                   u.quantity_checked, u.quantity_passed, u.quantity_failed,
                   CASE WHEN u.defect_codes IS NULL THEN NULL
                        ELSE ARRAY(SELECT jsonb_array_elements_text(u.defect_codes::jsonb)) END,
                   u.notes, u.checked_by
            FROM unnest($1::uuid[], $2::int4[], $3::int4[], $4::timestamptz[], $5::text[], $6::text[], $7::int4[],
                        $8::int4[], $9::int4[], $10::text[], $11::text[], $12::text[])
                 AS u(check_id, line_id, product_type_id, check_time, check_type, check_result, quantity_checked,
                      quantity_passed, quantity_failed, defect_codes, notes, checked_by)
            ON CONFLICT DO NOTHING
            """;
    private static final String INSERT_FAULTS = """
            INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
            SELECT * FROM unnest($1::int4[], $2::int4[], $3::int2[], $4::timestamptz[], $5::timestamptz[])
            ON CONFLICT DO NOTHING
            """;
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

    /** Transaction-local: the insert triggers of the event tables leave the logging to this writer. */
    private static final String MARK_INVALIDATION_LOGGED =
            "SELECT set_config('factory_telemetry.invalidation_logged', 'on', true)";
    private static final String LOG_INVALIDATION = "SELECT factory_telemetry.log_invalidation($1, $2, $3)";

    /** Retention of the event tables whose rows feed aggregates (re-read every 10 s). */
    private static final String RETENTION_SQL = """
            SELECT hypertable_name, retention::text AS label, now() - retention AS horizon
            FROM factory_telemetry.hypertable_policy
            WHERE retention_enabled AND retention IS NOT NULL
            """;

    /** The time field of each aggregate-fed event table, for messages. */
    private static final Map<String, String> TIME_FIELDS = Map.of("oee_calculations", "calculationTime",
            "energy_consumption", "consumptionTime", "downtime_events", "startTime", "quality_checks", "checkTime");

    private record RetentionHorizon(String label, Instant horizon) {
    }

    private record Retentions(Map<String, RetentionHorizon> byTable, long loadedAtNanos) {
    }

    private volatile Retentions retentions;

    private final Pool pool;
    private final DatabaseClock clock;
    private final ReferenceCache references;
    private final EventsConfig config;
    private final PlantConfig plant;

    public ProductionEventStore(Pool pool, ReferenceCache references, EventsConfig config, PlantConfig plant,
                                DatabaseClock clock) {
        this.clock = clock;
        this.pool = pool;
        this.references = references;
        this.config = config;
        this.plant = plant;
    }

    // ---- OEE ----------------------------------------------------------------------------------------

    public Uni<BatchResult> storeOee(List<OeeCalculation> items) {
        ItemErrors errors = errors();
        Instant latest = latest();
        for (int i = 0; i < items.size(); i++) {
            OeeCalculation it = items.get(i);
            errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
            errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
            if (errors.required(i, "calculationTime", it.calculationTime())) {
                errors.notInFuture(i, "calculationTime", it.calculationTime(), latest);
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
        return equipmentAndLines(items, OeeCalculation::equipmentCode, OeeCalculation::lineCode).flatMap(refs -> {
            int n = items.size();
            Integer[] equipment = new Integer[n];
            Integer[] line = new Integer[n];
            OffsetDateTime[] time = new OffsetDateTime[n];
            Double[] planned = new Double[n];
            Double[] run = new Double[n];
            Double[] idealRun = new Double[n];
            Long[] total = new Long[n];
            Long[] good = new Long[n];
            Double[] idealCycle = new Double[n];
            for (int i = 0; i < n; i++) {
                OeeCalculation it = items.get(i);
                EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
                Integer lineId = refs.line(i, errors, it.lineCode(), eq);
                if (eq == null) {
                    continue;
                }
                Double cycle = it.idealCycleTimeS() != null ? it.idealCycleTimeS() : eq.idealCycleTimeS();
                Double ideal = it.idealRunTimeS();
                if (ideal == null && cycle != null) {
                    ideal = it.totalCount() != null ? cycle * it.totalCount() : null; // else: totalCount reported
                } else if (ideal == null) {
                    errors.add(i, "idealRunTimeS", "is required when neither the item nor equipment '"
                            + it.equipmentCode() + "' has an ideal cycle time");
                }
                equipment[i] = eq.id();
                line[i] = lineId;
                time[i] = utc(it.calculationTime());
                planned[i] = it.plannedTimeS();
                run[i] = it.runTimeS();
                idealRun[i] = ideal;
                total[i] = it.totalCount();
                good[i] = it.goodCount();
                idealCycle[i] = cycle;
            }
            errors.throwIfAny(422, "Invalid items");
            return insertLogged(INSERT_OEE, "oee_calculations", time, n, equipment, line, time, planned, run, idealRun, total, good, idealCycle);
        });
    }

    // ---- energy -------------------------------------------------------------------------------------

    public Uni<BatchResult> storeEnergy(List<EnergyReading> items) {
        ItemErrors errors = errors();
        Instant latest = latest();
        for (int i = 0; i < items.size(); i++) {
            EnergyReading it = items.get(i);
            errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
            errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
            if (errors.required(i, "consumptionTime", it.consumptionTime())) {
                errors.notInFuture(i, "consumptionTime", it.consumptionTime(), latest);
            }
            if (errors.required(i, "powerConsumptionKw", it.powerConsumptionKw())) {
                errors.atLeast(i, "powerConsumptionKw", it.powerConsumptionKw(), 0);
            }
            if (errors.required(i, "energyConsumptionKwh", it.energyConsumptionKwh())) {
                errors.atLeast(i, "energyConsumptionKwh", it.energyConsumptionKwh(), 0);
            }
            errors.finite(i, "voltageV", it.voltageV());
            errors.finite(i, "currentA", it.currentA());
            errors.between(i, "powerFactor", it.powerFactor(), 0, 1);
            errors.finite(i, "temperatureC", it.temperatureC());
            errors.between(i, "humidityPercent", it.humidityPercent(), 0, 100);
        }
        return equipmentAndLines(items, EnergyReading::equipmentCode, EnergyReading::lineCode).flatMap(refs -> {
            int n = items.size();
            Integer[] equipment = new Integer[n];
            Integer[] line = new Integer[n];
            OffsetDateTime[] time = new OffsetDateTime[n];
            Double[] power = new Double[n];
            Double[] energy = new Double[n];
            Double[] voltage = new Double[n];
            Double[] current = new Double[n];
            Double[] powerFactor = new Double[n];
            Double[] temperature = new Double[n];
            Double[] humidity = new Double[n];
            for (int i = 0; i < n; i++) {
                EnergyReading it = items.get(i);
                EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
                Integer lineId = refs.line(i, errors, it.lineCode(), eq);
                if (eq == null) {
                    continue;
                }
                equipment[i] = eq.id();
                line[i] = lineId;
                time[i] = utc(it.consumptionTime());
                power[i] = it.powerConsumptionKw();
                energy[i] = it.energyConsumptionKwh();
                voltage[i] = it.voltageV();
                current[i] = it.currentA();
                powerFactor[i] = it.powerFactor();
                temperature[i] = it.temperatureC();
                humidity[i] = it.humidityPercent();
            }
            errors.throwIfAny(422, "Invalid items");
            return insertLogged(INSERT_ENERGY, "energy_consumption", time, n, equipment, line, time, power, energy, voltage, current, powerFactor,
                    temperature, humidity);
        });
    }

    // ---- production KPIs ----------------------------------------------------------------------------

    public Uni<BatchResult> storeKpis(List<ProductionKpi> items) {
        ItemErrors errors = errors();
        LocalDate latestDate = LocalDate.ofInstant(latest(), plant.timeZone());
        for (int i = 0; i < items.size(); i++) {
            ProductionKpi it = items.get(i);
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
            errors.atLeast(i, "energyConsumptionKwh", it.energyConsumptionKwh(), 0);
            errors.between(i, "materialWastePercent", it.materialWastePercent(), 0, 100);
            errors.between(i, "firstPassYield", it.firstPassYield(), 0, 1);
        }
        Uni<Map<String, Integer>> lines = references.lines(codes(items, ProductionKpi::lineCode));
        Uni<Map<String, Integer>> shifts = references.shifts(codes(items, ProductionKpi::shiftName));
        return Uni.combine().all().unis(lines, shifts).asTuple().flatMap(found -> {
            int n = items.size();
            Integer[] line = new Integer[n];
            LocalDate[] date = new LocalDate[n];
            Short[] shift = new Short[n];
            Double[] planned = new Double[n];
            Double[] run = new Double[n];
            Double[] idealRun = new Double[n];
            Long[] total = new Long[n];
            Long[] good = new Long[n];
            Long[] scrap = new Long[n];
            Long[] rework = new Long[n];
            Double[] plannedDowntime = new Double[n];
            Double[] unplannedDowntime = new Double[n];
            Double[] changeover = new Double[n];
            Double[] maintenance = new Double[n];
            Double[] energy = new Double[n];
            Double[] waste = new Double[n];
            Double[] fpy = new Double[n];
            for (int i = 0; i < n; i++) {
                ProductionKpi it = items.get(i);
                line[i] = known(i, errors, "lineCode", "production line", it.lineCode(), found.getItem1());
                Integer shiftId = known(i, errors, "shiftName", "shift", it.shiftName(), found.getItem2());
                shift[i] = shiftId == null ? null : shiftId.shortValue();
                date[i] = it.kpiDate();
                planned[i] = it.plannedTimeS();
                run[i] = it.runTimeS();
                idealRun[i] = it.idealRunTimeS();
                total[i] = it.totalCount();
                good[i] = it.goodCount();
                scrap[i] = it.scrapCount();
                rework[i] = it.reworkCount();
                plannedDowntime[i] = it.plannedDowntimeS();
                unplannedDowntime[i] = it.unplannedDowntimeS();
                changeover[i] = it.changeoverS();
                maintenance[i] = it.maintenanceS();
                energy[i] = it.energyConsumptionKwh();
                waste[i] = it.materialWastePercent();
                fpy[i] = it.firstPassYield();
            }
            errors.throwIfAny(422, "Invalid items");
            return insert(INSERT_KPIS, n, line, date, shift, planned, run, idealRun, total, good, scrap, rework,
                    plannedDowntime, unplannedDowntime, changeover, maintenance, energy, waste, fpy);
        });
    }

    // ---- downtime -----------------------------------------------------------------------------------

    public Uni<BatchResult> storeDowntime(List<DowntimeEvent> items) {
        ItemErrors errors = errors();
        Instant latest = latest();
        Map<UUID, OffsetDateTime> startById = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            DowntimeEvent it = items.get(i);
            errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
            errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
            boolean start = errors.required(i, "startTime", it.startTime())
                    && errors.notInFuture(i, "startTime", it.startTime(), latest);
            if (errors.notInFuture(i, "endTime", it.endTime(), latest) && start && it.endTime() != null
                    && it.endTime().isBefore(it.startTime())) {
                errors.add(i, "endTime", "must not be before startTime");
            }
            errors.requiredText(i, "reasonCode", it.reasonCode(), MAX_CODE);
            errors.maxLength(i, "reasonDescription", it.reasonDescription(), MAX_TEXT);
            if (errors.required(i, "category", it.category())) {
                errors.oneOf(i, "category", it.category(), DOWNTIME_CATEGORIES);
            }
            errors.maxLength(i, "subcategory", it.subcategory(), MAX_CODE);
            errors.maxLength(i, "reportedBy", it.reportedBy(), 200);
            errors.maxLength(i, "notes", it.notes(), MAX_TEXT);
            if (it.eventId() != null && it.startTime() != null) {
                OffsetDateTime other = startById.putIfAbsent(it.eventId(), it.startTime());
                if (other != null && !other.isEqual(it.startTime())) {
                    errors.add(i, "eventId", "is used by an earlier item of this batch with another startTime");
                }
            }
        }
        return equipmentAndLines(items, DowntimeEvent::equipmentCode, DowntimeEvent::lineCode).flatMap(refs -> {
            int n = items.size();
            UUID[] id = new UUID[n];
            Integer[] equipment = new Integer[n];
            Integer[] line = new Integer[n];
            OffsetDateTime[] start = new OffsetDateTime[n];
            OffsetDateTime[] end = new OffsetDateTime[n];
            String[] reason = new String[n];
            String[] reasonDescription = new String[n];
            String[] category = new String[n];
            String[] subcategory = new String[n];
            String[] reportedBy = new String[n];
            String[] notes = new String[n];
            for (int i = 0; i < n; i++) {
                DowntimeEvent it = items.get(i);
                EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
                Integer lineId = refs.line(i, errors, it.lineCode(), eq);
                id[i] = it.eventId() != null ? it.eventId() : UUID.randomUUID();
                equipment[i] = eq == null ? null : eq.id();
                line[i] = lineId;
                start[i] = utc(it.startTime());
                end[i] = utc(it.endTime());
                reason[i] = it.reasonCode();
                reasonDescription[i] = it.reasonDescription();
                category[i] = it.category();
                subcategory[i] = it.subcategory();
                reportedBy[i] = it.reportedBy();
                notes[i] = it.notes();
            }
            errors.throwIfAny(422, "Invalid items");
            IdReuseCheck idCheck = IdReuseCheck.of(DOWNTIME_IDS_REUSED, "eventId", "startTime",
                    items.stream().map(DowntimeEvent::eventId).toList(), start, id);
            return insertLogged(INSERT_DOWNTIME, "downtime_events", start, idCheck, n, id, equipment, line, start, end, reason, reasonDescription, category,
                    subcategory, reportedBy, notes)
                    .map(result -> new BatchResult(result.accepted(), result.duplicates(), List.of(id)));
        });
    }

    /**
     * Closes a downtime event. 404: no event with this id (and start time, if given); 409: already closed
     * at another time; 422: end before start or in the future. Closing again with the same end time
     * answers 200 with {@code alreadyClosed = true} (a retried close is not an error).
     */
    public Uni<DowntimeClosed> closeDowntime(UUID eventId, DowntimeClose close) {
        ItemErrors errors = errors();
        if (errors.required(0, "endTime", close.endTime())) {
            errors.notInFuture(0, "endTime", close.endTime(), latest());
        }
        errors.maxLength(0, "notes", close.notes(), MAX_TEXT);
        errors.throwIfAny(422, "Invalid request");
        OffsetDateTime end = utc(close.endTime());
        Tuple args = Tuple.of(eventId, end, utc(close.startTime()), close.notes());
        return pool.withTransaction(connection -> connection.preparedQuery(LOCK_DOWNTIME_EVENT).execute(Tuple.of(eventId.toString()))
                        .flatMap(locked -> connection.preparedQuery(CLOSE_DOWNTIME).execute(args)))
                .onFailure().transform(ProductionEventStore::constraintViolation)
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Downtime event " + eventId
                                + (close.startTime() != null ? " starting at " + close.startTime() : "") + " does not exist");
                    }
                    Row row = rows.iterator().next();
                    OffsetDateTime startTime = row.getOffsetDateTime("start_time");
                    OffsetDateTime previous = row.getOffsetDateTime("previous_end_time");
                    OffsetDateTime closed = row.getOffsetDateTime("closed_end_time");
                    if (closed != null) {
                        return closed(eventId, startTime, closed, false);
                    }
                    if (previous != null && previous.isEqual(end)) {
                        return closed(eventId, startTime, previous, true);
                    }
                    if (previous != null) {
                        throw new ProblemException(Problem.of(409, "Already closed", "Downtime event " + eventId
                                + " was already closed at " + previous + "; it cannot be closed again at " + end));
                    }
                    throw new ProblemException(Problem.of(422, "Invalid request", "endTime lies before the event's start")
                            .withErrors(List.of(new Problem.FieldError(null, "endTime",
                                    "must not be before the event's startTime (" + startTime + ")"))));
                });
    }

    private static DowntimeClosed closed(UUID eventId, OffsetDateTime start, OffsetDateTime end, boolean already) {
        return new DowntimeClosed(eventId, start, end, java.time.Duration.between(start, end).toNanos() / 1e9, already);
    }

    // ---- quality checks -----------------------------------------------------------------------------

    public Uni<BatchResult> storeQuality(List<QualityCheck> items) {
        ItemErrors errors = errors();
        Instant latest = latest();
        Map<UUID, OffsetDateTime> timeById = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            QualityCheck it = items.get(i);
            errors.requiredText(i, "lineCode", it.lineCode(), MAX_CODE);
            errors.maxLength(i, "productCode", it.productCode(), MAX_CODE);
            if (errors.required(i, "checkTime", it.checkTime())) {
                errors.notInFuture(i, "checkTime", it.checkTime(), latest);
            }
            if (errors.required(i, "checkType", it.checkType())) {
                errors.oneOf(i, "checkType", it.checkType(), CHECK_TYPES);
            }
            if (errors.required(i, "checkResult", it.checkResult())) {
                errors.oneOf(i, "checkResult", it.checkResult(), CHECK_RESULTS);
            }
            boolean checked = errors.required(i, "quantityChecked", it.quantityChecked())
                    && errors.atLeast(i, "quantityChecked", it.quantityChecked().longValue(), 0);
            boolean passed = errors.required(i, "quantityPassed", it.quantityPassed())
                    && errors.atLeast(i, "quantityPassed", it.quantityPassed().longValue(), 0);
            boolean failed = errors.required(i, "quantityFailed", it.quantityFailed())
                    && errors.atLeast(i, "quantityFailed", it.quantityFailed().longValue(), 0);
            if (checked && passed && failed
                    && (long) it.quantityPassed() + it.quantityFailed() > it.quantityChecked()) {
                errors.add(i, "quantityFailed", "quantityPassed + quantityFailed must not exceed quantityChecked ("
                        + it.quantityChecked() + ")");
            }
            if (it.defectCodes() != null) {
                if (it.defectCodes().size() > MAX_DEFECT_CODES) {
                    errors.add(i, "defectCodes", "must have at most " + MAX_DEFECT_CODES + " entries");
                }
                for (int d = 0; d < it.defectCodes().size(); d++) {
                    String code = it.defectCodes().get(d);
                    if (code == null || code.isBlank() || code.length() > MAX_CODE) {
                        errors.add(i, "defectCodes[" + d + "]", "must be a non-empty string of at most " + MAX_CODE + " characters");
                    }
                }
            }
            errors.maxLength(i, "notes", it.notes(), MAX_TEXT);
            errors.maxLength(i, "checkedBy", it.checkedBy(), 200);
            if (it.checkId() != null && it.checkTime() != null) {
                OffsetDateTime other = timeById.putIfAbsent(it.checkId(), it.checkTime());
                if (other != null && !other.isEqual(it.checkTime())) {
                    errors.add(i, "checkId", "is used by an earlier item of this batch with another checkTime");
                }
            }
        }
        Uni<Map<String, Integer>> lines = references.lines(codes(items, QualityCheck::lineCode));
        Uni<Map<String, Integer>> products = references.productTypes(codes(items, QualityCheck::productCode));
        return Uni.combine().all().unis(lines, products).asTuple().flatMap(found -> {
            int n = items.size();
            UUID[] id = new UUID[n];
            Integer[] line = new Integer[n];
            Integer[] product = new Integer[n];
            OffsetDateTime[] time = new OffsetDateTime[n];
            String[] type = new String[n];
            String[] result = new String[n];
            Integer[] checked = new Integer[n];
            Integer[] passed = new Integer[n];
            Integer[] failed = new Integer[n];
            String[] defects = new String[n];
            String[] notes = new String[n];
            String[] checkedBy = new String[n];
            for (int i = 0; i < n; i++) {
                QualityCheck it = items.get(i);
                id[i] = it.checkId() != null ? it.checkId() : UUID.randomUUID();
                line[i] = known(i, errors, "lineCode", "production line", it.lineCode(), found.getItem1());
                product[i] = known(i, errors, "productCode", "product type", it.productCode(), found.getItem2());
                time[i] = utc(it.checkTime());
                type[i] = it.checkType();
                result[i] = it.checkResult();
                checked[i] = it.quantityChecked();
                passed[i] = it.quantityPassed();
                failed[i] = it.quantityFailed();
                defects[i] = it.defectCodes() == null ? null : new JsonArray(new ArrayList<Object>(it.defectCodes())).encode();
                notes[i] = it.notes();
                checkedBy[i] = it.checkedBy();
            }
            errors.throwIfAny(422, "Invalid items");
            IdReuseCheck idCheck = IdReuseCheck.of(QUALITY_IDS_REUSED, "checkId", "checkTime",
                    items.stream().map(QualityCheck::checkId).toList(), time, id);
            return insertLogged(INSERT_QUALITY, "quality_checks", time, idCheck, n, id, line, product, time, type, result, checked, passed, failed, defects,
                    notes, checkedBy)
                    .map(r -> new BatchResult(r.accepted(), r.duplicates(), List.of(id)));
        });
    }

    // ---- faults -------------------------------------------------------------------------------------

    public Uni<BatchResult> storeFaults(List<FaultRaised> items) {
        ItemErrors errors = errors();
        Instant latest = latest();
        for (int i = 0; i < items.size(); i++) {
            FaultRaised it = items.get(i);
            errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
            errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
            bitIndex(i, errors, it.bitIndex());
            boolean on = errors.required(i, "tsOn", it.tsOn()) && errors.notInFuture(i, "tsOn", it.tsOn(), latest);
            if (errors.notInFuture(i, "tsOff", it.tsOff(), latest) && on && it.tsOff() != null && it.tsOff().isBefore(it.tsOn())) {
                errors.add(i, "tsOff", "must not be before tsOn");
            }
        }
        return equipmentAndLines(items, FaultRaised::equipmentCode, FaultRaised::lineCode).flatMap(refs -> {
            int n = items.size();
            Integer[] equipment = new Integer[n];
            Integer[] line = new Integer[n];
            Short[] bit = new Short[n];
            OffsetDateTime[] on = new OffsetDateTime[n];
            OffsetDateTime[] off = new OffsetDateTime[n];
            for (int i = 0; i < n; i++) {
                FaultRaised it = items.get(i);
                EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
                line[i] = refs.line(i, errors, it.lineCode(), eq);
                equipment[i] = eq == null ? null : eq.id();
                bit[i] = it.bitIndex() == null ? null : it.bitIndex().shortValue();
                on[i] = utc(it.tsOn());
                off[i] = utc(it.tsOff());
            }
            errors.throwIfAny(422, "Invalid items");
            return insert(INSERT_FAULTS, n, equipment, line, bit, on, off);
        });
    }

    /**
     * Clears fault occurrences: each item closes the latest occurrence of its bit raised at or before
     * its {@code tsOff}. All or nothing: if any item finds no such occurrence, or finds it cleared at
     * another time, the request is refused with 409 and nothing changes. An item whose occurrence is
     * already cleared at the same time counts as a duplicate (a retried delivery).
     */
    public Uni<BatchResult> clearFaults(List<FaultCleared> items) {
        ItemErrors errors = errors();
        Instant latest = latest();
        for (int i = 0; i < items.size(); i++) {
            FaultCleared it = items.get(i);
            errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
            bitIndex(i, errors, it.bitIndex());
            if (errors.required(i, "tsOff", it.tsOff())) {
                errors.notInFuture(i, "tsOff", it.tsOff(), latest);
            }
        }
        return references.equipment(codes(items, FaultCleared::equipmentCode)).flatMap(equipmentByCode -> {
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
            return pool.withTransaction(connection -> connection.preparedQuery(LOCK_FAULT_BITS)
                    .execute(Tuple.of(equipment, bit))
                    .flatMap(locked -> connection.preparedQuery(FIND_FAULTS_TO_CLEAR).execute(Tuple.tuple(List.of(equipment, bit, off))))
                    .flatMap(found -> {
                        ItemErrors conflicts = errors();
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

    // ---- helpers ------------------------------------------------------------------------------------

    private ItemErrors errors() {
        return new ItemErrors(config.maxReportedErrors());
    }

    private Instant latest() {
        return clock.now().plus(config.maxFutureSkew());
    }

    private static void bitIndex(int i, ItemErrors errors, Integer bitIndex) {
        if (errors.required(i, "bitIndex", bitIndex) && (bitIndex < 0 || bitIndex > 63)) {
            errors.add(i, "bitIndex", "must be between 0 and 63");
        }
    }

    /** In UTC and at the database's precision (microseconds), so that replays compare equal to stored values. */
    private static OffsetDateTime utc(OffsetDateTime time) {
        return time == null ? null : time.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
    }

    private static <T> Set<String> codes(List<T> items, Function<T, String> code) {
        Set<String> codes = new HashSet<>();
        for (T item : items) {
            String value = code.apply(item);
            if (value != null) {
                codes.add(value);
            }
        }
        return codes;
    }

    private static Integer known(int i, ItemErrors errors, String field, String what, String code, Map<String, Integer> ids) {
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
    private record Refs(Map<String, EquipmentRef> equipmentByCode, Map<String, Integer> lineByCode) {

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

    private <T> Uni<Refs> equipmentAndLines(List<T> items, Function<T, String> equipmentCode, Function<T, String> lineCode) {
        return Uni.combine().all()
                .unis(references.equipment(codes(items, equipmentCode)), references.lines(codes(items, lineCode)))
                .asTuple()
                .map(t -> new Refs(t.getItem1(), t.getItem2()));
    }

    /** One statement, atomic by itself; for tables without service-maintained aggregates. */
    private Uni<BatchResult> insert(String sql, int items, Object... columns) {
        if (items == 0) {
            return Uni.createFrom().item(new BatchResult(0, 0, null));
        }
        return pool.preparedQuery(sql).execute(Tuple.tuple(Arrays.asList(columns)))
                .onFailure().transform(ProductionEventStore::constraintViolation)
                .map(rows -> BatchResult.of(items, rows.rowCount()));
    }

    /**
     * The insert plus one invalidation record for the batch's time range (instead of one per row by
     * the Apache edition's row triggers), in one transaction. A no-op for the log on the Community
     * edition, whose continuous aggregates track changes themselves.
     */
    private Uni<BatchResult> insertLogged(String sql, String source, OffsetDateTime[] times, int items, Object... columns) {
        return insertLogged(sql, source, times, null, items, columns);
    }

    /**
     * A client-supplied id (downtime event id, quality check id) identifies one event: reusing it with
     * another time would store a second row under the same id (the key includes the time). Such items
     * refuse the request with 409, checked in the insert's transaction.
     */
    private record IdReuseCheck(String sql, String idField, String timeField, UUID[] ids, OffsetDateTime[] times,
                                Integer[] items) {

        static IdReuseCheck of(String sql, String idField, String timeField, List<UUID> clientIds,
                               OffsetDateTime[] allTimes, UUID[] allIds) {
            List<Integer> items = new ArrayList<>();
            for (int i = 0; i < clientIds.size(); i++) {
                if (clientIds.get(i) != null) {
                    items.add(i);
                }
            }
            if (items.isEmpty()) {
                return null;
            }
            UUID[] ids = new UUID[items.size()];
            OffsetDateTime[] times = new OffsetDateTime[items.size()];
            for (int k = 0; k < items.size(); k++) {
                ids[k] = allIds[items.get(k)];
                times[k] = allTimes[items.get(k)];
            }
            return new IdReuseCheck(sql, idField, timeField, ids, times, items.toArray(Integer[]::new));
        }

        Uni<Void> run(io.vertx.mutiny.sqlclient.SqlConnection connection, ItemErrors errors) {
            return connection.preparedQuery(sql).execute(Tuple.tuple(List.of(ids, times, items))).map(rows -> {
                for (Row row : rows) {
                    errors.add(row.getInteger("item"), idField, "is already used by the event stored with " + timeField
                            + " " + row.getOffsetDateTime("stored_time") + "; an id names one event");
                }
                errors.throwIfAny(409, "Id already used");
                return null;
            });
        }
    }

    private Uni<BatchResult> insertLogged(String sql, String source, OffsetDateTime[] times, IdReuseCheck idCheck,
                                          int items, Object... columns) {
        if (items == 0) {
            return Uni.createFrom().item(new BatchResult(0, 0, null));
        }
        return withinRetention(source, times).flatMap(ignored -> insertLoggedNow(sql, source, times, idCheck, items, columns));
    }

    /**
     * Refuses (422, naming the horizon) items older than their table's retention: retention would drop them, and the
     * aggregates never recompute buckets past it, so accepting them would mean "200, then invisible".
     */
    private Uni<Void> withinRetention(String source, OffsetDateTime[] times) {
        return retentions().invoke(byTable -> {
            RetentionHorizon loaded = byTable.get(source);
            if (loaded == null) {
                return;
            }
            // the horizon moves on with the clock since it was read
            RetentionHorizon retention = new RetentionHorizon(loaded.label(),
                    loaded.horizon().plusNanos(System.nanoTime() - retentions.loadedAtNanos()));
            ItemErrors errors = errors();
            for (int i = 0; i < times.length; i++) {
                if (times[i] != null && times[i].toInstant().isBefore(retention.horizon())) {
                    errors.add(i, TIME_FIELDS.getOrDefault(source, "time"), times[i].toInstant() + " is older than "
                            + source + "'s retention (" + retention.label() + "; oldest accepted " + retention.horizon() + ")");
                }
            }
            errors.throwIfAny(422, "Outside retention");
        }).replaceWithVoid();
    }

    private Uni<Map<String, RetentionHorizon>> retentions() {
        Retentions cached = retentions;
        if (cached != null && System.nanoTime() - cached.loadedAtNanos() < 10_000_000_000L) {
            return Uni.createFrom().item(cached.byTable());
        }
        // failures are not cached: the next request reads again
        return pool.query(RETENTION_SQL).execute().map(rows -> {
            Map<String, RetentionHorizon> byTable = new HashMap<>();
            for (Row row : rows) {
                byTable.put(row.getString("hypertable_name"), new RetentionHorizon(row.getString("label"),
                        row.getOffsetDateTime("horizon").toInstant()));
            }
            retentions = new Retentions(byTable, System.nanoTime());
            return byTable;
        });
    }

    private Uni<BatchResult> insertLoggedNow(String sql, String source, OffsetDateTime[] times, IdReuseCheck idCheck,
                                             int items, Object... columns) {
        OffsetDateTime min = null;
        OffsetDateTime max = null;
        for (OffsetDateTime time : times) {
            if (min == null || time.isBefore(min)) {
                min = time;
            }
            if (max == null || time.isAfter(max)) {
                max = time;
            }
        }
        Tuple range = Tuple.of(source, min, max);
        Tuple args = Tuple.tuple(Arrays.asList(columns));
        return pool.withTransaction(connection -> (idCheck == null ? Uni.createFrom().voidItem()
                                : idCheck.run(connection, errors()))
                        .flatMap(ignored -> connection.query(MARK_INVALIDATION_LOGGED).execute())
                        .flatMap(ignored -> connection.preparedQuery(sql).execute(args))
                        .flatMap(rows -> rows.rowCount() == 0
                                ? Uni.createFrom().item(0)
                                : connection.preparedQuery(LOG_INVALIDATION).execute(range).map(ignored -> rows.rowCount())))
                .onFailure().transform(ProductionEventStore::constraintViolation)
                .map(stored -> BatchResult.of(items, stored));
    }

    /** A constraint the validation above did not foresee: the client's fault (422), not ours. */
    private static Throwable constraintViolation(Throwable failure) {
        if (failure instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("23")) {
            return new ProblemException(Problem.of(422, "Rejected by the database",
                    "The database refused the batch (" + pg.getErrorMessage()
                            + (pg.getConstraint() != null ? ", constraint " + pg.getConstraint() : "")
                            + "); nothing of this request was stored"));
        }
        return failure;
    }
}
