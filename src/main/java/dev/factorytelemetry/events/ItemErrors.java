package dev.factorytelemetry.events;

import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;

/**
 * Collects what is wrong with the items of one batch (item index, field, reason) and ends the request
 * with one problem answer listing them, so that a client can fix everything in one round trip.
 */
final class ItemErrors {

    private final int maxReported;
    private final List<Problem.FieldError> errors = new ArrayList<>();
    private final BitSet failedItems = new BitSet();
    private int count;

    ItemErrors(int maxReported) {
        this.maxReported = maxReported;
    }

    void add(Integer index, String field, String message) {
        count++;
        if (index != null) {
            failedItems.set(index);
        }
        if (errors.size() < maxReported) {
            errors.add(new Problem.FieldError(index, field, message));
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Throws the collected errors, if any, as a problem with the given status. */
    void throwIfAny(int status, String title) {
        if (count == 0) {
            return;
        }
        String detail = count + " error(s) in " + failedItems.cardinality() + " item(s); nothing of this request was stored"
                + (count > errors.size() ? " (the first " + errors.size() + " are listed)" : "");
        throw new ProblemException(new Problem("about:blank", title, status, detail, List.copyOf(errors)));
    }

    // ---- checks; each returns whether the value is acceptable ------------------------------------------

    boolean required(int i, String field, Object value) {
        if (value == null) {
            add(i, field, "is required");
            return false;
        }
        return true;
    }

    boolean requiredText(int i, String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            add(i, field, "is required");
            return false;
        }
        return maxLength(i, field, value, maxLength);
    }

    boolean maxLength(int i, String field, String value, int maxLength) {
        if (value != null && value.length() > maxLength) {
            add(i, field, "must be at most " + maxLength + " characters");
            return false;
        }
        return true;
    }

    boolean oneOf(int i, String field, String value, Collection<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            add(i, field, "must be one of " + String.join(", ", allowed));
            return false;
        }
        return true;
    }

    /** Non-null values must be finite and at least {@code min}. */
    boolean atLeast(int i, String field, Double value, double min) {
        if (value == null) {
            return true;
        }
        if (!Double.isFinite(value) || value < min) {
            add(i, field, "must be a number >= " + fmt(min));
            return false;
        }
        return true;
    }

    boolean greaterThan(int i, String field, Double value, double bound) {
        if (value == null) {
            return true;
        }
        if (!Double.isFinite(value) || value <= bound) {
            add(i, field, "must be a number > " + fmt(bound));
            return false;
        }
        return true;
    }

    boolean between(int i, String field, Double value, double min, double max) {
        if (value == null) {
            return true;
        }
        if (!Double.isFinite(value) || value < min || value > max) {
            add(i, field, "must be between " + fmt(min) + " and " + fmt(max));
            return false;
        }
        return true;
    }

    boolean finite(int i, String field, Double value) {
        if (value != null && !Double.isFinite(value)) {
            add(i, field, "must be a finite number");
            return false;
        }
        return true;
    }

    boolean atLeast(int i, String field, Long value, long min) {
        if (value != null && value < min) {
            add(i, field, "must be >= " + min);
            return false;
        }
        return true;
    }

    /** A timestamp no later than {@code latest} (now + allowed clock skew). */
    boolean notInFuture(int i, String field, OffsetDateTime value, Instant latest) {
        if (value != null && value.toInstant().isAfter(latest)) {
            add(i, field, "lies in the future (after " + latest + ", the allowed clock skew included)");
            return false;
        }
        return true;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
