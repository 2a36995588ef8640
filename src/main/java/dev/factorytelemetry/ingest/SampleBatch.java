package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.Problem;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The samples of one request after parsing, column by column (no object per sample), with the
 * errors found so far. Each sample remembers its position in the request (JSON item index, or
 * line number for line protocol) so that errors can name it.
 */
final class SampleBatch {

    /** What kind of value a sample carries, as the client wrote it. */
    enum Kind {
        /** A JSON number or a line-protocol float: fits REAL, and INT when integral. */
        NUMBER,
        /** A line-protocol integer ({@code 1i}, {@code 1u}): fits INT and REAL. */
        INTEGER,
        BOOL,
        TEXT;

        /** The type a metric gets when it is registered from a sample of this kind. */
        ValueType inferredType() {
            return switch (this) {
                case NUMBER -> ValueType.REAL;
                case INTEGER -> ValueType.INT;
                case BOOL -> ValueType.BOOL;
                case TEXT -> ValueType.TEXT;
            };
        }
    }

    /** Errors listed in one answer at most; the detail gives the total. */
    static final int MAX_LISTED_ERRORS = 100;

    private int size;
    String[] keys;
    long[] micros;
    Kind[] kinds;
    double[] reals;
    long[] integers;
    /** NUMBER samples: whether the number is integral and fits a bigint ({@link #integers} then holds it). */
    boolean[] integral;
    String[] texts;
    int[] qualities;
    boolean[] hasQuality;
    int[] positions;

    private final List<Problem.FieldError> errors = new ArrayList<>();
    private int errorCount;

    SampleBatch(int capacity) {
        int c = Math.max(16, capacity);
        keys = new String[c];
        micros = new long[c];
        kinds = new Kind[c];
        reals = new double[c];
        integers = new long[c];
        integral = new boolean[c];
        texts = new String[c];
        qualities = new int[c];
        hasQuality = new boolean[c];
        positions = new int[c];
    }

    int size() {
        return size;
    }

    /** Appends a sample slot and returns its index; the caller fills the columns. */
    int add(int position, String key, long tsMicros) {
        if (size == keys.length) {
            int c = size * 2;
            keys = Arrays.copyOf(keys, c);
            micros = Arrays.copyOf(micros, c);
            kinds = Arrays.copyOf(kinds, c);
            reals = Arrays.copyOf(reals, c);
            integers = Arrays.copyOf(integers, c);
            integral = Arrays.copyOf(integral, c);
            texts = Arrays.copyOf(texts, c);
            qualities = Arrays.copyOf(qualities, c);
            hasQuality = Arrays.copyOf(hasQuality, c);
            positions = Arrays.copyOf(positions, c);
        }
        int i = size++;
        keys[i] = key;
        micros[i] = tsMicros;
        positions[i] = position;
        hasQuality[i] = false;
        texts[i] = null;
        return i;
    }

    void setNumber(int i, double value) {
        kinds[i] = Kind.NUMBER;
        reals[i] = value;
        boolean isIntegral = value == Math.rint(value) && Math.abs(value) <= 9.007199254740992E15;
        integral[i] = isIntegral;
        integers[i] = isIntegral ? (long) value : 0;
    }

    /** A JSON integer token: exact as a bigint when it fits. */
    void setNumber(int i, long value) {
        kinds[i] = Kind.NUMBER;
        reals[i] = value;
        integral[i] = true;
        integers[i] = value;
    }

    void setInteger(int i, long value) {
        kinds[i] = Kind.INTEGER;
        reals[i] = value;
        integral[i] = true;
        integers[i] = value;
    }

    void setBool(int i, boolean value) {
        kinds[i] = Kind.BOOL;
        integers[i] = value ? 1 : 0;
    }

    void setText(int i, String value) {
        kinds[i] = Kind.TEXT;
        texts[i] = value;
    }

    void setQuality(int i, int quality) {
        qualities[i] = quality;
        hasQuality[i] = true;
    }

    /** Drops the last added sample (its value turned out to be invalid). */
    void removeLast() {
        size--;
    }

    void error(Integer position, String field, String message) {
        errorCount++;
        if (errors.size() < MAX_LISTED_ERRORS) {
            errors.add(new Problem.FieldError(position, field, message));
        }
    }

    boolean hasErrors() {
        return errorCount > 0;
    }

    int errorCount() {
        return errorCount;
    }

    List<Problem.FieldError> errors() {
        return errors;
    }
}
