package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Names from requests checked against the policy catalog (404 otherwise, before any SQL uses them), the edition check
 * of compression operations, and the management functions' errors as problem answers.
 */
@ApplicationScoped
public class PolicyCatalog {

    private static final String KNOWN_HYPERTABLE_SQL = """
            SELECT EXISTS (SELECT 1 FROM factory_telemetry.hypertable_policy WHERE hypertable_name = $1) AS known
            """;

    private static final String KNOWN_AGGREGATE_SQL = """
            SELECT EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE aggregate_name = $1) AS known
            """;

    private static final String KNOWN_TARGET_SQL = """
            SELECT EXISTS (SELECT 1 FROM factory_telemetry.hypertable_policy WHERE hypertable_name = $1)
                OR EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy WHERE aggregate_name = $1) AS known
            """;

    private final Pool pool;
    private final PlatformState platform;

    public PolicyCatalog(Pool pool, PlatformState platform) {
        this.pool = pool;
        this.platform = platform;
    }

    /** Completes when {@code name} is a hypertable of the policy catalog, fails with a 404 problem otherwise. */
    public Uni<Void> requireHypertable(String name) {
        return require(KNOWN_HYPERTABLE_SQL, name, "'" + name + "' is not a hypertable of the policy catalog");
    }

    /** Completes when {@code name} is an aggregate of the policy catalog, fails with a 404 problem otherwise. */
    public Uni<Void> requireAggregate(String name) {
        return require(KNOWN_AGGREGATE_SQL, name, "'" + name + "' is not an aggregate of the policy catalog");
    }

    /** Completes when {@code name} is a hypertable or an aggregate of the policy catalog, fails with a 404 otherwise. */
    public Uni<Void> requireTarget(String name) {
        return require(KNOWN_TARGET_SQL, name, "'" + name + "' is neither a hypertable nor an aggregate of the policy catalog");
    }

    private Uni<Void> require(String sql, String name, String notFound) {
        return pool.preparedQuery(sql).execute(Tuple.of(name))
                .invoke(rows -> {
                    if (!rows.iterator().next().getBoolean("known")) {
                        throw ProblemException.notFound(notFound);
                    }
                })
                .replaceWithVoid();
    }

    /** Fails with 409 on the Apache edition, where TimescaleDB has no compression. */
    public void requireCompression() {
        if (!platform.requireEdition().nativePolicies()) {
            throw new ProblemException(Problem.of(409, "Not available on this edition", compressionUnavailable()));
        }
    }

    /** Why compression cannot run here, in the words every answer and log uses. */
    public String compressionUnavailable() {
        String license = platform.requireEdition().license().setting();
        return "compression is not available on the " + license + " edition of TimescaleDB (timescaledb.license=" + license + ")";
    }

    /**
     * The management functions' refusals as problem answers: 22xxx (a bad interval, column or window) → 422,
     * object_in_use (a layout change while chunks are compressed) → 409, undefined_table → 404; anything else
     * unchanged (the edition is checked before compression SQL runs, see {@link #requireCompression()}).
     */
    public static Throwable clientError(Throwable failure, String title) {
        if (!(failure instanceof PgException pg) || pg.getSqlState() == null) {
            return failure;
        }
        String state = pg.getSqlState();
        if (state.startsWith("22")) {
            return new ProblemException(Problem.of(422, title, pg.getErrorMessage()));
        }
        return switch (state) {
            case "55006" -> new ProblemException(Problem.of(409, title, pg.getErrorMessage()));
            case "42P01" -> ProblemException.notFound(pg.getErrorMessage());
            default -> failure;
        };
    }
}
