package dev.factorytelemetry.plant;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.math.BigDecimal;
import java.time.ZoneId;

/**
 * Plant-wide facts. They seed {@code factory_telemetry.plant_settings} when the schema is created
 * (Liquibase changelog parameters); aggregates bucket days in this time zone from then on.
 */
@ConfigMapping(prefix = "telemetry.plant")
public interface PlantConfig {

    /**
     * The plant's time zone (IANA name). Days, "today" and daily aggregates start at local midnight.
     * Fixed in the database when the aggregates are created; changing it later needs a migration.
     */
    @WithDefault("UTC")
    ZoneId timeZone();

    /** Energy price per kWh used for cost figures (seeds plant_settings.energy_tariff_per_kwh). */
    @WithDefault("0.12")
    BigDecimal energyTariffPerKwh();

    /** ISO 4217 currency of the energy tariff. */
    @WithDefault("USD")
    String energyCurrency();
}
