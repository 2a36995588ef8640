package dev.factorytelemetry.events;

import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;

import dev.factorytelemetry.events.ProductionEvents.BatchResult;
import dev.factorytelemetry.events.ProductionEvents.DowntimeClose;
import dev.factorytelemetry.events.ProductionEvents.DowntimeClosed;
import dev.factorytelemetry.events.ProductionEvents.DowntimeEvent;
import dev.factorytelemetry.events.ProductionEvents.EnergyReading;
import dev.factorytelemetry.events.ProductionEvents.FaultCleared;
import dev.factorytelemetry.events.ProductionEvents.FaultRaised;
import dev.factorytelemetry.events.ProductionEvents.OeeCalculation;
import dev.factorytelemetry.events.ProductionEvents.ProductionKpi;
import dev.factorytelemetry.events.ProductionEvents.QualityCheck;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

import java.util.List;
import java.util.UUID;

/**
 * Production event ingestion. Each POST takes a JSON array of items (or a single item object), at
 * most {@code telemetry.events.max-batch-size}; a batch is stored all or nothing and answered
 * {@code {"accepted":N,"duplicates":D}} after commit. Malformed items: 400; invalid items or unknown
 * codes: 422; both list every failing item's index and field. See docs/events.md.
 */
@Path("/api/v1/events")
@RolesAllowed(Scope.Roles.INGEST)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "production events")
public class ProductionEventsResource {

    /**
     * Bodies above this size are parsed and checked on a worker thread: a full batch (about 1 MB) costs
     * tens of milliseconds of CPU, which would stall every other request on that event loop.
     */
    static final int PARSE_ON_WORKER_ABOVE_BYTES = 64 * 1024;

    private final BatchReader reader;
    private final ProductionEventStore store;

    public ProductionEventsResource(BatchReader reader, ProductionEventStore store) {
        this.reader = reader;
        this.store = store;
    }

    @POST
    @Path("oee")
    @Operation(summary = "Store OEE calculations", description = "Idempotent per (equipmentCode, calculationTime).")
    public Uni<BatchResult> oee(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = OeeCalculation.class))) byte[] body) {
        return parse(body, OeeCalculation.class).flatMap(store::storeOee);
    }

    @POST
    @Path("energy")
    @Operation(summary = "Store energy readings", description = "Idempotent per (equipmentCode, consumptionTime).")
    public Uni<BatchResult> energy(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = EnergyReading.class))) byte[] body) {
        return parse(body, EnergyReading.class).flatMap(store::storeEnergy);
    }

    @POST
    @Path("kpis")
    @Operation(summary = "Store daily or per-shift production KPIs", description = "Idempotent per (lineCode, shiftName, kpiDate).")
    public Uni<BatchResult> kpis(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = ProductionKpi.class))) byte[] body) {
        return parse(body, ProductionKpi.class).flatMap(store::storeKpis);
    }

    @POST
    @Path("downtime")
    @Operation(summary = "Store downtime events (open or closed)",
            description = "Idempotent per (eventId, startTime) when the client supplies eventId; the answer lists the "
                    + "event ids in item order (assigned ones included).")
    public Uni<BatchResult> downtime(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = DowntimeEvent.class))) byte[] body) {
        return parse(body, DowntimeEvent.class).flatMap(store::storeDowntime);
    }

    @POST
    @Path("downtime/{eventId}/close")
    @Operation(summary = "Close an open downtime event",
            description = "404: unknown event; 409: already closed at another time; a repeated close with the same "
                    + "endTime answers 200 with alreadyClosed=true.")
    public Uni<DowntimeClosed> closeDowntime(@PathParam("eventId") UUID eventId,
                                             @RequestBody(content = @Content(schema = @Schema(implementation = DowntimeClose.class)))
                                             byte[] body) {
        return Uni.createFrom().item(() -> reader.readOne(body, DowntimeClose.class))
                .flatMap(close -> store.closeDowntime(eventId, close));
    }

    @POST
    @Path("quality")
    @Operation(summary = "Store quality checks",
            description = "Idempotent per (checkId, checkTime) when the client supplies checkId; the answer lists the "
                    + "check ids in item order.")
    public Uni<BatchResult> quality(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = QualityCheck.class))) byte[] body) {
        return parse(body, QualityCheck.class).flatMap(store::storeQuality);
    }

    @POST
    @Path("faults")
    @Operation(summary = "Store raised faults (fault bit on)", description = "Idempotent per (equipmentCode, bitIndex, tsOn).")
    public Uni<BatchResult> faults(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = FaultRaised.class))) byte[] body) {
        return parse(body, FaultRaised.class).flatMap(store::storeFaults);
    }

    @POST
    @Path("faults/clear")
    @Operation(summary = "Clear faults (fault bit off)",
            description = "Each item clears the latest occurrence of its bit raised at or before tsOff. 409 (nothing "
                    + "changed) when an item finds no such occurrence or one cleared at another time; one cleared at the "
                    + "same time counts as a duplicate.")
    public Uni<BatchResult> clearFaults(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = FaultCleared.class))) byte[] body) {
        return parse(body, FaultCleared.class).flatMap(store::clearFaults);
    }

    private <T> Uni<List<T>> parse(byte[] body, Class<T> type) {
        Uni<List<T>> items = Uni.createFrom().item(() -> reader.read(body, type));
        return body != null && body.length > PARSE_ON_WORKER_ABOVE_BYTES
                ? items.runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                : items;
    }
}
