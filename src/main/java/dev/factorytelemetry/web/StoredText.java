package dev.factorytelemetry.web;

/**
 * What every string from a request must satisfy before it may reach PostgreSQL: {@code text} cannot
 * hold NUL (U+0000; the server answers "invalid byte sequence" and the request would fail with 500),
 * and a lone UTF-16 surrogate has no UTF-8 encoding (the driver would store it as {@code ?}). One check,
 * applied at one place per input path: JSON bodies ({@link StrictJson}), telemetry samples (both
 * formats) and URI parameters ({@link UriTextFilter}).
 */
public final class StoredText {

    private StoredText() {
    }

    /** Why {@code text} cannot be stored as PostgreSQL text, or null when it can. */
    public static String problem(String text) {
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return "must not contain NUL characters (U+0000, position " + i + ")";
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return "must not contain a lone UTF-16 surrogate (U+" + Integer.toHexString(c).toUpperCase()
                            + ", position " + i + "): it is not a Unicode character";
                }
            }
        }
        return null;
    }
}
