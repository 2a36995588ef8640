package dev.factorytelemetry.events;

import dev.factorytelemetry.web.GzipRequestBodies;
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
import dev.factorytelemetry.web.Problem;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
@GzipRequestBodies
@Path("/api/v1/events")
@RolesAllowed(Scope.Roles.INGEST)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "production events")
@APIResponse(responseCode = "422", description = "Invalid items (unknown codes, out-of-range values); errors[] names each item's index, "
        + "field and reason; nothing of the batch was stored",
        content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
public class ProductionEventsResource {

    /**
     * Bodies above this size are parsed and checked on a worker thread: a full batch (about 1 MB) costs
     * tens of milliseconds of CPU, which would stall every other request on that event loop.
     */
    static final int PARSE_ON_WORKER_ABOVE_BYTES = 64 * 1024;

    private final BatchReader reader;
    private final ProductionEventStore store;
    private final OeeEvents oeeEvents;
    private final EnergyEvents energyEvents;
    private final KpiEvents kpiEvents;
    private final DowntimeEvents downtimeEvents;
    private final QualityEvents qualityEvents;
    private final FaultEvents faultEvents;

    ProductionEventsResource(BatchReader reader, ProductionEventStore store, OeeEvents oeeEvents, EnergyEvents energyEvents,
                             KpiEvents kpiEvents, DowntimeEvents downtimeEvents, QualityEvents qualityEvents,
                             FaultEvents faultEvents) {
        this.reader = reader;
        this.store = store;
        this.oeeEvents = oeeEvents;
        this.energyEvents = energyEvents;
        this.kpiEvents = kpiEvents;
        this.downtimeEvents = downtimeEvents;
        this.qualityEvents = qualityEvents;
        this.faultEvents = faultEvents;
    }

    @POST
    @Path("oee")
    @Operation(summary = "Store OEE calculations", description = "Idempotent per (equipmentCode, calculationTime).")
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> oee(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = OeeCalculation.class),
            examples = @ExampleObject(name = "OeeCalculation", value = "[{\"equipmentCode\":\"L1.filler\",\"calculationTime\":\"2026-03-02T10:00:00Z\",\"plannedTimeS\":3600,\"runTimeS\":3000,\"totalCount\":5000,\"goodCount\":4900}]"))) byte[] body) {
        return parse(body, OeeCalculation.class).flatMap(items -> store.store(oeeEvents, items));
    }

    @POST
    @Path("energy")
    @Operation(summary = "Store energy readings", description = "Idempotent per (equipmentCode, consumptionTime).")
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> energy(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = EnergyReading.class),
            examples = @ExampleObject(name = "EnergyReading", value = "[{\"equipmentCode\":\"L1.filler\",\"consumptionTime\":\"2026-03-02T10:05:00Z\",\"powerKw\":12.5,\"energyKwh\":1.04,\"voltageV\":400}]"))) byte[] body) {
        return parse(body, EnergyReading.class).flatMap(items -> store.store(energyEvents, items));
    }

    @POST
    @Path("kpis")
    @Operation(summary = "Store daily or per-shift production KPIs", description = "Idempotent per (lineCode, shiftName, kpiDate).")
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> kpis(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = ProductionKpi.class),
            examples = @ExampleObject(name = "ProductionKpi", value = "[{\"lineCode\":\"L1\",\"kpiDate\":\"2026-03-02\",\"shiftName\":\"early\",\"plannedTimeS\":28800,\"runTimeS\":25000,\"totalCount\":1000,\"goodCount\":990}]"))) byte[] body) {
        return parse(body, ProductionKpi.class).flatMap(items -> store.store(kpiEvents, items));
    }

    @POST
    @Path("downtime")
    @Operation(summary = "Store downtime events (open or closed)",
            description = "Idempotent per (eventId, startTime) when the client supplies eventId; the answer lists the "
                    + "event ids in item order (assigned ones included).")
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> downtime(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = DowntimeEvent.class),
            examples = @ExampleObject(name = "DowntimeEvent", value = "[{\"eventId\":\"6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b\",\"equipmentCode\":\"L1.filler\",\"startTime\":\"2026-03-02T10:10:00Z\",\"reasonCode\":\"JAM\",\"reasonDescription\":\"bottle jam\",\"category\":\"unplanned\",\"reportedBy\":\"operator\"}]"))) byte[] body) {
        return parse(body, DowntimeEvent.class).flatMap(items -> store.store(downtimeEvents, items));
    }

    @POST
    @Path("downtime/{eventId}/close")
    @Operation(summary = "Close an open downtime event",
            description = "404: unknown event; 409: already closed at another time; a repeated close with the same "
                    + "endTime answers 200 with alreadyClosed=true.")
    @APIResponse(responseCode = "404", description = "No downtime event has that id",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Already closed at another time",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "Closed (alreadyClosed=true for a repeated close with the same endTime)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DowntimeClosed.class)))
    public Uni<DowntimeClosed> closeDowntime(@PathParam("eventId") UUID eventId,
                                             @RequestBody(content = @Content(schema = @Schema(implementation = DowntimeClose.class),
            examples = @ExampleObject(name = "DowntimeClose", value = "{\"endTime\":\"2026-03-02T10:20:00Z\",\"notes\":\"restarted\"}")))
                                             byte[] body) {
        return Uni.createFrom().item(() -> reader.readOne(body, DowntimeClose.class))
                .flatMap(close -> downtimeEvents.close(eventId, close));
    }

    @POST
    @Path("quality")
    @Operation(summary = "Store quality checks",
            description = "Idempotent per (checkId, checkTime) when the client supplies checkId; the answer lists the "
                    + "check ids in item order.")
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> quality(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = QualityCheck.class),
            examples = @ExampleObject(name = "QualityCheck", value = "[{\"lineCode\":\"L1\",\"productCode\":\"COLA-033\",\"checkTime\":\"2026-03-02T10:30:00Z\",\"checkType\":\"final\",\"checkResult\":\"pass\",\"quantityChecked\":10,\"quantityPassed\":10,\"quantityFailed\":0}]"))) byte[] body) {
        return parse(body, QualityCheck.class).flatMap(items -> store.store(qualityEvents, items));
    }

    @POST
    @Path("faults")
    @Operation(summary = "Store raised faults (fault bit on)", description = "Idempotent per (equipmentCode, bitIndex, tsOn).")
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> faults(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = FaultRaised.class),
            examples = @ExampleObject(name = "FaultRaised", value = "[{\"equipmentCode\":\"L1.filler\",\"bitIndex\":3,\"tsOn\":\"2026-03-02T10:40:00Z\"}]"))) byte[] body) {
        return parse(body, FaultRaised.class).flatMap(items -> store.store(faultEvents, items));
    }

    @POST
    @Path("faults/clear")
    @Operation(summary = "Clear faults (fault bit off)",
            description = "Each item clears the latest occurrence of its bit raised at or before tsOff. 409 (nothing "
                    + "changed) when an item finds no such occurrence or one cleared at another time; one cleared at the "
                    + "same time counts as a duplicate.")
    @APIResponse(responseCode = "409", description = "An item finds no raised occurrence, or one cleared at another time; nothing changed",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "200", description = "Stored (duplicates counted, not stored twice)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = BatchResult.class)))
    public Uni<BatchResult> clearFaults(@RequestBody(content = @Content(schema = @Schema(type = SchemaType.ARRAY,
            implementation = FaultCleared.class),
            examples = @ExampleObject(name = "FaultCleared", value = "[{\"equipmentCode\":\"L1.filler\",\"bitIndex\":3,\"tsOff\":\"2026-03-02T10:41:00Z\"}]"))) byte[] body) {
        return parse(body, FaultCleared.class).flatMap(faultEvents::clear);
    }

    private <T> Uni<List<T>> parse(byte[] body, Class<T> type) {
        Uni<List<T>> items = Uni.createFrom().item(() -> reader.read(body, type));
        return body != null && body.length > PARSE_ON_WORKER_ABOVE_BYTES
                ? items.runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                : items;
    }
}
