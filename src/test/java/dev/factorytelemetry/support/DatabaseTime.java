package dev.factorytelemetry.support;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * "Now" for tests: the test cluster's clock, which the service follows too (DatabaseClock). Tests never read the
 * JVM's clock where the answer depends on the date, so that a run with the cluster's clock moved
 * ({@code -Dtest.clock=...}, see deploy/local/test-dates) sees one consistent "now" in SQL, in the service and here.
 */
public final class DatabaseTime {

    /** Database time minus JVM time in microseconds, per cluster port. */
    private static final Map<Integer, Long> OFFSETS = new ConcurrentHashMap<>();

    private DatabaseTime() {
    }

    /** The current time of the current test cluster. */
    public static Instant now() {
        LocalTimescale cluster = TimescaleTestResource.currentCluster;
        if (cluster == null) {
            throw new IllegalStateException("no test cluster has been started yet");
        }
        long offset = OFFSETS.computeIfAbsent(cluster.port(), port -> measure(cluster));
        return Instant.now().plusNanos(offset * 1_000L);
    }

    private static long measure(LocalTimescale cluster) {
        long before = micros(Instant.now());
        long server = Long.parseLong(cluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint").trim());
        long after = micros(Instant.now());
        return server - (before + after) / 2;
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000L;
    }
}
