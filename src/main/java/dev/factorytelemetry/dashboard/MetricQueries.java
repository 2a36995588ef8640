package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.dashboard.DashboardViews.DownsampledSeries;
import dev.factorytelemetry.dashboard.DashboardViews.Freshness;
import dev.factorytelemetry.dashboard.DashboardViews.MetricSeries;
import dev.factorytelemetry.dashboard.DashboardViews.MetricStatistics;
import dev.factorytelemetry.dashboard.DashboardViews.MetricStats;
import dev.factorytelemetry.dashboard.DashboardViews.RecentSamples;
import dev.factorytelemetry.dashboard.DashboardViews.Sample;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Metric statistics per bucket, recent samples and downsampled series. */
@ApplicationScoped
public class MetricQueries {

    /** Samples of one metric ($1) since $2, newest first, at most $3: a backward range scan of the primary key. */
    static final String RECENT_SQL = """
            SELECT ts, value_real, value_int, value_bool, value_text, quality
            FROM factory_telemetry.metric_hist
            WHERE metric_id = $1 AND ts >= $2
            ORDER BY ts DESC
            LIMIT $3
            """;

    /** Bucket widths a downsampled series may use, shortest first. */
    static final List<Duration> WIDTHS = List.of(
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2),
            Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(2), Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12),
            Duration.ofDays(1), Duration.ofDays(2), Duration.ofDays(7), Duration.ofDays(14), Duration.ofDays(28),
            Duration.ofDays(56), Duration.ofDays(91), Duration.ofDays(182), Duration.ofDays(364));

    private final Pool pool;
    private final PlantContext plant;
    private final Catalog catalog;
    private final ResponseCache cache;
    private final DashboardConfig config;

    public MetricQueries(Pool pool, PlantContext plant, Catalog catalog, ResponseCache cache, DashboardConfig config) {
        this.pool = pool;
        this.plant = plant;
        this.catalog = catalog;
        this.cache = cache;
        this.config = config;
    }

    public Uni<ResponseCache.Timed<MetricStatistics>> statistics(List<String> keys, String from, String to, String granularity) {
        if (keys == null || keys.isEmpty() || keys.stream().allMatch(String::isBlank)) {
            throw TimeRange.invalid("metric", "name at least one metric key (metric=a&metric=b)");
        }
        List<String> wanted = keys.stream().filter(k -> !k.isBlank()).toList();
        if (wanted.size() > config.maxMetricsPerRequest()) {
            throw TimeRange.invalid("metric", "at most " + config.maxMetricsPerRequest() + " metrics per request");
        }
        WindowQuery.Level level = TimeRange.level(granularity);
        return Uni.combine().all().unis(plant.settings(), catalog.metrics(wanted)).asTuple().flatMap(t -> {
            PlantContext.Settings s = t.getItem1();
            List<Catalog.Metric> metrics = t.getItem2();
            boolean hourly = level == WindowQuery.Level.HOUR;
            TimeRange range = TimeRange.parse(from, to, hourly ? Duration.ofHours(24) : Duration.ofDays(30), level,
                    s.zone(), hourly ? config.maxHourlySpan() : config.maxDailySpan(), plant.now());
            Integer[] ids = metrics.stream().map(Catalog.Metric::id).toArray(Integer[]::new);
            String key = "metric-stats|" + level + '|' + range + '|' + java.util.Arrays.toString(ids);
            return cache.get(key, () -> plant.freshness(AggregateFamily.METRIC, level, range.from(), range.to(), cache.ttl().toSeconds())
                    .flatMap(freshness -> buckets(metrics, ids, range, level, hourly ? "1 hour" : "1 day", plant.mode(), s)
                        .map(byMetric -> new MetricStatistics(s.zone().getId(), ProductionTrends.name(level),
                                range.from(), range.to(), freshness, metrics.stream()
                                .map(m -> new MetricSeries(m.key(), m.valueType(), m.unit(), m.equipmentCode(),
                                        byMetric.getOrDefault(m.id(), List.of()))).toList()))));
        });
    }

    public Uni<ResponseCache.Timed<RecentSamples>> recent(String metricKey, String window, Integer limit) {
        int max = config.maxRecentSamples();
        int rows = limit == null ? Math.min(1000, max) : limit;
        if (rows < 1 || rows > max) {
            throw TimeRange.invalid("limit", "must be between 1 and " + max);
        }
        Duration span;
        if (window == null || window.isBlank()) {
            span = limit == null ? Duration.ofHours(1) : config.recentSearchWindow();
        } else {
            try {
                span = Duration.parse(window.trim());
            } catch (DateTimeParseException e) {
                throw TimeRange.invalid("window", "'" + window + "' is not an ISO-8601 duration such as PT1H");
            }
            if (span.isNegative() || span.isZero() || span.compareTo(config.recentSearchWindow()) > 0) {
                throw TimeRange.invalid("window", "must be positive and at most " + config.recentSearchWindow());
            }
        }
        Duration searched = span;
        return catalog.metrics(List.of(metricKey)).flatMap(found -> {
            Catalog.Metric m = found.get(0);
            return cache.get("recent|" + m.id() + '|' + searched + '|' + rows, () -> {
                Freshness freshness = freshness();
                Instant since = freshness.dataAsOf().minus(searched);
                return pool.preparedQuery(RECENT_SQL).execute(Tuple.of(m.id(), ProductionTrends.utc(since), rows))
                        .map(result -> {
                            List<Sample> samples = new ArrayList<>();
                            for (Row r : result) {
                                samples.add(new Sample(r.getOffsetDateTime("ts").toInstant(), r.getDouble("value_real"),
                                        r.getLong("value_int"), r.getBoolean("value_bool"), r.getString("value_text"),
                                        r.getInteger("quality")));
                            }
                            return new RecentSamples(m.key(), m.valueType(), m.unit(), since, rows, freshness, samples);
                        });
            });
        });
    }

    public Uni<ResponseCache.Timed<DownsampledSeries>> series(String metricKey, String from, String to, Integer maxPoints) {
        int points = maxPoints == null ? config.defaultMaxPoints() : maxPoints;
        if (points < 1 || points > config.maxPointsLimit()) {
            throw TimeRange.invalid("maxPoints", "must be between 1 and " + config.maxPointsLimit());
        }
        return Uni.combine().all().unis(plant.settings(), catalog.metrics(List.of(metricKey))).asTuple().flatMap(t -> {
            PlantContext.Settings s = t.getItem1();
            Catalog.Metric m = t.getItem2().get(0);
            Instant end = to == null || to.isBlank() ? plant.now() : TimeRange.parseTime("to", to, s.zone());
            Instant start = from == null || from.isBlank() ? end.minus(Duration.ofHours(24)) : TimeRange.parseTime("from", from, s.zone());
            if (!start.isBefore(end)) {
                throw TimeRange.invalid("from", "must be before 'to'");
            }
            Duration span = Duration.between(start, end);
            if (span.compareTo(config.maxDailySpan()) > 0) {
                throw TimeRange.invalid("to", "the range may span at most " + config.maxDailySpan().toDays() + " days");
            }
            Duration width = width(span, points, config.rawSeriesMaxSpan(), config.minuteSeriesMaxSpan());
            String source;
            WindowQuery.Level level;
            WindowQuery.Mode mode;
            TimeRange range;
            if (width.compareTo(Duration.ofMinutes(1)) < 0) {
                source = "raw";
                level = WindowQuery.Level.HOUR;
                mode = WindowQuery.Mode.RAW;
                range = new TimeRange(start, end);
            } else {
                level = width.compareTo(Duration.ofHours(1)) < 0 ? WindowQuery.Level.MINUTE
                        : width.compareTo(Duration.ofDays(1)) < 0 ? WindowQuery.Level.HOUR : WindowQuery.Level.DAY;
                source = switch (level) {
                    case MINUTE -> "minute";
                    case HOUR -> "hourly";
                    case DAY -> "daily";
                };
                mode = plant.mode();
                range = new TimeRange(TimeRange.floor(start, level, s.zone()), TimeRange.ceil(end, level, s.zone()));
            }
            Integer[] ids = {m.id()};
            String key = "series|" + m.id() + '|' + range + '|' + width;
            Uni<Freshness> freshness = mode == WindowQuery.Mode.RAW ? Uni.createFrom().item(freshness())
                    : plant.freshness(AggregateFamily.METRIC, level, range.from(), range.to(), cache.ttl().toSeconds());
            return cache.get(key, () -> freshness
                    .flatMap(f -> buckets(List.of(m), ids, range, level, pgInterval(width), mode, s)
                        .map(byMetric -> new DownsampledSeries(m.key(), m.valueType(), m.unit(), range.from(),
                                range.to(), width.toString(), source, f,
                                byMetric.getOrDefault(m.id(), List.of())))));
        });
    }

    /** Whole days as days (local days across DST changes), anything shorter as seconds. */
    static String pgInterval(Duration width) {
        return width.toSeconds() % 86_400 == 0 ? width.toDays() + " days" : width.toSeconds() + " seconds";
    }

    /**
     * The smallest width of {@link #WIDTHS} that gives at most {@code maxPoints} buckets over {@code span}; at least a
     * minute (the minute aggregate) when the span is too long to read raw samples, at least an hour when it is longer
     * than {@code minuteMaxSpan}.
     */
    static Duration width(Duration span, int maxPoints, Duration rawMaxSpan, Duration minuteMaxSpan) {
        Duration minimum = span.compareTo(minuteMaxSpan) > 0 ? Duration.ofHours(1)
                : span.compareTo(rawMaxSpan) > 0 ? Duration.ofMinutes(1) : Duration.ZERO;
        for (Duration w : WIDTHS) {
            if (w.compareTo(minimum) >= 0 && (span.toMillis() + w.toMillis() - 1) / w.toMillis() <= maxPoints) {
                return w;
            }
        }
        return WIDTHS.get(WIDTHS.size() - 1);
    }

    private Uni<Map<Integer, List<MetricStats>>> buckets(List<Catalog.Metric> metrics, Integer[] ids, TimeRange range,
                                                         WindowQuery.Level level, String width, WindowQuery.Mode mode,
                                                         PlantContext.Settings s) {
        SqlFilter filter = new SqlFilter(4).equal("metric_id", ids);
        String sql = WindowQuery.sql(AggregateFamily.METRIC, level, mode, List.of("metric_id"), filter.sql());
        Map<Integer, String> types = new HashMap<>();
        metrics.forEach(m -> types.put(m.id(), m.valueType()));
        return pool.preparedQuery(sql)
                .execute(filter.bind(ProductionTrends.utc(range.from()), ProductionTrends.utc(range.to()), s.zone().getId(), width))
                .map(rows -> {
                    Map<Integer, List<MetricStats>> byMetric = new HashMap<>();
                    for (Row r : rows) {
                        int id = r.getInteger("metric_id");
                        byMetric.computeIfAbsent(id, k -> new ArrayList<>()).add(stats(r, types.get(id)));
                    }
                    return byMetric;
                });
    }

    /** Statistics of one bucket row, by value type; avg and stddev from the bucket's sums. */
    static MetricStats stats(Row r, String valueType) {
        Instant bucket = r.getOffsetDateTime("bucket").toInstant();
        long samples = Figures.l(r, "samples");
        return switch (valueType) {
            case "REAL" -> {
                long n = Figures.l(r, "real_count");
                double sum = Figures.d(r, "real_sum");
                double squares = Figures.d(r, "real_sum_squares");
                Double stddev = n > 1 ? Math.sqrt(Math.max(0, (squares - sum * sum / n) / (n - 1))) : null;
                yield new MetricStats(bucket, samples, n, r.getDouble("real_min"), r.getDouble("real_max"),
                        Figures.ratio(sum, n), stddev, null, null);
            }
            case "INT" -> {
                long n = Figures.l(r, "int_count");
                Long min = r.getLong("int_min");
                Long max = r.getLong("int_max");
                yield new MetricStats(bucket, samples, n, min == null ? null : min.doubleValue(),
                        max == null ? null : max.doubleValue(), Figures.ratio(Figures.d(r, "int_sum"), n), null, null, null);
            }
            case "BOOL" -> {
                long n = Figures.l(r, "bool_count");
                long trueCount = Figures.l(r, "bool_true_count");
                yield new MetricStats(bucket, samples, n, null, null, null, null, trueCount, Figures.ratio(trueCount, n));
            }
            default -> new MetricStats(bucket, samples, samples, null, null, null, null, null, null);
        };
    }

    private Freshness freshness() {
        return new Freshness(plant.now(), plant.sourceDescription(), cache.ttl().toSeconds());
    }
}
