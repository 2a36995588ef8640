package dev.factorytelemetry.ingest;

import dev.factorytelemetry.ingest.MetricRegistry.Metric;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a parsed batch into metric_hist, all or nothing: resolves metric keys (registering unknown
 * ones when allowed), checks each value against its metric's type, removes repeated metric+ts within
 * the request, and inserts every row with one statement ({@link #INSERT}): one round trip per batch, two when it
 * registers new metrics (their transaction). Answers only after commit.
 */
@ApplicationScoped
public class TelemetryWriter {

    /** What a committed write did: rows inserted, and samples that were already stored (or repeated). */
    public record WriteResult(int accepted, int duplicates) {
    }

    /**
     * One batch, one statement (changeset 0018): on the Apache edition it also logs the batch's time range once
     * for the service-maintained aggregates and keeps metric_hist's per-row invalidation trigger quiet
     * ({@link Rows#parameters}). Returns the rows inserted.
     */
    static final String INSERT = """
            SELECT factory_telemetry.ingest_metric_samples($1::int[], $2::timestamptz[], $3::float8[], $4::int8[], $5::bool[],
                                                           $6::text[], $7::int[], $8::timestamptz, $9::timestamptz)
            """;

    private final Pool pool;
    private final MetricRegistry registry;
    private final PlatformState platform;
    private final IngestConfig config;

    public TelemetryWriter(Pool pool, MetricRegistry registry, PlatformState platform, IngestConfig config) {
        this.pool = pool;
        this.registry = registry;
        this.platform = platform;
        this.config = config;
    }

    /** Writes a batch that passed parsing (no errors); fails with a 422 ProblemException when a sample does not fit. */
    public Uni<WriteResult> write(SampleBatch batch) {
        // the metric of each sample, from the cache; one set only for the (rare) keys not cached
        int n = batch.size();
        Metric[] metrics = new Metric[n];
        Set<String> uncached = null;
        for (int i = 0; i < n; i++) {
            Metric m = registry.cached(batch.keys[i]);
            if (m != null) {
                metrics[i] = m;
            } else {
                if (uncached == null) {
                    uncached = new LinkedHashSet<>();
                }
                uncached.add(batch.keys[i]);
            }
        }
        if (uncached == null) {
            return writeResolved(batch, metrics);
        }
        return registry.load(uncached).flatMap(found -> {
            fill(batch, metrics, found);
            return writeResolved(batch, metrics);
        });
    }

    /** Sets the metric of every sample still without one whose key is in the map. */
    private static void fill(SampleBatch batch, Metric[] metrics, Map<String, Metric> found) {
        if (found.isEmpty()) {
            return;
        }
        for (int i = 0; i < metrics.length; i++) {
            if (metrics[i] == null) {
                metrics[i] = found.get(batch.keys[i]);
            }
        }
    }

    private Uni<WriteResult> writeResolved(SampleBatch batch, Metric[] metrics) {
        // types of the keys still unknown: from their first sample (register) or an error (reject)
        Map<String, ValueType> newKeys = null;
        boolean register = config.unknownMetrics() == IngestConfig.UnknownMetrics.REGISTER;
        for (int i = 0; i < batch.size(); i++) {
            String key = batch.keys[i];
            Metric m = metrics[i];
            ValueType type;
            if (m != null) {
                type = m.type();
            } else if (register) {
                if (newKeys == null) {
                    newKeys = new LinkedHashMap<>();
                }
                type = newKeys.get(key);
                if (type == null) {
                    type = batch.kinds[i].inferredType();
                    newKeys.put(key, type);
                }
            } else {
                batch.error(batch.positions[i], "metric", "unknown metric '" + key
                        + "': this service only accepts metrics registered in metric_def (telemetry.ingest.unknown-metrics=reject)");
                continue;
            }
            String problem = fitProblem(batch, i, type);
            if (problem != null) {
                batch.error(batch.positions[i], "value", problem + " of metric '" + key + "'"
                        + (m == null ? " (registered from this request's first sample of it)" : ""));
            }
        }
        if (batch.hasErrors()) {
            return Uni.createFrom().failure(rejected(batch));
        }
        boolean logInvalidation = !platform.requireEdition().nativePolicies();
        if (newKeys == null) {
            // one statement, one implicit transaction: a single round trip per batch on both editions
            return insert(pool, Rows.of(batch, metrics), logInvalidation)
                    .map(inserted -> new WriteResult(inserted, batch.size() - inserted));
        }
        Map<String, ValueType> toRegister = newKeys;
        return pool.withTransaction(tx -> registry.register(tx, toRegister).flatMap(added -> {
            fill(batch, metrics, added);
            checkConcurrentRegistrations(batch, toRegister, added);
            return insert(tx, Rows.of(batch, metrics), logInvalidation).map(inserted -> new Registered(inserted, added));
        })).map(r -> {
            registry.remember(r.added().values()); // committed: now others may use the new ids
            return new WriteResult(r.inserted(), batch.size() - r.inserted());
        });
    }

    private record Registered(int inserted, Map<String, Metric> added) {
    }

    /** Another request registered one of our new keys first, with another type: our samples may no longer fit. */
    private static void checkConcurrentRegistrations(SampleBatch batch, Map<String, ValueType> newKeys, Map<String, Metric> added) {
        for (int i = 0; i < batch.size(); i++) {
            Metric m = added.get(batch.keys[i]);
            if (m != null && m.type() != newKeys.get(m.key())) {
                String problem = fitProblem(batch, i, m.type());
                if (problem != null) {
                    batch.error(batch.positions[i], "value", problem + " of metric '" + m.key() + "'");
                }
            }
        }
        if (batch.hasErrors()) {
            throw rejected(batch);
        }
    }

    /** Why sample i cannot be stored as the given type, or null. */
    static String fitProblem(SampleBatch batch, int i, ValueType type) {
        SampleBatch.Kind kind = batch.kinds[i];
        boolean fits = switch (type) {
            case REAL -> kind == SampleBatch.Kind.NUMBER || kind == SampleBatch.Kind.INTEGER;
            case INT -> kind == SampleBatch.Kind.INTEGER || (kind == SampleBatch.Kind.NUMBER && batch.integral[i]);
            case BOOL -> kind == SampleBatch.Kind.BOOL;
            case TEXT -> kind == SampleBatch.Kind.TEXT;
        };
        if (fits) {
            return null;
        }
        String what = switch (kind) {
            case NUMBER -> type == ValueType.INT ? "a non-integral number" : "a number";
            case INTEGER -> "an integer";
            case BOOL -> "a boolean";
            case TEXT -> "a string";
        };
        return what + " does not fit value type " + type;
    }

    static ProblemException rejected(SampleBatch batch) {
        return new ProblemException(Problem.of(422, "Invalid samples",
                batch.errorCount() + " sample(s) are invalid; nothing of this request was stored"
                        + (batch.errorCount() > batch.errors().size() ? " (the first " + batch.errors().size() + " are listed)" : ""))
                .withErrors(List.copyOf(batch.errors())));
    }

    /** Inserts the rows of one request; returns the number of rows inserted. */
    private static Uni<Integer> insert(SqlClient client, Rows rows, boolean logInvalidation) {
        return client.preparedQuery(INSERT).execute(rows.parameters(logInvalidation))
                .map(rs -> rs.iterator().next().getInteger(0));
    }

    static OffsetDateTime timestamp(long micros) {
        // LocalDateTime.ofEpochSecond + the fixed offset: no ZoneRules per call (OffsetDateTime.ofInstant makes one)
        return OffsetDateTime.of(LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                (int) Math.floorMod(micros, 1_000_000L) * 1_000, ZoneOffset.UTC), ZoneOffset.UTC);
    }
}
