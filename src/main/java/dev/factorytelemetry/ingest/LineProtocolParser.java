package dev.factorytelemetry.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Parses InfluxDB line protocol ({@code measurement[,tag=v…] field=v[,field=v…] [timestamp]}) into a
 * {@link SampleBatch}: one sample per field, keyed {@code measurement.tagvalue….field} with the tag
 * values in tag-key order (ignored tags left out) and characters outside the metric-key alphabet
 * replaced by {@code _}. Syntax errors are collected with their 1-based line number (answered 400);
 * values outside the rules (time window, text length, key length) are batch errors (answered 422).
 *
 * <p>It runs once per ingested point, so it reads the body's bytes in place (all syntax characters are
 * ASCII, and in UTF-8 no byte of a multi-byte character is below 0x80): no String per line or token, keys
 * are built in a reused buffer and taken from {@link MetricKeys} when seen before, numbers and timestamps
 * are read from the bytes. Strings are made only for new keys, string field values and error messages.
 * The results are those of reading the body decoded to a String (measurement, keys and values unescaped,
 * lines stripped of Unicode whitespace, tag keys ordered as Strings, doubles exactly as
 * {@link Double#parseDouble}); {@code LineProtocolParserDifferentialTest} compares it with the former
 * String-based parser.
 */
final class LineProtocolParser {

    /** The result: samples, and whether any line was syntactically broken. */
    record Parsed(SampleBatch batch, boolean syntaxErrors) {
    }

    private static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    private static final byte[][] TRUE = ascii("t", "T", "true", "True", "TRUE");
    private static final byte[][] FALSE = ascii("f", "F", "false", "False", "FALSE");

    /** Token classes of the bytes that end or escape tokens. */
    private static final int COMMA = 1;
    private static final int SPACE = 2;
    private static final int EQUALS = 4;
    private static final int BACKSLASH = 8;
    private static final byte[] CLASS = new byte[256];
    /** ASCII byte → itself when in the metric-key alphabet, else '_'. */
    private static final byte[] SANITIZED = new byte[128];
    /** ASCII bytes that {@link Character#isWhitespace} accepts. */
    private static final boolean[] ASCII_WHITESPACE = new boolean[128];
    /** Exact powers of ten as doubles (10^22 is the largest one a double holds exactly). */
    private static final double[] POWERS_OF_TEN = new double[23];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        CLASS[','] = COMMA;
        CLASS[' '] = SPACE;
        CLASS['='] = EQUALS;
        CLASS['\\'] = BACKSLASH;
        for (int c = 0; c < 128; c++) {
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
            SANITIZED[c] = (byte) (ok ? c : '_');
            ASCII_WHITESPACE[c] = Character.isWhitespace(c);
        }
        double power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    private final TimestampPrecision precision;
    private final SampleRules rules;
    private final int maxBatchSize;
    /** UTF-8 of the ignored tag keys and of the quality field keys (compared with the unescaped key bytes). */
    private final byte[][] ignoredTags;
    private final byte[][] qualityFields;
    private final long nowMicros;
    private boolean syntaxErrors;
    /** Whether the body is all ASCII (then tag keys compare as bytes, and no byte starts a multi-byte character). */
    private boolean ascii;
    /** The last timestamp read (its place in the body) and what it gave: a gateway stamps a whole scan with one time. */
    private int lastTimestampFrom = -1;
    private int lastTimestampLength;
    private long lastMicros;
    private String lastTimeProblem;

    /** The body, the read position and the end of the current line (stripped). */
    private byte[] body;
    private int at;
    private int end;
    /** The last token: its bytes are buffer[offset, offset + length), in the body or (unescaped) in the scratch. */
    private byte[] tokenBuffer;
    private int tokenOffset;
    private int tokenLength;
    /** Unescaped tokens of the current line, appended (a grown array leaves earlier tokens in the old one). */
    private byte[] scratch = new byte[128];
    private int scratchLength;
    /** The current field key, for its metric key and for messages. */
    private byte[] fieldBuffer;
    private int fieldOffset;
    private int fieldLength;
    /** The tags of the current line that are not ignored, in line order, and their order by key. */
    private int tagCount;
    private byte[][] tagKeyBuffers = new byte[8][];
    private int[] tagKeyOffsets = new int[8];
    private int[] tagKeyLengths = new int[8];
    private byte[][] tagValueBuffers = new byte[8][];
    private int[] tagValueOffsets = new int[8];
    private int[] tagValueLengths = new int[8];
    private int[] tagOrder = new int[8];
    /** Per sample of the current line: whether its key is new (to be checked). */
    private boolean[] newKeys = new boolean[8];
    /** The metric key being built (ASCII after sanitizing): the prefix of the line, then ".field". */
    private byte[] key = new byte[128];
    private int keyLength;

    LineProtocolParser(TimestampPrecision precision, SampleRules rules, int maxBatchSize, List<String> ignoredTags,
                       List<String> qualityFields, long nowMicros) {
        this.precision = precision;
        this.rules = rules;
        this.maxBatchSize = maxBatchSize;
        this.ignoredTags = utf8(ignoredTags);
        this.qualityFields = utf8(qualityFields);
        this.nowMicros = nowMicros;
    }

    Parsed parse(byte[] body) {
        int utf8 = checkUtf8(body);
        ascii = utf8 == ASCII;
        if (utf8 == INVALID) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body));
            } catch (CharacterCodingException e) {
                // not replaced by U+FFFD and stored: line protocol is UTF-8 (InfluxDB refuses other bytes too)
                SampleBatch batch = new SampleBatch(1);
                batch.error(null, null, "the body is not valid UTF-8 (" + e.getMessage() + ")");
                return new Parsed(batch, true);
            }
        }
        this.body = body;
        lastTimestampFrom = -1;
        SampleBatch batch = new SampleBatch(Math.min(maxBatchSize, body.length / 30 + 1));
        int pos = 0;
        int lineNo = 0;
        int length = body.length;
        while (pos < length) {
            int newline = indexOfNewline(body, pos);
            lineNo++;
            int start = stripStart(body, pos, newline); // strip() also takes the '\r' of CRLF
            int stop = stripEnd(body, start, newline);
            pos = newline + 1;
            if (start == stop || body[start] == '#') {
                continue;
            }
            int before = batch.size();
            try {
                line(start, stop, lineNo, batch);
            } catch (SyntaxError e) {
                while (batch.size() > before) {
                    batch.removeLast();
                }
                syntaxErrors = true;
                batch.error(lineNo, null, e.getMessage() + ": '"
                        + SampleRules.abbreviate(new String(body, start, stop - start, StandardCharsets.UTF_8)) + "'");
            }
            if (batch.size() > maxBatchSize) {
                throw new JsonSampleParser.TooManySamplesException("The request has more than " + maxBatchSize
                        + " fields (telemetry.ingest.max-batch-size); send smaller batches (Telegraf: metric_batch_size)");
            }
        }
        if (batch.size() == 0 && !batch.hasErrors()) {
            syntaxErrors = true;
            batch.error(null, null, "no points in the request body");
        }
        return new Parsed(batch, syntaxErrors);
    }

    private void line(int start, int stop, int lineNo, SampleBatch batch) {
        at = start;
        end = stop;
        scratchLength = 0;
        tagCount = 0;
        token(COMMA | SPACE, COMMA | SPACE);
        if (tokenLength == 0) {
            throw new SyntaxError("missing measurement");
        }
        byte[] measurementBuffer = tokenBuffer;
        int measurementOffset = tokenOffset;
        int measurementLength = tokenLength;
        byte[] b = body;
        while (at < end && b[at] == ',') {
            at++;
            token(EQUALS | COMMA | SPACE, COMMA | EQUALS | SPACE);
            byte[] keyBuffer = tokenBuffer;
            int keyOffset = tokenOffset;
            int keyLen = tokenLength;
            expect('=', "missing tag value");
            token(COMMA | SPACE, COMMA | EQUALS | SPACE);
            if (keyLen == 0 || tokenLength == 0) {
                throw new SyntaxError("missing tag key or value");
            }
            if (!contains(ignoredTags, keyBuffer, keyOffset, keyLen)) { // every value of an ignored key is left out
                addTag(keyBuffer, keyOffset, keyLen);
            }
        }
        if (at >= end || b[at] != ' ') {
            throw new SyntaxError("missing fields");
        }
        skipSpaces();
        keyLength = 0;
        appendSanitized(measurementBuffer, measurementOffset, measurementLength);
        appendTagValues();
        int prefixLength = keyLength;
        int first = batch.size();
        long quality = Long.MIN_VALUE; // none
        boolean more = true;
        // fields are added with a provisional timestamp, fixed once the timestamp is read
        while (more) {
            token(EQUALS | SPACE, COMMA | EQUALS | SPACE);
            fieldBuffer = tokenBuffer;
            fieldOffset = tokenOffset;
            fieldLength = tokenLength;
            if (fieldLength == 0) {
                throw new SyntaxError("missing field key");
            }
            expect('=', "missing field value");
            if (at >= end || b[at] == ' ' || b[at] == ',') {
                throw new SyntaxError("missing field value for '" + field() + "'");
            }
            boolean isQuality = contains(qualityFields, fieldBuffer, fieldOffset, fieldLength);
            if (b[at] == '"') {
                String value = quotedString();
                if (isQuality) {
                    quality = statusCode(value);
                } else {
                    int i = add(batch, lineNo, first, prefixLength);
                    batch.setText(i, value);
                }
            } else {
                token(COMMA | SPACE, 0);
                if (isQuality) {
                    quality = numericQuality(new String(tokenBuffer, tokenOffset, tokenLength, StandardCharsets.UTF_8));
                } else {
                    int i = add(batch, lineNo, first, prefixLength);
                    value(batch, i, tokenBuffer, tokenOffset, tokenLength);
                }
            }
            more = at < end && b[at] == ',';
            if (more) {
                at++;
            }
        }
        long micros = nowMicros;
        String timeProblem;
        skipSpaces();
        if (at < end) {
            int from = stripStart(b, at, end);
            int to = stripEnd(b, from, end);
            if (to - from == lastTimestampLength && lastTimestampFrom >= 0 && equal(b, lastTimestampFrom, from, to - from)) {
                micros = lastMicros;
                timeProblem = lastTimeProblem;
            } else {
                if (!isInteger(b, from, to)) {
                    throw new SyntaxError("invalid timestamp '" + SampleRules.abbreviate(new String(b, from, to - from,
                            StandardCharsets.UTF_8)) + "' (an integer in precision " + precision.name().toLowerCase() + " is expected)");
                }
                try {
                    micros = precision.toMicros(parseLong(b, from, to));
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new SyntaxError("timestamp out of range");
                }
                timeProblem = rules.timeProblem(micros);
                lastTimestampFrom = from;
                lastTimestampLength = to - from;
                lastMicros = micros;
                lastTimeProblem = timeProblem;
            }
        } else {
            timeProblem = rules.timeProblem(micros);
        }
        for (int i = first; i < batch.size(); i++) {
            batch.micros[i] = micros;
            if (quality != Long.MIN_VALUE) {
                batch.setQuality(i, (int) quality);
            }
            String metricKey = batch.keys[i];
            if (newKeys[i - first]) { // known keys were valid
                String keyProblem = SampleRules.keyProblem(metricKey);
                if (keyProblem != null) {
                    batch.error(lineNo, metricKey, "metric key " + keyProblem);
                } else {
                    MetricKeys.rememberValidBytes(metricKey);
                }
            }
            if (batch.kinds[i] == SampleBatch.Kind.TEXT) {
                String textProblem = rules.textProblem(batch.texts[i]);
                if (textProblem != null) {
                    batch.error(lineNo, metricKey, textProblem);
                }
            }
        }
        if (timeProblem != null) {
            batch.error(lineNo, null, timeProblem);
        }
    }

    /**
     * Appends a sample keyed prefix + "." + the sanitized current field key; a known key costs no new String
     * (and no check: {@link #newKeys} tells the line's end which keys to check).
     */
    private int add(SampleBatch batch, int lineNo, int first, int prefixLength) {
        keyLength = prefixLength;
        ensureKeyCapacity(1);
        key[keyLength++] = '.';
        appendSanitized(fieldBuffer, fieldOffset, fieldLength);
        String known = MetricKeys.known(key, 0, keyLength);
        int i = batch.add(lineNo, known != null ? known : new String(key, 0, keyLength, StandardCharsets.ISO_8859_1), 0);
        if (i - first == newKeys.length) {
            newKeys = Arrays.copyOf(newKeys, newKeys.length * 2);
        }
        newKeys[i - first] = known == null;
        return i;
    }

    private void value(SampleBatch batch, int i, byte[] s, int from, int length) {
        int to = from + length;
        byte last = s[to - 1];
        double d;
        if (last == 'i' && isInteger(s, from, to - 1)) {
            try {
                batch.setInteger(i, parseLong(s, from, to - 1));
            } catch (NumberFormatException e) {
                throw new SyntaxError("integer field '" + field() + "' is out of the 64-bit range");
            }
        } else if (last == 'u' && length > 1 && s[from] != '-' && s[from] != '+' && isInteger(s, from, to - 1)) {
            try {
                batch.setInteger(i, parseLong(s, from, to - 1));
            } catch (NumberFormatException e) {
                throw new SyntaxError("unsigned field '" + field() + "' exceeds 9223372036854775807 (stored as bigint)");
            }
        } else if (!Double.isNaN(d = parseFloat(s, from, to))) { // before the booleans: no boolean spelling is a float
            if (Double.isInfinite(d)) {
                throw new SyntaxError("float field '" + field() + "' is out of range");
            }
            batch.setNumber(i, d);
        } else if (contains(TRUE, s, from, length)) {
            batch.setBool(i, true);
        } else if (contains(FALSE, s, from, length)) {
            batch.setBool(i, false);
        } else {
            throw new SyntaxError("invalid field value '" + SampleRules.abbreviate(new String(s, from, length,
                    StandardCharsets.UTF_8)) + "' for field '" + field() + "'");
        }
    }

    /** The current field key as a String (for messages). */
    private String field() {
        return new String(fieldBuffer, fieldOffset, fieldLength, StandardCharsets.UTF_8);
    }

    // ---- tokens

    /**
     * Reads from {@link #at} up to an unescaped stop byte (or the line's end) into the token fields; a
     * backslash escapes the bytes of the classes in escapable and is kept before any other byte.
     */
    private void token(int stops, int escapable) {
        byte[] s = body;
        int n = end;
        int start = at;
        int i = start;
        while (i < n) {
            byte c = s[i];
            int k = CLASS[c & 0xFF];
            if (k != 0) {
                if (k == BACKSLASH) {
                    if (i + 1 < n && (CLASS[s[i + 1] & 0xFF] & escapable) != 0) {
                        escapedToken(start, i, stops, escapable);
                        return;
                    }
                } else if ((k & stops) != 0) {
                    break;
                }
            }
            i++;
        }
        at = i;
        tokenBuffer = s;
        tokenOffset = start;
        tokenLength = i - start;
    }

    /** {@link #token} from the first escape on: the unescaped bytes go to the scratch buffer. */
    private void escapedToken(int start, int escape, int stops, int escapable) {
        byte[] s = body;
        int n = end;
        ensureScratchCapacity(n - start);
        byte[] out = scratch;
        int offset = scratchLength;
        int o = offset;
        System.arraycopy(s, start, out, o, escape - start);
        o += escape - start;
        int i = escape;
        while (i < n) {
            byte c = s[i];
            int k = CLASS[c & 0xFF];
            if (k == BACKSLASH && i + 1 < n && (CLASS[s[i + 1] & 0xFF] & escapable) != 0) {
                out[o++] = s[i + 1];
                i += 2;
                continue;
            }
            if ((k & stops) != 0) {
                break;
            }
            out[o++] = c;
            i++;
        }
        at = i;
        scratchLength = o;
        tokenBuffer = out;
        tokenOffset = offset;
        tokenLength = o - offset;
    }

    /** A string field value from the opening quote at {@link #at}; \" and \\ are escapes. */
    private String quotedString() {
        byte[] s = body;
        int n = end;
        int start = at + 1;
        for (int i = start; i < n; i++) {
            byte c = s[i];
            if (c == '"') {
                return closeString(i, new String(s, start, i - start, StandardCharsets.UTF_8));
            }
            if (c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
                ensureScratchCapacity(n - start);
                byte[] out = scratch;
                int o = scratchLength;
                System.arraycopy(s, start, out, o, i - start);
                o += i - start;
                while (i < n) {
                    c = s[i];
                    if (c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\')) {
                        out[o++] = s[i + 1];
                        i += 2;
                    } else if (c == '"') {
                        return closeString(i, new String(out, scratchLength, o - scratchLength, StandardCharsets.UTF_8));
                    } else {
                        out[o++] = c;
                        i++;
                    }
                }
                break;
            }
        }
        throw new SyntaxError("unterminated string field value");
    }

    private String closeString(int quote, String value) {
        at = quote + 1;
        if (at < end && body[at] != ',' && body[at] != ' ') {
            throw new SyntaxError("unexpected character after string field value");
        }
        return value;
    }

    private void expect(char c, String message) {
        if (at >= end || body[at] != c) {
            throw new SyntaxError(message);
        }
        at++;
    }

    private void skipSpaces() {
        while (at < end && body[at] == ' ') {
            at++;
        }
    }

    private void ensureScratchCapacity(int more) {
        if (scratchLength + more > scratch.length) {
            scratch = Arrays.copyOf(scratch, Math.max(scratch.length * 2, scratchLength + more));
        }
    }

    private void ensureKeyCapacity(int more) {
        if (keyLength + more > key.length) {
            key = Arrays.copyOf(key, Math.max(key.length * 2, keyLength + more));
        }
    }

    // ---- tags and keys

    private void addTag(byte[] keyBuffer, int keyOffset, int keyLen) {
        int t = tagCount;
        if (t == tagOrder.length) {
            int c = t * 2;
            tagKeyBuffers = Arrays.copyOf(tagKeyBuffers, c);
            tagKeyOffsets = Arrays.copyOf(tagKeyOffsets, c);
            tagKeyLengths = Arrays.copyOf(tagKeyLengths, c);
            tagValueBuffers = Arrays.copyOf(tagValueBuffers, c);
            tagValueOffsets = Arrays.copyOf(tagValueOffsets, c);
            tagValueLengths = Arrays.copyOf(tagValueLengths, c);
            tagOrder = Arrays.copyOf(tagOrder, c);
        }
        tagKeyBuffers[t] = keyBuffer;
        tagKeyOffsets[t] = keyOffset;
        tagKeyLengths[t] = keyLen;
        tagValueBuffers[t] = tokenBuffer;
        tagValueOffsets[t] = tokenOffset;
        tagValueLengths[t] = tokenLength;
        tagOrder[t] = t;
        tagCount = t + 1;
    }

    /**
     * Appends "." + the sanitized value of each tag in key order (as a sorted map of the unescaped keys
     * would hold them: a repeated key keeps its last value).
     */
    private void appendTagValues() {
        int n = tagCount;
        int[] order = tagOrder;
        if (n > 16) {
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, this::compareTagKeys); // stable: repeated keys stay in line order
            for (int i = 0; i < n; i++) {
                order[i] = boxed[i];
            }
        } else {
            for (int i = 1; i < n; i++) { // stable insertion sort; tags usually arrive sorted
                int t = order[i];
                int j = i - 1;
                while (j >= 0 && compareTagKeys(order[j], t) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = t;
            }
        }
        for (int i = 0; i < n; i++) {
            int t = order[i];
            if (i + 1 < n && tagKeyLengths[t] == tagKeyLengths[order[i + 1]] && compareTagKeys(t, order[i + 1]) == 0) {
                continue; // a later value for the same key replaces this one
            }
            ensureKeyCapacity(1);
            key[keyLength++] = '.';
            appendSanitized(tagValueBuffers[t], tagValueOffsets[t], tagValueLengths[t]);
        }
    }

    /** String order of two tag keys: the unsigned byte order for ASCII keys (UTF-8 differs from UTF-16 above U+FFFF). */
    private int compareTagKeys(int a, int b) {
        if (!ascii && (nonAscii(a) || nonAscii(b))) {
            return tagKey(a).compareTo(tagKey(b));
        }
        byte[] x = tagKeyBuffers[a];
        byte[] y = tagKeyBuffers[b];
        int xOffset = tagKeyOffsets[a];
        int yOffset = tagKeyOffsets[b];
        int xLength = tagKeyLengths[a];
        int yLength = tagKeyLengths[b];
        for (int i = 0, n = Math.min(xLength, yLength); i < n; i++) { // keys are short: no Arrays.compareUnsigned
            int d = (x[xOffset + i] & 0xFF) - (y[yOffset + i] & 0xFF);
            if (d != 0) {
                return d;
            }
        }
        return xLength - yLength;
    }

    private boolean nonAscii(int t) {
        byte[] key = tagKeyBuffers[t];
        for (int i = tagKeyOffsets[t]; i < tagKeyOffsets[t] + tagKeyLengths[t]; i++) {
            if (key[i] < 0) {
                return true;
            }
        }
        return false;
    }

    private String tagKey(int t) {
        return new String(tagKeyBuffers[t], tagKeyOffsets[t], tagKeyLengths[t], StandardCharsets.UTF_8);
    }

    /**
     * Appends the bytes with each character outside the metric-key alphabet replaced by '_' (one per
     * UTF-16 char, as {@link #sanitize(String)}: two for a character above U+FFFF).
     */
    private void appendSanitized(byte[] s, int from, int length) {
        ensureKeyCapacity(length);
        if (ascii) {
            byte[] out = key;
            int o = keyLength;
            for (int i = from; i < from + length; i++) {
                out[o++] = SANITIZED[s[i]];
            }
            keyLength = o;
        } else {
            keyLength = sanitize(s, from, length, key, keyLength);
        }
    }

    /** Writes the sanitized bytes to out from o on (at most length bytes) and returns the end. */
    private static int sanitize(byte[] s, int from, int length, byte[] out, int o) {
        for (int i = from; i < from + length; i++) {
            int c = s[i] & 0xFF;
            if (c < 0x80) {
                out[o++] = SANITIZED[c];
            } else if (c >= 0xC0) { // the lead byte of a character; continuation bytes add nothing
                out[o++] = '_';
                if (c >= 0xF0) { // 4 bytes: a surrogate pair
                    out[o++] = '_';
                }
            }
        }
        return o;
    }

    /** Characters outside the metric-key alphabet become '_'. */
    static String sanitize(String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8); // an unpaired surrogate becomes '?', then '_' too
        byte[] out = new byte[bytes.length];
        return new String(out, 0, sanitize(bytes, 0, bytes.length, out, 0), StandardCharsets.ISO_8859_1);
    }

    // ---- values

    /** "OK (0x0)", "BadNodeIdUnknown (0x80340000)" → the status code (32 bits, stored signed); Long.MIN_VALUE: none. */
    static long statusCode(String text) {
        // the first match of \((0x[0-9A-Fa-f]{1,8})\)
        for (int p = text.indexOf("(0x"); p >= 0; p = text.indexOf("(0x", p + 1)) {
            int digits = p + 3;
            int i = digits;
            while (i < text.length() && isHexDigit(text.charAt(i))) {
                i++;
            }
            if (i > digits && i - digits <= 8 && i < text.length() && text.charAt(i) == ')') {
                return (int) Long.parseLong(text, digits, i, 16);
            }
        }
        return Long.MIN_VALUE;
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** An integer or float field value as quality ("192i", "0u", "1.0"); Long.MIN_VALUE: none. */
    private static long numericQuality(String raw) {
        String digits = raw.endsWith("i") || raw.endsWith("u") ? raw.substring(0, raw.length() - 1) : raw;
        try {
            long v = (long) Double.parseDouble(digits);
            return v >= Integer.MIN_VALUE && v <= 0xFFFF_FFFFL ? (int) v : Long.MIN_VALUE;
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** [-+]?digits */
    static boolean isInteger(String s, int from, int to) {
        byte[] bytes = s.substring(from, to).getBytes(StandardCharsets.UTF_8);
        return isInteger(bytes, 0, bytes.length);
    }

    static boolean isInteger(byte[] s, int from, int to) {
        int i = from;
        if (i < to && (s[i] == '-' || s[i] == '+')) {
            i++;
        }
        if (i >= to) {
            return false;
        }
        for (; i < to; i++) {
            byte c = s[i];
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Long.parseLong of bytes that {@link #isInteger(byte[], int, int)} accepted; NumberFormatException on overflow. */
    static long parseLong(byte[] s, int from, int to) {
        int i = from;
        boolean negative = s[i] == '-';
        if (negative || s[i] == '+') {
            i++;
        }
        if (to - i <= 18) { // cannot overflow
            long result = 0;
            for (; i < to; i++) {
                result = result * 10 + (s[i] - '0');
            }
            return negative ? -result : result;
        }
        long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        long multiplyMin = limit / 10;
        long result = 0; // accumulated negatively: the negative range is the larger one
        for (; i < to; i++) {
            int digit = s[i] - '0';
            if (result < multiplyMin) {
                throw new NumberFormatException("out of range");
            }
            result *= 10;
            if (result < limit + digit) {
                throw new NumberFormatException("out of range");
            }
            result -= digit;
        }
        return negative ? result : -result;
    }

    /** [-+]?(digits[.digits*]|.digits)([eE][-+]?digits)? — what InfluxDB accepts as a float (no NaN/Inf/hex). */
    static boolean isFloat(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return !Double.isNaN(parseFloat(bytes, 0, bytes.length));
    }

    /**
     * The value of a float as {@link #isFloat(String)} defines it, exactly as {@link Double#parseDouble} gives
     * it; NaN when the bytes are no such float. At most 15 significant digits and a power of ten up to 22 is
     * Double.parseDouble's own exact case (the digits and the power are exact doubles, so one multiplication
     * or division rounds correctly): computed here the same way; anything else goes to Double.parseDouble.
     */
    static double parseFloat(byte[] s, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && (s[i] == '-' || s[i] == '+')) {
            negative = s[i] == '-';
            i++;
        }
        long digits = 0;
        int significant = 0; // from the first non-zero digit on
        int mantissa = 0;
        for (; i < to; i++) {
            int d = s[i] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            significant += digits != 0 || d != 0 ? 1 : 0;
            digits = digits * 10 + d;
            mantissa++;
        }
        int scale = 0;
        if (i < to && s[i] == '.') {
            for (i++; i < to; i++) {
                int d = s[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                significant += digits != 0 || d != 0 ? 1 : 0;
                digits = digits * 10 + d;
                scale++;
            }
            mantissa += scale;
        }
        if (mantissa == 0) {
            return Double.NaN;
        }
        int exponent = 0;
        if (i < to && (s[i] == 'e' || s[i] == 'E')) {
            i++;
            boolean negativeExponent = false;
            if (i < to && (s[i] == '-' || s[i] == '+')) {
                negativeExponent = s[i] == '-';
                i++;
            }
            int start = i;
            for (; i < to; i++) {
                int d = s[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                exponent = exponent < 100_000 ? exponent * 10 + d : exponent;
            }
            if (i == start) {
                return Double.NaN;
            }
            exponent = negativeExponent ? -exponent : exponent;
        }
        if (i != to) {
            return Double.NaN;
        }
        int power = exponent - scale;
        if (significant > 15 || power > 22 || power < -22) {
            return Double.parseDouble(new String(s, from, to - from, StandardCharsets.ISO_8859_1));
        }
        double value = digits; // exact: fewer than 16 digits
        if (digits != 0 && power > 0) {
            value *= POWERS_OF_TEN[power];
        } else if (digits != 0 && power < 0) {
            value /= POWERS_OF_TEN[-power];
        }
        return negative ? -value : value;
    }

    // ---- bytes

    /** Whether the UTF-8 decoder would accept the bytes. */
    static boolean isValidUtf8(byte[] s) {
        return checkUtf8(s) != INVALID;
    }

    private static final int INVALID = 0;
    private static final int ASCII = 1;
    private static final int UTF8 = 2;

    /** INVALID, ASCII or (valid, not all ASCII) UTF8; 8 ASCII bytes at a time, the rest checked by hand. */
    private static int checkUtf8(byte[] s) {
        int n = s.length;
        int kind = ASCII;
        int i = 0;
        while (i < n) {
            while (i + 8 <= n && ((long) LONGS.get(s, i) & 0x8080_8080_8080_8080L) == 0) {
                i += 8;
            }
            if (i >= n) {
                break;
            }
            int c = s[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            kind = UTF8;
            if (c < 0xC2) { // a continuation byte, or an overlong 2-byte form
                return INVALID;
            }
            if (c < 0xE0) {
                if (i + 1 >= n || !continuation(s[i + 1])) {
                    return INVALID;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= n) {
                    return INVALID;
                }
                int b1 = s[i + 1] & 0xFF;
                int low = c == 0xE0 ? 0xA0 : 0x80; // not overlong
                int high = c == 0xED ? 0x9F : 0xBF; // not a surrogate
                if (b1 < low || b1 > high || !continuation(s[i + 2])) {
                    return INVALID;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= n) {
                    return INVALID;
                }
                int b1 = s[i + 1] & 0xFF;
                int low = c == 0xF0 ? 0x90 : 0x80; // not overlong
                int high = c == 0xF4 ? 0x8F : 0xBF; // not above U+10FFFF
                if (b1 < low || b1 > high || !continuation(s[i + 2]) || !continuation(s[i + 3])) {
                    return INVALID;
                }
                i += 4;
            } else {
                return INVALID;
            }
        }
        return kind;
    }

    /** The position of the next '\n' from from on, or s.length (8 bytes at a time). */
    private static int indexOfNewline(byte[] s, int from) {
        int i = from;
        int n = s.length;
        for (; i + 8 <= n; i += 8) {
            long x = (long) LONGS.get(s, i) ^ 0x0A0A_0A0A_0A0A_0A0AL; // '\n' bytes become 0
            long zeros = (x - 0x0101_0101_0101_0101L) & ~x & 0x8080_8080_8080_8080L; // exact for the lowest zero byte
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        while (i < n && s[i] != '\n') {
            i++;
        }
        return i;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    /** The first position in [from, to) after leading whitespace ({@link String#strip()}'s definition). */
    private static int stripStart(byte[] s, int from, int to) {
        int i = from;
        while (i < to) {
            int c = s[i];
            if (c >= 0) {
                if (!ASCII_WHITESPACE[c]) {
                    break;
                }
                i++;
            } else {
                int length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
                if (!Character.isWhitespace(codePoint(s, i, length))) {
                    break;
                }
                i += length;
            }
        }
        return i;
    }

    /** The end of [from, to) before trailing whitespace ({@link String#strip()}'s definition). */
    private static int stripEnd(byte[] s, int from, int to) {
        int i = to;
        while (i > from) {
            int c = s[i - 1];
            if (c >= 0) {
                if (!ASCII_WHITESPACE[c]) {
                    break;
                }
                i--;
            } else {
                int lead = i - 1;
                while (lead > from && continuation(s[lead])) {
                    lead--;
                }
                if (!Character.isWhitespace(codePoint(s, lead, i - lead))) {
                    break;
                }
                i = lead;
            }
        }
        return i;
    }

    /** The code point of a valid UTF-8 sequence of 2 to 4 bytes. */
    private static int codePoint(byte[] s, int at, int length) {
        int cp = s[at] & (0xFF >> (length + 1));
        for (int i = at + 1; i < at + length; i++) {
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        return cp;
    }

    private static boolean contains(byte[][] set, byte[] s, int from, int length) {
        for (byte[] element : set) {
            if (element.length == length && equal(element, s, from)) {
                return true;
            }
        }
        return false;
    }

    /** Whether s[a, a + length) and s[b, b + length) are equal. */
    private static boolean equal(byte[] s, int a, int b, int length) {
        if (length >= 8 && length <= 16) { // e.g. a timestamp: the first and the last 8 bytes
            return (long) LONGS.get(s, a) == (long) LONGS.get(s, b)
                    && (long) LONGS.get(s, a + length - 8) == (long) LONGS.get(s, b + length - 8);
        }
        for (int i = 0; i < length; i++) {
            if (s[a + i] != s[b + i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether s holds all of word from from on (short words: no Arrays.equals). */
    private static boolean equal(byte[] word, byte[] s, int from) {
        for (int i = 0; i < word.length; i++) {
            if (word[i] != s[from + i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[][] ascii(String... words) {
        return utf8(List.of(words));
    }

    /** UTF-8 of each String (a String with an unpaired surrogate cannot equal any decoded key: left out). */
    private static byte[][] utf8(List<String> strings) {
        byte[][] out = new byte[strings.size()][];
        int n = 0;
        for (String s : strings) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == s.length() || new String(bytes, StandardCharsets.UTF_8).equals(s)) {
                out[n++] = bytes;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
