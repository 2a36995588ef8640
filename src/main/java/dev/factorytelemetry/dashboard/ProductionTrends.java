package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.dashboard.DashboardViews.DowntimePareto;
import dev.factorytelemetry.dashboard.DashboardViews.DowntimePoint;
import dev.factorytelemetry.dashboard.DashboardViews.DowntimeTotals;
import dev.factorytelemetry.dashboard.DashboardViews.EnergyPoint;
import dev.factorytelemetry.dashboard.DashboardViews.EnergyTrend;
import dev.factorytelemetry.dashboard.DashboardViews.Fault;
import dev.factorytelemetry.dashboard.DashboardViews.FaultList;
import dev.factorytelemetry.dashboard.DashboardViews.Freshness;
import dev.factorytelemetry.dashboard.DashboardViews.OeePoint;
import dev.factorytelemetry.dashboard.DashboardViews.OeeTrend;
import dev.factorytelemetry.dashboard.DashboardViews.ParetoReason;
import dev.factorytelemetry.dashboard.DashboardViews.QualityPoint;
import dev.factorytelemetry.dashboard.DashboardViews.QualityTrend;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Trends over a time range: OEE, energy, downtime (totals and Pareto), quality and faults. */
@ApplicationScoped
public class ProductionTrends {

    /** How a trend is grouped besides time. */
    public enum GroupBy {
        PLANT(List.of()), LINE(List.of("line_id")), EQUIPMENT(List.of("line_id", "equipment_id"));

        final List<String> columns;

        GroupBy(List<String> columns) {
            this.columns = columns;
        }

        static GroupBy parse(String value) {
            if (value == null || value.isBlank()) {
                return LINE;
            }
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw TimeRange.invalid("groupBy", "must be plant, line or equipment, not '" + value + "'");
            }
        }
    }

    /** Top downtime reasons ($3 rows) of closed stops started in [$1, $2), with totals over all reasons. */
    static final String PARETO_SQL = """
            SELECT reason_code,
                   count(*)::int8 AS events,
                   sum(duration_s)::float8 AS downtime_s,
                   (sum(sum(duration_s)) OVER ())::float8 AS total_s,
                   (sum(count(*)) OVER ())::int8 AS total_events
            FROM factory_telemetry.downtime_events
            WHERE start_time >= $1 AND start_time < $2 AND end_time IS NOT NULL%s
            GROUP BY reason_code
            ORDER BY downtime_s DESC, reason_code
            LIMIT $3
            """;

    /** Faults raised in [$1, $2), newest first ($3 rows), with the count and total duration of all of them. */
    static final String FAULT_HISTORY_SQL = """
            SELECT f.equipment_id, f.line_id, f.bit_index, f.ts_on, f.ts_off, f.ts_off IS NULL AS active,
                   coalesce(f.duration_s, extract(epoch FROM now() - f.ts_on))::float8 AS duration_s,
                   c.name, c.marker,
                   (count(*) OVER ())::int8 AS total,
                   (sum(coalesce(f.duration_s, extract(epoch FROM now() - f.ts_on))) OVER ())::float8 AS total_duration_s
            FROM factory_telemetry.fault_event f
            LEFT JOIN factory_telemetry.fault_catalog c ON c.equipment_id = f.equipment_id AND c.bit_index = f.bit_index
            WHERE f.ts_on >= $1 AND f.ts_on < $2%s
            ORDER BY f.ts_on DESC, f.equipment_id, f.bit_index
            LIMIT $3
            """;

    /** Faults not cleared, raised since $1 (the lookback), newest first ($2 rows). */
    static final String ACTIVE_FAULTS_SQL = """
            SELECT f.equipment_id, f.line_id, f.bit_index, f.ts_on, f.ts_off, true AS active,
                   extract(epoch FROM now() - f.ts_on)::float8 AS duration_s,
                   c.name, c.marker,
                   (count(*) OVER ())::int8 AS total,
                   (sum(extract(epoch FROM now() - f.ts_on)) OVER ())::float8 AS total_duration_s
            FROM factory_telemetry.fault_event f
            LEFT JOIN factory_telemetry.fault_catalog c ON c.equipment_id = f.equipment_id AND c.bit_index = f.bit_index
            WHERE f.ts_off IS NULL AND f.ts_on >= $1%s
            ORDER BY f.ts_on DESC, f.equipment_id, f.bit_index
            LIMIT $2
            """;

    private final Pool pool;
    private final PlantContext plant;
    private final Catalog catalog;
    private final ResponseCache cache;
    private final DashboardConfig config;

    public ProductionTrends(Pool pool, PlantContext plant, Catalog catalog, ResponseCache cache, DashboardConfig config) {
        this.pool = pool;
        this.plant = plant;
        this.catalog = catalog;
        this.cache = cache;
        this.config = config;
    }

    /** The range of a trend request, in whole buckets of its granularity, within the configured span. */
    private TimeRange range(String from, String to, WindowQuery.Level level, PlantContext.Settings s) {
        boolean hourly = level == WindowQuery.Level.HOUR;
        return TimeRange.parse(from, to, hourly ? Duration.ofHours(24) : Duration.ofDays(30), level, s.zone(),
                hourly ? config.maxHourlySpan() : config.maxDailySpan(), plant.now());
    }

    /** A filter on line or equipment by code (404 when unknown); equipment wins when both are given. */
    private Uni<SqlFilter> lineOrEquipment(String lineCode, String equipmentCode, int leading, String prefix) {
        SqlFilter filter = new SqlFilter(leading);
        if (equipmentCode != null && !equipmentCode.isBlank()) {
            return catalog.equipment(equipmentCode).map(e -> filter.equal(prefix + "equipment_id", e.id()));
        }
        if (lineCode != null && !lineCode.isBlank()) {
            return catalog.line(lineCode).map(l -> filter.equal(prefix + "line_id", l.id()));
        }
        return Uni.createFrom().item(filter);
    }

    private Uni<RowSet<Row>> window(AggregateFamily family, WindowQuery.Level level, List<String> groupBy,
                                    SqlFilter filter, TimeRange range, PlantContext.Settings s) {
        String sql = WindowQuery.sql(family, level, plant.mode(), groupBy, filter.sql());
        return pool.preparedQuery(sql).execute(filter.bind(utc(range.from()), utc(range.to()), s.zone().getId(),
                level == WindowQuery.Level.DAY ? "1 day" : "1 hour"));
    }

    private Freshness freshness() {
        return new Freshness(plant.now(), plant.sourceDescription(), cache.ttl().toSeconds());
    }

    /** Freshness of aggregate-based figures: says whether buckets of the range wait for a refresh. */
    private Uni<Freshness> freshness(AggregateFamily family, WindowQuery.Level level, TimeRange range) {
        return plant.freshness(family, level, range.from(), range.to(), cache.ttl().toSeconds());
    }

    public Uni<ResponseCache.Timed<OeeTrend>> oee(String from, String to, String granularity, String groupByParam,
                                                    String lineCode, String equipmentCode) {
        return trend("oee", AggregateFamily.OEE, from, to, granularity, groupByParam, lineCode, equipmentCode,
                (r, s, bucket, line, equipment) -> new OeePoint(bucket, line, equipment, new Figures.Oee().add(r).view()),
                (s, level, groupBy, range, freshness, points) -> new OeeTrend(s.zone().getId(), name(level), name(groupBy),
                        range.from(), range.to(), freshness, points));
    }

    public Uni<ResponseCache.Timed<EnergyTrend>> energy(String from, String to, String granularity, String groupByParam,
                                                          String lineCode, String equipmentCode) {
        return trend("energy", AggregateFamily.ENERGY, from, to, granularity, groupByParam, lineCode, equipmentCode,
                (r, s, bucket, line, equipment) -> new EnergyPoint(bucket, line, equipment,
                        new Figures.Energy().add(r).view(s.tariffPerKwh())),
                (s, level, groupBy, range, freshness, points) -> new EnergyTrend(s.zone().getId(), name(level), name(groupBy),
                        s.currency(), s.tariffPerKwh(), range.from(), range.to(), freshness, points));
    }

    /** One point of a trend: the row's figures at its bucket, for its line and equipment (null where not grouped by). */
    @FunctionalInterface
    private interface TrendPoint<P> {
        P of(Row row, PlantContext.Settings settings, Instant bucket, String lineCode, String equipmentCode);
    }

    /** The answer of a trend from its points. */
    @FunctionalInterface
    private interface TrendAnswer<P, T> {
        T of(PlantContext.Settings settings, WindowQuery.Level level, GroupBy groupBy, TimeRange range, Freshness freshness,
             List<P> points);
    }

    /** Hourly or daily figures of one aggregate family, by plant, line or equipment, cached per request shape. */
    private <P, T> Uni<ResponseCache.Timed<T>> trend(String kind, AggregateFamily family, String from, String to,
                                                     String granularity, String groupByParam, String lineCode,
                                                     String equipmentCode, TrendPoint<P> point, TrendAnswer<P, T> answer) {
        WindowQuery.Level level = TimeRange.level(granularity);
        GroupBy groupBy = GroupBy.parse(groupByParam);
        return Uni.combine().all().unis(plant.settings(), lineOrEquipment(lineCode, equipmentCode, 4, "")).asTuple()
                .flatMap(t -> {
                    PlantContext.Settings s = t.getItem1();
                    SqlFilter filter = t.getItem2();
                    TimeRange range = range(from, to, level, s);
                    String key = kind + '|' + level + '|' + groupBy + '|' + range + '|' + filter.key();
                    return cache.get(key, () -> catalog.snapshot().flatMap(names -> freshness(family, level, range)
                            .flatMap(freshness -> window(family, level, groupBy.columns, filter, range, s).map(rows -> {
                            List<P> points = new ArrayList<>();
                            for (Row r : rows) {
                                points.add(point.of(r, s, r.getOffsetDateTime("bucket").toInstant(),
                                        groupBy == GroupBy.PLANT ? null : names.lineCode(r.getInteger("line_id")),
                                        groupBy == GroupBy.EQUIPMENT ? names.equipmentCode(r.getInteger("equipment_id")) : null));
                            }
                            return answer.of(s, level, groupBy, range, freshness, points);
                        }))));
                });
    }

    public Uni<ResponseCache.Timed<DowntimeTotals>> downtime(String from, String to, String lineCode) {
        WindowQuery.Level level = WindowQuery.Level.DAY;
        return Uni.combine().all().unis(plant.settings(), lineOrEquipment(lineCode, null, 4, "")).asTuple()
                .flatMap(t -> {
                    PlantContext.Settings s = t.getItem1();
                    SqlFilter filter = t.getItem2();
                    TimeRange range = range(from, to, level, s);
                    String key = "downtime|" + range + '|' + filter.key();
                    return cache.get(key, () -> catalog.snapshot().flatMap(names -> freshness(AggregateFamily.DOWNTIME, level, range)
                            .flatMap(freshness -> window(AggregateFamily.DOWNTIME, level, List.of("line_id", "category"), filter, range, s)
                                .map(rows -> {
                                    List<DowntimePoint> points = new ArrayList<>();
                                    for (Row r : rows) {
                                        points.add(new DowntimePoint(r.getOffsetDateTime("bucket").toInstant(),
                                                names.lineCode(r.getInteger("line_id")), r.getString("category"),
                                                Figures.l(r, "events"), Figures.d(r, "downtime_s"),
                                                Figures.d(r, "max_duration_s")));
                                    }
                                    return new DowntimeTotals(s.zone().getId(), range.from(), range.to(), freshness, points);
                                }))));
                });
    }

    public Uni<ResponseCache.Timed<DowntimePareto>> pareto(String from, String to, String lineCode, Integer limit) {
        int rows = limit(limit, 10);
        return Uni.combine().all().unis(plant.settings(), lineOrEquipment(lineCode, null, 3, "")).asTuple()
                .flatMap(t -> {
                    PlantContext.Settings s = t.getItem1();
                    SqlFilter filter = t.getItem2();
                    TimeRange range = range(from, to, WindowQuery.Level.DAY, s);
                    String key = "pareto|" + range + '|' + rows + '|' + filter.key();
                    return cache.get(key, () -> {
                        Freshness freshness = freshness();
                        return pool.preparedQuery(PARETO_SQL.formatted(filter.andSql()))
                                .execute(filter.bind(utc(range.from()), utc(range.to()), rows))
                                .map(result -> {
                                    List<ParetoReason> reasons = new ArrayList<>();
                                    double total = 0;
                                    long totalEvents = 0;
                                    double running = 0;
                                    for (Row r : result) {
                                        total = Figures.d(r, "total_s");
                                        totalEvents = Figures.l(r, "total_events");
                                        double seconds = Figures.d(r, "downtime_s");
                                        running += seconds;
                                        reasons.add(new ParetoReason(r.getString("reason_code"), Figures.l(r, "events"),
                                                seconds, total == 0 ? 0 : seconds / total, total == 0 ? 0 : running / total));
                                    }
                                    return new DowntimePareto(range.from(), range.to(),
                                            lineCode == null || lineCode.isBlank() ? null : lineCode,
                                            total, totalEvents, freshness, reasons);
                                });
                    });
                });
    }

    public Uni<ResponseCache.Timed<QualityTrend>> quality(String from, String to, String lineCode, String productCode,
                                                            String checkType) {
        if (checkType != null && !checkType.isBlank() && !List.of("incoming", "in_process", "final", "audit").contains(checkType)) {
            throw TimeRange.invalid("checkType", "must be incoming, in_process, final or audit, not '" + checkType + "'");
        }
        Uni<Integer> product = productCode == null || productCode.isBlank()
                ? Uni.createFrom().nullItem() : catalog.productType(productCode);
        Uni<Integer> line = lineCode == null || lineCode.isBlank()
                ? Uni.createFrom().nullItem() : catalog.line(lineCode).map(Catalog.Line::id);
        WindowQuery.Level level = WindowQuery.Level.DAY;
        return Uni.combine().all().unis(plant.settings(), line, product).asTuple().flatMap(t -> {
            PlantContext.Settings s = t.getItem1();
            SqlFilter filter = new SqlFilter(4).equal("line_id", t.getItem2()).equal("product_type_id", t.getItem3())
                    .equal("check_type", checkType == null || checkType.isBlank() ? null : checkType);
            TimeRange range = range(from, to, level, s);
            String key = "quality|" + range + '|' + filter.key();
            return cache.get(key, () -> catalog.snapshot().flatMap(names -> freshness(AggregateFamily.QUALITY, level, range)
                    .flatMap(freshness -> window(AggregateFamily.QUALITY, level, List.of("line_id", "product_type_id", "check_type"),
                        filter, range, s).map(rows -> {
                    List<QualityPoint> points = new ArrayList<>();
                    Figures.Quality total = new Figures.Quality();
                    java.util.TreeMap<String, Figures.Quality> byLine = new java.util.TreeMap<>();
                    for (Row r : rows) {
                        Integer productId = r.getInteger("product_type_id");
                        String lineCodeOfRow = names.lineCode(r.getInteger("line_id"));
                        Figures.Quality figures = new Figures.Quality().add(r);
                        total.add(figures);
                        if (lineCodeOfRow != null) {
                            byLine.computeIfAbsent(lineCodeOfRow, k -> new Figures.Quality()).add(figures);
                        }
                        points.add(new QualityPoint(r.getOffsetDateTime("bucket").toInstant(), lineCodeOfRow,
                                productId == null ? null : names.productCodesById().get(productId),
                                r.getString("check_type"), figures.view()));
                    }
                    List<DashboardViews.QualityLineTotal> lines = byLine.entrySet().stream()
                            .map(e -> new DashboardViews.QualityLineTotal(e.getKey(), e.getValue().view())).toList();
                    return new QualityTrend(s.zone().getId(), range.from(), range.to(), freshness, total.view(), lines, points);
                }))));
        });
    }

    public Uni<ResponseCache.Timed<FaultList>> activeFaults(String lineCode, String equipmentCode, Integer limit) {
        int rows = limit(limit, config.maxListRows());
        return lineOrEquipment(lineCode, equipmentCode, 2, "f.").flatMap(filter -> {
            String key = "faults-active|" + rows + '|' + filter.key();
            return cache.get(key, () -> catalog.snapshot().flatMap(names -> {
                Freshness freshness = freshness();
                Instant since = freshness.dataAsOf().minus(config.activeFaultLookback());
                return pool.preparedQuery(ACTIVE_FAULTS_SQL.formatted(filter.andSql()))
                        .execute(filter.bind(utc(since), rows))
                        .map(result -> faults(result, names, since, null, freshness));
            }));
        });
    }

    public Uni<ResponseCache.Timed<FaultList>> faultHistory(String from, String to, String lineCode,
                                                              String equipmentCode, Integer limit) {
        int rows = limit(limit, config.maxListRows());
        return Uni.combine().all().unis(plant.settings(), lineOrEquipment(lineCode, equipmentCode, 3, "f.")).asTuple()
                .flatMap(t -> {
                    PlantContext.Settings s = t.getItem1();
                    SqlFilter filter = t.getItem2();
                    TimeRange range = TimeRange.parse(from, to, Duration.ofHours(24), WindowQuery.Level.HOUR, s.zone(),
                            config.maxDailySpan(), plant.now());
                    String key = "faults|" + range + '|' + rows + '|' + filter.key();
                    return cache.get(key, () -> catalog.snapshot().flatMap(names -> {
                        Freshness freshness = freshness();
                        return pool.preparedQuery(FAULT_HISTORY_SQL.formatted(filter.andSql()))
                                .execute(filter.bind(utc(range.from()), utc(range.to()), rows))
                                .map(result -> faults(result, names, range.from(), range.to(), freshness));
                    }));
                });
    }

    private static FaultList faults(RowSet<Row> rows, Catalog.Snapshot names, Instant from, Instant to, Freshness freshness) {
        List<Fault> faults = new ArrayList<>();
        long total = 0;
        double totalDuration = 0;
        for (Row r : rows) {
            total = Figures.l(r, "total");
            totalDuration = Figures.d(r, "total_duration_s");
            OffsetDateTime off = r.getOffsetDateTime("ts_off");
            faults.add(new Fault(names.equipmentCode(r.getInteger("equipment_id")), names.lineCode(r.getInteger("line_id")),
                    r.getShort("bit_index"), r.getString("name"), r.getString("marker"),
                    r.getOffsetDateTime("ts_on").toInstant(), off == null ? null : off.toInstant(),
                    Figures.d(r, "duration_s"), r.getBoolean("active")));
        }
        return new FaultList(from, to, total, totalDuration, freshness, faults);
    }

    private int limit(Integer requested, int defaultValue) {
        int max = config.maxListRows();
        if (requested == null) {
            return Math.min(defaultValue, max);
        }
        if (requested < 1 || requested > max) {
            throw TimeRange.invalid("limit", "must be between 1 and " + max);
        }
        return requested;
    }

    static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
