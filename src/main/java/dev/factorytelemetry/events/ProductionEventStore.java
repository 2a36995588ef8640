package dev.factorytelemetry.events;

import dev.factorytelemetry.events.ProductionEvents.BatchResult;
import dev.factorytelemetry.plant.PlantConfig;
import dev.factorytelemetry.platform.Caches;
import dev.factorytelemetry.platform.DatabaseClock;
import dev.factorytelemetry.platform.SuccessMemo;
import dev.factorytelemetry.reference.ReferenceCache;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;

import java.lang.reflect.Array;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Validates and stores batches of production events, the same way for every {@link EventFamily}: each
 * batch is one prepared {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING} (one statement:
 * all or nothing, answered after its commit); rows whose key is already stored count as duplicates.
 * Codes are resolved to ids through {@link ReferenceCache}; every problem of a batch is reported at once.
 */
@ApplicationScoped
public class ProductionEventStore {

    /** Transaction-local: the insert triggers of the event tables leave the logging to this writer. */
    private static final String MARK_INVALIDATION_LOGGED =
            "SELECT set_config('factory_telemetry.invalidation_logged', 'on', true)";
    private static final String LOG_INVALIDATION = "SELECT factory_telemetry.log_invalidation($1, $2, $3)";

    /**
     * Retention of the event tables whose rows feed aggregates (re-read every 10 s), as the span it covers back from
     * now in calendar terms ("2 years" back from today, not 730.5 days).
     */
    private static final String RETENTION_SQL = """
            SELECT hypertable_name, retention::text AS label,
                   (extract(epoch FROM now() - (now() - retention)) * 1000000)::bigint AS span_micros
            FROM factory_telemetry.hypertable_policy
            WHERE retention_enabled AND retention IS NOT NULL
            """;

    /** The time field of each aggregate-fed event table, for messages. */
    private static final Map<String, String> TIME_FIELDS = Map.of("oee_calculations", "calculationTime",
            "energy_consumption", "consumptionTime", "downtime_events", "startTime", "quality_checks", "checkTime");

    private record Retention(String label, long spanMicros) {
    }

    /** Retention by table, a cache like every other (failures are not kept). */
    private final SuccessMemo<Map<String, Retention>> retentions;

    private final Pool pool;
    private final DatabaseClock clock;
    private final ReferenceCache references;
    private final EventsConfig config;
    private final PlantConfig plant;

    public ProductionEventStore(Pool pool, ReferenceCache references, EventsConfig config, PlantConfig plant,
                                DatabaseClock clock, Caches caches) {
        this.clock = clock;
        this.retentions = caches.memo("event-retention", this::loadRetentions, Duration.ofSeconds(10));
        this.pool = pool;
        this.references = references;
        this.config = config;
        this.plant = plant;
    }

    /** Checks, resolves and stores a batch of one family; 422 names every invalid item. */
    <T, R> Uni<BatchResult> store(EventFamily<T, R> family, List<T> items) {
        ItemErrors errors = errors();
        EventFamily.Limits limits = limits();
        EventFamily.ClientIds<T> clientIds = family.clientIds();
        Map<UUID, OffsetDateTime> timeById = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            T it = items.get(i);
            family.check(i, it, limits, errors);
            if (clientIds != null) {
                UUID id = clientIds.id().apply(it);
                OffsetDateTime time = clientIds.time().apply(it);
                if (id != null && time != null) {
                    OffsetDateTime other = timeById.putIfAbsent(id, time);
                    if (other != null && !other.isEqual(time)) {
                        errors.add(i, clientIds.idField(), "is used by an earlier item of this batch with another "
                                + clientIds.timeField());
                    }
                }
            }
        }
        return family.resolve(items, references).flatMap(refs -> {
            int n = items.size();
            EventFamily.Table table = family.table();
            List<Class<?>> types = table.columnTypes();
            Object[] columns = new Object[types.size()];
            for (int c = 0; c < columns.length; c++) {
                columns[c] = Array.newInstance(types.get(c), n);
            }
            for (int i = 0; i < n; i++) {
                Object[] row = family.row(i, items.get(i), refs, errors);
                for (int c = 0; row != null && c < columns.length; c++) {
                    Array.set(columns[c], i, row[c]);
                }
            }
            errors.throwIfAny(422, "Invalid items");
            if (table.invalidationSource() == null) {
                return insert(table.insertSql(), n, columns);
            }
            OffsetDateTime[] times = (OffsetDateTime[]) columns[table.timeColumn()];
            if (clientIds == null) {
                return insertLogged(table.insertSql(), table.invalidationSource(), times, null, n, columns);
            }
            UUID[] ids = (UUID[]) columns[0];
            IdReuseCheck idCheck = IdReuseCheck.of(clientIds.reuseSql(), clientIds.idField(), clientIds.timeField(),
                    items.stream().map(clientIds.id()).toList(), times, ids);
            return insertLogged(table.insertSql(), table.invalidationSource(), times, idCheck, n, columns)
                    .map(result -> new BatchResult(result.accepted(), result.duplicates(), List.of(ids)));
        });
    }

    // ---- for the families' own operations (closing downtime, clearing faults) -----------------------

    Pool pool() {
        return pool;
    }

    ReferenceCache references() {
        return references;
    }

    ItemErrors errors() {
        return new ItemErrors(config.maxReportedErrors());
    }

    EventFamily.Limits limits() {
        return new EventFamily.Limits(clock.now().plus(config.maxFutureSkew()), plant.timeZone());
    }

    /** One statement, atomic by itself; for tables without service-maintained aggregates. */
    private Uni<BatchResult> insert(String sql, int items, Object... columns) {
        if (items == 0) {
            return Uni.createFrom().item(new BatchResult(0, 0, null));
        }
        return pool.preparedQuery(sql).execute(Tuple.tuple(Arrays.asList(columns)))
                .onFailure().transform(ProductionEventStore::constraintViolation)
                .map(rows -> BatchResult.of(items, rows.rowCount()));
    }

    /**
     * A client-supplied id (downtime event id, quality check id) identifies one event: reusing it with
     * another time would store a second row under the same id (the key includes the time). Such items
     * refuse the request with 409, checked in the insert's transaction.
     */
    private record IdReuseCheck(String sql, String idField, String timeField, UUID[] ids, OffsetDateTime[] times,
                                Integer[] items) {

        static IdReuseCheck of(String sql, String idField, String timeField, List<UUID> clientIds,
                               OffsetDateTime[] allTimes, UUID[] allIds) {
            List<Integer> items = new ArrayList<>();
            for (int i = 0; i < clientIds.size(); i++) {
                if (clientIds.get(i) != null) {
                    items.add(i);
                }
            }
            if (items.isEmpty()) {
                return null;
            }
            UUID[] ids = new UUID[items.size()];
            OffsetDateTime[] times = new OffsetDateTime[items.size()];
            for (int k = 0; k < items.size(); k++) {
                ids[k] = allIds[items.get(k)];
                times[k] = allTimes[items.get(k)];
            }
            return new IdReuseCheck(sql, idField, timeField, ids, times, items.toArray(Integer[]::new));
        }

        Uni<Void> run(SqlConnection connection, ItemErrors errors) {
            return connection.preparedQuery(sql).execute(Tuple.tuple(List.of(ids, times, items))).map(rows -> {
                for (Row row : rows) {
                    errors.add(row.getInteger("item"), idField, "is already used by the event stored with " + timeField
                            + " " + row.getOffsetDateTime("stored_time") + "; an id names one event");
                }
                errors.throwIfAny(409, "Id already used");
                return null;
            });
        }
    }

    /**
     * The insert plus one invalidation record for the batch's time range (instead of one per row by
     * the Apache edition's row triggers), in one transaction, after the id check if any. A no-op for the
     * log on the Community edition, whose continuous aggregates track changes themselves.
     */
    private Uni<BatchResult> insertLogged(String sql, String source, OffsetDateTime[] times, IdReuseCheck idCheck,
                                          int items, Object... columns) {
        if (items == 0) {
            return Uni.createFrom().item(new BatchResult(0, 0, null));
        }
        return withinRetention(source, times).flatMap(ignored -> insertLoggedNow(sql, source, times, idCheck, items, columns));
    }

    /**
     * Refuses (422, naming the horizon) items older than their table's retention: retention would drop them, and the
     * aggregates never recompute buckets past it, so accepting them would mean "200, then invisible".
     */
    private Uni<Void> withinRetention(String source, OffsetDateTime[] times) {
        return retentions.get().invoke(byTable -> {
            Retention retention = byTable.get(source);
            if (retention == null) {
                return;
            }
            Instant horizon = clock.now().minusNanos(retention.spanMicros() * 1_000L);
            ItemErrors errors = errors();
            for (int i = 0; i < times.length; i++) {
                if (times[i] != null && times[i].toInstant().isBefore(horizon)) {
                    errors.add(i, TIME_FIELDS.getOrDefault(source, "time"), times[i].toInstant() + " is older than "
                            + source + "'s retention (" + retention.label() + "; oldest accepted " + horizon + ")");
                }
            }
            errors.throwIfAny(422, "Outside retention");
        }).replaceWithVoid();
    }

    private Uni<Map<String, Retention>> loadRetentions() {
        return pool.query(RETENTION_SQL).execute().map(rows -> {
            Map<String, Retention> byTable = new HashMap<>();
            for (Row row : rows) {
                byTable.put(row.getString("hypertable_name"), new Retention(row.getString("label"), row.getLong("span_micros")));
            }
            return byTable;
        });
    }

    private Uni<BatchResult> insertLoggedNow(String sql, String source, OffsetDateTime[] times, IdReuseCheck idCheck,
                                             int items, Object... columns) {
        OffsetDateTime min = null;
        OffsetDateTime max = null;
        for (OffsetDateTime time : times) {
            if (min == null || time.isBefore(min)) {
                min = time;
            }
            if (max == null || time.isAfter(max)) {
                max = time;
            }
        }
        Tuple range = Tuple.of(source, min, max);
        Tuple args = Tuple.tuple(Arrays.asList(columns));
        return pool.withTransaction(connection -> (idCheck == null ? Uni.createFrom().voidItem()
                                : idCheck.run(connection, errors()))
                        .flatMap(ignored -> connection.query(MARK_INVALIDATION_LOGGED).execute())
                        .flatMap(ignored -> connection.preparedQuery(sql).execute(args))
                        .flatMap(rows -> rows.rowCount() == 0
                                ? Uni.createFrom().item(0)
                                : connection.preparedQuery(LOG_INVALIDATION).execute(range).map(ignored -> rows.rowCount())))
                .onFailure().transform(ProductionEventStore::constraintViolation)
                .map(stored -> BatchResult.of(items, stored));
    }

    /** A constraint the validation above did not foresee: the client's fault (422), not ours. */
    static Throwable constraintViolation(Throwable failure) {
        if (failure instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("23")) {
            return new ProblemException(Problem.of(422, "Rejected by the database",
                    "The database refused the batch (" + pg.getErrorMessage()
                            + (pg.getConstraint() != null ? ", constraint " + pg.getConstraint() : "")
                            + "); nothing of this request was stored"));
        }
        return failure;
    }
}
