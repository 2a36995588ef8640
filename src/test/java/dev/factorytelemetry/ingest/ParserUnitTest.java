package dev.factorytelemetry.ingest;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

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
}
