package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.dashboard.DashboardViews.Freshness;
import dev.factorytelemetry.dashboard.DashboardViews.LineDashboard;
import dev.factorytelemetry.dashboard.DashboardViews.LineView;
import dev.factorytelemetry.dashboard.DashboardViews.PlantView;
import dev.factorytelemetry.dashboard.DashboardViews.WindowFigures;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The real-time production dashboard: per line, the current hour and today (plant time): OEE with its factors and
 * parts, downtime, energy and cost, quality, active faults. OEE and energy come from the hourly aggregates (see
 * {@link WindowQuery} for freshness); quality, downtime and faults of the day are few rows and are read raw through
 * their indexes, which also lets downtime be clipped to each window and include open stops.
 */
@ApplicationScoped
public class ProductionDashboard {

    /** Per line: quality checks of today ($1..$2) and of the current hour ($3..$4). */
    static final String QUALITY_TODAY_SQL = """
            SELECT line_id,
                   (check_time >= $3 AND check_time < $4) AS current_hour,
                   count(*)::int8 AS checks,
                   count(*) FILTER (WHERE check_result = 'pass')::int8 AS passed_checks,
                   count(*) FILTER (WHERE check_result = 'fail')::int8 AS failed_checks,
                   count(*) FILTER (WHERE check_result = 'conditional')::int8 AS conditional_checks,
                   sum(quantity_checked)::int8 AS quantity_checked,
                   sum(quantity_passed)::int8 AS quantity_passed,
                   sum(quantity_failed)::int8 AS quantity_failed
            FROM factory_telemetry.quality_checks
            WHERE check_time >= $1 AND check_time < $2
            GROUP BY 1, 2
            """;

    /**
     * Per line: stops overlapping today ($1..$2) and the current hour ($3..$4), each clipped to the window, open
     * stops counted up to now. Stops are searched from $1 - $5 (downtime-lookback) so that only recent chunks are read.
     */
    static final String DOWNTIME_TODAY_SQL = """
            WITH stops AS (
                SELECT line_id, start_time, coalesce(end_time, greatest(now(), start_time)) AS stop_end, end_time IS NULL AS open
                FROM factory_telemetry.downtime_events
                WHERE start_time >= $1::timestamptz - $5::text::interval AND start_time < $2::timestamptz
                  AND (end_time IS NULL OR end_time > $1)
            )
            SELECT line_id,
                   coalesce(sum(extract(epoch FROM least(stop_end, $2) - greatest(start_time, $1)))
                            FILTER (WHERE stop_end > $1), 0)::float8 AS today_s,
                   count(*) FILTER (WHERE stop_end > $1 OR open)::int8 AS today_stops,
                   count(*) FILTER (WHERE open)::int8 AS today_open,
                   coalesce(sum(extract(epoch FROM least(stop_end, $4) - greatest(start_time, $3)))
                            FILTER (WHERE start_time < $4 AND stop_end > $3), 0)::float8 AS hour_s,
                   count(*) FILTER (WHERE start_time < $4 AND (stop_end > $3 OR (open AND start_time >= $3)))::int8 AS hour_stops,
                   count(*) FILTER (WHERE open AND start_time < $4)::int8 AS hour_open
            FROM stops
            GROUP BY line_id
            """;

    /** Per line: faults raised within the lookback ($1) and not cleared. */
    static final String ACTIVE_FAULTS_SQL = """
            SELECT line_id, count(*)::int8 AS active
            FROM factory_telemetry.fault_event
            WHERE ts_off IS NULL AND ts_on >= now() - $1::text::interval
            GROUP BY line_id
            """;

    private final Pool pool;
    private final PlantContext plant;
    private final Catalog catalog;
    private final ResponseCache cache;
    private final DashboardConfig config;

    public ProductionDashboard(Pool pool, PlantContext plant, Catalog catalog, ResponseCache cache, DashboardConfig config) {
        this.pool = pool;
        this.plant = plant;
        this.catalog = catalog;
        this.cache = cache;
        this.config = config;
    }

    /** The whole plant; computed at most once per cache TTL, shared with {@link #lineView}. */
    public Uni<ResponseCache.Timed<PlantView>> plantView() {
        return figures().map(timed -> timed.value().plantView(timed.computedAt()));
    }

    /** One line (404 if unknown); the same computation as {@link #plantView}. */
    public Uni<ResponseCache.Timed<LineDashboard>> lineView(String lineCode) {
        return catalog.line(lineCode).flatMap(line -> figures().map(timed -> timed.value().lineView(line, timed.computedAt())));
    }

    private Uni<ResponseCache.Timed<PlantFigures>> figures() {
        return cache.get("production-dashboard", () -> Uni.combine().all().unis(plant.settings(), catalog.snapshot())
                .asTuple().flatMap(t -> compute(t.getItem1(), t.getItem2())));
    }

    /** Figures of one line, accumulated from the queries. */
    private static final class LineFigures {
        final Figures.Oee oeeHour = new Figures.Oee();
        final Figures.Oee oeeToday = new Figures.Oee();
        final Figures.Energy energyHour = new Figures.Energy();
        final Figures.Energy energyToday = new Figures.Energy();
        final Figures.Quality qualityHour = new Figures.Quality();
        final Figures.Quality qualityToday = new Figures.Quality();
        final Figures.Downtime downtimeHour = new Figures.Downtime();
        final Figures.Downtime downtimeToday = new Figures.Downtime();
        long activeFaults;

        void add(LineFigures o) {
            oeeHour.add(o.oeeHour);
            oeeToday.add(o.oeeToday);
            energyHour.add(o.energyHour);
            energyToday.add(o.energyToday);
            qualityHour.add(o.qualityHour);
            qualityToday.add(o.qualityToday);
            downtimeHour.add(o.downtimeHour);
            downtimeToday.add(o.downtimeToday);
            activeFaults += o.activeFaults;
        }
    }

    private static final class PlantFigures {
        final Map<Integer, LineFigures> lines = new HashMap<>();
        final LineFigures noLine = new LineFigures();
        Instant hourStart;
        Instant hourEnd;
        Instant dayStart;
        Instant dayEnd;
        Freshness freshness;
        PlantContext.Settings settings;
        Catalog.Snapshot snapshot;
        // answers derived from these figures, built (and JSON-encoded) once per computation
        private volatile ResponseCache.Timed<PlantView> plantView;
        private final Map<Integer, ResponseCache.Timed<LineDashboard>> lineViews = new java.util.concurrent.ConcurrentHashMap<>();

        ResponseCache.Timed<PlantView> plantView(Instant computedAt) {
            ResponseCache.Timed<PlantView> view = plantView;
            if (view == null) {
                List<LineView> lineList = new ArrayList<>();
                for (Catalog.Line line : snapshot.lines()) {
                    if (line.enabled() || lines.containsKey(line.id())) {
                        lineList.add(view(line.id(), line.code(), line.name()));
                    }
                }
                view = new ResponseCache.Timed<>(new PlantView(settings.zone().getId(), settings.currency(),
                        settings.tariffPerKwh(), freshness, total(), lineList), computedAt);
                plantView = view;
            }
            return view;
        }

        ResponseCache.Timed<LineDashboard> lineView(Catalog.Line line, Instant computedAt) {
            return lineViews.computeIfAbsent(line.id(), id -> new ResponseCache.Timed<>(new LineDashboard(
                    settings.zone().getId(), settings.currency(), settings.tariffPerKwh(), freshness,
                    view(line.id(), line.code(), line.name())), computedAt));
        }

        LineFigures of(Integer lineId) {
            return lineId == null ? noLine : lines.computeIfAbsent(lineId, k -> new LineFigures());
        }

        LineView view(int lineId, String code, String name) {
            return view(lines.getOrDefault(lineId, new LineFigures()), code, name);
        }

        LineView total() {
            LineFigures all = new LineFigures();
            lines.values().forEach(all::add);
            all.add(noLine);
            return view(all, null, null);
        }

        LineView view(LineFigures f, String code, String name) {
            double tariff = settings.tariffPerKwh();
            return new LineView(code, name, f.activeFaults,
                    new WindowFigures(hourStart, hourEnd, f.oeeHour.view(), f.downtimeHour.view(),
                            f.energyHour.view(tariff), f.qualityHour.view()),
                    new WindowFigures(dayStart, dayEnd, f.oeeToday.view(), f.downtimeToday.view(),
                            f.energyToday.view(tariff), f.qualityToday.view()));
        }
    }

    /** Runs the five queries of the dashboard concurrently and folds their rows per line. */
    private Uni<PlantFigures> compute(PlantContext.Settings settings, Catalog.Snapshot snapshot) {
        ZoneId zone = settings.zone();
        Instant now = plant.now();
        PlantFigures plantFigures = new PlantFigures();
        plantFigures.settings = settings;
        plantFigures.snapshot = snapshot;
        plantFigures.hourStart = TimeRange.floor(now, WindowQuery.Level.HOUR, zone);
        plantFigures.hourEnd = plantFigures.hourStart.atZone(zone).plusHours(1).toInstant();
        plantFigures.dayStart = TimeRange.floor(now, WindowQuery.Level.DAY, zone);
        plantFigures.dayEnd = now.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
        var dayStart = plantFigures.dayStart.atOffset(ZoneOffset.UTC);
        var dayEnd = plantFigures.dayEnd.atOffset(ZoneOffset.UTC);
        var hourStart = plantFigures.hourStart.atOffset(ZoneOffset.UTC);
        var hourEnd = plantFigures.hourEnd.atOffset(ZoneOffset.UTC);
        Tuple hourly = Tuple.of(dayStart, dayEnd, zone.getId(), "1 hour");

        // today's OEE and energy come from the hourly aggregates: say whether late rows of today wait for a refresh
        Uni<Freshness> freshness = plant.freshness(List.of(AggregateFamily.OEE, AggregateFamily.ENERGY), WindowQuery.Level.HOUR,
                plantFigures.dayStart, plantFigures.dayEnd, cache.ttl().toSeconds());
        Uni<RowSet<Row>> oee = pool.preparedQuery(oeeSql()).execute(hourly);
        Uni<RowSet<Row>> energy = pool.preparedQuery(energySql()).execute(hourly);
        Uni<RowSet<Row>> quality = pool.preparedQuery(QUALITY_TODAY_SQL).execute(Tuple.of(dayStart, dayEnd, hourStart, hourEnd));
        Uni<RowSet<Row>> downtime = pool.preparedQuery(DOWNTIME_TODAY_SQL)
                .execute(Tuple.of(dayStart, dayEnd, hourStart, hourEnd, interval(config.downtimeLookback())));
        Uni<RowSet<Row>> faults = pool.preparedQuery(ACTIVE_FAULTS_SQL).execute(Tuple.of(interval(config.activeFaultLookback())));

        return freshness.invoke(fresh -> plantFigures.freshness = fresh)
                .flatMap(fresh -> Uni.combine().all().unis(oee, energy, quality, downtime, faults).with(results -> {
            Instant currentHour = plantFigures.hourStart;
            for (Row r : rows(results.get(0))) {
                LineFigures f = plantFigures.of(r.getInteger("line_id"));
                f.oeeToday.add(r);
                if (r.getOffsetDateTime("bucket").toInstant().equals(currentHour)) {
                    f.oeeHour.add(r);
                }
            }
            for (Row r : rows(results.get(1))) {
                LineFigures f = plantFigures.of(r.getInteger("line_id"));
                f.energyToday.add(r);
                if (r.getOffsetDateTime("bucket").toInstant().equals(currentHour)) {
                    f.energyHour.add(r);
                }
            }
            for (Row r : rows(results.get(2))) {
                LineFigures f = plantFigures.of(r.getInteger("line_id"));
                f.qualityToday.add(r);
                if (r.getBoolean("current_hour")) {
                    f.qualityHour.add(r);
                }
            }
            for (Row r : rows(results.get(3))) {
                LineFigures f = plantFigures.of(r.getInteger("line_id"));
                f.downtimeToday.seconds += Figures.d(r, "today_s");
                f.downtimeToday.stops += Figures.l(r, "today_stops");
                f.downtimeToday.openStops += Figures.l(r, "today_open");
                f.downtimeHour.seconds += Figures.d(r, "hour_s");
                f.downtimeHour.stops += Figures.l(r, "hour_stops");
                f.downtimeHour.openStops += Figures.l(r, "hour_open");
            }
            for (Row r : rows(results.get(4))) {
                plantFigures.of(r.getInteger("line_id")).activeFaults += Figures.l(r, "active");
            }
            return plantFigures;
        }));
    }

    @SuppressWarnings("unchecked")
    private static RowSet<Row> rows(Object result) {
        return (RowSet<Row>) result;
    }

    private String oeeSql() {
        return sql(() -> WindowQuery.sql(AggregateFamily.OEE, WindowQuery.Level.HOUR, plant.mode(), List.of("line_id"), ""), "oee");
    }

    private String energySql() {
        return sql(() -> WindowQuery.sql(AggregateFamily.ENERGY, WindowQuery.Level.HOUR, plant.mode(), List.of("line_id"), ""), "energy");
    }

    private final Map<String, String> sqlByName = new java.util.concurrent.ConcurrentHashMap<>();

    private String sql(Supplier<String> build, String name) {
        return sqlByName.computeIfAbsent(name + ":" + plant.mode(), k -> build.get());
    }

    /** A Duration as PostgreSQL interval text. */
    static String interval(java.time.Duration d) {
        return d.toSeconds() + " seconds";
    }
}
