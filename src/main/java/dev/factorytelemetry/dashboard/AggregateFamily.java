package dev.factorytelemetry.dashboard;

import java.util.List;

/**
 * A raw hypertable and the aggregates built on it, described by the additive columns they share. Every figure the
 * dashboard reports is a ratio or sum of these columns over a window, so the same figure can be computed from the
 * daily aggregate, the hourly aggregate or the raw rows, and pieces of each can be combined (see {@link WindowQuery}).
 * Metrics also have a 1-minute aggregate (changeset 0014), beside the hourly one on the same raw table, for series with
 * buckets from a minute up to an hour.
 */
public enum AggregateFamily {

    OEE("oee_calculations", "calculation_time", "", null, "oee_hourly_aggregate", "oee_daily_aggregate",
            List.of("line_id", "equipment_id"),
            List.of(Column.count("calculations", "count(*)"),
                    Column.sum("planned_time_s", "sum(planned_time_s)"),
                    Column.sum("run_time_s", "sum(run_time_s)"),
                    Column.sum("ideal_run_time_s", "sum(ideal_run_time_s)"),
                    Column.count("total_count", "sum(total_count)"),
                    Column.count("good_count", "sum(good_count)"))),

    ENERGY("energy_consumption", "consumption_time", "", null, "energy_hourly_aggregate", "energy_daily_aggregate",
            List.of("line_id", "equipment_id"),
            List.of(Column.count("readings", "count(*)"),
                    Column.sum("energy_kwh", "sum(energy_consumption_kwh)"),
                    Column.sum("power_sum_kw", "sum(power_consumption_kw)"),
                    new Column("min_power_kw", "min", "float8", "min(power_consumption_kw)"),
                    new Column("peak_power_kw", "max", "float8", "max(power_consumption_kw)"))),

    METRIC("metric_hist", "ts", "", "metric_minute_aggregate", "metric_hourly_aggregate", "metric_daily_aggregate",
            List.of("metric_id"),
            List.of(Column.count("samples", "count(*)"),
                    Column.count("real_count", "count(value_real)"),
                    Column.sum("real_sum", "sum(value_real)"),
                    Column.sum("real_sum_squares", "sum(value_real * value_real)"),
                    new Column("real_min", "min", "float8", "min(value_real)"),
                    new Column("real_max", "max", "float8", "max(value_real)"),
                    Column.count("int_count", "count(value_int)"),
                    new Column("int_sum", "sum", "float8", "sum(value_int)"),
                    new Column("int_min", "min", "int8", "min(value_int)"),
                    new Column("int_max", "max", "int8", "max(value_int)"),
                    Column.count("bool_count", "count(value_bool)"),
                    Column.count("bool_true_count", "sum(CASE WHEN value_bool THEN 1 ELSE 0 END)"))),

    /** Closed stops, booked to the day they start (the aggregate's definition). */
    DOWNTIME("downtime_events", "start_time", "end_time IS NOT NULL", null, null, "downtime_daily_aggregate",
            List.of("line_id", "equipment_id", "category"),
            List.of(Column.count("events", "count(*)"),
                    Column.sum("downtime_s", "sum(duration_s)"),
                    new Column("max_duration_s", "max", "float8", "max(duration_s)"))),

    QUALITY("quality_checks", "check_time", "", null, null, "quality_daily_aggregate",
            List.of("line_id", "product_type_id", "check_type"),
            List.of(Column.count("checks", "count(*)"),
                    Column.count("passed_checks", "sum(CASE WHEN check_result = 'pass' THEN 1 ELSE 0 END)"),
                    Column.count("failed_checks", "sum(CASE WHEN check_result = 'fail' THEN 1 ELSE 0 END)"),
                    Column.count("conditional_checks", "sum(CASE WHEN check_result = 'conditional' THEN 1 ELSE 0 END)"),
                    Column.count("quantity_checked", "sum(quantity_checked)"),
                    Column.count("quantity_passed", "sum(quantity_passed)"),
                    Column.count("quantity_failed", "sum(quantity_failed)")));

    /**
     * One additive column.
     *
     * @param name          column name in the aggregates (and in query results)
     * @param rollup        how buckets combine: sum, min or max
     * @param type          SQL type of the result
     * @param rawExpression the same figure computed from raw rows
     */
    public record Column(String name, String rollup, String type, String rawExpression) {
        static Column sum(String name, String raw) {
            return new Column(name, "sum", "float8", raw);
        }

        static Column count(String name, String raw) {
            return new Column(name, "sum", "int8", raw);
        }
    }

    final String rawTable;
    final String timeColumn;
    final String rawCondition;
    /** The 1-minute aggregate on the raw table, or null. */
    final String minuteAggregate;
    final String hourlyAggregate;
    final String dailyAggregate;
    final List<String> keyColumns;
    final List<Column> columns;

    AggregateFamily(String rawTable, String timeColumn, String rawCondition, String minuteAggregate, String hourlyAggregate,
                    String dailyAggregate, List<String> keyColumns, List<Column> columns) {
        this.rawTable = rawTable;
        this.timeColumn = timeColumn;
        this.rawCondition = rawCondition;
        this.minuteAggregate = minuteAggregate;
        this.hourlyAggregate = hourlyAggregate;
        this.dailyAggregate = dailyAggregate;
        this.keyColumns = keyColumns;
        this.columns = columns;
    }

    public boolean hasHourly() {
        return hourlyAggregate != null;
    }
}
