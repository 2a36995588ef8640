package dev.factorytelemetry.ingest;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The byte-level {@link LineProtocolParser} gives exactly the results of the former String-based parser
 * ({@link LegacyLineProtocolParser}, kept here as the oracle) for generated lines: keys, times, kinds,
 * values (bit for bit), qualities, positions, every error message and the syntax-error flag. The generator
 * (fixed seeds) mixes valid lines with escapes, Unicode (also above U+FFFF and Unicode whitespace),
 * repeated and unsorted tags, quality fields, numbers at the edges, broken syntax and random damage.
 */
class LineProtocolParserDifferentialTest {

    static final long NOW = 1_772_445_600_000_000L; // 2026-03-02T10:00:00Z in µs
    /** One hour either side of NOW, text up to 12 characters: the rules' errors occur too. */
    static final SampleRules RULES = new SampleRules(NOW - 3_600_000_000L, NOW + 3_600_000_000L, 12, "1 hour");
    static final List<String> IGNORED = List.of("host", "gw ä");
    static final List<String> QUALITY = List.of("Quality", "quality");

    @Test
    void generatedBodiesParseAsTheLegacyParserParsesThem() {
        int lines = 0;
        int samples = 0;
        for (int seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            TimestampPrecision precision = TimestampPrecision.values()[seed % 4];
            StringBuilder body = new StringBuilder();
            int count = 1 + random.nextInt(40);
            for (int l = 0; l < count; l++) {
                body.append(line(random, precision)).append(random.nextInt(8) == 0 ? "\r\n" : "\n");
            }
            if (random.nextBoolean()) {
                body.setLength(body.length() - 1); // no newline after the last line
            }
            lines += count;
            samples += assertSameResults(body.toString().getBytes(StandardCharsets.UTF_8), precision, 1000, "seed " + seed);
        }
        assertTrue(lines > 5000, lines + " lines");
        assertTrue(samples > 3000, samples + " samples");
    }

    @Test
    void batchLimitAndBrokenBytesAreReportedAlike() {
        Random random = new Random(42);
        for (int seed = 0; seed < 40; seed++) {
            StringBuilder body = new StringBuilder();
            for (int l = 0; l < 30; l++) {
                body.append(line(random, TimestampPrecision.NS)).append('\n');
            }
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            assertSameResults(bytes, TimestampPrecision.NS, 5 + random.nextInt(20), "limit, seed " + seed);
            byte[] damaged = bytes.clone();
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
                damaged[random.nextInt(damaged.length)] = (byte) (0x80 + random.nextInt(128));
            }
            assertSameResults(damaged, TimestampPrecision.NS, 1000, "damaged, seed " + seed);
        }
    }

    /** The parser's UTF-8 check agrees with the JDK's decoder on every lead and second byte, and on random bytes. */
    @Test
    void utf8CheckAgreesWithTheDecoder() {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        CharBuffer out = CharBuffer.allocate(64);
        int[] tails = {0x41, 0x80, 0xBF, 0xC0};
        int checked = 0;
        for (int lead = 0; lead < 256; lead++) {
            for (int second = 0; second < 256; second++) {
                checked += check(decoder, out, 'a', lead, second);
                for (int third : tails) {
                    checked += check(decoder, out, 'a', lead, second, third);
                    for (int fourth : tails) {
                        checked += check(decoder, out, 'a', lead, second, third, fourth);
                        checked += check(decoder, out, lead, second, third, fourth, 'b', 'c', 'd', 'e', 'f', 'g', 'h');
                    }
                }
            }
        }
        Random random = new Random(7);
        for (int k = 0; k < 50_000; k++) {
            int[] s = new int[random.nextInt(24)];
            for (int i = 0; i < s.length; i++) {
                s[i] = random.nextInt(3) == 0 ? random.nextInt(128) : 0x80 + random.nextInt(128);
            }
            checked += check(decoder, out, s);
        }
        assertTrue(LineProtocolParser.isValidUtf8("ascii for a while, then ä € 😀 and ascii again".getBytes(StandardCharsets.UTF_8)));
        assertTrue(checked > 2_000_000, checked + " sequences");
    }

    private static int check(CharsetDecoder decoder, CharBuffer out, int... bytes) {
        byte[] s = new byte[bytes.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (byte) bytes[i];
        }
        decoder.reset();
        out.clear();
        boolean valid = !decoder.decode(ByteBuffer.wrap(s), out, true).isError() && !decoder.flush(out).isError();
        if (valid != LineProtocolParser.isValidUtf8(s)) {
            assertEquals(valid, LineProtocolParser.isValidUtf8(s), Arrays.toString(s));
        }
        return 1;
    }

    /** Asserts that both parsers give the same results (or the same 413); returns the number of samples. */
    static int assertSameResults(byte[] body, TimestampPrecision precision, int maxBatchSize, String what) {
        List<String> expected;
        List<String> actual;
        int samples = 0;
        try {
            expected = describe(new LegacyLineProtocolParser(precision, RULES, maxBatchSize, IGNORED, QUALITY, NOW).parse(body));
        } catch (JsonSampleParser.TooManySamplesException e) {
            expected = List.of("413 " + e.getMessage());
        }
        try {
            LineProtocolParser.Parsed parsed = new LineProtocolParser(precision, RULES, maxBatchSize, IGNORED, QUALITY, NOW).parse(body);
            actual = describe(parsed);
            samples = parsed.batch().size();
        } catch (JsonSampleParser.TooManySamplesException e) {
            actual = List.of("413 " + e.getMessage());
        }
        assertEquals(expected, actual, () -> what + ", body:\n" + new String(body, StandardCharsets.UTF_8));
        return samples;
    }

    static List<String> describe(LegacyLineProtocolParser.Parsed parsed) {
        return describe(parsed.batch(), parsed.syntaxErrors());
    }

    static List<String> describe(LineProtocolParser.Parsed parsed) {
        return describe(parsed.batch(), parsed.syntaxErrors());
    }

    /** Every column of every sample (doubles bit for bit), the errors and the flag, one String per item. */
    static List<String> describe(SampleBatch batch, boolean syntaxErrors) {
        List<String> out = new ArrayList<>();
        out.add("syntaxErrors=" + syntaxErrors + " size=" + batch.size() + " errorCount=" + batch.errorCount());
        for (int i = 0; i < batch.size(); i++) {
            String value = switch (batch.kinds[i]) {
                case NUMBER -> Long.toHexString(Double.doubleToRawLongBits(batch.reals[i])) + " integral=" + batch.integral[i]
                        + " " + batch.integers[i];
                case INTEGER -> batch.integers[i] + " " + Long.toHexString(Double.doubleToRawLongBits(batch.reals[i]));
                case BOOL -> Long.toString(batch.integers[i]);
                case TEXT -> "'" + batch.texts[i] + "'";
            };
            out.add(batch.positions[i] + " " + batch.keys[i] + " @" + batch.micros[i] + " " + batch.kinds[i] + " " + value
                    + (batch.hasQuality[i] ? " q=" + batch.qualities[i] : ""));
        }
        batch.errors().forEach(e -> out.add("error " + e));
        return out;
    }

    // ---- the generator

    /** Pieces of names that stay valid in every token, mostly. */
    private static final String[] NAME_PIECES = {"a", "m", "temp", "Line1", "x_y", "a.b", "ns\\=3;s\\=T", "ä", "€", "😀", "日本",
            "\\,", "\\ ", "\\=", "\\a", "\\\\a", "\\ä", "-", ":", "/", "#", "'", "\u3000", "\u00a0", "\u2007", "é", "\u0085"};
    /** Pieces that break some tokens: the end of the name, or a stop where the token kind has none. */
    private static final String[] BREAKING_PIECES = {"=", "\\", "\\\\", "\"", "\t", ",", " "};
    private static final String[] TAG_KEYS = {"host", "line", "id", "zone", "a", "b", "B", "gw\\ ä", "ä", "😀", "\uffef", "\\ 😀", "\\ \uffef",
            "tag", "z", "name", "slave_id", "type"};
    private static final String[] FLOATS = {"1", "-1", "+1.5", "1.", ".5", "1e3", "1.5E-3", "-0.0", "0", "-0", "12.5",
            "1e308", "1.7976931348623157e308", "1.8e308", "-1e309", "4.9e-324", "1e-400", "0.1", "0.30000000000000004",
            "123456789012345", "1234567890123456", "12345678901234567890", "9007199254740993", "1e22", "1e23", "1e-22",
            "1e-23", "0.000000000000000000000001", "100000000000000000000000", "2.2250738585072011e-308", "0e99999999999",
            "1.000000000000000000000000000001", "7.2057594037927933e16", "00000000000000000012.5", "3.14159265358979",
            "1E+2", "1e0", "-.5e-5", "5e-1", "8.98846567431158e307", "1234.5678e-2", "1.e5"};
    private static final String[] OTHER_VALUES = {"1i", "-1i", "+7i", "0i", "9223372036854775807i", "-9223372036854775808i",
            "9223372036854775808i", "-9223372036854775809i", "99999999999999999999i", "1u", "0u", "18446744073709551615u",
            "9223372036854775807u", "9223372036854775808u", "-1u", "+1u", "u", "i", "t", "T", "true", "True", "TRUE", "f", "F",
            "false", "False", "FALSE", "tRUE", "yes", "NaN", "Inf", "-Inf", "0x10", "1_000", "1.2.3", "1e", "e3", ".", "-",
            "١", "1ä", "1\t", "--1", "1e+", "1.5i", "1.5u"};
    private static final String[] STRINGS = {"", "OK (0x0)", "UncertainLastUsableValue (0x40900000)", "Bad (0x80340000)",
            "(0xFFFFFFFF)", "(0x123456789)", "(0x)", "x (0X12)", "(0x1g)", "(0x(0x2A)", "RUN \\\"auto\\\"", "a\\\\b", "\\n",
            "ä ö ü", "😀😀", "a,b c=d", "12345678901234", "\\", "x\\", "nul\u0001", "#"};
    private static final String[] QUALITY_VALUES = {"0i", "192i", "3u", "1.9", "-5", "4294967295i", "4294967296", "-2147483649",
            "x", "NaN", "1e400", "0x10", "7d"};

    static String line(Random r, TimestampPrecision precision) {
        int shape = r.nextInt(100);
        if (shape < 3) {
            return pick(r, "", "   ", "# comment ä", "  # indented comment", "\t", "\u3000", "\u2028x v=1");
        }
        StringBuilder sb = new StringBuilder();
        if (r.nextInt(10) == 0) {
            sb.append(pick(r, " ", "\t", "\u3000", "\u2003 ", "\u00a0"));
        }
        sb.append(name(r));
        int tags = r.nextInt(10) == 0 ? 17 + r.nextInt(8) : r.nextInt(5);
        for (int t = 0; t < tags; t++) {
            sb.append(',').append(r.nextInt(6) == 0 ? name(r) : pick(r, TAG_KEYS)).append('=').append(name(r));
        }
        sb.append(pick(r, " ", " ", " ", "  "));
        int fields = 1 + r.nextInt(r.nextInt(8) == 0 ? 6 : 2);
        for (int f = 0; f < fields; f++) {
            if (f > 0) {
                sb.append(',');
            }
            boolean quality = r.nextInt(6) == 0;
            sb.append(quality ? pick(r, "Quality", "quality", "QUALITY") : r.nextInt(8) == 0 ? name(r) + "," + name(r)
                    : name(r)).append('=');
            int kind = r.nextInt(10);
            if (quality && kind < 5) {
                sb.append(pick(r, QUALITY_VALUES));
            } else if (kind < 4) {
                sb.append(r.nextBoolean() ? pick(r, FLOATS) : randomFloat(r));
            } else if (kind < 6) {
                sb.append(pick(r, OTHER_VALUES));
            } else if (kind < 8) {
                sb.append('"').append(pick(r, STRINGS)).append(r.nextInt(4) == 0 ? name(r) : "").append('"');
            } else {
                sb.append(randomInteger(r)).append(pick(r, "i", "u", ""));
            }
        }
        int ts = r.nextInt(12);
        if (ts < 7) {
            long micros = r.nextBoolean() ? NOW + pick(r, 123_456L, 7_200_000_000L) // a whole scan at one time
                    : NOW + (r.nextInt(3) - 1) * (r.nextInt(4) == 0 ? 7_200_000_000L : 1_000_000L) + r.nextInt(1_000_000);
            TimestampPrecision unit = r.nextInt(10) == 0 ? TimestampPrecision.values()[r.nextInt(4)] : precision;
            sb.append(' ').append(switch (unit) {
                case S -> micros / 1_000_000;
                case MS -> micros / 1000;
                case US -> micros;
                case NS -> micros * 1000 + r.nextInt(1000);
            });
        } else if (ts < 9) {
            sb.append(pick(r, " ", "  ", " \t"))
                    .append(pick(r, "notatime", "1.5", "-1", "+1772445600000", "99999999999999999999", "9223372036854775807",
                            "-9223372036854775808", "1772445600000 1", "0x10", "", "١٢", "17724456000001772445600000"));
        }
        if (r.nextInt(8) == 0) {
            sb.append(pick(r, " ", "\t", " \u3000", "\u2029", "\r"));
        }
        String line = sb.toString();
        if (r.nextInt(6) == 0 && !line.isEmpty()) { // random damage
            int at = r.nextInt(line.length());
            if (Character.isLowSurrogate(line.charAt(at))) {
                at--;
            }
            String piece = pick(r, ",", " ", "=", "\\", "\"", "", "ä", "\t");
            line = r.nextBoolean() ? line.substring(0, at) + piece + line.substring(at)
                    : line.substring(0, at) + piece + line.substring(Math.min(line.length(), at + 1 + (Character.isHighSurrogate(line.charAt(at)) ? 1 : 0)));
        }
        return line;
    }

    private static String name(Random r) {
        if (r.nextInt(40) == 0) {
            return "k".repeat(100 + r.nextInt(150)); // keys over 200 characters
        }
        StringBuilder sb = new StringBuilder();
        int pieces = 1 + r.nextInt(3);
        for (int p = 0; p < pieces; p++) {
            sb.append(r.nextInt(3) == 0 ? pick(r, NAME_PIECES) : r.nextInt(40) == 0 ? pick(r, BREAKING_PIECES)
                    : pick(r, "a", "b", "speed", "L1", "t0042", "gw1"));
        }
        return sb.toString();
    }

    private static String randomFloat(Random r) {
        double d = switch (r.nextInt(4)) {
            case 0 -> r.nextDouble() * 1000;
            case 1 -> Double.longBitsToDouble(r.nextLong());
            case 2 -> Math.round(r.nextDouble() * 1_000_000) / 1000.0;
            default -> r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
        };
        String s = Double.toString(d);
        if (s.contains("N") || s.contains("I")) {
            return "1.25";
        }
        return switch (r.nextInt(3)) {
            case 0 -> s;
            case 1 -> new java.math.BigDecimal(d).round(new java.math.MathContext(1 + r.nextInt(25))).toString();
            default -> String.format(java.util.Locale.ROOT, "%." + r.nextInt(20) + "f", d);
        };
    }

    private static String randomInteger(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> Long.toString(r.nextLong());
            case 1 -> Integer.toString(r.nextInt(1000) - 500);
            default -> "9".repeat(1 + r.nextInt(22));
        };
    }

    private static long pick(Random r, long... options) {
        return options[r.nextInt(options.length)];
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
