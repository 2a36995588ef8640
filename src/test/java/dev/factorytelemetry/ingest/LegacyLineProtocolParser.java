package dev.factorytelemetry.ingest;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The line-protocol parser as it was before it tokenized bytes (commit ac0a4f7), kept verbatim as the oracle
 * of {@code LineProtocolParserDifferentialTest} and the baseline of {@code bench/ingest/ParserBench.java}.
 * Do not change it; it is not used by the service.
 *
 * <p>Parses InfluxDB line protocol ({@code measurement[,tag=v…] field=v[,field=v…] [timestamp]}) into a
 * {@link SampleBatch}: one sample per field, keyed {@code measurement.tagvalue….field} with the tag
 * values in tag-key order (ignored tags left out) and characters outside the metric-key alphabet
 * replaced by {@code _}. Syntax errors are collected with their 1-based line number (answered 400);
 * values outside the rules (time window, text length, key length) are batch errors (answered 422).
 */
final class LegacyLineProtocolParser {

    private static final Pattern STATUS_CODE = Pattern.compile("\\((0x[0-9A-Fa-f]{1,8})\\)");
    private static final Set<String> TRUE = Set.of("t", "T", "true", "True", "TRUE");
    private static final Set<String> FALSE = Set.of("f", "F", "false", "False", "FALSE");

    /** The result: samples, and whether any line was syntactically broken. */
    record Parsed(SampleBatch batch, boolean syntaxErrors) {
    }

    private static final class SyntaxError extends RuntimeException {
        SyntaxError(String message) {
            super(message, null, false, false);
        }
    }

    private final TimestampPrecision precision;
    private final SampleRules rules;
    private final int maxBatchSize;
    private final Set<String> ignoredTags;
    private final Set<String> qualityFields;
    private final long nowMicros;
    private boolean syntaxErrors;

    LegacyLineProtocolParser(TimestampPrecision precision, SampleRules rules, int maxBatchSize, List<String> ignoredTags,
                       List<String> qualityFields, long nowMicros) {
        this.precision = precision;
        this.rules = rules;
        this.maxBatchSize = maxBatchSize;
        this.ignoredTags = Set.copyOf(ignoredTags);
        this.qualityFields = Set.copyOf(qualityFields);
        this.nowMicros = nowMicros;
    }

    Parsed parse(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            // not replaced by U+FFFD and stored: line protocol is UTF-8 (InfluxDB refuses other bytes too)
            SampleBatch batch = new SampleBatch(1);
            batch.error(null, null, "the body is not valid UTF-8 (" + e.getMessage() + ")");
            return new Parsed(batch, true);
        }
        SampleBatch batch = new SampleBatch(Math.min(maxBatchSize, body.length / 30 + 1));
        int pos = 0;
        int lineNo = 0;
        int length = text.length();
        while (pos < length) {
            int end = text.indexOf('\n', pos);
            if (end < 0) {
                end = length;
            }
            lineNo++;
            String line = text.substring(pos, end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end);
            pos = end + 1;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.charAt(0) == '#') {
                continue;
            }
            int before = batch.size();
            try {
                line(trimmed, lineNo, batch);
            } catch (SyntaxError e) {
                while (batch.size() > before) {
                    batch.removeLast();
                }
                syntaxErrors = true;
                batch.error(lineNo, null, e.getMessage() + ": '" + SampleRules.abbreviate(trimmed) + "'");
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

    private void line(String line, int lineNo, SampleBatch batch) {
        int[] at = {0};
        String measurement = token(line, at, ", ", ", ");
        if (measurement.isEmpty()) {
            throw new SyntaxError("missing measurement");
        }
        Map<String, String> tags = new TreeMap<>();
        while (at[0] < line.length() && line.charAt(at[0]) == ',') {
            at[0]++;
            String key = token(line, at, "=, ", ",= ");
            expect(line, at, '=', "missing tag value");
            String value = token(line, at, ", ", ",= ");
            if (key.isEmpty() || value.isEmpty()) {
                throw new SyntaxError("missing tag key or value");
            }
            tags.put(key, value);
        }
        if (at[0] >= line.length() || line.charAt(at[0]) != ' ') {
            throw new SyntaxError("missing fields");
        }
        skipSpaces(line, at);
        StringBuilder prefix = new StringBuilder(sanitize(measurement));
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            if (!ignoredTags.contains(tag.getKey())) {
                prefix.append('.').append(sanitize(tag.getValue()));
            }
        }
        int first = batch.size();
        Integer quality = null;
        boolean more = true;
        // fields are added with a provisional timestamp, fixed once the timestamp is read
        while (more) {
            String field = token(line, at, "= ", ",= ");
            if (field.isEmpty()) {
                throw new SyntaxError("missing field key");
            }
            expect(line, at, '=', "missing field value");
            if (at[0] >= line.length() || line.charAt(at[0]) == ' ' || line.charAt(at[0]) == ',') {
                throw new SyntaxError("missing field value for '" + field + "'");
            }
            boolean isQuality = qualityFields.contains(field);
            if (line.charAt(at[0]) == '"') {
                String value = quotedString(line, at);
                if (isQuality) {
                    quality = statusCode(value);
                } else {
                    int i = add(batch, lineNo, prefix, field);
                    batch.setText(i, value);
                }
            } else {
                String raw = token(line, at, ", ", "");
                if (isQuality) {
                    quality = numericQuality(raw);
                } else {
                    int i = add(batch, lineNo, prefix, field);
                    value(batch, i, raw, field);
                }
            }
            more = at[0] < line.length() && line.charAt(at[0]) == ',';
            if (more) {
                at[0]++;
            }
        }
        long micros = nowMicros;
        skipSpaces(line, at);
        if (at[0] < line.length()) {
            String ts = line.substring(at[0]).strip();
            if (!isInteger(ts, 0, ts.length())) {
                throw new SyntaxError("invalid timestamp '" + SampleRules.abbreviate(ts) + "' (an integer in precision "
                        + precision.name().toLowerCase() + " is expected)");
            }
            try {
                micros = precision.toMicros(Long.parseLong(ts));
            } catch (NumberFormatException | ArithmeticException e) {
                throw new SyntaxError("timestamp out of range");
            }
        }
        String timeProblem = rules.timeProblem(micros);
        for (int i = first; i < batch.size(); i++) {
            batch.micros[i] = micros;
            if (quality != null) {
                batch.setQuality(i, quality);
            }
            String key = batch.keys[i];
            if (MetricKeys.known(key) != key) { // known keys were valid
                String keyProblem = SampleRules.keyProblem(key);
                if (keyProblem != null) {
                    batch.error(lineNo, key, "metric key " + keyProblem);
                } else {
                    MetricKeys.rememberValid(key);
                }
            }
            if (batch.kinds[i] == SampleBatch.Kind.TEXT && rules.textProblem(batch.texts[i]) != null) {
                batch.error(lineNo, batch.keys[i], rules.textProblem(batch.texts[i]));
            }
        }
        if (timeProblem != null) {
            batch.error(lineNo, null, timeProblem);
        }
    }

    private static int add(SampleBatch batch, int lineNo, StringBuilder prefix, String field) {
        String key = prefix + "." + sanitize(field);
        String known = MetricKeys.known(key);
        return batch.add(lineNo, known != null ? known : key, 0);
    }

    private static void value(SampleBatch batch, int i, String raw, String field) {
        int n = raw.length();
        char last = raw.charAt(n - 1);
        if (last == 'i' && isInteger(raw, 0, n - 1)) {
            try {
                batch.setInteger(i, Long.parseLong(raw.substring(0, n - 1)));
            } catch (NumberFormatException e) {
                throw new SyntaxError("integer field '" + field + "' is out of the 64-bit range");
            }
        } else if (last == 'u' && n > 1 && raw.charAt(0) != '-' && raw.charAt(0) != '+' && isInteger(raw, 0, n - 1)) {
            try {
                batch.setInteger(i, Long.parseLong(raw.substring(0, n - 1)));
            } catch (NumberFormatException e) {
                throw new SyntaxError("unsigned field '" + field + "' exceeds 9223372036854775807 (stored as bigint)");
            }
        } else if (isFloat(raw)) { // before the booleans: the common case, and no boolean spelling is a float
            double d = Double.parseDouble(raw);
            if (!Double.isFinite(d)) {
                throw new SyntaxError("float field '" + field + "' is out of range");
            }
            batch.setNumber(i, d);
        } else if (TRUE.contains(raw)) {
            batch.setBool(i, true);
        } else if (FALSE.contains(raw)) {
            batch.setBool(i, false);
        } else {
            throw new SyntaxError("invalid field value '" + SampleRules.abbreviate(raw) + "' for field '" + field + "'");
        }
    }

    /** [-+]?digits */
    static boolean isInteger(String s, int from, int to) {
        int i = from;
        if (i < to && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        if (i >= to) {
            return false;
        }
        for (; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** [-+]?(digits[.digits*]|.digits)([eE][-+]?digits)? — what InfluxDB accepts as a float (no NaN/Inf/hex). */
    static boolean isFloat(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            i++;
        }
        int mantissa = 0;
        while (i < n && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
            i++;
            mantissa++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                mantissa++;
            }
        }
        if (mantissa == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
                i++;
            }
            int exponent = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
                exponent++;
            }
            if (exponent == 0) {
                return false;
            }
        }
        return i == n;
    }

    /** "OK (0x0)", "BadNodeIdUnknown (0x80340000)" → the status code (32 bits, stored signed). */
    private static Integer statusCode(String text) {
        var m = STATUS_CODE.matcher(text);
        return m.find() ? (int) Long.parseLong(m.group(1).substring(2), 16) : null;
    }

    private static Integer numericQuality(String raw) {
        String digits = raw.endsWith("i") || raw.endsWith("u") ? raw.substring(0, raw.length() - 1) : raw;
        try {
            long v = (long) Double.parseDouble(digits);
            return v >= Integer.MIN_VALUE && v <= 0xFFFF_FFFFL ? (int) v : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Reads up to an unescaped stop character; a backslash escapes the characters in escapable. */
    private static String token(String line, int[] at, String stops, String escapable) {
        StringBuilder sb = null;
        int start = at[0];
        int i = start;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < n && escapable.indexOf(line.charAt(i + 1)) >= 0) {
                if (sb == null) {
                    sb = new StringBuilder(line.substring(start, i));
                }
                sb.append(line.charAt(i + 1));
                i += 2;
                continue;
            }
            if (stops.indexOf(c) >= 0) {
                break;
            }
            if (sb != null) {
                sb.append(c);
            }
            i++;
        }
        at[0] = i;
        return sb != null ? sb.toString() : line.substring(start, i);
    }

    private static String quotedString(String line, int[] at) {
        StringBuilder sb = new StringBuilder();
        int i = at[0] + 1;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < n && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                sb.append(line.charAt(i + 1));
                i += 2;
            } else if (c == '"') {
                at[0] = i + 1;
                if (at[0] < n && line.charAt(at[0]) != ',' && line.charAt(at[0]) != ' ') {
                    throw new SyntaxError("unexpected character after string field value");
                }
                return sb.toString();
            } else {
                sb.append(c);
                i++;
            }
        }
        throw new SyntaxError("unterminated string field value");
    }

    private static void expect(String line, int[] at, char c, String message) {
        if (at[0] >= line.length() || line.charAt(at[0]) != c) {
            throw new SyntaxError(message);
        }
        at[0]++;
    }

    private static void skipSpaces(String line, int[] at) {
        while (at[0] < line.length() && line.charAt(at[0]) == ' ') {
            at[0]++;
        }
    }

    /** Characters outside the metric-key alphabet become '_'. */
    static String sanitize(String part) {
        StringBuilder sb = null;
        for (int i = 0; i < part.length(); i++) {
            char c = part.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
            if (!ok && sb == null) {
                sb = new StringBuilder(part.substring(0, i));
            }
            if (sb != null) {
                sb.append(ok ? c : '_');
            }
        }
        return sb == null ? part : sb.toString();
    }
}
