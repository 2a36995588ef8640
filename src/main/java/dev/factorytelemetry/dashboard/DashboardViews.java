package dev.factorytelemetry.dashboard;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** The JSON answers of the dashboard API. Ratios are fractions (0..1), null when their denominator is zero. */
public final class DashboardViews {

    private DashboardViews() {
    }

    @Schema(description = "How current the figures are and where they come from")
    public record Freshness(
            @Schema(description = "The figures include every row committed before this instant, unless complete is false") Instant dataAsOf,
            @Schema(description = "How the figures were computed on this edition") String source,
            @Schema(description = "How long this answer may be reused (also Cache-Control max-age)") long maxAgeSeconds,
            @Schema(description = "false while rows written late (backfill, corrections) into buckets of the requested range "
                    + "are not yet in the aggregates: the figures from pendingSince on may lack them until the next refresh") boolean complete,
            @Schema(description = "Start of the oldest bucket of the requested range whose aggregate is not yet refreshed "
                    + "(null: none). On the Apache edition these buckets are computed from raw rows, so complete stays true") Instant pendingSince) {

        /** Figures read from raw rows or otherwise complete as of {@code dataAsOf}. */
        public Freshness(Instant dataAsOf, String source, long maxAgeSeconds) {
            this(dataAsOf, source, maxAgeSeconds, true, null);
        }
    }

    @Schema(description = "OEE of a window and group, from the sums of its inputs")
    public record OeeFigures(long calculations, double plannedTimeS, double runTimeS, double idealRunTimeS,
                             @Schema(description = "Σ totalCount of the OEE periods (the input's name)") long totalCount,
                             @Schema(description = "Σ goodCount of the OEE periods (the input's name)") long goodCount,
                             @Schema(description = "Σ run time / Σ planned time") Double availability,
                             @Schema(description = "Σ ideal run time / Σ run time") Double performance,
                             @Schema(description = "Σ good / Σ total parts") Double quality,
                             @Schema(description = "availability × performance × quality") Double oee) {
    }

    @Schema(description = "Energy of a window and group; cost = energyKwh × plant tariff")
    public record EnergyFigures(long readings, double energyKwh, double cost, Double peakPowerKw, Double minPowerKw,
                                @Schema(description = "mean of the power readings") Double avgPowerKw) {
    }

    @Schema(description = "Quality checks of a window and group; rates are from summed quantities")
    public record QualityFigures(long checks, long passedChecks, long failedChecks, long conditionalChecks,
                                 long quantityChecked, long quantityPassed, long quantityFailed,
                                 @Schema(description = "Σ quantity passed / Σ quantity checked") Double passRate,
                                 @Schema(description = "Σ quantity failed / Σ quantity checked") Double failRate) {
    }

    @Schema(description = "Stops overlapping the window, each counted for the part inside the window (open stops up to now)")
    public record DowntimeFigures(@Schema(description = "seconds of downtime inside the window") double downtimeS,
                                  long stops, long openStops) {
    }

    public record WindowFigures(Instant from, Instant to, OeeFigures oee, DowntimeFigures downtime,
                                EnergyFigures energy, QualityFigures quality) {
    }

    public record LineView(String lineCode, String name,
                           @Schema(description = "Faults raised and not yet cleared") long activeFaults,
                           @Schema(description = "The current hour (plant time)") WindowFigures currentHour,
                           @Schema(description = "Today from local midnight (plant time)") WindowFigures today) {
    }

    @Schema(description = "Real-time production dashboard of the whole plant")
    public record PlantView(String timeZone, String currency, double tariffPerKwh, Freshness freshness,
                            @Schema(description = "All equipment of the plant (also equipment on no line)") LineView plant,
                            List<LineView> lines) {
    }

    @Schema(description = "Real-time production dashboard of one line")
    public record LineDashboard(String timeZone, String currency, double tariffPerKwh, Freshness freshness,
                                LineView line) {
    }

    // ---- trends ------------------------------------------------------------------------------------------------

    public record OeePoint(Instant bucket, String lineCode, String equipmentCode, OeeFigures figures) {
    }

    public record OeeTrend(String timeZone, String granularity, String groupBy, Instant from, Instant to,
                           Freshness freshness, List<OeePoint> points) {
    }

    public record EnergyPoint(Instant bucket, String lineCode, String equipmentCode, EnergyFigures figures) {
    }

    public record EnergyTrend(String timeZone, String granularity, String groupBy, String currency,
                              double tariffPerKwh, Instant from, Instant to, Freshness freshness,
                              List<EnergyPoint> points) {
    }

    @Schema(description = "Closed stops booked to the local day they started")
    public record DowntimePoint(Instant day, String lineCode, String category, long events,
                                @Schema(description = "seconds, from the stops' startTime/endTime") double downtimeS,
                                @Schema(description = "the longest stop, seconds") double maxStopS) {
    }

    public record DowntimeTotals(String timeZone, Instant from, Instant to, Freshness freshness,
                                 List<DowntimePoint> points) {
    }

    public record ParetoReason(String reasonCode, long events, @Schema(description = "seconds") double downtimeS,
                               @Schema(description = "share of all downtime of the range") double share,
                               @Schema(description = "running share up to and including this reason") double cumulativeShare) {
    }

    public record DowntimePareto(Instant from, Instant to, String lineCode, @Schema(description = "seconds") double totalDowntimeS,
                                 long totalEvents, Freshness freshness, List<ParetoReason> reasons) {
    }

    public record QualityPoint(Instant day, String lineCode, String productCode, String checkType,
                               QualityFigures figures) {
    }

    @Schema(description = "Quality per day, line, product type and check type, with roll-ups over the whole range per line "
            + "and for everything selected; every rate of a roll-up is from summed quantities, never an average of rates")
    public record QualityTrend(String timeZone, Instant from, Instant to, Freshness freshness,
                               @Schema(description = "All points of the range together (the plant, or the filtered line/product/check type)")
                               QualityFigures total,
                               @Schema(description = "Each line over the whole range, ordered by line code")
                               List<QualityLineTotal> lines,
                               List<QualityPoint> points) {
    }

    public record QualityLineTotal(String lineCode, QualityFigures figures) {
    }

    public record Fault(String equipmentCode, String lineCode, int bitIndex, String name, String marker,
                        Instant raisedAt, Instant clearedAt,
                        @Schema(description = "ts_off - ts_on; for an active fault, time since it was raised") double durationS,
                        boolean active) {
    }

    public record FaultList(Instant from, Instant to, long total, double totalDurationS, Freshness freshness,
                            @Schema(description = "newest first; at most 'limit' faults") List<Fault> faults) {
    }

    // ---- metrics -----------------------------------------------------------------------------------------------

    @Schema(description = "Statistics of one bucket; min/max/avg/stddev of REAL and INT values (stddev for REAL only), trueRatio for BOOL")
    public record MetricStats(Instant bucket, long samples, long count, Double min, Double max, Double avg,
                              Double stddev, Long trueCount, Double trueRatio) {
    }

    public record MetricSeries(String metricKey, String valueType, String unit, String equipmentCode,
                               List<MetricStats> points) {
    }

    public record MetricStatistics(String timeZone, String granularity, Instant from, Instant to,
                                   Freshness freshness, List<MetricSeries> metrics) {
    }

    public record Sample(Instant ts, Double valueReal, Long valueInt, Boolean valueBool, String valueText,
                         Integer quality) {
    }

    public record RecentSamples(String metricKey, String valueType, String unit, Instant since, int limit,
                                Freshness freshness, @Schema(description = "newest first") List<Sample> samples) {
    }

    public record DownsampledSeries(String metricKey, String valueType, String unit, Instant from, Instant to,
                                    @Schema(description = "bucket width chosen from the range and maxPoints (ISO-8601)") String bucketWidth,
                                    @Schema(description = "raw, hourly or daily") String source,
                                    Freshness freshness, List<MetricStats> points) {
    }
}
