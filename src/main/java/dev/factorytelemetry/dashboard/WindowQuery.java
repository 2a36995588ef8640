package dev.factorytelemetry.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Builds the one SQL shape every aggregate-based figure uses: the additive columns of an {@link AggregateFamily}
 * over {@code [$1, $2)}, bucketed by {@code $4} (an interval, as text) in the plant time zone {@code $3}, grouped by
 * some of the family's key columns, optionally filtered with parameters from {@code $5} on.
 *
 * <p>How the rows are found depends on the {@link Mode}:
 * <ul>
 *   <li>{@link Mode#REALTIME_AGGREGATE} (Community edition): the continuous aggregate of the requested level; it is
 *       real-time, so TimescaleDB itself adds raw rows newer than its materialization watermark.</li>
 *   <li>{@link Mode#WATERMARK} (Apache edition): the aggregate tables are refreshed by the service, every few
 *       minutes. A bucket is stale exactly when the invalidation log holds a pending range for it (writers log the
 *       ranges they touch in the same transaction as the rows). So the query takes, per level, the buckets before
 *       that level's first pending range within the requested range (its watermark), and everything from the finest watermark on from the raw
 *       rows. Daily buckets before the daily watermark come from the daily aggregate, then hourly buckets, then raw
 *       rows. The answer equals a computation from raw rows as of the query's snapshot, whatever the refresh lag.</li>
 *   <li>{@link Mode#RAW}: the raw hypertable only (verification, benchmarks).</li>
 * </ul>
 * Only constant identifiers from {@link AggregateFamily} and the caller's fixed fragments reach the SQL text; request
 * values are always parameters.
 */
final class WindowQuery {

    /**
     * Which aggregate level serves the query: 1-minute buckets (UTC minutes; families with a minute aggregate),
     * hourly buckets or daily buckets (local days).
     */
    enum Level { MINUTE, HOUR, DAY }

    enum Mode { REALTIME_AGGREGATE, WATERMARK, RAW }

    /**
     * The bucket ($4 wide) of {@code time}, aligned in the plant's zone ($3), except for one-hour buckets, which are UTC
     * hours like the hourly aggregates (the same as local hours in every whole-hour zone, and two distinct hours on the
     * autumn DST night, where a local-time bucket would merge them). One-hour buckets use time_bucket without a zone:
     * the same UTC hours, at a quarter of the cost per row (the zone-aware form converts every value; an hourly trend
     * re-buckets tens of thousands of aggregate rows). With the values bound, PostgreSQL folds the CASE at planning.
     */
    static String bucket(String time) {
        return "CASE WHEN $4::text::interval = interval '1 hour' THEN time_bucket(interval '1 hour', " + time + ")"
                + " ELSE time_bucket($4::text::interval, " + time + ", $3::text) END";
    }

    private record Source(String aggregate, String width) {
    }

    private WindowQuery() {
    }

    /**
     * @param groupBy key columns of the result besides the bucket (a subset of the family's key columns)
     * @param filter  a condition on key columns with parameters from {@code $5}, or empty
     */
    static String sql(AggregateFamily family, Level level, Mode mode, List<String> groupBy, String filter) {
        List<Source> levels = new ArrayList<>();
        if (level == Level.MINUTE) {
            if (family.minuteAggregate == null) {
                throw new IllegalArgumentException(family + " has no minute aggregate");
            }
            levels.add(new Source(family.minuteAggregate, "1 minute"));
        }
        if (level == Level.DAY) {
            levels.add(new Source(family.dailyAggregate, "1 day"));
        }
        if (level != Level.MINUTE && family.hasHourly() && (level == Level.HOUR || mode == Mode.WATERMARK)) {
            levels.add(new Source(family.hourlyAggregate, "1 hour"));
        }
        if (levels.isEmpty()) {
            throw new IllegalArgumentException(family + " has no " + level + " aggregate");
        }
        if (mode == Mode.REALTIME_AGGREGATE) {
            levels = List.of(levels.get(0));
        } else if (mode == Mode.RAW) {
            levels = List.of();
        }
        String keys = String.join(", ", family.keyColumns);
        String cols = family.columns.stream().map(AggregateFamily.Column::name).collect(Collectors.joining(", "));
        String andFilter = filter == null || filter.isBlank() ? "" : "\n      AND " + filter;

        StringBuilder sql = new StringBuilder();
        boolean watermarks = mode == Mode.WATERMARK;
        if (watermarks) {
            sql.append("WITH wm AS MATERIALIZED (\n");
            if (levels.size() == 1) {
                sql.append("    SELECT coalesce(").append(pending(levels.get(0))).append(", 'infinity'::timestamptz) AS w0\n");
            } else {
                sql.append("    SELECT least(coalesce(p0, 'infinity'::timestamptz),\n")
                        .append("                 CASE WHEN w1 = 'infinity' THEN w1 ELSE time_bucket(interval '1 day', w1, $3::text) END) AS w0,\n")
                        .append("           w1\n")
                        .append("    FROM (SELECT ").append(pending(levels.get(0))).append(" AS p0,\n")
                        .append("                 coalesce(").append(pending(levels.get(1))).append(", 'infinity'::timestamptz) AS w1) pending\n");
            }
            sql.append("), parts AS (\n");
        } else {
            sql.append("WITH parts AS (\n");
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < levels.size(); i++) {
            StringBuilder part = new StringBuilder();
            part.append("    SELECT bucket, ").append(keys).append(", ").append(cols).append('\n')
                    .append("    FROM factory_telemetry.").append(levels.get(i).aggregate()).append('\n')
                    .append("    WHERE bucket >= $1 AND bucket < $2");
            if (watermarks) {
                if (i > 0) {
                    part.append("\n      AND bucket >= (SELECT w").append(i - 1).append(" FROM wm)");
                }
                part.append("\n      AND bucket < (SELECT w").append(i).append(" FROM wm)");
            }
            part.append(andFilter);
            parts.add(part.toString());
        }
        if (mode != Mode.REALTIME_AGGREGATE) {
            String t = family.timeColumn;
            StringBuilder raw = new StringBuilder();
            raw.append("    SELECT ").append(bucket(t)).append(" AS bucket, ").append(keys);
            for (AggregateFamily.Column c : family.columns) {
                raw.append(",\n           ").append(c.rawExpression()).append(" AS ").append(c.name());
            }
            raw.append("\n    FROM factory_telemetry.").append(family.rawTable).append('\n')
                    .append("    WHERE ").append(t).append(" >= $1 AND ").append(t).append(" < $2");
            if (watermarks) {
                raw.append("\n      AND ").append(t).append(" >= (SELECT w").append(levels.size() - 1).append(" FROM wm)");
            }
            if (!family.rawCondition.isEmpty()) {
                raw.append("\n      AND ").append(family.rawCondition);
            }
            raw.append(andFilter);
            raw.append("\n    GROUP BY 1, ").append(keys);
            parts.add(raw.toString());
        }
        sql.append(String.join("\n    UNION ALL\n", parts)).append("\n)\n");

        String group = groupBy.isEmpty() ? "" : ", " + String.join(", ", groupBy);
        sql.append("SELECT ").append(bucket("bucket")).append(" AS bucket").append(group);
        for (AggregateFamily.Column c : family.columns) {
            sql.append(",\n       ").append(c.rollup()).append('(').append(c.name()).append(")::").append(c.type())
                    .append(" AS ").append(c.name());
        }
        sql.append("\nFROM parts\nGROUP BY 1").append(group).append("\nORDER BY 1").append(group);
        return sql.toString();
    }

    /**
     * Start of the first bucket of {@code source} with a pending invalidation that overlaps the requested range
     * [$1, $2): the refresh processes changes of any age, so a pending change of any age marks its buckets stale.
     */
    private static String pending(Source source) {
        // bucketed as the aggregate is: hourly aggregates by UTC hour, daily ones by plant-local day
        String zone = source.width().equals("1 day") ? ", $3::text" : "";
        return "(SELECT min(time_bucket(interval '" + source.width() + "', greatest(i.range_start, $1)" + zone + "))"
                + "\n                  FROM factory_telemetry.aggregate_invalidation i"
                + "\n                  WHERE i.aggregate_name = '" + source.aggregate() + "' AND i.range_end >= $1 AND i.range_start < $2)";
    }
}
