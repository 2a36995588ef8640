package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.platform.DatabaseClock;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.SuccessMemo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

/**
 * Plant settings as the database holds them ({@code factory_telemetry.plant_settings}: the time zone the aggregates
 * were created with, the energy tariff and currency), and how figures are sourced on the running edition.
 */
@ApplicationScoped
public class PlantContext {

    /** The plant's settings. The time zone is the one the aggregates bucket days in. */
    public record Settings(ZoneId zone, double tariffPerKwh, String currency) {
    }

    private static final String SETTINGS_SQL = """
            SELECT setting, value
            FROM factory_telemetry.plant_settings
            WHERE setting IN ('time_zone', 'energy_tariff_per_kwh', 'energy_currency')
            """;

    private final Pool pool;
    private final PlatformState platform;
    private final DashboardConfig config;
    private final DatabaseClock clock;
    private final SuccessMemo<Settings> settings;

    public PlantContext(Pool pool, PlatformState platform, DashboardConfig config, DatabaseClock clock, Caches caches) {
        this.clock = clock;
        this.pool = pool;
        this.platform = platform;
        this.config = config;
        // a tariff change shows within 10 s; the time zone never changes after the schema is created
        this.settings = caches.memo("dashboard-plant-settings", this::load, Duration.ofSeconds(10));
    }

    public Uni<Settings> settings() {
        return settings.get();
    }

    private Uni<Settings> load() {
        return pool.query(SETTINGS_SQL).execute().map(rows -> {
            Map<String, String> values = new HashMap<>();
            for (Row row : rows) {
                values.put(row.getString("setting"), row.getString("value"));
            }
            String zone = values.get("time_zone");
            String tariff = values.get("energy_tariff_per_kwh");
            if (zone == null || tariff == null) {
                throw new IllegalStateException("factory_telemetry.plant_settings lacks time_zone or energy_tariff_per_kwh");
            }
            return new Settings(ZoneId.of(zone), Double.parseDouble(tariff), values.getOrDefault("energy_currency", ""));
        });
    }

    /** How aggregate-based figures are computed on this edition and configuration. */
    WindowQuery.Mode mode() {
        if (config.source() == DashboardConfig.Source.RAW) {
            return WindowQuery.Mode.RAW;
        }
        return platform.requireEdition().nativePolicies() ? WindowQuery.Mode.REALTIME_AGGREGATE : WindowQuery.Mode.WATERMARK;
    }

    /** A sentence for the {@code freshness.source} field of answers. */
    String sourceDescription() {
        return switch (mode()) {
            case REALTIME_AGGREGATE -> "continuous aggregates with real-time aggregation (TimescaleDB Community edition)";
            case WATERMARK -> "service-maintained aggregates, plus raw rows for every bucket changed since their last refresh (Apache edition)";
            case RAW -> "raw hypertables (telemetry.dashboard.source=raw)";
        };
    }

    /** The plant's "now": the database's clock, which every SQL statement and every replica share. */
    public Instant now() {
        return clock.now();
    }
}
