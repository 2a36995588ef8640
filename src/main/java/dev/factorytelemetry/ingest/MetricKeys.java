package dev.factorytelemetry.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Recently seen valid metric keys, one String instance per key: a gateway sends the same keys in every
 * batch, so the parsers take the known instance instead of building and validating a new String per
 * sample, and the metric cache then finds it by identity with its hash already computed. A direct-mapped
 * table (a slot holds the last valid key that hashed to it): a miss only costs what every sample cost
 * before. Shared by all threads; a slot is replaced racily, which is harmless (Strings and KeyBytes are
 * immutable).
 */
final class MetricKeys {

    private static final int SLOT_BITS = 15;
    /** Slots of each table. */
    private static final int SLOTS = 1 << SLOT_BITS;
    private static final String[] KNOWN = new String[SLOTS];
    /**
     * The keys the line-protocol parser found valid, with their bytes (it builds keys as ASCII bytes, and
     * comparing bytes is cheaper than a String's chars one by one). Filled by {@link #rememberValidBytes}.
     */
    private static final KeyBytes[] KNOWN_BYTES = new KeyBytes[SLOTS];

    private record KeyBytes(String key, byte[] bytes) {
    }

    private MetricKeys() {
    }

    /** The known valid key with these characters, or null. */
    static String known(char[] chars, int offset, int length) {
        int h = 0;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + chars[i];
        }
        String s = KNOWN[slot(h)];
        if (s == null || s.length() != length || s.hashCode() != h) {
            return null;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != chars[offset + i]) {
                return null;
            }
        }
        return s;
    }

    /** The valid key with these characters (one per byte, as ISO-8859-1) remembered by {@link #rememberValidBytes}, or null. */
    static String known(byte[] bytes, int offset, int length) {
        int h = 0;
        int i = offset;
        int end = offset + length;
        for (; i + 4 <= end; i += 4) { // String.hashCode 4 bytes at a time: a shorter chain of multiplications
            h = 923_521 * h + 29_791 * (bytes[i] & 0xFF) + 961 * (bytes[i + 1] & 0xFF) + 31 * (bytes[i + 2] & 0xFF)
                    + (bytes[i + 3] & 0xFF);
        }
        for (; i < end; i++) {
            h = 31 * h + (bytes[i] & 0xFF);
        }
        KeyBytes known = KNOWN_BYTES[slot(h)];
        return known != null && known.bytes.length == length
                && Arrays.equals(known.bytes, 0, length, bytes, offset, offset + length) ? known.key : null;
    }

    /** The known instance of this key when it is a known valid key, else null. */
    static String known(String key) {
        String s = KNOWN[slot(key.hashCode())];
        return s != null && s.equals(key) ? s : null;
    }

    /** Remembers a key that passed {@link SampleRules#keyProblem}. */
    static void rememberValid(String key) {
        KNOWN[slot(key.hashCode())] = key;
    }

    /** {@link #rememberValid}, and remembers the key's bytes for {@link #known(byte[], int, int)}. */
    static void rememberValidBytes(String key) {
        rememberValid(key);
        KNOWN_BYTES[slot(key.hashCode())] = new KeyBytes(key, key.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Fibonacci hashing: keys that differ only in a few digits ("L1.tag0042") spread over the slots too. */
    private static int slot(int hash) {
        return (hash * 0x9E3779B9) >>> (32 - SLOT_BITS);
    }
}
