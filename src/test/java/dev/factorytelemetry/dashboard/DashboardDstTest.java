package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A plant in Europe/Berlin (its own database, migrated with that time zone). Daily figures must run from local
 * midnight to local midnight: 23 hours on 2027-03-28 (CET → CEST), 25 hours on 2027-10-31 (CEST → CET).
 * Both days are read from refreshed aggregates (on the Apache edition: refreshed by the service).
 */
@QuarkusTest
@TestProfile(DashboardDstTest.Berlin.class)
@WithTestResource(TimescaleTestResource.class)
@ExtendWith({DefaultTestAuthentication.class, DoubleJsonNumbers.class})
class DashboardDstTest {


    public static class Berlin implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.plant.time-zone", "Europe/Berlin", "telemetry.dashboard.cache-ttl", "0s");
        }
    }


    static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    /** 15-minute OEE (900 s planned) and energy (1 kWh) rows over [from, to). */
    static String rows(String from, String to) {
        return """
                INSERT INTO factory_telemetry.oee_calculations (equipment_id, line_id, calculation_time, planned_time_s, run_time_s,
                                                                ideal_run_time_s, total_count, good_count)
                SELECT e.id, e.line_id, g, 900, 800, 700, 700, 650
                FROM factory_telemetry.equipment e, generate_series('%1$s'::timestamptz, '%2$s'::timestamptz - interval '15 minutes', interval '15 minutes') g;
                INSERT INTO factory_telemetry.energy_consumption (equipment_id, line_id, consumption_time, power_consumption_kw, energy_consumption_kwh)
                SELECT e.id, e.line_id, g, 4, 1
                FROM factory_telemetry.equipment e, generate_series('%1$s'::timestamptz, '%2$s'::timestamptz - interval '15 minutes', interval '15 minutes') g;
                """.formatted(from, to);
    }

    @BeforeAll
    static void seed() {
        sql("""
                INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('B1', 'Berlin 1');
                INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id, ideal_cycle_time_s)
                SELECT 'BE1', 'Press', id, 1.0 FROM factory_telemetry.production_lines WHERE line_code = 'B1';
                """);
        sql(rows("2027-03-27 00:00+01", "2027-03-30 00:00+02"));
        // the autumn night repeats 02:00-03:00: hourly aggregates bucket by UTC hour, so a range refresh keeps both
        sql(rows("2027-10-30 00:00+02", "2027-11-02 00:00+01"));
        DashboardTestData.refresh(TimescaleTestResource.currentCluster, TimescaleTestResource.currentDatabase);
    }

    @Test
    void theDatabaseWasCreatedWithThePlantTimeZone() {
        assertEquals("Europe/Berlin", sql("SELECT value FROM factory_telemetry.plant_settings WHERE setting = 'time_zone'"));
    }

    private JsonPath daily(String path, String from, String to) {
        return given().queryParam("from", from).queryParam("to", to).queryParam("granularity", "day").queryParam("groupBy", "plant")
                .when().get(path).then().statusCode(200).extract().jsonPath();
    }

    private void equalsRawLocalDays(JsonPath oee) {
        for (Map<String, Object> p : oee.<Map<String, Object>>getList("points")) {
            String day = (String) p.get("bucket");
            String raw = sql("SELECT sum(planned_time_s) FROM factory_telemetry.oee_calculations WHERE calculation_time >= '" + day
                    + "' AND calculation_time < ('" + day + "'::timestamptz AT TIME ZONE 'Europe/Berlin' + interval '1 day') AT TIME ZONE 'Europe/Berlin'");
            @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) p.get("figures");
            assertEquals(Double.parseDouble(raw), ((Number) f.get("plannedTimeS")).doubleValue(), "raw local day " + day);
        }
    }

    @Test
    void springForwardDayHas23HoursFromTheAggregates() {
        JsonPath oee = daily("/api/v1/dashboard/oee", "2027-03-27", "2027-03-30");
        assertEquals("Europe/Berlin", oee.getString("timeZone"));
        assertEquals(List.of("2027-03-26T23:00:00Z", "2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z"), oee.getList("points.bucket"));
        assertEquals(List.of(86400.0, 82800.0, 86400.0), oee.getList("points.figures.plannedTimeS"));
        equalsRawLocalDays(oee);
        assertEquals(List.of(96.0, 92.0, 96.0), daily("/api/v1/dashboard/energy", "2027-03-27", "2027-03-30")
                .getList("points.figures.energyKwh"));
    }

    @Test
    void fallBackDayHas25Hours() {
        JsonPath oee = daily("/api/v1/dashboard/oee", "2027-10-30", "2027-11-02");
        assertEquals(List.of("2027-10-29T22:00:00Z", "2027-10-30T22:00:00Z", "2027-10-31T23:00:00Z"), oee.getList("points.bucket"));
        // the clock goes back at 03:00 CEST: 25 hours of 900 s every 15 minutes
        assertEquals(List.of(86400.0, 90000.0, 86400.0), oee.getList("points.figures.plannedTimeS"));
        equalsRawLocalDays(oee);
        assertEquals(List.of(100.0), daily("/api/v1/dashboard/energy", "2027-10-31", "2027-11-01").getList("points.figures.energyKwh"));

        JsonPath hourly = given().queryParam("from", "2027-10-31").queryParam("to", "2027-11-01").queryParam("granularity", "hour")
                .queryParam("groupBy", "plant").when().get("/api/v1/dashboard/oee").then().statusCode(200).extract().jsonPath();
        assertEquals("2027-10-30T22:00:00Z", hourly.getString("from"));
        assertEquals("2027-10-31T23:00:00Z", hourly.getString("to"));
        // hourly buckets are UTC hours: the two 02:00 hours (CEST and CET) stay two buckets, 25 of one hour each
        assertEquals(25, hourly.getList("points").size());
        assertEquals(List.of(3600.0), hourly.getList("points.figures.plannedTimeS").stream().distinct().toList());
        assertEquals(90000.0, hourly.<Map<String, Map<String, Object>>>getList("points").stream()
                .mapToDouble(p -> ((Number) p.get("figures").get("plannedTimeS")).doubleValue()).sum());
    }
}
