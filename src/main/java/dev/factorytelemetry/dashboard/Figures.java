package dev.factorytelemetry.dashboard;

import io.vertx.mutiny.sqlclient.Row;

/**
 * Accumulators of the additive columns of {@link AggregateFamily}. Every ratio is computed from the sums of its
 * window and group (never an average of ratios): availability = Σrun / Σplanned, performance = Σideal run / Σrun,
 * quality = Σgood / Σtotal, OEE = A × P × Q.
 */
final class Figures {

    private Figures() {
    }

    static long l(Row r, String column) {
        Long v = r.getLong(column);
        return v == null ? 0 : v;
    }

    static double d(Row r, String column) {
        Double v = r.getDouble(column);
        return v == null ? 0 : v;
    }

    static Double ratio(double numerator, double denominator) {
        return denominator == 0 ? null : numerator / denominator;
    }

    static final class Oee {
        long calculations;
        double planned;
        double run;
        double idealRun;
        long total;
        long good;

        Oee add(Row r) {
            calculations += l(r, "calculations");
            planned += d(r, "planned_time_s");
            run += d(r, "run_time_s");
            idealRun += d(r, "ideal_run_time_s");
            total += l(r, "total_count");
            good += l(r, "good_count");
            return this;
        }

        Oee add(Oee o) {
            calculations += o.calculations;
            planned += o.planned;
            run += o.run;
            idealRun += o.idealRun;
            total += o.total;
            good += o.good;
            return this;
        }

        DashboardViews.OeeFigures view() {
            Double a = ratio(run, planned);
            Double p = ratio(idealRun, run);
            Double q = ratio(good, total);
            Double oee = a == null || p == null || q == null ? null : a * p * q;
            return new DashboardViews.OeeFigures(calculations, planned, run, idealRun, total, good, a, p, q, oee);
        }
    }

    static final class Energy {
        long readings;
        double kwh;
        double powerSum;
        Double minPower;
        Double peakPower;

        Energy add(Row r) {
            readings += l(r, "readings");
            kwh += d(r, "energy_kwh");
            powerSum += d(r, "power_sum_kw");
            minPower = min(minPower, r.getDouble("min_power_kw"));
            peakPower = max(peakPower, r.getDouble("peak_power_kw"));
            return this;
        }

        Energy add(Energy o) {
            readings += o.readings;
            kwh += o.kwh;
            powerSum += o.powerSum;
            minPower = min(minPower, o.minPower);
            peakPower = max(peakPower, o.peakPower);
            return this;
        }

        DashboardViews.EnergyFigures view(double tariff) {
            return new DashboardViews.EnergyFigures(readings, kwh, kwh * tariff, peakPower, minPower,
                    ratio(powerSum, readings));
        }
    }

    static final class Quality {
        long checks;
        long passed;
        long failed;
        long conditional;
        long quantityChecked;
        long quantityPassed;
        long quantityFailed;

        Quality add(Row r) {
            checks += l(r, "checks");
            passed += l(r, "passed_checks");
            failed += l(r, "failed_checks");
            conditional += l(r, "conditional_checks");
            quantityChecked += l(r, "quantity_checked");
            quantityPassed += l(r, "quantity_passed");
            quantityFailed += l(r, "quantity_failed");
            return this;
        }

        Quality add(Quality o) {
            checks += o.checks;
            passed += o.passed;
            failed += o.failed;
            conditional += o.conditional;
            quantityChecked += o.quantityChecked;
            quantityPassed += o.quantityPassed;
            quantityFailed += o.quantityFailed;
            return this;
        }

        DashboardViews.QualityFigures view() {
            return new DashboardViews.QualityFigures(checks, passed, failed, conditional, quantityChecked,
                    quantityPassed, quantityFailed, ratio(quantityPassed, quantityChecked),
                    ratio(quantityFailed, quantityChecked));
        }
    }

    static final class Downtime {
        double seconds;
        long stops;
        long openStops;

        Downtime add(Downtime o) {
            seconds += o.seconds;
            stops += o.stops;
            openStops += o.openStops;
            return this;
        }

        DashboardViews.DowntimeFigures view() {
            return new DashboardViews.DowntimeFigures(seconds, stops, openStops);
        }
    }

    static Double min(Double a, Double b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.min(a, b);
    }

    static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return Math.max(a, b);
    }
}
