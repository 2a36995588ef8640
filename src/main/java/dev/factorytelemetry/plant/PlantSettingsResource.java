package dev.factorytelemetry.plant;

import dev.factorytelemetry.web.GzipRequestBodies;
import jakarta.annotation.security.RolesAllowed;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/plant}: the plant-wide settings that dashboards compute with (time zone, energy tariff, currency),
 * as {@code factory_telemetry.plant_settings} holds them. Read with the read scope; the tariff and currency change
 * with the admin scope (energy cost is computed at query time, so every answer uses the new tariff at once, over
 * all history). The time zone cannot change here: daily aggregates bucket by local midnight of the zone they were
 * created with, and re-bucketing needs their recreation (a migration); a different zone is refused with 409.
 */
@GzipRequestBodies
@Path("/api/v1/plant")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "plant")
public class PlantSettingsResource {

    /** The plant's settings. */
    @Schema(description = "Plant-wide settings")
    public record PlantSettings(
            @Schema(description = "IANA time zone; days, 'today' and daily aggregates start at its local midnight", example = "Europe/Berlin")
            String timeZone,
            @Schema(description = "Energy price per kWh; cost = energyKwh x tariff, computed at query time", example = "0.12")
            BigDecimal energyTariffPerKwh,
            @Schema(description = "ISO 4217 currency of the tariff", example = "EUR")
            String energyCurrency) {
    }

    static final String SELECT_SQL = """
            SELECT setting, value FROM factory_telemetry.plant_settings
            WHERE setting IN ('time_zone', 'energy_tariff_per_kwh', 'energy_currency')
            """;
    static final String UPDATE_SQL = """
            INSERT INTO factory_telemetry.plant_settings (setting, value) VALUES ($1, $2)
            ON CONFLICT (setting) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
            """;

    private final Pool pool;

    public PlantSettingsResource(Pool pool) {
        this.pool = pool;
    }

    @GET
    @RolesAllowed(Scope.Roles.READ)
    @Operation(summary = "The plant's settings", description = "Time zone, energy tariff and currency as the dashboards use them.")
    public Uni<PlantSettings> get() {
        return read();
    }

    @PUT
    @RolesAllowed(Scope.Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change the energy tariff and currency",
            description = "All three members are required. The tariff and currency apply to every answer at once (cost is computed "
                    + "at query time; dashboards' short answer cache and settings cache may show the old figure for up to "
                    + "telemetry.dashboard.cache-ttl + 10 s). timeZone must be the current one: 409 otherwise.")
    @APIResponse(responseCode = "200", description = "The settings now in force")
    @APIResponse(responseCode = "409", description = "timeZone differs from the zone the aggregates were created with")
    @APIResponse(responseCode = "422", description = "A member is missing or invalid; errors[] names each")
    public Uni<PlantSettings> put(@RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = PlantSettings.class), examples = @ExampleObject(name = "tariff",
            value = "{\"timeZone\": \"UTC\", \"energyTariffPerKwh\": 0.15, \"energyCurrency\": \"EUR\"}"))) PlantSettings update) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (update == null) {
            throw ProblemException.badRequest("Send {\"timeZone\": ..., \"energyTariffPerKwh\": ..., \"energyCurrency\": ...}");
        }
        ZoneId zone = null;
        if (update.timeZone() == null || update.timeZone().isBlank()) {
            errors.add(new Problem.FieldError(null, "timeZone", "is required (the current zone: it cannot change here)"));
        } else {
            try {
                zone = ZoneId.of(update.timeZone().trim());
            } catch (DateTimeException e) {
                errors.add(new Problem.FieldError(null, "timeZone", "'" + update.timeZone() + "' is not an IANA time zone"));
            }
        }
        BigDecimal tariff = update.energyTariffPerKwh();
        if (tariff == null) {
            errors.add(new Problem.FieldError(null, "energyTariffPerKwh", "is required"));
        } else if (tariff.signum() < 0 || tariff.compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            errors.add(new Problem.FieldError(null, "energyTariffPerKwh", "must be between 0 and 1000000"));
        }
        String currency = update.energyCurrency() == null ? null : update.energyCurrency().trim().toUpperCase(java.util.Locale.ROOT);
        if (currency == null || currency.isEmpty()) {
            errors.add(new Problem.FieldError(null, "energyCurrency", "is required (ISO 4217 code, e.g. EUR)"));
        } else if (!isCurrency(currency)) {
            errors.add(new Problem.FieldError(null, "energyCurrency", "'" + update.energyCurrency() + "' is not an ISO 4217 currency code"));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(Problem.of(422, "Invalid plant settings", "Nothing was changed").withErrors(errors));
        }
        ZoneId requested = zone;
        return read().flatMap(current -> {
            if (!ZoneId.of(current.timeZone()).normalized().equals(requested.normalized())) {
                throw new ProblemException(Problem.of(409, "The plant time zone is fixed",
                        "Daily aggregates bucket days by local midnight in " + current.timeZone() + ", the zone they were "
                                + "created with; changing it to " + requested.getId() + " would mix days of two zones. "
                                + "Changing the zone needs the aggregates recreated (a migration); see README, Known limits."));
            }
            return pool.withTransaction(connection -> connection.preparedQuery(UPDATE_SQL)
                            .executeBatch(List.of(Tuple.of("energy_tariff_per_kwh", tariff.toPlainString()),
                                    Tuple.of("energy_currency", currency))))
                    .flatMap(ignored -> read());
        });
    }

    private Uni<PlantSettings> read() {
        return pool.query(SELECT_SQL).execute().map(rows -> {
            Map<String, String> values = new HashMap<>();
            for (Row row : rows) {
                values.put(row.getString("setting"), row.getString("value"));
            }
            String tariff = values.get("energy_tariff_per_kwh");
            return new PlantSettings(values.get("time_zone"), tariff == null ? null : new BigDecimal(tariff),
                    values.get("energy_currency"));
        });
    }

    private static boolean isCurrency(String code) {
        try {
            return code.length() == 3 && Currency.getInstance(code) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
