package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.platform.DatabaseClock;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.SuccessMemo;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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

    /** Oldest pending bucket of the given aggregates that overlaps [$2, $3), clipped to $2 (null: none). */
    static final String PENDING_SQL = """
            SELECT CASE WHEN min(b.bucket_from) IS NOT NULL THEN greatest(min(b.bucket_from), $2) END AS pending_since
            FROM unnest($1::text[]) AS a(name)
            CROSS JOIN LATERAL factory_telemetry.aggregate_backlog(a.name) b
            WHERE b.bucket_to > $2::timestamptz AND b.bucket_from < $3::timestamptz
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

    /**
     * The freshness of figures of {@code family} at {@code level} over [from, to), as of now: whether buckets of that
     * range wait for a refresh (backfill, corrections), and whether the figures include those rows nonetheless (the
     * Apache edition's watermark query and raw mode compute them from raw rows; the Community edition's continuous
     * aggregates show them only after the refresh).
     */
    Uni<DashboardViews.Freshness> freshness(AggregateFamily family, WindowQuery.Level level, Instant from, Instant to,
                                            long maxAgeSeconds) {
        return freshness(List.of(family), level, from, to, maxAgeSeconds);
    }

    /** As {@link #freshness(AggregateFamily, WindowQuery.Level, Instant, Instant, long)} for figures of several families. */
    Uni<DashboardViews.Freshness> freshness(List<AggregateFamily> families, WindowQuery.Level level, Instant from,
                                            Instant to, long maxAgeSeconds) {
        Instant now = now();
        WindowQuery.Mode mode = mode();
        List<String> aggregates = new ArrayList<>();
        for (AggregateFamily family : families) {
            if (level == WindowQuery.Level.MINUTE && family.minuteAggregate != null) {
                aggregates.add(family.minuteAggregate);
                continue;
            }
            if (family.hasHourly()) {
                aggregates.add(family.hourlyAggregate);
            }
            if (level == WindowQuery.Level.DAY || !family.hasHourly()) {
                aggregates.add(family.dailyAggregate);
            }
        }
        return pool.preparedQuery(PENDING_SQL)
                .execute(Tuple.of(aggregates.toArray(String[]::new), from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
                .map(rows -> {
                    OffsetDateTime pending = rows.iterator().next().getOffsetDateTime("pending_since");
                    boolean complete = pending == null || mode != WindowQuery.Mode.REALTIME_AGGREGATE;
                    return new DashboardViews.Freshness(now, sourceDescription(), maxAgeSeconds, complete,
                            pending == null ? null : pending.toInstant());
                });
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
