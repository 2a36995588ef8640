package dev.factorytelemetry.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Streams {@code {"samples":[{"metric":…,"ts":…,"value":…,"quality":…},…]}} into a {@link SampleBatch}
 * without building a tree. Malformed JSON throws {@link MalformedBodyException}; every well-formed but
 * invalid item is recorded as an error of the batch (all of them, not only the first).
 */
final class JsonSampleParser {

    /**
     * NaN and Infinity are accepted by the tokenizer only to reject them with a clear message. Doubles are
     * read by Jackson's FastDoubleParser (the same correctly rounded values, without a String per number).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(400).build())
            .build();

    /** Thrown for bodies that are not JSON at all (answered 400). */
    static final class MalformedBodyException extends RuntimeException {
        MalformedBodyException(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown when the batch has more samples than allowed (answered 413). */
    static final class TooManySamplesException extends RuntimeException {
        TooManySamplesException(String message) {
            super(message, null, false, false);
        }
    }

    private JsonSampleParser() {
    }

    static SampleBatch parse(byte[] body, TimestampPrecision precision, SampleRules rules, int maxBatchSize) {
        try (JsonParser p = FACTORY.createParser(body)) {
            return parse(p, precision, rules, maxBatchSize, body.length);
        } catch (JsonParseException e) {
            throw new MalformedBodyException("The body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (IOException e) {
            throw new MalformedBodyException("The body cannot be read as JSON: " + e.getMessage());
        }
    }

    private static SampleBatch parse(JsonParser p, TimestampPrecision precision, SampleRules rules, int maxBatchSize,
                                     int bodyLength) throws IOException {
        SampleBatch batch = new SampleBatch(Math.min(maxBatchSize, bodyLength / 40 + 1));
        if (p.nextToken() != JsonToken.START_OBJECT) {
            batch.error(null, "samples", "the body must be a JSON object {\"samples\": [...]}");
            drain(p);
            return batch;
        }
        boolean sawSamples = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("samples".equals(name)) {
                sawSamples = true;
                if (v != JsonToken.START_ARRAY) {
                    batch.error(null, "samples", "must be an array of samples");
                    p.skipChildren();
                    continue;
                }
                int index = 0;
                TimestampMemo memo = new TimestampMemo();
                while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (index >= maxBatchSize) {
                        throw new TooManySamplesException("The batch has more than " + maxBatchSize
                                + " samples (telemetry.ingest.max-batch-size); split it into smaller requests");
                    }
                    if (v != JsonToken.START_OBJECT) {
                        batch.error(index, "", "each sample must be a JSON object");
                        p.skipChildren();
                    } else {
                        item(p, index, batch, precision, rules, memo);
                    }
                    index++;
                }
            } else {
                p.skipChildren(); // unknown top-level members are ignored (forward compatibility)
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new MalformedBodyException("The body is not valid JSON: unexpected " + t);
        }
        drain(p);
        if (!sawSamples) {
            batch.error(null, "samples", "is missing: the body must be {\"samples\": [...]}");
        } else if (batch.size() == 0 && !batch.hasErrors()) {
            batch.error(null, "samples", "is empty: send at least one sample");
        }
        return batch;
    }

    /** Rejects trailing content after the root value. */
    private static void drain(JsonParser p) throws IOException {
        p.skipChildren();
        JsonToken extra = p.nextToken();
        if (extra != null) {
            throw new MalformedBodyException("The body is not valid JSON: unexpected content after the root value");
        }
    }

    /** Gateways stamp a whole scan with one time: parse each distinct timestamp string once. */
    private static final class TimestampMemo {
        private String lastText;
        private long lastMicros;

        /** The current string token's time (compared in the parser's buffer: no String for a repeated time). */
        long micros(JsonParser p) throws IOException {
            char[] chars = p.getTextCharacters();
            int offset = p.getTextOffset();
            int length = p.getTextLength();
            if (lastText != null && lastText.length() == length) {
                int i = 0;
                while (i < length && lastText.charAt(i) == chars[offset + i]) {
                    i++;
                }
                if (i == length) {
                    return lastMicros;
                }
            }
            String text = p.getText();
            long micros = rfc3339Micros(text);
            lastText = text;
            lastMicros = micros;
            return micros;
        }
    }

    private static void item(JsonParser p, int index, SampleBatch batch, TimestampPrecision precision,
                             SampleRules rules, TimestampMemo memo) throws IOException {
        String key = null;
        long micros = 0;
        boolean hasTs = false;
        boolean valid = true;
        JsonToken valueToken = null;
        double realValue = 0;
        long longValue = 0;
        boolean isLong = false;
        String textValue = null;
        Integer quality = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "metric" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        valid = fail(batch, index, "metric", "must be a string (the metric key)", p);
                    } else {
                        key = MetricKeys.known(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        if (key == null) {
                            key = p.getText();
                            String problem = SampleRules.keyProblem(key);
                            if (problem != null) {
                                valid = fail(batch, index, "metric", problem, p);
                            } else {
                                MetricKeys.rememberValid(key);
                            }
                        }
                    }
                }
                case "ts" -> {
                    hasTs = true;
                    String problem;
                    try {
                        if (v == JsonToken.VALUE_STRING) {
                            micros = memo.micros(p);
                        } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                            micros = precision.toMicros(p.getLongValue());
                        } else if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                            if (p.isNaN()) {
                                throw new ArithmeticException("not a number");
                            }
                            micros = precision.toMicros(p.getDecimalValue());
                        } else {
                            throw new DateTimeParseException("must be an RFC 3339 string or a number", "", 0);
                        }
                        problem = rules.timeProblem(micros);
                    } catch (DateTimeParseException e) {
                        problem = v == JsonToken.VALUE_STRING
                                ? "'" + SampleRules.abbreviate(p.getText()) + "' is not an RFC 3339 timestamp with offset "
                                + "(e.g. 2026-11-26T04:00:00.123Z)"
                                : "must be an RFC 3339 string or a number (epoch in the unit of the precision parameter)";
                    } catch (ArithmeticException e) {
                        problem = "timestamp number is out of range for precision " + precision.name().toLowerCase();
                    }
                    if (problem != null) {
                        valid = fail(batch, index, "ts", problem, p);
                    }
                }
                case "value" -> {
                    valueToken = v;
                    switch (v) {
                        case VALUE_NUMBER_INT -> {
                            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                                realValue = p.getDoubleValue();
                            } else {
                                longValue = p.getLongValue();
                                isLong = true;
                            }
                        }
                        case VALUE_NUMBER_FLOAT -> {
                            realValue = p.getDoubleValue();
                            if (!Double.isFinite(realValue)) {
                                valid = fail(batch, index, "value", "must be a finite number (NaN and Infinity are not stored)", p);
                            }
                        }
                        case VALUE_TRUE, VALUE_FALSE -> {
                        }
                        case VALUE_STRING -> {
                            textValue = p.getText();
                            String problem = rules.textProblem(textValue);
                            if (problem != null) {
                                valid = fail(batch, index, "value", problem, p);
                            }
                        }
                        case VALUE_NULL -> valid = fail(batch, index, "value", "must not be null", p);
                        default -> valid = fail(batch, index, "value", "must be a number, a boolean or a string", p);
                    }
                }
                case "quality" -> {
                    if (v == JsonToken.VALUE_NULL) {
                        continue;
                    }
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            || p.getLongValue() < Integer.MIN_VALUE || p.getLongValue() > 0xFFFF_FFFFL) {
                        valid = fail(batch, index, "quality", "must be an integer (a 32-bit quality/status code)", p);
                    } else {
                        quality = (int) p.getLongValue(); // unsigned 32-bit OPC UA status codes wrap to signed
                    }
                }
                default -> p.skipChildren(); // unknown members are ignored
            }
        }
        if (key == null && valid) {
            valid = missing(batch, index, "metric");
        }
        if (!hasTs && valid) {
            valid = missing(batch, index, "ts");
        }
        if (valueToken == null && valid) {
            valid = missing(batch, index, "value");
        }
        if (!valid) {
            return;
        }
        int i = batch.add(index, key, micros);
        switch (valueToken) {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                if (isLong) {
                    batch.setNumber(i, longValue);
                } else {
                    batch.setNumber(i, realValue);
                }
            }
            case VALUE_TRUE -> batch.setBool(i, true);
            case VALUE_FALSE -> batch.setBool(i, false);
            default -> batch.setText(i, textValue);
        }
        if (quality != null) {
            batch.setQuality(i, quality);
        }
    }

    private static boolean fail(SampleBatch batch, int index, String field, String message, JsonParser p) throws IOException {
        batch.error(index, field, message);
        p.skipChildren();
        return false;
    }

    private static boolean missing(SampleBatch batch, int index, String field) {
        batch.error(index, field, "is required");
        return false;
    }

    static long rfc3339Micros(String text) {
        long fast = fastRfc3339Micros(text);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        // RFC 3339 allows 't'/'z' and (section 5.6 note) a space separator
        String normalized = text.length() > 10 && (text.charAt(10) == ' ' || text.charAt(10) == 't')
                ? text.substring(0, 10) + 'T' + text.substring(11) : text;
        if (normalized.endsWith("z")) {
            normalized = normalized.substring(0, normalized.length() - 1) + 'Z';
        }
        OffsetDateTime t = OffsetDateTime.parse(normalized, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        long seconds = t.toEpochSecond();
        return Math.addExact(Math.multiplyExact(seconds, 1_000_000L), t.getNano() / 1_000L);
    }

    /**
     * The common shape {@code YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)} without allocation (the
     * java.time parser costs about half of a sample's parse time); Long.MIN_VALUE for anything else,
     * which then goes through java.time (and its error messages).
     */
    static long fastRfc3339Micros(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't' && s.charAt(10) != ' ')
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28 + 3 || hour < 0 || hour > 23 || minute < 0
                || minute > 59 || second < 0 || second > 59) {
            return Long.MIN_VALUE; // includes leap seconds and out-of-range fields: java.time decides
        }
        if (day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return Long.MIN_VALUE;
        }
        int i = 19;
        long micros = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            int start = i;
            long fraction = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                if (i - start < 6) {
                    fraction = fraction * 10 + (s.charAt(i) - '0');
                }
                i++;
            }
            int count = i - start;
            if (count == 0 || count > 9) {
                return Long.MIN_VALUE;
            }
            for (int k = Math.min(count, 6); k < 6; k++) {
                fraction *= 10;
            }
            micros = fraction;
        }
        if (i >= n) {
            return Long.MIN_VALUE;
        }
        int offsetSeconds;
        char z = s.charAt(i);
        if ((z == 'Z' || z == 'z') && i == n - 1) {
            offsetSeconds = 0;
        } else if ((z == '+' || z == '-') && i == n - 6 && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 18 || om < 0 || om > 59) {
                return Long.MIN_VALUE;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
        } else {
            return Long.MIN_VALUE;
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        long seconds = epochDay * 86_400L + hour * 3600L + minute * 60L + second - offsetSeconds;
        return seconds * 1_000_000L + micros;
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
