package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.StoredText;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Checks every sample must pass whatever format it came in: key syntax, finite values, text length,
 * time window (not older than metric_hist's retention, not further ahead than the allowed skew).
 *
 * @param oldestMicros  earliest accepted timestamp (epoch µs), Long.MIN_VALUE when retention is off
 * @param newestMicros  latest accepted timestamp (epoch µs)
 * @param maxTextLength longest TEXT value
 * @param retention     the retention behind oldestMicros, for messages ("90 days"), or null
 */
record SampleRules(long oldestMicros, long newestMicros, int maxTextLength, String retention) {

    /** metric_def.metric_key's CHECK constraint, checked here so that clients get a clear 422. */
    static final Pattern METRIC_KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,199}");

    /** PostgreSQL's timestamptz range is far wider; this keeps arithmetic safe (years 1 .. 9999). */
    private static final long MIN_MICROS = -62_135_596_800_000_000L;
    private static final long MAX_MICROS = 253_402_300_799_999_999L;

    static String keyProblem(String key) {
        if (key.isEmpty()) {
            return "must not be empty";
        }
        if (!validKey(key)) {
            return "'" + abbreviate(key) + "' is not a valid metric key (1-200 characters of A-Z a-z 0-9 _ . : / -, "
                    + "not starting with . : / -)";
        }
        return null;
    }

    /** Same as {@link #METRIC_KEY}, without a regex (it runs once per sample). */
    static boolean validKey(String key) {
        int n = key.length();
        if (n == 0 || n > 200) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (!alnum && (i == 0 || (c != '.' && c != ':' && c != '/' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    String timeProblem(long micros) {
        if (micros < MIN_MICROS || micros > MAX_MICROS) {
            return "timestamp is outside the years 1 to 9999 (wrong precision?)";
        }
        if (micros > newestMicros) {
            return "timestamp " + instant(micros) + " is in the future (more than the allowed clock skew ahead of "
                    + instant(newestMicros) + "); check the gateway's clock and the precision parameter";
        }
        if (micros < oldestMicros) {
            return "timestamp " + instant(micros) + " is older than metric_hist's retention (" + retention
                    + "; oldest accepted " + instant(oldestMicros) + ")";
        }
        return null;
    }

    /** The one check of text values, whichever format they came in (JSON string, line-protocol string field). */
    String textProblem(String text) {
        return text.length() > maxTextLength
                ? "text value has " + text.length() + " characters; at most " + maxTextLength + " are accepted"
                : StoredText.problem(text);
    }

    static String instant(long micros) {
        return Instant.EPOCH.plusSeconds(Math.floorDiv(micros, 1_000_000L))
                .plusNanos(Math.floorMod(micros, 1_000_000L) * 1_000L).toString();
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
