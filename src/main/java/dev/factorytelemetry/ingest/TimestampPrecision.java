package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.ProblemException;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Unit of numeric timestamps ({@code precision=s|ms|us|ns}); stored timestamps have microsecond resolution. */
public enum TimestampPrecision {
    S(1_000_000L), MS(1_000L), US(1L), NS(-1_000L);

    private static final BigDecimal MAX_MICROS = BigDecimal.valueOf(Long.MAX_VALUE);

    /** Microseconds per unit, or (negative) units per microsecond. */
    private final long factor;

    TimestampPrecision(long factor) {
        this.factor = factor;
    }

    public static TimestampPrecision fromParameter(String value, TimestampPrecision defaultPrecision) {
        if (value == null || value.isBlank()) {
            return defaultPrecision;
        }
        return switch (value.trim()) {
            case "s" -> S;
            case "ms" -> MS;
            case "us" -> US;
            case "ns" -> NS;
            default -> throw ProblemException.badRequest("precision must be one of s, ms, us, ns (was '" + value + "')");
        };
    }

    /** Epoch microseconds of an integral timestamp in this unit; sub-microsecond parts are truncated (floor). */
    long toMicros(long value) {
        if (factor < 0) {
            return Math.floorDiv(value, -factor);
        }
        return Math.multiplyExact(value, factor);
    }

    /** Epoch microseconds of a decimal timestamp in this unit (floor); ArithmeticException when out of range. */
    long toMicros(BigDecimal value) {
        BigDecimal micros = factor < 0
                ? value.divide(BigDecimal.valueOf(-factor), 0, RoundingMode.FLOOR)
                : value.multiply(BigDecimal.valueOf(factor)).setScale(0, RoundingMode.FLOOR);
        if (micros.abs().compareTo(MAX_MICROS) > 0) {
            throw new ArithmeticException("out of range");
        }
        return micros.longValueExact();
    }
}
