package dev.factorytelemetry.reference;

import dev.factorytelemetry.web.GzipRequestBodies;
import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;

import dev.factorytelemetry.reference.ReferenceData.Equipment;
import dev.factorytelemetry.reference.ReferenceData.EquipmentInput;
import dev.factorytelemetry.reference.ReferenceData.Line;
import dev.factorytelemetry.reference.ReferenceData.LineInput;
import dev.factorytelemetry.reference.ReferenceData.ProductType;
import dev.factorytelemetry.reference.ReferenceData.ProductTypeInput;
import dev.factorytelemetry.reference.ReferenceData.Shift;
import dev.factorytelemetry.reference.ReferenceData.ShiftInput;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static dev.factorytelemetry.reference.ReferenceData.CODE_MESSAGE;
import static dev.factorytelemetry.reference.ReferenceData.CODE_PATTERN;

/**
 * Reference data: production lines, equipment, product types and shifts. {@code PUT} is an idempotent
 * upsert of the whole resource by its external key (201 when created, 200 when replaced); events and
 * telemetry refer to these keys.
 */
@GzipRequestBodies
@Path("/api/v1")
@RolesAllowed(Scope.Roles.READ)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "reference data")
public class ReferenceDataResource {

    // ---- SQL ------------------------------------------------------------------------------------
    private static final String LINE_COLUMNS = "line_code, name, description, enabled, created_at, updated_at";
    private static final String UPSERT_LINE = """
            INSERT INTO factory_telemetry.production_lines AS t (line_code, name, description, enabled)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (line_code) DO UPDATE
               SET name = EXCLUDED.name, description = EXCLUDED.description, enabled = EXCLUDED.enabled,
                   updated_at = CASE WHEN (t.name, t.description, t.enabled)
                                          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description, EXCLUDED.enabled)
                                     THEN now() ELSE t.updated_at END
            RETURNING line_code, name, description, enabled, created_at, updated_at, (xmax = 0) AS created
            """;
    private static final String SELECT_LINES = "SELECT " + LINE_COLUMNS
            + " FROM factory_telemetry.production_lines ORDER BY line_code";
    private static final String SELECT_LINE = "SELECT " + LINE_COLUMNS
            + " FROM factory_telemetry.production_lines WHERE line_code = $1";

    /** Inserts or replaces; returns no row when a line code was given that does not exist. */
    private static final String UPSERT_EQUIPMENT = """
            WITH line AS (SELECT id FROM factory_telemetry.production_lines WHERE line_code = $3)
            INSERT INTO factory_telemetry.equipment AS t
                   (equipment_code, name, line_id, equipment_type, ideal_cycle_time_s, criticality_level, enabled)
            SELECT $1, $2, (SELECT id FROM line), $4, $5, $6, $7
            WHERE $3::text IS NULL OR EXISTS (SELECT 1 FROM line)
            ON CONFLICT (equipment_code) DO UPDATE
               SET name = EXCLUDED.name, line_id = EXCLUDED.line_id, equipment_type = EXCLUDED.equipment_type,
                   ideal_cycle_time_s = EXCLUDED.ideal_cycle_time_s, criticality_level = EXCLUDED.criticality_level,
                   enabled = EXCLUDED.enabled,
                   updated_at = CASE WHEN (t.name, t.line_id, t.equipment_type, t.ideal_cycle_time_s, t.criticality_level, t.enabled)
                                          IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.line_id, EXCLUDED.equipment_type,
                                                            EXCLUDED.ideal_cycle_time_s, EXCLUDED.criticality_level, EXCLUDED.enabled)
                                     THEN now() ELSE t.updated_at END
            RETURNING equipment_code, name, $3::text AS line_code, equipment_type, ideal_cycle_time_s, criticality_level,
                      enabled, created_at, updated_at, (xmax = 0) AS created
            """;
    private static final String SELECT_EQUIPMENT = """
            SELECT e.equipment_code, e.name, l.line_code, e.equipment_type, e.ideal_cycle_time_s, e.criticality_level,
                   e.enabled, e.created_at, e.updated_at
            FROM factory_telemetry.equipment e
            LEFT JOIN factory_telemetry.production_lines l ON l.id = e.line_id
            WHERE ($1::text IS NULL OR e.equipment_code = $1) AND ($2::text IS NULL OR l.line_code = $2)
            ORDER BY e.equipment_code
            """;

    private static final String UPSERT_PRODUCT_TYPE = """
            INSERT INTO factory_telemetry.product_types AS t (product_code, name, description, ideal_cycle_time_s, enabled)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (product_code) DO UPDATE
               SET name = EXCLUDED.name, description = EXCLUDED.description,
                   ideal_cycle_time_s = EXCLUDED.ideal_cycle_time_s, enabled = EXCLUDED.enabled
            RETURNING product_code, name, description, ideal_cycle_time_s, enabled, created_at, (xmax = 0) AS created
            """;
    private static final String SELECT_PRODUCT_TYPES = """
            SELECT product_code, name, description, ideal_cycle_time_s, enabled, created_at
            FROM factory_telemetry.product_types WHERE ($1::text IS NULL OR product_code = $1) ORDER BY product_code
            """;

    private static final String UPSERT_SHIFT = """
            INSERT INTO factory_telemetry.production_shifts AS t (name, start_time, end_time, description, enabled)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name) DO UPDATE
               SET start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time,
                   description = EXCLUDED.description, enabled = EXCLUDED.enabled
            RETURNING name, start_time, end_time, description, enabled, (xmax = 0) AS created
            """;
    private static final String SELECT_SHIFTS = """
            SELECT name, start_time, end_time, description, enabled
            FROM factory_telemetry.production_shifts WHERE ($1::text IS NULL OR name = $1) ORDER BY start_time, name
            """;

    private final Pool pool;
    private final ReferenceCache cache;

    public ReferenceDataResource(Pool pool, ReferenceCache cache) {
        this.pool = pool;
        this.cache = cache;
    }

    // ---- lines -------------------------------------------------------------------------------------

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Scope.Roles.ADMIN)
    @APIResponse(responseCode = "200", description = "Replaced")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "422", description = "Invalid members (or, for equipment, a lineCode that names no line); errors[] names each")
    @Path("lines/{lineCode}")
    @Operation(summary = "Create or replace a production line", description = "201 when created, 200 when replaced.")
    public Uni<RestResponse<Line>> putLine(@PathParam("lineCode") @Pattern(regexp = CODE_PATTERN, message = CODE_MESSAGE) String lineCode,
                                           @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LineInput.class),
                    examples = @ExampleObject(name = "LineInput", value = "{\"name\":\"Line 1\",\"description\":\"bottling\",\"enabled\":true}"))) @Valid @NotNull LineInput line) {
        return pool.preparedQuery(UPSERT_LINE)
                .execute(Tuple.of(lineCode, line.name(), line.description(), enabled(line.enabled())))
                .map(rows -> {
                    cache.evictLine(lineCode);
                    return upserted(rows, ReferenceDataResource::line);
                });
    }

    @GET
    @Path("lines")
    @Operation(summary = "All production lines, by line code")
    public Uni<List<Line>> lines() {
        return pool.query(SELECT_LINES).execute().map(rows -> all(rows, ReferenceDataResource::line));
    }

    @GET
    @Path("lines/{lineCode}")
    @Operation(summary = "One production line")
    public Uni<Line> line(@PathParam("lineCode") String lineCode) {
        return pool.preparedQuery(SELECT_LINE).execute(Tuple.of(lineCode))
                .map(rows -> one(rows, ReferenceDataResource::line, "production line '" + lineCode + "'"));
    }

    // ---- equipment ---------------------------------------------------------------------------------

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Scope.Roles.ADMIN)
    @APIResponse(responseCode = "200", description = "Replaced")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "422", description = "Invalid members (or, for equipment, a lineCode that names no line); errors[] names each")
    @Path("equipment/{equipmentCode}")
    @Operation(summary = "Create or replace a piece of equipment",
            description = "201 when created, 200 when replaced. 422 when lineCode names no line.")
    public Uni<RestResponse<Equipment>> putEquipment(
            @PathParam("equipmentCode") @Pattern(regexp = CODE_PATTERN, message = CODE_MESSAGE) String equipmentCode,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = EquipmentInput.class),
                    examples = @ExampleObject(name = "EquipmentInput", value = "{\"name\":\"Filler\",\"lineCode\":\"L1\",\"type\":\"production\",\"idealCycleTimeS\":0.5,\"criticalityLevel\":3,\"enabled\":true}"))) @Valid @NotNull EquipmentInput equipment) {
        Tuple args = Tuple.tuple(List.of(equipmentCode, equipment.name()))
                .addString(equipment.lineCode())
                .addString(equipment.type() != null ? equipment.type() : "production")
                .addDouble(equipment.idealCycleTimeS())
                .addShort((short) (equipment.criticalityLevel() != null ? equipment.criticalityLevel() : 3))
                .addBoolean(enabled(equipment.enabled()));
        return pool.preparedQuery(UPSERT_EQUIPMENT).execute(args)
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw unknownReference("lineCode", "production line '" + equipment.lineCode() + "' does not exist");
                    }
                    cache.evictEquipment(equipmentCode);
                    return upserted(rows, ReferenceDataResource::equipment);
                });
    }

    @GET
    @Path("equipment")
    @Operation(summary = "All equipment, by equipment code; optionally only that of one line (?lineCode=)")
    public Uni<List<Equipment>> equipmentList(@QueryParam("lineCode") @Size(max = 64) String lineCode) {
        return pool.preparedQuery(SELECT_EQUIPMENT).execute(Tuple.of(null, lineCode))
                .map(rows -> all(rows, ReferenceDataResource::equipment));
    }

    @GET
    @Path("equipment/{equipmentCode}")
    @Operation(summary = "One piece of equipment")
    public Uni<Equipment> equipment(@PathParam("equipmentCode") String equipmentCode) {
        return pool.preparedQuery(SELECT_EQUIPMENT).execute(Tuple.of(equipmentCode, null))
                .map(rows -> one(rows, ReferenceDataResource::equipment, "equipment '" + equipmentCode + "'"));
    }

    // ---- product types -----------------------------------------------------------------------------

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Scope.Roles.ADMIN)
    @APIResponse(responseCode = "200", description = "Replaced")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "422", description = "Invalid members (or, for equipment, a lineCode that names no line); errors[] names each")
    @Path("product-types/{productCode}")
    @Operation(summary = "Create or replace a product type", description = "201 when created, 200 when replaced.")
    public Uni<RestResponse<ProductType>> putProductType(
            @PathParam("productCode") @Pattern(regexp = CODE_PATTERN, message = CODE_MESSAGE) String productCode,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ProductTypeInput.class),
                    examples = @ExampleObject(name = "ProductTypeInput", value = "{\"name\":\"Cola\",\"description\":\"0.33 l\",\"idealCycleTimeS\":0.4,\"enabled\":true}"))) @Valid @NotNull ProductTypeInput productType) {
        Tuple args = Tuple.of(productCode, productType.name(), productType.description())
                .addDouble(productType.idealCycleTimeS())
                .addBoolean(enabled(productType.enabled()));
        return pool.preparedQuery(UPSERT_PRODUCT_TYPE).execute(args)
                .map(rows -> {
                    cache.evictProductType(productCode);
                    return upserted(rows, ReferenceDataResource::productType);
                });
    }

    @GET
    @Path("product-types")
    @Operation(summary = "All product types, by product code")
    public Uni<List<ProductType>> productTypes() {
        return pool.preparedQuery(SELECT_PRODUCT_TYPES).execute(Tuple.of(null))
                .map(rows -> all(rows, ReferenceDataResource::productType));
    }

    @GET
    @Path("product-types/{productCode}")
    @Operation(summary = "One product type")
    public Uni<ProductType> productType(@PathParam("productCode") String productCode) {
        return pool.preparedQuery(SELECT_PRODUCT_TYPES).execute(Tuple.of(productCode))
                .map(rows -> one(rows, ReferenceDataResource::productType, "product type '" + productCode + "'"));
    }

    // ---- shifts ------------------------------------------------------------------------------------

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Scope.Roles.ADMIN)
    @APIResponse(responseCode = "200", description = "Replaced")
    @APIResponse(responseCode = "201", description = "Created")
    @APIResponse(responseCode = "422", description = "Invalid members (or, for equipment, a lineCode that names no line); errors[] names each")
    @Path("shifts/{name}")
    @Operation(summary = "Create or replace a shift",
            description = "Plant-local start and end time (HH:mm[:ss]); an end at or before the start crosses midnight. "
                    + "201 when created, 200 when replaced.")
    public Uni<RestResponse<Shift>> putShift(
            @PathParam("name") @Pattern(regexp = CODE_PATTERN, message = CODE_MESSAGE) String name,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ShiftInput.class),
                    examples = @ExampleObject(name = "ShiftInput", value = "{\"startTime\":\"06:00\",\"endTime\":\"14:00\",\"description\":\"early\",\"enabled\":true}"))) @Valid @NotNull ShiftInput shift) {
        Tuple args = Tuple.of(name, shift.startTime(), shift.endTime(), shift.description())
                .addBoolean(enabled(shift.enabled()));
        return pool.preparedQuery(UPSERT_SHIFT).execute(args)
                .map(rows -> {
                    cache.evictShift(name);
                    return upserted(rows, ReferenceDataResource::shift);
                });
    }

    @GET
    @Path("shifts")
    @Operation(summary = "All shifts, by start time")
    public Uni<List<Shift>> shifts() {
        return pool.preparedQuery(SELECT_SHIFTS).execute(Tuple.of(null)).map(rows -> all(rows, ReferenceDataResource::shift));
    }

    @GET
    @Path("shifts/{name}")
    @Operation(summary = "One shift")
    public Uni<Shift> shift(@PathParam("name") String name) {
        return pool.preparedQuery(SELECT_SHIFTS).execute(Tuple.of(name))
                .map(rows -> one(rows, ReferenceDataResource::shift, "shift '" + name + "'"));
    }

    // ---- mapping -----------------------------------------------------------------------------------

    private static Line line(Row row) {
        return new Line(row.getString("line_code"), row.getString("name"), row.getString("description"),
                row.getBoolean("enabled"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
    }

    private static Equipment equipment(Row row) {
        return new Equipment(row.getString("equipment_code"), row.getString("name"), row.getString("line_code"),
                row.getString("equipment_type"), row.getDouble("ideal_cycle_time_s"), row.getShort("criticality_level"),
                row.getBoolean("enabled"), row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at"));
    }

    private static ProductType productType(Row row) {
        return new ProductType(row.getString("product_code"), row.getString("name"), row.getString("description"),
                row.getDouble("ideal_cycle_time_s"), row.getBoolean("enabled"), row.getOffsetDateTime("created_at"));
    }

    private static Shift shift(Row row) {
        return new Shift(row.getString("name"), row.getLocalTime("start_time"), row.getLocalTime("end_time"),
                row.getString("description"), row.getBoolean("enabled"));
    }

    private static boolean enabled(Boolean enabled) {
        return enabled == null || enabled;
    }

    private static <T> RestResponse<T> upserted(RowSet<Row> rows, Function<Row, T> mapper) {
        Row row = rows.iterator().next();
        boolean created = row.getBoolean("created");
        return RestResponse.status(created ? Response.Status.CREATED : Response.Status.OK, mapper.apply(row));
    }

    private static <T> List<T> all(RowSet<Row> rows, Function<Row, T> mapper) {
        List<T> list = new ArrayList<>(rows.size());
        for (Row row : rows) {
            list.add(mapper.apply(row));
        }
        return list;
    }

    private static <T> T one(RowSet<Row> rows, Function<Row, T> mapper, String what) {
        if (rows.size() == 0) {
            throw ProblemException.notFound(what + " does not exist");
        }
        return mapper.apply(rows.iterator().next());
    }

    private static ProblemException unknownReference(String field, String message) {
        return new ProblemException(Problem.of(422, "Unknown reference", message)
                .withErrors(List.of(new Problem.FieldError(null, field, message))));
    }
}
