package dev.factorytelemetry.dashboard;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Plain unit tests of the accumulators and the series width ladder. */
class FiguresTest {

    @Test
    void minAndMaxOfMissingValuesStayMissing() {
        // a line with no energy reading in the current hour has no peak power: folding it must not fail
        assertNull(Figures.min(null, null));
        assertNull(Figures.max(null, null));
        assertEquals(2.0, Figures.min(null, 2.0));
        assertEquals(2.0, Figures.max(2.0, null));
        Figures.Energy total = new Figures.Energy().add(new Figures.Energy()).add(new Figures.Energy());
        assertNull(total.view(0.12).peakPowerKw());
    }

    @Test
    void oeeOfEmptyWindowHasNoRatios() {
        var v = new Figures.Oee().view();
        assertNull(v.oee());
        assertNull(v.availability());
    }

    @Test
    void seriesWidthFitsMaxPointsAndUsesAggregatesForLongRanges() {
        Duration twoDays = Duration.ofDays(2);
        Duration week = Duration.ofDays(7);
        assertEquals(Duration.ofMinutes(5), MetricQueries.width(Duration.ofHours(24), 500, twoDays, week), "288 points");
        assertEquals(Duration.ofSeconds(10), MetricQueries.width(Duration.ofHours(1), 500, twoDays, week), "raw samples");
        assertEquals(Duration.ofMinutes(1), MetricQueries.width(Duration.ofDays(6), 10000, twoDays, week), "too long for raw samples");
        assertEquals(Duration.ofHours(1), MetricQueries.width(Duration.ofDays(8), 10000, twoDays, week), "too long for minutes");
        assertEquals(Duration.ofDays(1), MetricQueries.width(Duration.ofDays(365), 500, twoDays, week));
        assertEquals("7 days", MetricQueries.pgInterval(Duration.ofDays(7)));
        assertEquals("600 seconds", MetricQueries.pgInterval(Duration.ofMinutes(10)));
    }
}
