package dev.factorytelemetry.events;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The event write paths on the Community edition: the same requests are stored, nothing is logged for
 * service-maintained aggregates (there are none), and the native continuous aggregate sees the rows.
 * Skipped with its reason where the Community edition is not installed.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "edition", value = "community"))
@ExtendWith(DefaultTestAuthentication.class)
class ProductionEventsCommunityTest {


    /** A day before the database's now, on the hour (read once, after the test cluster started). */
    private static final class Base {
        static final Instant BASE = DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(1, ChronoUnit.DAYS);
    }

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    private static String t(int minutes) {
        return Base.BASE.plus(minutes, ChronoUnit.MINUTES).toString();
    }

    @Test
    void eventsAreStoredAndReachTheContinuousAggregates() {
        assertEquals("timescale", psql("SHOW timescaledb.license"));
        String line = "cm-" + UUID.randomUUID().toString().substring(0, 8);
        String machine = line + ".filler";
        given().contentType(ContentType.JSON).body("{\"name\":\"L\"}").put("/api/v1/lines/" + line).then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\":\"F\",\"lineCode\":\"" + line + "\",\"idealCycleTimeS\":0.5}")
                .put("/api/v1/equipment/" + machine).then().statusCode(201);

        String oee = "[{\"equipmentCode\":\"" + machine + "\",\"calculationTime\":\"" + t(0) + "\",\"plannedTimeS\":900,"
                + "\"runTimeS\":800,\"totalCount\":1400,\"goodCount\":1386}]";
        given().contentType(ContentType.JSON).body(oee).post("/api/v1/events/oee").then().statusCode(200).body("accepted", equalTo(1));
        given().contentType(ContentType.JSON).body(oee).post("/api/v1/events/oee").then().statusCode(200).body("duplicates", equalTo(1));

        UUID eventId = UUID.randomUUID();
        given().contentType(ContentType.JSON).body("{\"eventId\":\"" + eventId + "\",\"equipmentCode\":\"" + machine
                        + "\",\"startTime\":\"" + t(5) + "\",\"reasonCode\":\"JAM\",\"category\":\"unplanned\"}")
                .post("/api/v1/events/downtime").then().statusCode(200).body("accepted", equalTo(1));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(8) + "\"}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(200).body("durationS", equalTo(180.0f));
        given().contentType(ContentType.JSON).body("[{\"equipmentCode\":\"" + machine + "\",\"bitIndex\":2,\"tsOn\":\"" + t(5) + "\"}]")
                .post("/api/v1/events/faults").then().statusCode(200).body("accepted", equalTo(1));
        given().contentType(ContentType.JSON).body("[{\"equipmentCode\":\"" + machine + "\",\"bitIndex\":2,\"tsOff\":\"" + t(8) + "\"}]")
                .post("/api/v1/events/faults/clear").then().statusCode(200).body("accepted", equalTo(1));

        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation"));
        psql("CALL refresh_continuous_aggregate('factory_telemetry.oee_hourly_aggregate', NULL, NULL)");
        assertEquals("1|900|800|700", psql("SELECT o.calculations, o.planned_time_s, o.run_time_s, o.ideal_run_time_s "
                + "FROM factory_telemetry.oee_hourly_aggregate o JOIN factory_telemetry.equipment e ON e.id = o.equipment_id "
                + "WHERE e.equipment_code = '" + machine + "'"));
        assertEquals("180", psql("SELECT duration_s FROM factory_telemetry.downtime_events WHERE event_id = '" + eventId + "'"));
    }
}
