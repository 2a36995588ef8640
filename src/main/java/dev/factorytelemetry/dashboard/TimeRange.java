package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * A half-open time range {@code [from, to)} of a request, parsed and validated. Times are ISO-8601 with an offset
 * ({@code 2026-10-25T00:00:00+02:00}, {@code 2026-10-24T22:00:00Z}), or plant-local without one
 * ({@code 2026-10-25T06:00}), or a plant-local date ({@code 2026-10-25}, meaning its local midnight).
 */
public record TimeRange(Instant from, Instant to) {

    public Duration span() {
        return Duration.between(from, to);
    }

    /**
     * Parses {@code from}/{@code to}; a missing {@code to} is {@code now}, a missing {@code from} is {@code to - defaultSpan}.
     * The range is then widened to whole buckets of {@code level} in the plant time zone.
     */
    static TimeRange parse(String from, String to, Duration defaultSpan, WindowQuery.Level level, ZoneId zone,
                           Duration maxSpan, Instant now) {
        Instant end = to == null || to.isBlank() ? now : parseTime("to", to, zone);
        Instant start = from == null || from.isBlank() ? end.minus(defaultSpan) : parseTime("from", from, zone);
        if (!start.isBefore(end)) {
            throw invalid("from", "must be before 'to' (" + start + " is not before " + end + ")");
        }
        TimeRange aligned = new TimeRange(floor(start, level, zone), ceil(end, level, zone));
        if (aligned.span().compareTo(maxSpan) > 0) {
            throw invalid("to", "the range spans " + aligned.span().toDays() + " days; at most " + maxSpan.toDays()
                    + " days are allowed" + (level == WindowQuery.Level.HOUR ? " with hourly buckets: ask for granularity=day" : ""));
        }
        return aligned;
    }

    static Instant parseTime(String name, String value, ZoneId zone) {
        String v = value.trim();
        try {
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(zone).toInstant();
            }
            if (v.endsWith("Z") || v.matches(".*[+-]\\d\\d:?\\d\\d$")) {
                return OffsetDateTime.parse(v).toInstant();
            }
            return LocalDateTime.parse(v).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw invalid(name, "'" + value + "' is not an ISO-8601 time (e.g. 2026-10-25T06:00:00Z, 2026-10-25T08:00 in plant time, or 2026-10-25)");
        }
    }

    /** Start of the minute (UTC), hour or local day containing {@code t}. */
    static Instant floor(Instant t, WindowQuery.Level level, ZoneId zone) {
        ZonedDateTime local = t.atZone(zone);
        return switch (level) {
            case MINUTE -> t.truncatedTo(ChronoUnit.MINUTES);
            case HOUR -> local.truncatedTo(ChronoUnit.HOURS).toInstant();
            case DAY -> local.toLocalDate().atStartOfDay(zone).toInstant();
        };
    }

    /** {@code t} if it starts a minute, an hour or a local day, else the start of the next one. */
    static Instant ceil(Instant t, WindowQuery.Level level, ZoneId zone) {
        Instant floor = floor(t, level, zone);
        if (floor.equals(t)) {
            return t;
        }
        return switch (level) {
            case MINUTE -> floor.plus(1, ChronoUnit.MINUTES);
            case HOUR -> floor.atZone(zone).plusHours(1).toInstant();
            case DAY -> t.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
        };
    }

    static WindowQuery.Level level(String granularity) {
        if (granularity == null || granularity.isBlank() || granularity.equalsIgnoreCase("hour")) {
            return WindowQuery.Level.HOUR;
        }
        if (granularity.equalsIgnoreCase("day")) {
            return WindowQuery.Level.DAY;
        }
        throw invalid("granularity", "must be 'hour' or 'day', not '" + granularity + "'");
    }

    static ProblemException invalid(String field, String message) {
        return new ProblemException(Problem.of(400, "Invalid request", field + ": " + message)
                .withErrors(List.of(new Problem.FieldError(null, field, message))));
    }
}
