package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The freshness bound without any manual step, on the Community edition: the service's own scheduler (a 2-second
 * backfill tick here, 60 s by default) brings a day posted 30 days back into the continuous aggregates, and the
 * answer is complete within the tick plus the refresh time. Prints the measured delay.
 */
@QuarkusTest
@ExtendWith({CommunityEditionAvailable.class, DefaultTestAuthentication.class, DoubleJsonNumbers.class})
@TestProfile(BackfillSchedulerCommunityTest.Scheduled.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "backfill-scheduler")})
class BackfillSchedulerCommunityTest {

    public static class Scheduled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.plant.time-zone", "Europe/Berlin", "telemetry.dashboard.cache-ttl", "0s",
                    "telemetry.lifecycle.enabled", "true", "telemetry.lifecycle.backfill-tick", "2s",
                    "telemetry.lifecycle.initial-delay", "1s");
        }
    }

    static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    @Test
    void aDayThirtyDaysBackReachesTheAggregatesWithinTheBackfillTick() throws InterruptedException {
        sql(DashboardTestData.REFERENCE);
        // the aggregates have been refreshed up to an hour ago, as their policies do in production
        for (String aggregate : List.of("oee_hourly_aggregate", "oee_daily_aggregate")) {
            sql("CALL refresh_continuous_aggregate('factory_telemetry." + aggregate + "', now() - interval '40 days', now() - interval '1 day')");
        }
        LocalDate day = LocalDate.ofInstant(dev.factorytelemetry.support.DatabaseTime.now(), BackfillContract.ZONE).minusDays(30);
        List<String> items = new ArrayList<>();
        for (Instant t : BackfillContract.slots(day)) {
            items.add("{\"equipmentCode\":\"E11\",\"calculationTime\":\"" + t + "\",\"plannedTimeS\":900,\"runTimeS\":800,"
                    + "\"idealRunTimeS\":700,\"totalCount\":700,\"goodCount\":650}");
        }
        given().contentType("application/json").body("[" + String.join(",", items) + "]").when().post("/api/v1/events/oee")
                .then().statusCode(200);
        Instant accepted = Instant.now();

        boolean sawIncomplete = false;
        JsonPath json;
        while (true) {
            json = given().queryParam("granularity", "day").queryParam("groupBy", "plant").queryParam("from", day.toString())
                    .queryParam("to", day.plusDays(1).toString()).when().get("/api/v1/dashboard/oee").then().statusCode(200)
                    .extract().jsonPath();
            if (json.getBoolean("freshness.complete")) {
                break;
            }
            sawIncomplete = true;
            assertTrue(Duration.between(accepted, Instant.now()).toSeconds() < 60, "not refreshed within 60 s");
            Thread.sleep(100);
        }
        Duration took = Duration.between(accepted, Instant.now());
        System.out.println("BACKFILL freshness bound measured (timescale, backfill-tick 2s): " + took.toMillis()
                + " ms from the 200 to a complete answer" + (sawIncomplete ? " (incomplete answers before)" : ""));
        // (whether the first answer came before the tick is timing: BackfillContract asserts complete=false before a refresh)
        assertEquals(1, json.getList("points").size());
        assertEquals(items.size() * 900.0, ((Number) json.getMap("points[0].figures").get("plannedTimeS")).doubleValue(), 1e-6);
        // the rest of the backlog (TimescaleDB also logs the day after a daily time-zone bucket, cleared by a second
        // pass) is worked off by the same scheduled job, within its tick
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> "0".equals(sql("SELECT count(*) FROM factory_telemetry.aggregate_backlog()")));
        assertFalse(json.getString("freshness.source").isEmpty());
        assertTrue(took.compareTo(Duration.of(60, ChronoUnit.SECONDS)) < 0, "complete after " + took);
    }
}
