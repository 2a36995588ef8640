package dev.factorytelemetry.events;

import dev.factorytelemetry.events.EventChecks.Refs;
import dev.factorytelemetry.events.ProductionEvents.DowntimeClose;
import dev.factorytelemetry.events.ProductionEvents.DowntimeClosed;
import dev.factorytelemetry.events.ProductionEvents.DowntimeEvent;
import dev.factorytelemetry.reference.EquipmentRef;
import dev.factorytelemetry.reference.ReferenceCache;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Singleton;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import static dev.factorytelemetry.events.EventChecks.MAX_CODE;
import static dev.factorytelemetry.events.EventChecks.MAX_TEXT;
import static dev.factorytelemetry.events.EventChecks.utc;

/**
 * Downtime events ({@code downtime_events}), open or closed, idempotent per (eventId, startTime) when the
 * client supplies the id; and the close of an open event.
 */
@Singleton
class DowntimeEvents extends EventFamily<DowntimeEvent, Refs> {

    static final List<String> CATEGORIES = List.of("planned", "unplanned", "changeover", "maintenance");

    private static final Table TABLE = Table.logged("""
            INSERT INTO factory_telemetry.downtime_events
                   (event_id, equipment_id, line_id, start_time, end_time, reason_code, reason_description, category,
                    subcategory, reported_by, notes)
            SELECT * FROM unnest($1::uuid[], $2::int4[], $3::int4[], $4::timestamptz[], $5::timestamptz[], $6::text[],
                                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
            ON CONFLICT DO NOTHING
            """, "downtime_events", 3,
            UUID.class, Integer.class, Integer.class, OffsetDateTime.class, OffsetDateTime.class, String.class,
            String.class, String.class, String.class, String.class, String.class);

    /** Client-supplied event ids already stored with another start time (item index, stored start). */
    private static final ClientIds<DowntimeEvent> IDS = new ClientIds<>("eventId", DowntimeEvent::eventId,
            "startTime", DowntimeEvent::startTime, """
            SELECT u.item, d.start_time AS stored_time
            FROM unnest($1::uuid[], $2::timestamptz[], $3::int4[]) AS u(event_id, start_time, item)
            JOIN factory_telemetry.downtime_events d ON d.event_id = u.event_id AND d.start_time <> u.start_time
            ORDER BY u.item
            """);

    /**
     * Serialises closes of one event id (transaction-scoped advisory lock). A row lock ({@code SELECT ...
     * FOR UPDATE}) cannot be used: TimescaleDB refuses to lock tuples of compressed chunks ("locking
     * compressed tuples is not supported"), and the search for the event reads every chunk.
     */
    private static final String LOCK_DOWNTIME_EVENT =
            "SELECT pg_advisory_xact_lock(hashtext('factory_telemetry.downtime_events'), hashtext($1::text))";
    /**
     * Closes the open occurrence of an event id (the latest, or the one starting at $3), after
     * {@link #LOCK_DOWNTIME_EVENT} in the same transaction, so this statement's snapshot sees every
     * earlier close. Returns no row when there is none; else its start, its end before this statement,
     * and the end set by it (null when nothing was closed: already closed, or the end lies before the start).
     */
    private static final String CLOSE_DOWNTIME = """
            WITH target AS (
                SELECT event_id, start_time, end_time FROM factory_telemetry.downtime_events
                WHERE event_id = $1 AND ($3::timestamptz IS NULL OR start_time = $3)
                ORDER BY start_time DESC LIMIT 1),
            closed AS (
                UPDATE factory_telemetry.downtime_events d
                   SET end_time = $2, notes = coalesce($4, d.notes)
                  FROM target t
                 WHERE d.event_id = t.event_id AND d.start_time = t.start_time
                   AND d.end_time IS NULL AND $2 >= t.start_time
                RETURNING d.end_time)
            SELECT t.start_time, t.end_time AS previous_end_time, (SELECT end_time FROM closed) AS closed_end_time
            FROM target t
            """;

    private final ProductionEventStore store;

    DowntimeEvents(ProductionEventStore store) {
        super(TABLE, IDS);
        this.store = store;
    }

    @Override
    void check(int i, DowntimeEvent it, Limits limits, ItemErrors errors) {
        errors.requiredText(i, "equipmentCode", it.equipmentCode(), MAX_CODE);
        errors.maxLength(i, "lineCode", it.lineCode(), MAX_CODE);
        boolean start = errors.required(i, "startTime", it.startTime())
                && errors.notInFuture(i, "startTime", it.startTime(), limits.latest());
        if (errors.notInFuture(i, "endTime", it.endTime(), limits.latest()) && start && it.endTime() != null
                && it.endTime().isBefore(it.startTime())) {
            errors.add(i, "endTime", "must not be before startTime");
        }
        errors.requiredText(i, "reasonCode", it.reasonCode(), MAX_CODE);
        errors.maxLength(i, "reasonDescription", it.reasonDescription(), MAX_TEXT);
        if (errors.required(i, "category", it.category())) {
            errors.oneOf(i, "category", it.category(), CATEGORIES);
        }
        errors.maxLength(i, "subcategory", it.subcategory(), MAX_CODE);
        errors.maxLength(i, "reportedBy", it.reportedBy(), 200);
        errors.maxLength(i, "notes", it.notes(), MAX_TEXT);
    }

    @Override
    Uni<Refs> resolve(List<DowntimeEvent> items, ReferenceCache references) {
        return Refs.resolve(references, items, DowntimeEvent::equipmentCode, DowntimeEvent::lineCode);
    }

    @Override
    Object[] row(int i, DowntimeEvent it, Refs refs, ItemErrors errors) {
        EquipmentRef eq = refs.equipment(i, errors, it.equipmentCode());
        Integer lineId = refs.line(i, errors, it.lineCode(), eq);
        return new Object[] {it.eventId() != null ? it.eventId() : UUID.randomUUID(), eq == null ? null : eq.id(), lineId,
                utc(it.startTime()), utc(it.endTime()), it.reasonCode(), it.reasonDescription(), it.category(),
                it.subcategory(), it.reportedBy(), it.notes()};
    }

    /**
     * Closes a downtime event. 404: no event with this id (and start time, if given); 409: already closed
     * at another time; 422: end before start or in the future. Closing again with the same end time
     * answers 200 with {@code alreadyClosed = true} (a retried close is not an error).
     */
    Uni<DowntimeClosed> close(UUID eventId, DowntimeClose close) {
        ItemErrors errors = store.errors();
        if (errors.required(0, "endTime", close.endTime())) {
            errors.notInFuture(0, "endTime", close.endTime(), store.limits().latest());
        }
        errors.maxLength(0, "notes", close.notes(), MAX_TEXT);
        errors.throwIfAny(422, "Invalid request");
        OffsetDateTime end = utc(close.endTime());
        Tuple args = Tuple.of(eventId, end, utc(close.startTime()), close.notes());
        return store.pool().withTransaction(connection -> connection.preparedQuery(LOCK_DOWNTIME_EVENT).execute(Tuple.of(eventId.toString()))
                        .flatMap(locked -> connection.preparedQuery(CLOSE_DOWNTIME).execute(args)))
                .onFailure().transform(ProductionEventStore::constraintViolation)
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Downtime event " + eventId
                                + (close.startTime() != null ? " starting at " + close.startTime() : "") + " does not exist");
                    }
                    Row row = rows.iterator().next();
                    OffsetDateTime startTime = row.getOffsetDateTime("start_time");
                    OffsetDateTime previous = row.getOffsetDateTime("previous_end_time");
                    OffsetDateTime closed = row.getOffsetDateTime("closed_end_time");
                    if (closed != null) {
                        return closed(eventId, startTime, closed, false);
                    }
                    if (previous != null && previous.isEqual(end)) {
                        return closed(eventId, startTime, previous, true);
                    }
                    if (previous != null) {
                        throw new ProblemException(Problem.of(409, "Already closed", "Downtime event " + eventId
                                + " was already closed at " + previous + "; it cannot be closed again at " + end));
                    }
                    throw new ProblemException(Problem.of(422, "Invalid request", "endTime lies before the event's start")
                            .withErrors(List.of(new Problem.FieldError(null, "endTime",
                                    "must not be before the event's startTime (" + startTime + ")"))));
                });
    }

    private static DowntimeClosed closed(UUID eventId, OffsetDateTime start, OffsetDateTime end, boolean already) {
        return new DowntimeClosed(eventId, start, end, java.time.Duration.between(start, end).toNanos() / 1e9, already);
    }
}
