package dev.factorytelemetry.ingest;

/**
 * Recently seen valid metric keys, one String instance per key: a gateway sends the same keys in every
 * batch, so the parsers take the known instance instead of building and validating a new String per
 * sample, and the metric cache then finds it by identity with its hash already computed. A direct-mapped
 * table (a slot holds the last valid key that hashed to it): a miss only costs what every sample cost
 * before. Shared by all threads; a slot is replaced racily, which is harmless (Strings are immutable).
 */
final class MetricKeys {

    private static final int SLOT_BITS = 15;
    private static final String[] KNOWN = new String[1 << SLOT_BITS];

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

    /** The known valid key with these characters (one per byte, as ISO-8859-1), or null. */
    static String known(byte[] bytes, int offset, int length) {
        int h = 0;
        for (int i = offset; i < offset + length; i++) {
            h = 31 * h + (bytes[i] & 0xFF);
        }
        String s = KNOWN[slot(h)];
        if (s == null || s.length() != length || s.hashCode() != h) {
            return null;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != (bytes[offset + i] & 0xFF)) {
                return null;
            }
        }
        return s;
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

    /** Fibonacci hashing: keys that differ only in a few digits ("L1.tag0042") spread over the slots too. */
    private static int slot(int hash) {
        return (hash * 0x9E3779B9) >>> (32 - SLOT_BITS);
    }
}
