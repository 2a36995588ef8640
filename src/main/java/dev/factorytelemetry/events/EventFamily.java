package dev.factorytelemetry.events;

import dev.factorytelemetry.reference.ReferenceCache;
import io.smallrye.mutiny.Uni;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * One family of production events (one table): how its items are checked, how their codes are resolved,
 * and the row each item becomes. {@link ProductionEventStore#store} runs the rest, the same for every
 * family: check all items, resolve codes, report every problem at once (422), then one prepared
 * {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING} answered after its commit. Adding a
 * family is one class extending this (plus its endpoint in {@link ProductionEventsResource}), a
 * {@code @Singleton} bean (a normal-scoped bean would need a no-args constructor for its client proxy).
 *
 * @param <T> the item of a request body
 * @param <R> the codes of a batch, resolved to ids
 */
abstract class EventFamily<T, R> {

    /**
     * The insert of a family.
     *
     * @param insertSql          {@code INSERT ... SELECT FROM unnest($1::…[], …) ON CONFLICT DO NOTHING}, parameters in
     *                           the order of {@link EventFamily#row}
     * @param columnTypes        the element type of each parameter array, in the same order
     * @param invalidationSource the table name for {@code factory_telemetry.log_invalidation} (tables with
     *                           service-maintained aggregates), or null for a plain insert
     * @param timeColumn         with an invalidation source: the parameter holding the event times
     */
    record Table(String insertSql, List<Class<?>> columnTypes, String invalidationSource, int timeColumn) {

        static Table plain(String insertSql, Class<?>... columnTypes) {
            return new Table(insertSql, List.of(columnTypes), null, -1);
        }

        static Table logged(String insertSql, String invalidationSource, int timeColumn, Class<?>... columnTypes) {
            return new Table(insertSql, List.of(columnTypes), invalidationSource, timeColumn);
        }
    }

    /**
     * A client-supplied event id (parameter 0 of the insert, a UUID, assigned when the client sends none): it
     * names one event, so reusing it with another time is refused — within the batch (422) and against the
     * stored rows ({@code reuseSql}, 409). The answer lists the ids in item order.
     *
     * @param reuseSql  ($1 ids, $2 times, $3 item indexes) → (item, stored_time) of ids stored with another time
     */
    record ClientIds<T>(String idField, Function<T, UUID> id, String timeField, Function<T, OffsetDateTime> time,
                        String reuseSql) {
    }

    /** What item checks compare against: the latest time accepted, and the plant's time zone for dates. */
    record Limits(Instant latest, ZoneId plantZone) {

        LocalDate latestDate() {
            return LocalDate.ofInstant(latest, plantZone);
        }
    }

    private final Table table;
    private final ClientIds<T> clientIds;

    /** @param clientIds for families whose items carry an event id; null for the others */
    EventFamily(Table table, ClientIds<T> clientIds) {
        this.table = table;
        this.clientIds = clientIds;
    }

    Table table() {
        return table;
    }

    ClientIds<T> clientIds() {
        return clientIds;
    }

    /** Checks item i on its own, adding every problem to errors. */
    abstract void check(int i, T item, Limits limits, ItemErrors errors);

    /** Resolves the codes of all items at once. */
    abstract Uni<R> resolve(List<T> items, ReferenceCache references);

    /** The insert parameters of item i (types as in {@link Table#columnTypes}); adds unknown codes to errors. */
    abstract Object[] row(int i, T item, R refs, ItemErrors errors);
}
