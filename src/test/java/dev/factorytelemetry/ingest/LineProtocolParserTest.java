package dev.factorytelemetry.ingest;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.factorytelemetry.ingest.LineProtocolParserDifferentialTest.NOW;
import static dev.factorytelemetry.ingest.LineProtocolParserDifferentialTest.RULES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The line-protocol parser on the cases its byte-level reading must get right (no Quarkus, no database):
 * each body's result is spelled out, and is also the former String-based parser's
 * ({@link LineProtocolParserDifferentialTest#assertSameResults}).
 */
class LineProtocolParserTest {

    private static final long MS = NOW / 1000; // 2026-03-02T10:00:00Z in ms

    private static LineProtocolParser.Parsed parse(String body) {
        return parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private static LineProtocolParser.Parsed parse(byte[] body) {
        LineProtocolParserDifferentialTest.assertSameResults(body, TimestampPrecision.MS, 1000, "legacy");
        return new LineProtocolParser(TimestampPrecision.MS, RULES, 1000, LineProtocolParserDifferentialTest.IGNORED,
                LineProtocolParserDifferentialTest.QUALITY, NOW).parse(body);
    }

    private static List<String> keys(SampleBatch batch) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            keys.add(batch.keys[i]);
        }
        return keys;
    }

    private static List<String> errors(LineProtocolParser.Parsed parsed) {
        return parsed.batch().errors().stream().map(e -> e.index() + ": " + e.message()).toList();
    }

    @Test
    void nonAsciiNamesBecomeOneUnderscorePerUtf16CharAndValuesKeepTheirText() {
        var parsed = parse("Temperatur,Halle=Süd,😀=x Wert°C=21.5,Zustand=\"läuft 😀\" " + MS + "\n");
        assertFalse(parsed.syntaxErrors());
        // ü and ° are one char each, the emoji (4 UTF-8 bytes) two; tag keys sort as Strings: "Halle" < "😀"
        assertEquals(List.of("Temperatur.S_d.x.Wert_C", "Temperatur.S_d.x.Zustand"), keys(parsed.batch()));
        assertEquals("läuft 😀", parsed.batch().texts[1]);
        assertEquals(21.5, parsed.batch().reals[0]);
        assertEquals(NOW, parsed.batch().micros[0]);
    }

    @Test
    void escapesAtTheEndsOfTokens() {
        // an escaped comma/space/equals at the start or end of a name is part of it; a backslash before any
        // other character, or at the end of the line, stays a backslash
        var parsed = parse("\\,m\\ ,t\\==\\ v\\, f\\=\\ =1,g\\x=\"a\\\\\",h=\"\\\"q\\\"\" " + MS + "\n"
                + "m\\x v=1 " + MS + "\n"
                + "m v=\"x\\\"\n");
        assertEquals(List.of("_m_._v_.f__", "_m_._v_.g_x", "_m_._v_.h", "m_x.v"), keys(parsed.batch()));
        assertEquals("a\\", parsed.batch().texts[1]);
        assertEquals("\"q\"", parsed.batch().texts[2]);
        assertEquals(List.of("3: unterminated string field value: 'm v=\"x\\\"'"), errors(parsed));
    }

    @Test
    void manyTagsInAnyOrderGiveKeysInTagKeyOrderWithTheLastOfRepeatedKeys() {
        StringBuilder line = new StringBuilder("m");
        List<String> sorted = new ArrayList<>();
        for (int t = 24; t >= 0; t--) { // reverse order, more than the small-array sort handles
            line.append(",k").append((char) ('a' + t)).append("=v").append(t);
            sorted.add(0, "v" + t);
        }
        line.append(",kc=last,host=gw1 x=1 ").append(MS);
        sorted.set(2, "last");
        var parsed = parse(line.toString());
        assertEquals(List.of("m." + String.join(".", sorted) + ".x"), keys(parsed.batch()));

        var few = parse("m,z=1,b=2,a=3,b=4,host=h,B=5 x=1 " + MS);
        assertEquals(List.of("m.5.3.4.1.x"), keys(few.batch()), "B < a < b (last value) < host (ignored) < z");
    }

    @Test
    void ignoredTagsAreComparedUnescaped() {
        var parsed = parse("m,host=gw1,line=L1 v=1 " + MS + "\n"
                + "m,ho\\=st=gw1,line=L1 v=1 " + MS + "\n"
                + "m,Host=gw1,line=L1 v=1 " + MS + "\n");
        assertEquals(List.of("m.L1.v", "m.gw1.L1.v", "m.gw1.L1.v"), keys(parsed.batch()));
        var spaced = new LineProtocolParser(TimestampPrecision.MS, RULES, 1000, List.of("gw ä", "gw\uD800"), List.of(), NOW)
                .parse(("m,gw\\ ä=x,line=L1 v=1 " + MS).getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("m.L1.v"), keys(spaced.batch()));
    }

    @Test
    void qualityFieldsSetTheQualityOfTheLine() {
        var parsed = parse("opcua,id=a temp=79.0,Quality=\"OK (0x0)\" " + MS + "\n"
                + "opcua,id=b Quality=\"Bad (0x123456789) (0x80340000)\",temp=1 " + MS + "\n"
                + "opcua,id=c temp=2,quality=192i " + MS + "\n"
                + "opcua,id=d temp=3,Quality=\"no code\" " + MS + "\n"
                + "opcua,id=e temp=4,QUALITY=5i " + MS + "\n");
        SampleBatch batch = parsed.batch();
        assertEquals(List.of("opcua.a.temp", "opcua.b.temp", "opcua.c.temp", "opcua.d.temp", "opcua.e.temp", "opcua.e.QUALITY"),
                keys(batch));
        assertEquals(0, batch.qualities[0]);
        assertTrue(batch.hasQuality[0]);
        assertEquals((int) 0x80340000L, batch.qualities[1]);
        assertEquals(192, batch.qualities[2]);
        assertFalse(batch.hasQuality[3]);
        assertFalse(batch.hasQuality[4]);
        assertEquals(0x80340000L, LineProtocolParser.statusCode("x (0x80340000)") & 0xFFFF_FFFFL);
        assertEquals(Long.MIN_VALUE, LineProtocolParser.statusCode("(0x)"));
        assertEquals(0x2A, LineProtocolParser.statusCode("(0x(0x2A)"));
    }

    @Test
    void invalidUtf8IsOneErrorForTheBody() {
        byte[] body = ("m v=\"x\" " + MS + "\nm w=\"").getBytes(StandardCharsets.UTF_8);
        byte[] broken = java.util.Arrays.copyOf(body, body.length + 3);
        broken[body.length] = (byte) 0xED; // a UTF-16 surrogate encoded in UTF-8
        broken[body.length + 1] = (byte) 0xA0;
        broken[body.length + 2] = (byte) 0x80;
        var parsed = parse(broken);
        assertTrue(parsed.syntaxErrors());
        assertEquals(0, parsed.batch().size());
        assertEquals(List.of("null: the body is not valid UTF-8 (Input length = 3)"), errors(parsed));
    }

    @Test
    void crlfCommentsBlankLinesAndUnicodeWhitespaceAtLineEnds() {
        var parsed = parse("m v=1 " + MS + "\r\n"
                + "\r\n"
                + "  # comment\r\n"
                + "\u3000m w=2\t" + MS + "\u2029\r\n"
                + "m x=3 \t" + MS + "\r\n"
                + "m y=4 \u00a0" + MS + "\r\n");
        assertEquals(List.of("m.v", "m.x"), keys(parsed.batch()));
        assertEquals(List.of("4: invalid field value '2\t" + MS + "' for field 'w': 'm w=2\t" + MS + "'",
                        "6: invalid timestamp '\u00a0" + MS + "' (an integer in precision ms is expected): 'm y=4 \u00a0" + MS + "'"),
                errors(parsed));
    }

    @Test
    void numbersAtTheEdges() {
        var parsed = parse("m a=1e308,b=-0.0,c=9223372036854775807i,d=-9223372036854775808i,f=4.9e-324,g=0.1,h=1e-400,"
                + "i=123456789012345678,j=t,k=FALSE " + MS);
        SampleBatch batch = parsed.batch();
        assertFalse(parsed.syntaxErrors(), String.valueOf(errors(parsed)));
        assertEquals(1e308, batch.reals[0]);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(batch.reals[1]));
        assertEquals(SampleBatch.Kind.INTEGER, batch.kinds[2]);
        assertEquals(Long.MAX_VALUE, batch.integers[2]);
        assertEquals(Long.MIN_VALUE, batch.integers[3]);
        assertEquals(Double.MIN_VALUE, batch.reals[4]);
        assertEquals(0.1, batch.reals[5]);
        assertEquals(0.0, batch.reals[6]);
        assertEquals(1.2345678901234568E17, batch.reals[7]);
        assertEquals(1, batch.integers[8]);
        assertEquals(SampleBatch.Kind.BOOL, batch.kinds[9]);
        assertEquals(0, batch.integers[9]);

        var errors = parse("m a=9223372036854775808i " + MS + "\n"
                + "m b=9223372036854775808u " + MS + "\n"
                + "m c=1e309 " + MS + "\n"
                + "m d=1 9223372036854775808\n"
                + "m e=1 9223372036854775807\n"
                + "m f=-1u " + MS + "\n");
        assertEquals(List.of("1: integer field 'a' is out of the 64-bit range: 'm a=9223372036854775808i " + MS + "'",
                "2: unsigned field 'b' exceeds 9223372036854775807 (stored as bigint): 'm b=9223372036854775808u " + MS + "'",
                "3: float field 'c' is out of range: 'm c=1e309 " + MS + "'",
                "4: timestamp out of range: 'm d=1 9223372036854775808'",
                "5: timestamp out of range: 'm e=1 9223372036854775807'",
                "6: invalid field value '-1u' for field 'f': 'm f=-1u " + MS + "'"), errors(errors));
    }

    @Test
    void doublesAreThoseOfDoubleParseDouble() {
        java.util.Random random = new java.util.Random(3);
        for (int k = 0; k < 200_000; k++) {
            String s = switch (k % 4) {
                case 0 -> Double.toString(Double.longBitsToDouble(random.nextLong()));
                case 1 -> Long.toString(random.nextLong() >>> (1 + random.nextInt(63))) + "e" + (random.nextInt(60) - 30);
                case 2 -> (random.nextInt(2000) - 1000) / Math.pow(10, random.nextInt(8)) + "";
                default -> "0." + Long.toString(random.nextLong() >>> (1 + random.nextInt(63)));
            };
            if (s.contains("N") || s.contains("I")) {
                continue;
            }
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)),
                    Double.doubleToRawLongBits(LineProtocolParser.parseFloat(bytes, 0, bytes.length)), s);
        }
        // what is a float at all: as the former parser's isFloat, on strings of the characters that matter
        String alphabet = "0123456789.eE+-x ";
        for (int k = 0; k < 200_000; k++) {
            StringBuilder sb = new StringBuilder();
            for (int i = random.nextInt(8); i >= 0; i--) {
                sb.append(alphabet.charAt(random.nextInt(k % 2 == 0 ? 12 : alphabet.length())));
            }
            String s = sb.toString();
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            double d = LineProtocolParser.parseFloat(bytes, 0, bytes.length);
            assertEquals(LegacyLineProtocolParser.isFloat(s), !Double.isNaN(d), s);
            if (!Double.isNaN(d)) {
                assertEquals(Double.doubleToRawLongBits(Double.parseDouble(s)), Double.doubleToRawLongBits(d), s);
            }
        }
    }

    @Test
    void aRepeatedKeyIsOneInstanceAndAnInvalidOneIsReportedEveryTime() {
        String line = "unit_lp" + System.nanoTime() + ",host=gw1,tag=t1 value=1 " + MS + "\n";
        String body = line + line + "_bad,t=" + "k".repeat(200) + " value=2 " + MS + "\n";
        String first = null;
        for (int request = 0; request < 3; request++) {
            var parsed = parse(body);
            assertEquals(3, parsed.batch().size());
            assertEquals(1, parsed.batch().errorCount(), "the key over 200 characters, on request " + request);
            assertEquals(3, parsed.batch().errors().get(0).index());
            String key = parsed.batch().keys[0];
            assertTrue(key.startsWith("unit_lp") && key.endsWith(".t1.value"), key);
            if (request > 0) {
                assertTrue(key == first && parsed.batch().keys[1] == first, "the remembered instance");
            }
            first = key;
        }
        assertTrue(MetricKeys.known(first) == first);
        byte[] bytes = ("x" + first).getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(MetricKeys.known(bytes, 1, bytes.length - 1) == first);
        assertEquals(null, MetricKeys.known(bytes, 0, bytes.length - 1));
    }

    @Test
    void theBatchLimitCountsFields() {
        String body = "m a=1,b=2 " + MS + "\nm c=3,d=4 " + MS + "\n";
        assertEquals(4, new LineProtocolParser(TimestampPrecision.MS, RULES, 4, List.of(), List.of(), NOW)
                .parse(body.getBytes(StandardCharsets.UTF_8)).batch().size());
        var e = assertThrows(JsonSampleParser.TooManySamplesException.class, () -> new LineProtocolParser(TimestampPrecision.MS,
                RULES, 3, List.of(), List.of(), NOW).parse(body.getBytes(StandardCharsets.UTF_8)));
        assertEquals("The request has more than 3 fields (telemetry.ingest.max-batch-size); send smaller batches "
                + "(Telegraf: metric_batch_size)", e.getMessage());
    }

    @Test
    void rulesAndEmptyBodies() {
        var parsed = parse("m,t=" + "k".repeat(200) + " v=\"this text is too long\" " + (MS + 7_200_000) + "\n");
        assertFalse(parsed.syntaxErrors());
        assertEquals(3, parsed.batch().errorCount());
        assertTrue(parsed.batch().errors().get(0).message().startsWith("metric key 'm.kkk"), errors(parsed).toString());
        assertEquals("text value has 21 characters; at most 12 are accepted", parsed.batch().errors().get(1).message());
        assertTrue(parsed.batch().errors().get(2).message().contains("is in the future"), errors(parsed).toString());
        for (String empty : List.of("", "\n\n", "# only a comment\n", " \t\r\n")) {
            var none = parse(empty);
            assertTrue(none.syntaxErrors());
            assertEquals(List.of("null: no points in the request body"), errors(none));
        }
    }
}
