package dev.factorytelemetry.events;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * Bodies of the production event API. Every POST takes a JSON array of items (or one item object);
 * equipment, lines, product types and shifts are referred to by their external codes. Optional
 * fields may be omitted or null. Times are RFC 3339 timestamps with an offset.
 */
public final class ProductionEvents {

    private ProductionEvents() {
    }

    /**
     * OEE inputs for one period of one piece of equipment ({@code calculationTime} = period start).
     * {@code idealRunTimeS} defaults to ideal cycle time x totalCount, the ideal cycle time being the
     * item's or else the equipment's.
     */
    public record OeeCalculation(String equipmentCode, String lineCode, OffsetDateTime calculationTime,
                                 Double plannedTimeS, Double runTimeS, Double idealRunTimeS,
                                 Long totalCount, Long goodCount, Double idealCycleTimeS) {
    }

    /** An energy reading: power at the reading, energy used since the previous reading. */
    public record EnergyReading(String equipmentCode, String lineCode, OffsetDateTime consumptionTime,
                                // the names the dashboards answer with; the earlier names stay accepted (docs/events.md)
                                @JsonProperty("powerKw") @JsonAlias("powerConsumptionKw") Double powerConsumptionKw,
                                @JsonProperty("energyKwh") @JsonAlias("energyConsumptionKwh") Double energyConsumptionKwh,
                                Double voltageV,
                                Double currentA, Double powerFactor, Double temperatureC, Double humidityPercent) {
    }

    /** Daily ({@code shiftName} omitted) or per-shift KPIs of a line; {@code kpiDate} is the plant-local date. */
    public record ProductionKpi(String lineCode, LocalDate kpiDate, String shiftName,
                                Double plannedTimeS, Double runTimeS, Double idealRunTimeS,
                                Long totalCount, Long goodCount, Long scrapCount, Long reworkCount,
                                Double plannedDowntimeS, Double unplannedDowntimeS, Double changeoverS,
                                Double maintenanceS,
                                @JsonProperty("energyKwh") @JsonAlias("energyConsumptionKwh") Double energyConsumptionKwh,
                                Double materialWastePercent,
                                Double firstPassYield) {
    }

    /**
     * A downtime event, open ({@code endTime} omitted, closed later) or already closed. Give an
     * {@code eventId} (UUID) to make retries idempotent; without one the service assigns one.
     */
    public record DowntimeEvent(UUID eventId, String equipmentCode, String lineCode, OffsetDateTime startTime,
                                OffsetDateTime endTime, String reasonCode, String reasonDescription, String category,
                                String subcategory, String reportedBy, String notes) {
    }

    /** Closes an open downtime event. {@code startTime} (optional) pins the occurrence when an id was reused. */
    public record DowntimeClose(OffsetDateTime endTime, OffsetDateTime startTime, String notes) {
    }

    /** Answer to closing a downtime event. {@code alreadyClosed}: a replay of a close with the same end time. */
    public record DowntimeClosed(UUID eventId, OffsetDateTime startTime, OffsetDateTime endTime, double durationS,
                                 boolean alreadyClosed) {
    }

    /** A quality check of a line's output. Give a {@code checkId} (UUID) to make retries idempotent. */
    public record QualityCheck(UUID checkId, String lineCode, String productCode, OffsetDateTime checkTime,
                               String checkType, String checkResult, Integer quantityChecked, Integer quantityPassed,
                               Integer quantityFailed, List<String> defectCodes, String notes, String checkedBy) {
    }

    /** A fault bit that went on ({@code tsOff} given when the occurrence is reported after it cleared). */
    public record FaultRaised(String equipmentCode, String lineCode, Integer bitIndex, OffsetDateTime tsOn,
                              OffsetDateTime tsOff) {
    }

    /** A fault bit that went off: clears the latest occurrence raised at or before {@code tsOff}. */
    public record FaultCleared(String equipmentCode, Integer bitIndex, OffsetDateTime tsOff) {
    }

    /**
     * Answer to every batch: items stored now, and items that were already stored (retried deliveries).
     * {@code ids}: the event/check ids of downtime and quality items, in item order (assigned ones included).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BatchResult(int accepted, int duplicates, List<UUID> ids) {
        static BatchResult of(int items, int stored) {
            return new BatchResult(stored, items - stored, null);
        }
    }
}
