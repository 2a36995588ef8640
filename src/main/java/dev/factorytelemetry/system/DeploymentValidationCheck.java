package dev.factorytelemetry.system;

import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.PlatformConfig;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.platform.SuccessMemo;
import dev.factorytelemetry.platform.TimescaleEdition;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.List;

/**
 * The original deployment script's post-deployment validation, run all the time (readiness check
 * {@code deployment}): every hypertable, policy and aggregate the policy catalog ({@code hypertable_policy},
 * {@code aggregate_policy}) declares exists and matches it. DOWN, naming each missing or differing object, when one
 * was dropped or changed behind the service's back (a DBA's {@code remove_compression_policy}, a dropped aggregate):
 * <ul>
 * <li>both editions: each catalog hypertable is a hypertable; each hypertable of the schema has a catalog row
 * (otherwise nothing manages its lifecycle); each aggregate is materialized ({@code materialization} set) and its
 * {@code X_definition} view exists;</li>
 * <li>Community edition: each aggregate is a continuous aggregate with its refresh policy ({@code start_offset} and
 * schedule as in the catalog); compression and retention policies exist for every catalog row that asks for one,
 * with the catalog's {@code compress_after} / {@code drop_after}, and none drops the chunks of an archived
 * hypertable (the archive job owns its retention);</li>
 * <li>Apache edition (the service-managed equivalents): each aggregate's table, its refresh-state row, and the
 * invalidation triggers on its raw source table (without them backfilled rows never reach it).</li>
 * </ul>
 * One query per {@code telemetry.platform.validation-interval}: probes in between read the cached answer (a failed
 * query is not kept; the next probe asks again). Before start-up finished, or with changesets pending, it reports
 * DOWN without querying (the objects may not exist yet; check {@code timescaledb} says why).
 */
@Readiness
@ApplicationScoped
public class DeploymentValidationCheck implements AsyncHealthCheck {

    static final String NAME = "deployment";

    /**
     * One row: the catalog's counts of hypertables and aggregates (the original's "counts as expected") and every
     * problem as "kind name: problem". $1: native policies (Community edition).
     */
    static final String VALIDATE_SQL = """
            WITH hypertables AS (
                SELECT hypertable_name::text AS name FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'factory_telemetry'
            ), caggs AS (
                SELECT view_name::text AS name, materialization_hypertable_schema::text AS mat_schema,
                       materialization_hypertable_name::text AS mat_name
                FROM timescaledb_information.continuous_aggregates WHERE view_schema = 'factory_telemetry'
            ), jobs AS (
                SELECT j.proc_name::text AS proc, coalesce(c.name, j.hypertable_name::text) AS target, j.config,
                       j.schedule_interval
                FROM timescaledb_information.jobs j
                LEFT JOIN caggs c ON c.mat_schema = j.hypertable_schema AND c.mat_name = j.hypertable_name
                WHERE j.hypertable_schema = 'factory_telemetry' OR c.name IS NOT NULL
            ), retention_targets AS (
                SELECT hypertable_name AS target, retention FROM factory_telemetry.hypertable_policy
                -- archived hypertables: the service's archive job drops (after the export), never a native policy
                WHERE retention IS NOT NULL AND retention_enabled AND NOT archive_enabled
                UNION ALL
                SELECT aggregate_name, retention FROM factory_telemetry.aggregate_policy WHERE retention IS NOT NULL
            ), problems AS (
                SELECT 'hypertable' AS kind, p.hypertable_name AS name,
                       CASE WHEN to_regclass(format('factory_telemetry.%I', p.hypertable_name)) IS NULL THEN 'missing'
                            ELSE 'not a hypertable' END AS problem
                FROM factory_telemetry.hypertable_policy p
                WHERE NOT EXISTS (SELECT 1 FROM hypertables h WHERE h.name = p.hypertable_name)
                UNION ALL
                SELECT 'hypertable', h.name, 'no row in hypertable_policy or aggregate_policy: nothing manages its lifecycle'
                FROM hypertables h
                WHERE NOT EXISTS (SELECT 1 FROM factory_telemetry.hypertable_policy p WHERE p.hypertable_name = h.name)
                  AND NOT EXISTS (SELECT 1 FROM factory_telemetry.aggregate_policy a WHERE a.aggregate_name = h.name)
                UNION ALL
                SELECT 'aggregate', a.aggregate_name,
                       CASE WHEN a.materialization IS NULL THEN 'not materialized (aggregate_policy.materialization is empty)'
                            WHEN a.materialization = 'continuous_aggregate' AND NOT EXISTS (SELECT 1 FROM caggs c WHERE c.name = a.aggregate_name)
                                 THEN 'continuous aggregate missing'
                            WHEN a.materialization = 'service_table' AND NOT EXISTS (SELECT 1 FROM hypertables h WHERE h.name = a.aggregate_name)
                                 THEN CASE WHEN to_regclass(format('factory_telemetry.%I', a.aggregate_name)) IS NULL
                                           THEN 'service-maintained table missing' ELSE 'service-maintained table is not a hypertable' END
                            WHEN a.materialization = 'service_table' AND NOT EXISTS (
                                     SELECT 1 FROM factory_telemetry.aggregate_refresh_state s WHERE s.aggregate_name = a.aggregate_name)
                                 THEN 'refresh state row missing (aggregate_refresh_state)'
                            WHEN to_regclass(format('factory_telemetry.%I', a.aggregate_name || '_definition')) IS NULL
                                 THEN 'definition view ' || a.aggregate_name || '_definition missing'
                       END
                FROM factory_telemetry.aggregate_policy a
                UNION ALL
                SELECT 'invalidation trigger', a.source_name || '.' || t.trigger_name, 'missing: writes to ' || a.source_name
                       || ' that bypass the API no longer reach ' || a.aggregate_name
                FROM factory_telemetry.aggregate_policy a
                JOIN factory_telemetry.hypertable_policy src ON src.hypertable_name = a.source_name
                CROSS JOIN LATERAL (VALUES (a.source_name || '_invalidate_insert'), (a.source_name || '_invalidate_change')) t(trigger_name)
                WHERE NOT $1 AND a.materialization = 'service_table'
                  AND NOT EXISTS (SELECT 1 FROM pg_trigger g
                                  WHERE g.tgrelid = to_regclass(format('factory_telemetry.%I', a.source_name))
                                    AND g.tgname = t.trigger_name)
                UNION ALL
                SELECT 'compression policy', p.hypertable_name,
                       CASE WHEN j.target IS NULL THEN 'missing'
                            ELSE format('compress_after %s, the catalog says %s', j.config->>'compress_after', p.compress_after) END
                FROM factory_telemetry.hypertable_policy p
                LEFT JOIN jobs j ON j.proc = 'policy_compression' AND j.target = p.hypertable_name
                WHERE $1 AND p.compress_after IS NOT NULL
                  AND (j.target IS NULL OR (j.config->>'compress_after')::interval IS DISTINCT FROM p.compress_after)
                UNION ALL
                SELECT 'retention policy', r.target,
                       CASE WHEN j.target IS NULL THEN 'missing'
                            ELSE format('drop_after %s, the catalog says %s', j.config->>'drop_after', r.retention) END
                FROM retention_targets r
                LEFT JOIN jobs j ON j.proc = 'policy_retention' AND j.target = r.target
                WHERE $1 AND (j.target IS NULL OR (j.config->>'drop_after')::interval IS DISTINCT FROM r.retention)
                UNION ALL
                SELECT 'retention policy', p.hypertable_name,
                       'native policy on an archived hypertable: it drops chunks without exporting them (archiving owns retention; '
                       || 'remove_retention_policy, or set_archiving(table, false) to hand retention back)'
                FROM factory_telemetry.hypertable_policy p
                JOIN jobs j ON j.proc = 'policy_retention' AND j.target = p.hypertable_name
                WHERE $1 AND p.archive_enabled
                UNION ALL
                SELECT 'refresh policy', a.aggregate_name,
                       CASE WHEN j.target IS NULL THEN 'missing'
                            ELSE format('start_offset %s every %s, the catalog says %s every %s', j.config->>'start_offset',
                                        j.schedule_interval, a.refresh_start_offset, a.refresh_schedule) END
                FROM factory_telemetry.aggregate_policy a
                LEFT JOIN jobs j ON j.proc = 'policy_refresh_continuous_aggregate' AND j.target = a.aggregate_name
                WHERE $1 AND a.materialization = 'continuous_aggregate'
                  AND EXISTS (SELECT 1 FROM caggs c WHERE c.name = a.aggregate_name)
                  AND (j.target IS NULL OR (j.config->>'start_offset')::interval IS DISTINCT FROM a.refresh_start_offset
                       OR j.schedule_interval IS DISTINCT FROM a.refresh_schedule)
            )
            SELECT (SELECT count(*) FROM factory_telemetry.hypertable_policy) AS hypertables,
                   (SELECT count(*) FROM factory_telemetry.aggregate_policy) AS aggregates,
                   coalesce(array_agg(kind || ' ' || name || ': ' || problem ORDER BY kind, name)
                            FILTER (WHERE problem IS NOT NULL), '{}') AS problems
            FROM problems
            """;

    /** The outcome of one validation: problems ("kind name: problem"), and what was expected. */
    record Validation(List<String> problems, long hypertables, long aggregates) {
    }

    private final Pool pool;
    private final PlatformState platform;
    private final PlatformConfig config;
    private final SuccessMemo<Validation> validation;

    public DeploymentValidationCheck(Pool pool, PlatformState platform, PlatformConfig config, Caches caches) {
        this.pool = pool;
        this.platform = platform;
        this.config = config;
        this.validation = caches.memo("deployment-validation", this::validate, config.validationInterval());
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME);
        TimescaleEdition edition = platform.edition().orElse(null);
        if (edition == null || platform.schema().map(s -> !s.upToDate()).orElse(true)) {
            return Uni.createFrom().item(response.down()
                    .withData("error", edition == null ? "start-up not finished" : "schema has pending changesets").build());
        }
        return validation.get()
                .ifNoItem().after(config.healthTimeout()).failWith(() -> new IllegalStateException(
                        "no answer within " + config.healthTimeout().toMillis() + " ms"))
                .map(result -> {
                    response.withData("hypertables", result.hypertables()).withData("aggregates", result.aggregates())
                            .withData("policies", edition.nativePolicies() ? "timescaledb" : "service");
                    if (result.problems().isEmpty()) {
                        return response.up().withData("objects", "as in the policy catalog").build();
                    }
                    return response.down().withData("problems", String.join("; ", result.problems())).build();
                })
                .onFailure().recoverWithItem(failure -> response.down()
                        .withData("error", "not validated: " + failure.getMessage()).build());
    }

    /** Forgets the cached answer (tests; an operator's fix shows at the next probe instead of the next interval). */
    void invalidate() {
        validation.invalidate();
    }

    private Uni<Validation> validate() {
        boolean nativePolicies = platform.requireEdition().nativePolicies();
        return pool.preparedQuery(VALIDATE_SQL).execute(Tuple.of(nativePolicies)).map(rows -> {
            Row row = rows.iterator().next();
            return new Validation(List.of(row.getArrayOfStrings("problems")), row.getLong("hypertables"),
                    row.getLong("aggregates"));
        });
    }
}
