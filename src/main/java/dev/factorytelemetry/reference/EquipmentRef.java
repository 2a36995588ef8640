package dev.factorytelemetry.reference;

/**
 * What the write paths need to know about one piece of equipment.
 *
 * @param id              {@code equipment.id}
 * @param lineId          the line it belongs to ({@code null} when it is not assigned to a line)
 * @param idealCycleTimeS its ideal cycle time in seconds, if configured
 */
public record EquipmentRef(int id, Integer lineId, Double idealCycleTimeS) {
}
