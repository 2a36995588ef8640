package dev.factorytelemetry.ingest;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hand-written fast paths of the parsers agree with java.time and with InfluxDB's grammar (no Quarkus needed). */
class ParserUnitTest {

    @Test
    void fastRfc3339AgreesWithJavaTime() {
        for (String s : List.of("2026-11-26T04:00:00Z", "2026-11-26T04:00:00.123Z", "2026-11-26T04:00:00.1Z",
                "2026-11-26T04:00:00.123456789Z", "2026-11-26T04:00:00.999999999+05:30", "1999-12-31T23:59:59-08:00",
                "2024-02-29T12:00:00.5+00:00", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z")) {
            OffsetDateTime t = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            long expected = t.toEpochSecond() * 1_000_000L + t.getNano() / 1000;
            assertEquals(expected, JsonSampleParser.fastRfc3339Micros(s), s);
            assertEquals(expected, JsonSampleParser.rfc3339Micros(s), s);
        }
        // lowercase and space separators go through the general path or the fast one with the same result
        assertEquals(JsonSampleParser.rfc3339Micros("2026-11-26T04:00:00Z"), JsonSampleParser.rfc3339Micros("2026-11-26t04:00:00z"));
        assertEquals(JsonSampleParser.rfc3339Micros("2026-11-26T04:00:00Z"), JsonSampleParser.rfc3339Micros("2026-11-26 04:00:00Z"));
        for (String bad : List.of("2026-02-30T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T04:00:00",
                "2026-13-01T00:00:00Z", "yesterday", "2026-11-26T04:00:00+0100")) {
            assertEquals(Long.MIN_VALUE, JsonSampleParser.fastRfc3339Micros(bad), bad);
            assertThrows(DateTimeParseException.class, () -> JsonSampleParser.rfc3339Micros(bad), bad);
        }
    }

    @Test
    void lineProtocolNumbersFollowInfluxDb() {
        for (String ok : List.of("1", "-1", "+1.5", "1.", ".5", "1e3", "1.5E-3", "-0.0")) {
            assertTrue(LineProtocolParser.isFloat(ok), ok);
        }
        for (String bad : List.of("", "-", ".", "e3", "1e", "NaN", "Inf", "0x10", "1.2.3", "1_000", "١")) {
            assertFalse(LineProtocolParser.isFloat(bad), bad);
        }
        assertTrue(LineProtocolParser.isInteger("-42", 0, 3));
        assertFalse(LineProtocolParser.isInteger("4-2", 0, 3));
        assertFalse(LineProtocolParser.isInteger("+", 0, 1));
    }

    @Test
    void metricKeysFollowTheMetricDefConstraint() {
        for (String key : List.of("a", "line1.filler.speed", "_x", "9:a/b-c.d", "a".repeat(200))) {
            assertTrue(SampleRules.validKey(key), key);
            assertTrue(SampleRules.METRIC_KEY.matcher(key).matches(), key);
        }
        for (String key : List.of("", ".a", "-a", "a b", "a;b", "ä", "a".repeat(201))) {
            assertFalse(SampleRules.validKey(key), key);
            assertFalse(SampleRules.METRIC_KEY.matcher(key).matches(), key);
        }
        assertEquals("ns_3_s_Temperature", LineProtocolParser.sanitize("ns=3;s=Temperature"));
    }

    private static final SampleRules ANY_TIME = new SampleRules(Long.MIN_VALUE, Long.MAX_VALUE, 4096, null);

    @Test
    void repeatedKeysAndTimesParseToTheSameValuesAsFreshOnes() {
        // the second sample repeats the first's key and time, the third has a time of the same length, the fourth
        // an invalid key that must be reported on every request, not only the first
        String body = "{\"samples\":[{\"metric\":\"unit.memo.a\",\"ts\":\"2026-03-02T10:00:00Z\",\"value\":1},"
                + "{\"metric\":\"unit.memo.a\",\"ts\":\"2026-03-02T10:00:00Z\",\"value\":2},"
                + "{\"metric\":\"unit.memo.b\",\"ts\":\"2026-03-02T10:00:01Z\",\"value\":3},"
                + "{\"metric\":\".bad\",\"ts\":\"2026-03-02T10:00:01Z\",\"value\":4}]}";
        for (int request = 0; request < 2; request++) {
            SampleBatch batch = JsonSampleParser.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    TimestampPrecision.MS, ANY_TIME, 100);
            assertEquals(3, batch.size());
            assertEquals(List.of("unit.memo.a", "unit.memo.a", "unit.memo.b"), List.of(batch.keys[0], batch.keys[1], batch.keys[2]));
            long t0 = JsonSampleParser.rfc3339Micros("2026-03-02T10:00:00Z");
            assertEquals(t0, batch.micros[0]);
            assertEquals(t0, batch.micros[1]);
            assertEquals(t0 + 1_000_000L, batch.micros[2]);
            assertEquals(1, batch.errorCount(), "the invalid key is reported on request " + request);
            assertEquals(3, batch.errors().get(0).index());
            assertTrue(batch.keys[0] == batch.keys[1] || request == 0, "a known key is one instance");
        }
    }

    @Test
    void knownMetricKeysAreOnlyValidOnes() {
        String key = "unit.known." + System.nanoTime();
        assertEquals(null, MetricKeys.known(key));
        MetricKeys.rememberValid(key);
        String copy = new String(key.toCharArray());
        assertTrue(MetricKeys.known(copy) == key, "the remembered instance");
        assertTrue(MetricKeys.known(("x" + key).toCharArray(), 1, key.length()) == key);
        assertEquals(null, MetricKeys.known(key + "x"));
    }

    @Test
    void insertBindsOnlyTheColumnsThatHaveValues() {
        SampleBatch batch = new SampleBatch(4);
        batch.setText(batch.add(0, "t", 7_000_000), "x");
        batch.setBool(batch.add(1, "b", 5_000_000), true);
        var metrics = new MetricRegistry.Metric[] {new MetricRegistry.Metric(2, "t", ValueType.TEXT),
                new MetricRegistry.Metric(1, "b", ValueType.BOOL)};
        Rows rows = Rows.of(batch, metrics);

        var tuple = rows.parameters(false);
        assertEquals(9, tuple.size(), "ids, ts, reals, ints, bools, texts, qualities, logged range");
        assertArrayEquals(new Integer[] {1, 2}, tuple.getArrayOfIntegers(0), "sorted by metric id");
        assertEquals(null, tuple.getValue(2), "no REAL sample: NULL, not an array of NULLs");
        assertEquals(null, tuple.getValue(3), "no INT sample");
        assertArrayEquals(new Boolean[] {true, null}, tuple.getArrayOfBooleans(4));
        assertArrayEquals(new String[] {null, "x"}, tuple.getArrayOfStrings(5));
        assertEquals(null, tuple.getValue(6), "no quality");
        assertEquals(null, tuple.getValue(7), "native aggregates: nothing to log");

        var logged = rows.parameters(true);
        assertEquals(TelemetryWriter.timestamp(5_000_000), logged.getOffsetDateTime(7), "first ts of the batch");
        assertEquals(TelemetryWriter.timestamp(7_000_000), logged.getOffsetDateTime(8), "last ts of the batch");
    }
}
