package dev.factorytelemetry.events;

import dev.factorytelemetry.events.EventChecks.Refs;
import dev.factorytelemetry.events.ProductionEvents.EnergyReading;
import dev.factorytelemetry.reference.EquipmentRef;
import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;
import java.util.List;

import static dev.factorytelemetry.events.EventChecks.MAX_CODE;
import static dev.factorytelemetry.events.EventChecks.utc;

/** Energy readings ({@code energy_consumption}), idempotent per equipment and consumption time. */
@Singleton
class EnergyEvents extends EventFamily<EnergyReading, Refs> {

    private static final Table TABLE = Table.logged("""
            INSERT INTO factory_telemetry.energy_consumption
                   (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh,
                    voltage_v, current_a, power_factor, temperature_c, humidity_percent)
            SELECT * FROM unnest($1::int4[], $2::int4[], $3::timestamptz[], $4::float8[], $5::float8[],
                                 $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::float8[])
            ON CONFLICT DO NOTHING
            """, "energy_consumption", 2,
            Integer.class, Integer.class, OffsetDateTime.class, Double.class, Double.class,
            Double.class, Double.class, Double.class, Double.class, Double.class);

    EnergyEvents() {
        super(TABLE, null);
    }

    @Override
    void check(int i, EnergyReading it, Limits limits, ItemErrors errors) {
        errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
        errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
        if (errors.required(i, "consumptionTime", it.consumptionTime())) {
            errors.notInFuture(i, "consumptionTime", it.consumptionTime(), limits.latest());
        }
        if (errors.required(i, "powerKw", it.powerConsumptionKw())) {
            errors.atLeast(i, "powerKw", it.powerConsumptionKw(), 0);
        }
        if (errors.required(i, "energyKwh", it.energyConsumptionKwh())) {
            errors.atLeast(i, "energyKwh", it.energyConsumptionKwh(), 0);
        }
        errors.finite(i, "voltageV", it.voltageV());
        errors.finite(i, "currentA", it.currentA());
        errors.between(i, "powerFactor", it.powerFactor(), 0, 1);
        errors.finite(i, "temperatureC", it.temperatureC());
        errors.between(i, "humidityPercent", it.humidityPercent(), 0, 100);
    }

    @Override
    Uni<Refs> resolve(List<EnergyReading> items, ReferenceCache references) {
        return Refs.resolve(references, items, EnergyReading::equipmentCode, EnergyReading::lineCode);
    }

    @Override
    Object[] row(int i, EnergyReading it, Refs refs, ItemErrors errors) {
        EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
        Integer lineId = refs.line(i, errors, it.lineCode(), eq);
        if (eq == null) {
            return null;
        }
        return new Object[] {eq.id(), lineId, utc(it.consumptionTime()), it.powerConsumptionKw(), it.energyConsumptionKwh(),
                it.voltageV(), it.currentA(), it.powerFactor(), it.temperatureC(), it.humidityPercent()};
    }
}
