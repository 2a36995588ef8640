package dev.factorytelemetry.reference;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import java.time.LocalTime;
import java.time.OffsetDateTime;

/** Request and response bodies of the reference data API. */
public final class ReferenceData {

    /** Line and equipment codes: what the database accepts (see changelog 0002). */
    public static final String CODE_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$";
    public static final String CODE_MESSAGE = "must be 1-64 characters: letters, digits, '_', '.', '-' (not first)";
    public static final String EQUIPMENT_TYPES = "production|utility|support|conveyor|packaging|safety";

    private ReferenceData() {
    }

    /** {@code PUT /api/v1/lines/{lineCode}}: the whole line (omitted optional fields reset to defaults). */
    public record LineInput(
            @NotBlank @Size(max = 200) String name,
            @Size(max = 2000) String description,
            Boolean enabled) {
    }

    public record Line(String lineCode, String name, String description, boolean enabled,
                       OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    /** {@code PUT /api/v1/equipment/{equipmentCode}}. */
    public record EquipmentInput(
            @NotBlank @Size(max = 200) String name,
            @Pattern(regexp = CODE_PATTERN, message = CODE_MESSAGE) String lineCode,
            @Pattern(regexp = EQUIPMENT_TYPES, message = "must be one of " + EQUIPMENT_TYPES) String type,
            @Positive Double idealCycleTimeS,
            @Min(1) @Max(5) Integer criticalityLevel,
            Boolean enabled) {
    }

    public record Equipment(String equipmentCode, String name, String lineCode, String type, Double idealCycleTimeS,
                            int criticalityLevel, boolean enabled, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    }

    /** {@code PUT /api/v1/product-types/{productCode}}. */
    public record ProductTypeInput(
            @NotBlank @Size(max = 200) String name,
            @Size(max = 2000) String description,
            @Positive Double idealCycleTimeS,
            Boolean enabled) {
    }

    public record ProductType(String productCode, String name, String description, Double idealCycleTimeS,
                              boolean enabled, OffsetDateTime createdAt) {
    }

    /** {@code PUT /api/v1/shifts/{name}}: plant-local times; an end at or before the start crosses midnight. */
    public record ShiftInput(
            @NotNull LocalTime startTime,
            @NotNull LocalTime endTime,
            @Size(max = 2000) String description,
            Boolean enabled) {
    }

    public record Shift(String name, LocalTime startTime, LocalTime endTime, String description, boolean enabled) {
    }
}
