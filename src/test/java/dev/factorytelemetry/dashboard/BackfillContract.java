package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.lifecycle.AggregateRefresher;
import dev.factorytelemetry.lifecycle.BackfillRefresher;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Store-and-forward backfill, end to end through the HTTP API, on a plant in Europe/Berlin (issue #9). Production
 * days 1, 8, 30 and 80 days back and the latest DST change day at least ten days back are posted in three waves:
 * <ol>
 *   <li>"on time": half of each day's rows (quarter hours :00 and :30), the 30-days-back week sparsely (:00 only);
 *       then the aggregates are brought up to date as their schedules would (and, Community edition, chunks older
 *       than compress_after are compressed);</li>
 *   <li>"delivered late": the other quarter hours of those days (into materialized buckets and compressed chunks), a
 *       re-delivery of wave 1 (duplicates), a stop closed 8 days later, and an operator's correction in SQL;</li>
 *   <li>"one day of history, 30 days back": the rest of that day, into its compressed week — the case measured.</li>
 * </ol>
 * After each wave only the scheduled refresher runs (driven directly, as the scheduler would), and every dashboard
 * figure of every day is compared with a recomputation from the raw rows written here. Days are relative to now
 * (their age is what matters); the DST day is the real one of the plant's time zone; every assertion holds on any date.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith({DefaultTestAuthentication.class, DoubleJsonNumbers.class})
abstract class BackfillContract {

    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    /** Berlin plant, no answer cache (each request recomputes), its own database. */
    public static class Berlin implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("telemetry.plant.time-zone", "Europe/Berlin", "telemetry.dashboard.cache-ttl", "0s");
        }
    }

    static final String[] EQUIPMENT = {"E11", "E12", "E21"};
    static final double[] CYCLE = {1.0, 0.5, 2.0};
    static final String[] METRICS = {"L1.E11.temp", "L1.E11.count", "L1.E11.running"};
    static final String[] CATEGORIES = {"unplanned", "planned", "changeover", "maintenance"};

    /** Today in the plant, by the database's clock (DatabaseTime: the clock the service follows). */
    static final LocalDate TODAY = LocalDate.ofInstant(dev.factorytelemetry.support.DatabaseTime.now(), ZONE);
    static final LocalDate D1 = TODAY.minusDays(1);
    static final LocalDate D8 = TODAY.minusDays(8);
    static final LocalDate D30 = TODAY.minusDays(30);
    static final LocalDate D80 = TODAY.minusDays(80);
    /** The latest DST change in the plant's time zone at least ten days back (at most about 7 months). */
    static final LocalDate DST = dstDay();
    /** Every day the test writes and checks. */
    static final TreeSet<LocalDate> DAYS = new TreeSet<>(List.of(D1, D8, D29(), D30, D31(), D80, DST));

    static final UUID OPEN_STOP = UUID.nameUUIDFromBytes("backfill-open-stop".getBytes());

    @Inject
    AggregateRefresher aggregateRefresher;
    @Inject
    BackfillRefresher backfillRefresher;

    static LocalDate D29() {
        return TODAY.minusDays(29);
    }

    static LocalDate D31() {
        return TODAY.minusDays(31);
    }

    static LocalDate dstDay() {
        ZoneOffsetTransition t = ZONE.getRules().previousTransition(TODAY.minusDays(10).atStartOfDay(ZONE).toInstant());
        return t.getInstant().atZone(ZONE).toLocalDate();
    }

    LocalTimescale cluster() {
        return TimescaleTestResource.currentCluster;
    }

    String sql(String query) {
        return cluster().psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    boolean community() {
        return "timescale".equals(cluster().license());
    }

    // ---- data --------------------------------------------------------------------------------------------------

    /** Quarter hours of a local day (92, 96 or 100 of them). */
    static List<Instant> slots(LocalDate day) {
        List<Instant> slots = new ArrayList<>();
        Instant end = day.plusDays(1).atStartOfDay(ZONE).toInstant();
        for (Instant t = day.atStartOfDay(ZONE).toInstant(); t.isBefore(end); t = t.plus(15, ChronoUnit.MINUTES)) {
            slots.add(t);
        }
        return slots;
    }

    interface SlotFilter {
        boolean take(LocalDate day, int slot);
    }

    /** Wave 1: :00 and :30 of every day; only :00 in the 30-days-back week (sparse history, filled in wave 3). */
    static final SlotFilter WAVE1 = (day, i) -> isMonthWeek(day) ? i % 4 == 0 : i % 2 == 0;
    /** Wave 2: :15 and :45 of the days outside the 30-days-back week. */
    static final SlotFilter WAVE2 = (day, i) -> !isMonthWeek(day) && i % 2 == 1;
    /** Wave 3: the rest of the day 30 days back. */
    static final SlotFilter WAVE3 = (day, i) -> day.equals(D30) && i % 4 != 0;

    static boolean isMonthWeek(LocalDate day) {
        return !day.isBefore(D31()) && !day.isAfter(D29());
    }

    static double r1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    void post(String path, List<String> items) {
        for (int from = 0; from < items.size(); from += 500) {
            String body = "[" + String.join(",", items.subList(from, Math.min(items.size(), from + 500))) + "]";
            given().contentType("application/json").body(body).when().post(path).then().statusCode(200);
        }
    }

    /** One wave of every family, posted one day per request (as a gateway replays its buffer). */
    void postWave(SlotFilter filter) {
        for (LocalDate day : DAYS) {
            List<String> oee = new ArrayList<>();
            List<String> energy = new ArrayList<>();
            List<String> quality = new ArrayList<>();
            List<String> downtime = new ArrayList<>();
            List<String> samples = new ArrayList<>();
            boolean metricsKept = day.isAfter(TODAY.minusDays(85));
            List<Instant> slots = slots(day);
            for (int i = 0; i < slots.size(); i++) {
                if (!filter.take(day, i)) {
                    continue;
                }
                Instant t = slots.get(i);
                long s = t.getEpochSecond();
                for (int k = 0; k < EQUIPMENT.length; k++) {
                    double run = r1(900 * (0.5 + 0.45 * Math.abs(Math.sin(s / 3000.0 + k))));
                    double ideal = r1(run * (0.55 + 0.4 * Math.abs(Math.cos(s / 7000.0 + k))));
                    long total = (long) Math.floor(ideal / CYCLE[k]);
                    long good = (long) Math.floor(total * (k == 1 ? 0.5 : 0.97));
                    oee.add("{\"equipmentCode\":\"" + EQUIPMENT[k] + "\",\"calculationTime\":\"" + t + "\",\"plannedTimeS\":900,"
                            + "\"runTimeS\":" + run + ",\"idealRunTimeS\":" + ideal + ",\"totalCount\":" + total + ",\"goodCount\":" + good + "}");
                    double kw = r1(20 + 15 * Math.abs(Math.sin(s / 5000.0 + k)));
                    energy.add("{\"equipmentCode\":\"" + EQUIPMENT[k] + "\",\"consumptionTime\":\"" + t + "\",\"powerConsumptionKw\":" + kw
                            + ",\"energyConsumptionKwh\":" + r1(kw * 0.25) + "}");
                    if (i % 24 == 4 || i % 24 == 13) {
                        long minutes = 3 + (s / 60 + k) % 37;
                        downtime.add("{\"eventId\":\"" + UUID.nameUUIDFromBytes((EQUIPMENT[k] + t).getBytes()) + "\",\"equipmentCode\":\""
                                + EQUIPMENT[k] + "\",\"startTime\":\"" + t + "\",\"endTime\":\"" + t.plusSeconds(minutes * 60)
                                + "\",\"reasonCode\":\"R" + (s / 900 + k) % 5 + "\",\"category\":\"" + CATEGORIES[(int) ((s / 900 + k) % 4)] + "\"}");
                    }
                }
                if (i % 8 == 0 || i % 8 == 3) {
                    for (String line : List.of("L1", "L2")) {
                        for (String product : List.of("P-A", "P-B")) {
                            long checked = 100 + (s / 60) % 17;
                            long failed = (s / 900 + line.hashCode() + product.hashCode()) % 9;
                            String result = failed > 6 ? "fail" : failed > 4 ? "conditional" : "pass";
                            quality.add("{\"checkId\":\"" + UUID.nameUUIDFromBytes((line + product + t).getBytes()) + "\",\"lineCode\":\""
                                    + line + "\",\"productCode\":\"" + product + "\",\"checkTime\":\"" + t + "\",\"checkType\":\""
                                    + (i % 8 == 0 ? "in_process" : "final") + "\",\"checkResult\":\"" + result
                                    + "\",\"quantityChecked\":" + checked + ",\"quantityPassed\":" + (checked - failed)
                                    + ",\"quantityFailed\":" + failed + "}");
                        }
                    }
                }
                if (metricsKept) {
                    samples.add("{\"metric\":\"L1.E11.temp\",\"ts\":\"" + t + "\",\"value\":" + r1(70 + 5 * Math.sin(s / 900.0) + s % 7) + "}");
                    samples.add("{\"metric\":\"L1.E11.count\",\"ts\":\"" + t + "\",\"value\":" + (s % 1000) + "}");
                    samples.add("{\"metric\":\"L1.E11.running\",\"ts\":\"" + t + "\",\"value\":" + (s % 3 != 0) + "}");
                }
            }
            post("/api/v1/events/oee", oee);
            post("/api/v1/events/energy", energy);
            post("/api/v1/events/quality", quality);
            post("/api/v1/events/downtime", downtime);
            if (!samples.isEmpty()) {
                given().contentType("application/json").body("{\"samples\":[" + String.join(",", samples) + "]}")
                        .when().post("/api/v1/telemetry").then().statusCode(200);
            }
        }
    }

    /** What the schedulers do: the service's refresh (Apache edition) and the backfill refresher (both). */
    Duration runScheduledRefresh() {
        long started = System.nanoTime();
        if (!community()) {
            aggregateRefresher.refreshAll().await().atMost(Duration.ofMinutes(5))
                    .forEach(o -> assertNull(o.error(), o.aggregate() + ": " + o.error()));
        }
        backfillRefresher.refreshBacklog().await().atMost(Duration.ofMinutes(5))
                .forEach(o -> assertNull(o.error(), o.aggregate() + ": " + o.error()));
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** The refresh policies' own windows (Community edition), as their jobs would have run while the data arrived. */
    void runRefreshPolicies() {
        if (community()) {
            for (String aggregate : List.of("oee_hourly_aggregate", "metric_hourly_aggregate", "metric_minute_aggregate",
                    "energy_hourly_aggregate", "downtime_daily_aggregate", "quality_daily_aggregate", "oee_daily_aggregate",
                    "metric_daily_aggregate", "energy_daily_aggregate")) {
                String[] window = aggregate.contains("minute") ? new String[]{"1 day", "1 minute"}
                        : aggregate.contains("hourly") ? new String[]{"7 days", "1 hour"} : new String[]{"30 days", "1 day"};
                sql("CALL refresh_continuous_aggregate('factory_telemetry." + aggregate + "', now() - interval '" + window[0]
                        + "', now() - interval '" + window[1] + "')");
            }
        }
    }

    // ---- the waves ---------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void a_onTimeHistoryMatchesRawEverywhere() {
        // the DST day may lie up to about 7 months back: this plant keeps raw telemetry for 400 days (the default 90
        // would refuse its samples from late January to late March), set as an operator would
        given().contentType("application/json").body("{\"retention\": \"400 days\"}")
                .when().put("/api/v1/admin/lifecycle/retention/metric_hist").then().statusCode(200);
        sql(DashboardTestData.REFERENCE);
        postWave(WAVE1);
        // an open stop 8 days back, closed in wave 2
        post("/api/v1/events/downtime", List.of("{\"eventId\":\"" + OPEN_STOP + "\",\"equipmentCode\":\"E21\",\"startTime\":\""
                + D8.atTime(10, 7).atZone(ZONE).toInstant() + "\",\"reasonCode\":\"BREAKDOWN\",\"category\":\"maintenance\"}"));
        runRefreshPolicies();
        runScheduledRefresh();
        assertBacklogEmpty();
        assertEveryDayMatchesRaw(true);
        if (community()) {
            sql("SELECT count(*) FROM factory_telemetry.compress_eligible_chunks()");
            // counted in the catalog, not by what the call compressed: TimescaleDB's own compression policy may have
            // compressed some of them first, in the background
            int compressed = Integer.parseInt(sql("SELECT count(*) FROM timescaledb_information.chunks "
                    + "WHERE hypertable_schema = 'factory_telemetry' AND is_compressed"));
            assertTrue(compressed >= 10, compressed + " chunks of the history are compressed");
        }
    }

    @Test
    @Order(2)
    void b_lateDeliveriesAndCorrectionsReachEveryAggregate() {
        postWave(WAVE2);
        postWave(WAVE1); // a gateway re-sends what it already delivered: duplicates, nothing changes
        given().contentType("application/json").body("{\"endTime\":\"" + D8.atTime(10, 52).atZone(ZONE).toInstant() + "\"}")
                .when().post("/api/v1/events/downtime/" + OPEN_STOP + "/close").then().statusCode(200);
        // an operator's correction of an 80-days-old meter reading (a compressed chunk on the Community edition)
        sql("UPDATE factory_telemetry.energy_consumption SET energy_consumption_kwh = energy_consumption_kwh + 1.5 "
                + "WHERE equipment_id = (SELECT id FROM factory_telemetry.equipment WHERE equipment_code = 'E11') "
                + "AND consumption_time >= '" + D80.atStartOfDay(ZONE).toInstant() + "' AND consumption_time < '"
                + D80.atStartOfDay(ZONE).toInstant().plus(3, ChronoUnit.HOURS) + "'");
        if (community()) {
            assertTrue(Integer.parseInt(sql("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' "
                    + "AND is_compressed AND range_start <= '" + D80.atStartOfDay(ZONE).toInstant() + "' AND range_end > '"
                    + D80.atStartOfDay(ZONE).toInstant() + "' AND hypertable_name = 'energy_consumption'")) == 1,
                    "the corrected rows lie in a compressed chunk");
        }
        assertBacklogReported();
        // before the refresh: the Community edition says which buckets are not refreshed; the Apache edition's
        // answers already include the late rows (computed from raw rows for pending buckets)
        JsonPath before = given().queryParam("granularity", "day").queryParam("groupBy", "equipment")
                .queryParam("from", D80.toString()).queryParam("to", D80.plusDays(1).toString())
                .when().get("/api/v1/dashboard/oee").then().statusCode(200).extract().jsonPath();
        assertNotNull(before.getString("freshness.pendingSince"), "the 80-days-back day waits for a refresh");
        assertEquals(!community(), before.getBoolean("freshness.complete"));
        if (!community()) {
            assertEveryDayMatchesRaw(false);
        }

        Duration took = runScheduledRefresh();
        System.out.println("BACKFILL wave 2 (" + cluster().license() + "): scheduled refresh took " + took.toMillis() + " ms");
        assertBacklogEmpty();
        assertEveryDayMatchesRaw(true);
    }

    @Test
    @Order(3)
    void c_oneDayThirtyDaysBackIntoItsCompressedWeek() {
        Map<String, Long> rowsBefore = aggregateRows(D30);
        String compressed = community() ? sql("SELECT string_agg(hypertable_name || ':' || n, ',') FROM (SELECT hypertable_name, count(*) n "
                + "FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' AND is_compressed AND range_start < "
                + utc(D30.plusDays(1).atStartOfDay(ZONE).toInstant()) + " AND range_end > " + utc(D30.atStartOfDay(ZONE).toInstant())
                + " GROUP BY 1) c") : "n/a";
        if (community()) {
            // (downtime and quality chunks span 7 days and compress after 30: theirs is not compressed yet; their rows
            // 80 days back and on the DST day, written in wave 2, are)
            for (String table : List.of("oee_calculations", "energy_consumption", "metric_hist")) {
                assertTrue(compressed.contains(table + ":"), "the day's " + table + " rows lie in compressed chunks: " + compressed);
            }
        }
        long posting = System.nanoTime();
        postWave(WAVE3);
        long postedMs = (System.nanoTime() - posting) / 1_000_000;
        String backlog = sql("SELECT string_agg(aggregate_name || ' ' || bucket_from || ' .. ' || bucket_to, '; ' ORDER BY aggregate_name, bucket_from) "
                + "FROM factory_telemetry.aggregate_backlog()");
        // (TimescaleDB re-materializes the next day of its daily time-zone aggregates too, see changelog 0010)
        String outside = sql("SELECT count(*) FROM factory_telemetry.aggregate_backlog() WHERE bucket_from < "
                + utc(D30.atStartOfDay(ZONE).toInstant()) + " OR bucket_to > "
                + utc(D30.plusDays(community() ? 2 : 1).atStartOfDay(ZONE).toInstant()));
        Duration took = runScheduledRefresh();
        Map<String, Long> rowsAfter = aggregateRows(D30);
        long rows = rowsAfter.values().stream().mapToLong(Long::longValue).sum();
        if (community()) {
            // TimescaleDB also re-materializes the next day of its daily time-zone aggregates (changelog 0010)
            rows += aggregateRows(D29()).entrySet().stream().filter(e -> e.getKey().contains("daily"))
                    .mapToLong(Map.Entry::getValue).sum();
        }
        System.out.println("BACKFILL one day 30 days back (" + cluster().license() + "): posting " + postedMs
                + " ms into compressed chunks " + compressed + "; refresh " + took.toMillis()
                + " ms; aggregate rows of that day before " + rowsBefore + ", after " + rowsAfter + " (" + rows
                + " rows re-materialized); backlog was: " + backlog);
        assertBacklogEmpty();
        assertEveryDayMatchesRaw(true);
        // only the backfilled day was pending: no range outside it was re-materialized
        assertFalse(backlog.isEmpty());
        assertEquals("0", outside, "pending ranges outside the backfilled day: " + backlog);
    }

    @Test
    @Order(4)
    void d_tooOldDataIsRefusedNamingTheHorizon() {
        Instant tooOld = dev.factorytelemetry.support.DatabaseTime.now().minus(800, ChronoUnit.DAYS);
        given().contentType("application/json").body("[{\"equipmentCode\":\"E11\",\"calculationTime\":\"" + tooOld
                        + "\",\"plannedTimeS\":900,\"runTimeS\":800,\"idealRunTimeS\":700,\"totalCount\":700,\"goodCount\":650}]")
                .when().post("/api/v1/events/oee").then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", org.hamcrest.Matchers.equalTo("calculationTime"))
                .body("errors[0].message", containsString("oldest accepted"));
        given().contentType("application/json").body("[{\"equipmentCode\":\"E11\",\"consumptionTime\":\""
                        + dev.factorytelemetry.support.DatabaseTime.now().minus(400, ChronoUnit.DAYS) + "\",\"powerConsumptionKw\":4,\"energyConsumptionKwh\":1}]")
                .when().post("/api/v1/events/energy").then().statusCode(422).body("errors[0].message", containsString("1 year"));
        given().contentType("application/json").body("{\"samples\":[{\"metric\":\"L1.E11.temp\",\"ts\":\""
                        + dev.factorytelemetry.support.DatabaseTime.now().minus(500, ChronoUnit.DAYS) + "\",\"value\":1.5}]}")
                .when().post("/api/v1/telemetry").then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(400))
                .statusCode(org.hamcrest.Matchers.lessThan(500)).body(containsString("retention"));
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.oee_calculations WHERE calculation_time < now() - interval '700 days'"));
    }

    @Test
    @Order(5)
    void e_refreshOnDemandOnEitherEdition() {
        given().queryParam("aggregate", "no_such_aggregate").when().post("/api/v1/admin/lifecycle/aggregates/refresh")
                .then().statusCode(404).contentType("application/problem+json").body("detail", containsString("no_such_aggregate"));
        given().queryParam("from", "2026-03-02T00:00:00Z").when().post("/api/v1/admin/lifecycle/aggregates/refresh")
                .then().statusCode(400);
        // a row written behind the service's back and a forced refresh of its day
        sql("UPDATE factory_telemetry.quality_checks SET quantity_passed = quantity_passed - 1, quantity_failed = quantity_failed + 1 "
                + "WHERE check_time = (SELECT min(check_time) FROM factory_telemetry.quality_checks WHERE check_time >= '"
                + D8.atStartOfDay(ZONE).toInstant() + "')");
        List<Map<String, Object>> outcomes = given().queryParam("aggregate", "quality_daily_aggregate")
                .queryParam("from", D8.atStartOfDay(ZONE).toInstant().toString())
                .queryParam("to", D8.plusDays(1).atStartOfDay(ZONE).toInstant().toString())
                .when().post("/api/v1/admin/lifecycle/aggregates/refresh").then().statusCode(200).extract().jsonPath().getList("$");
        assertEquals(1, outcomes.size());
        assertEquals("quality_daily_aggregate", outcomes.get(0).get("aggregate"));
        assertNull(outcomes.get(0).get("error"), outcomes.toString());
        assertTrue(((Number) outcomes.get(0).get("ranges")).intValue() >= 1);
        assertDayMatchesRaw(D8, true);
        // all aggregates, their backlog
        given().when().post("/api/v1/admin/lifecycle/aggregates/refresh").then().statusCode(200);
        assertBacklogEmpty();
    }

    // ---- backlog -----------------------------------------------------------------------------------------------

    void assertBacklogEmpty() {
        assertEquals("", sql("SELECT string_agg(aggregate_name || ': ' || bucket_from || ' .. ' || bucket_to, '; ') "
                + "FROM factory_telemetry.aggregate_backlog()"), "nothing waits for a refresh");
        List<Map<String, Object>> aggregates = given().when().get("/api/v1/admin/lifecycle/aggregates").then().statusCode(200)
                .extract().jsonPath().getList("$");
        for (Map<String, Object> a : aggregates) {
            assertEquals(0, ((Number) a.get("pendingInvalidations")).intValue(), a.toString());
            assertNull(a.get("oldestPendingBucket"), a.toString());
        }
        if (!community()) {
            assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation"), "the log is cleaned up");
        }
        backfillRefresher.updateGauges().await().atMost(Duration.ofSeconds(30));
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("factory_telemetry_aggregate_backlog_ranges{aggregate=\"oee_hourly_aggregate\"} 0.0"), metrics);
    }

    void assertBacklogReported() {
        List<Map<String, Object>> aggregates = given().when().get("/api/v1/admin/lifecycle/aggregates").then().statusCode(200)
                .extract().jsonPath().getList("$");
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        aggregates.forEach(a -> byName.put((String) a.get("aggregateName"), a));
        for (String name : List.of("oee_hourly_aggregate", "energy_hourly_aggregate", "metric_hourly_aggregate",
                "metric_minute_aggregate", "downtime_daily_aggregate", "quality_daily_aggregate")) {
            Map<String, Object> a = byName.get(name);
            assertTrue(((Number) a.get("pendingInvalidations")).intValue() > 0, a.toString());
            Instant oldest = java.time.OffsetDateTime.parse((String) a.get("oldestPendingBucket")).toInstant();
            LocalDate oldestDay = oldest.atZone(ZONE).toLocalDate();
            LocalDate expected = name.startsWith("metric") && DST.isBefore(TODAY.minusDays(84)) ? D80
                    : DST.isBefore(D80) ? DST : D80;
            assertTrue(!oldestDay.isAfter(expected.plusDays(1)) && !oldestDay.isBefore(expected.minusDays(1)),
                    name + " oldest pending " + oldest + ", expected on " + expected);
            assertTrue(((Number) a.get("backfillRanges")).intValue() > 0, a.toString());
            if (!community()) {
                // (on the Community edition the status first reflects whether the native refresh jobs ran yet)
                assertEquals("backfill pending", a.get("status"), a.toString());
            }
        }
        List<Map<String, Object>> ranges = given().when().get("/api/v1/admin/lifecycle/aggregates/backlog").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertFalse(ranges.isEmpty());
        backfillRefresher.updateGauges().await().atMost(Duration.ofSeconds(30));
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.matches("(?s).*factory_telemetry_aggregate_backlog_ranges\\{aggregate=\"oee_hourly_aggregate\"} [1-9].*"), metrics);
        assertTrue(metrics.matches("(?s).*factory_telemetry_aggregate_backlog_oldest_bucket_age_seconds\\{aggregate=\"oee_hourly_aggregate\"} [1-9].*"));
    }

    Map<String, Long> aggregateRows(LocalDate day) {
        Map<String, Long> rows = new TreeMap<>();
        String from = day.atStartOfDay(ZONE).toInstant().toString();
        String to = day.plusDays(1).atStartOfDay(ZONE).toInstant().toString();
        for (String a : List.of("oee_hourly_aggregate", "metric_hourly_aggregate", "metric_minute_aggregate",
                "energy_hourly_aggregate", "downtime_daily_aggregate", "quality_daily_aggregate", "oee_daily_aggregate",
                "metric_daily_aggregate", "energy_daily_aggregate")) {
            rows.put(a, Long.parseLong(sql("SELECT count(*) FROM factory_telemetry." + a + " WHERE bucket >= '" + from
                    + "' AND bucket < '" + to + "'")));
        }
        return rows;
    }

    // ---- comparison with raw rows ------------------------------------------------------------------------------

    void assertEveryDayMatchesRaw(boolean complete) {
        for (LocalDate day : DAYS) {
            assertDayMatchesRaw(day, complete);
        }
    }

    static String utc(Instant t) {
        return "'" + t + "'::timestamptz";
    }

    /** Rows "key|v1|v2..." from SQL into a map. */
    Map<String, double[]> rows(String query) {
        Map<String, double[]> map = new TreeMap<>();
        String out = sql(query);
        if (out.isEmpty()) {
            return map;
        }
        for (String line : out.split("\n")) {
            String[] f = line.split("\\|", -1);
            double[] v = new double[f.length - 1];
            for (int i = 1; i < f.length; i++) {
                v[i - 1] = f[i].isEmpty() ? Double.NaN : Double.parseDouble(f[i]);
            }
            map.put(f[0], v);
        }
        return map;
    }

    static void assertSame(String what, Map<String, double[]> raw, Map<String, double[]> api) {
        assertEquals(raw.keySet(), api.keySet(), what + ": buckets and groups");
        for (Map.Entry<String, double[]> e : raw.entrySet()) {
            double[] r = e.getValue();
            double[] a = api.get(e.getKey());
            for (int i = 0; i < r.length; i++) {
                if (Double.isNaN(r[i])) {
                    assertTrue(Double.isNaN(a[i]), what + " " + e.getKey() + " #" + i + ": expected null, was " + a[i]);
                } else {
                    DashboardContract.near(r[i], a[i], what + " " + e.getKey() + " #" + i);
                }
            }
        }
    }

    static double n(Object value) {
        return value == null ? Double.NaN : ((Number) value).doubleValue();
    }

    static String bucketKey(Object bucket, Object... keys) {
        StringBuilder key = new StringBuilder(Instant.parse((String) bucket).toString());
        for (Object k : keys) {
            key.append('/').append(k);
        }
        return key.toString();
    }

    /** The raw bucket expression: local days, or (UTC) hours: 23, 24 or 25 of them in a local day. */
    static String bucket(String column, String width) {
        String zone = width.equals("1 hour") ? "UTC" : "Europe/Berlin";
        return "to_char(time_bucket(interval '" + width + "', " + column + ", '" + zone + "') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
    }

    JsonPath get(String path, LocalDate day, String granularity, String groupBy, boolean complete, String... more) {
        var request = given().queryParam("from", day.toString()).queryParam("to", day.plusDays(1).toString());
        if (granularity != null) {
            request = request.queryParam("granularity", granularity);
        }
        if (groupBy != null) {
            request = request.queryParam("groupBy", groupBy);
        }
        for (int i = 0; i + 1 < more.length; i += 2) {
            request = request.queryParam(more[i], more[i + 1]);
        }
        JsonPath json = request.when().get(path).then().statusCode(200).extract().jsonPath();
        if (complete) {
            assertTrue(json.getBoolean("freshness.complete"), path + " " + day + " complete");
            assertNull(json.getString("freshness.pendingSince"), path + " " + day + " nothing pending");
        }
        return json;
    }

    void assertDayMatchesRaw(LocalDate day, boolean complete) {
        Instant from = day.atStartOfDay(ZONE).toInstant();
        Instant to = day.plusDays(1).atStartOfDay(ZONE).toInstant();
        String range = " >= " + utc(from) + " AND %s < " + utc(to);
        long hours = Duration.between(from, to).toHours();

        for (String width : List.of("1 day", "1 hour")) {
            String granularity = width.equals("1 day") ? "day" : "hour";
            // OEE by equipment and by line, from sums
            for (String groupBy : List.of("equipment", "line")) {
                String key = groupBy.equals("equipment") ? "e.equipment_code" : "l.line_code";
                Map<String, double[]> raw = rows("SELECT " + bucket("o.calculation_time", width) + " || '/' || " + key
                        + ", sum(planned_time_s), sum(run_time_s), sum(ideal_run_time_s), sum(total_count), sum(good_count), "
                        + "sum(run_time_s) / sum(planned_time_s), sum(ideal_run_time_s) / sum(run_time_s), "
                        + "sum(good_count)::float8 / sum(total_count), "
                        + "sum(run_time_s) / sum(planned_time_s) * sum(ideal_run_time_s) / sum(run_time_s) * sum(good_count)::float8 / sum(total_count) "
                        + "FROM factory_telemetry.oee_calculations o JOIN factory_telemetry.equipment e ON e.id = o.equipment_id "
                        + "JOIN factory_telemetry.production_lines l ON l.id = o.line_id "
                        + "WHERE o.calculation_time" + range.formatted("o.calculation_time") + " GROUP BY 1 ORDER BY 1");
                JsonPath json = get("/api/v1/dashboard/oee", day, granularity, groupBy, complete);
                Map<String, double[]> api = new TreeMap<>();
                for (Map<String, Object> p : json.<Map<String, Object>>getList("points")) {
                    @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) p.get("figures");
                    api.put(bucketKey(p.get("bucket"), groupBy.equals("equipment") ? p.get("equipmentCode") : p.get("lineCode")),
                            new double[]{n(f.get("plannedTimeS")), n(f.get("runTimeS")), n(f.get("idealRunTimeS")),
                                    n(f.get("totalCount")), n(f.get("goodCount")), n(f.get("availability")),
                                    n(f.get("performance")), n(f.get("quality")), n(f.get("oee"))});
                }
                assertSame("OEE " + granularity + " by " + groupBy + " " + day, raw, api);
                if (width.equals("1 hour") && groupBy.equals("equipment")) {
                    assertEquals(hours * 3, api.size(), day + ": every hour of the day (" + hours + ") for 3 machines");
                }
            }
            // energy by line
            Map<String, double[]> raw = rows("SELECT " + bucket("c.consumption_time", width) + " || '/' || l.line_code, count(*), "
                    + "sum(energy_consumption_kwh), max(power_consumption_kw), min(power_consumption_kw), avg(power_consumption_kw), "
                    + "sum(energy_consumption_kwh) * (SELECT value::float8 FROM factory_telemetry.plant_settings WHERE setting = 'energy_tariff_per_kwh') "
                    + "FROM factory_telemetry.energy_consumption c JOIN factory_telemetry.production_lines l ON l.id = c.line_id "
                    + "WHERE c.consumption_time" + range.formatted("c.consumption_time") + " GROUP BY 1 ORDER BY 1");
            JsonPath json = get("/api/v1/dashboard/energy", day, granularity, "line", complete);
            Map<String, double[]> api = new TreeMap<>();
            for (Map<String, Object> p : json.<Map<String, Object>>getList("points")) {
                @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) p.get("figures");
                api.put(bucketKey(p.get("bucket"), p.get("lineCode")), new double[]{n(f.get("readings")), n(f.get("energyKwh")),
                        n(f.get("peakPowerKw")), n(f.get("minPowerKw")), n(f.get("avgPowerKw")), n(f.get("cost"))});
            }
            assertSame("energy " + granularity + " " + day, raw, api);

            // metric statistics (within metric_hist's retention)
            if (day.isAfter(TODAY.minusDays(85))) {
                JsonPath stats = given().queryParam("metric", METRICS[0]).queryParam("metric", METRICS[1]).queryParam("metric", METRICS[2])
                        .queryParam("granularity", granularity).queryParam("from", day.toString()).queryParam("to", day.plusDays(1).toString())
                        .when().get("/api/v1/dashboard/metrics/statistics").then().statusCode(200).extract().jsonPath();
                if (complete) {
                    assertTrue(stats.getBoolean("freshness.complete"));
                }
                for (int m = 0; m < 3; m++) {
                    String where = "metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = '" + METRICS[m] + "') AND ts"
                            + range.formatted("ts");
                    Map<String, double[]> rawStats = rows(switch (m) {
                        case 0 -> "SELECT " + bucket("ts", width) + ", count(*), min(value_real), max(value_real), avg(value_real), "
                                + "stddev_samp(value_real) FROM factory_telemetry.metric_hist WHERE " + where + " GROUP BY 1";
                        case 1 -> "SELECT " + bucket("ts", width) + ", count(*), min(value_int), max(value_int), avg(value_int), NULL "
                                + "FROM factory_telemetry.metric_hist WHERE " + where + " GROUP BY 1";
                        default -> "SELECT " + bucket("ts", width) + ", count(*), NULL, NULL, NULL, count(*) FILTER (WHERE value_bool) "
                                + "FROM factory_telemetry.metric_hist WHERE " + where + " GROUP BY 1";
                    });
                    Map<String, double[]> apiStats = new TreeMap<>();
                    for (Map<String, Object> p : stats.<Map<String, Object>>getList("metrics[" + m + "].points")) {
                        apiStats.put(bucketKey(p.get("bucket")), m == 2
                                ? new double[]{n(p.get("count")), Double.NaN, Double.NaN, Double.NaN, n(p.get("trueCount"))}
                                : new double[]{n(p.get("count")), n(p.get("min")), n(p.get("max")), n(p.get("avg")),
                                m == 0 ? n(p.get("stddev")) : Double.NaN});
                    }
                    assertSame("metric " + METRICS[m] + " " + granularity + " " + day, rawStats, apiStats);
                }
            }
        }

        // the metric series of the day in 5-minute buckets: from the 1-minute aggregate, late rows included
        if (day.isAfter(TODAY.minusDays(85))) {
            String where = "metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = '" + METRICS[0] + "') AND ts"
                    + range.formatted("ts");
            Map<String, double[]> rawSeries = rows("SELECT " + bucket("ts", "5 minutes") + ", count(*), min(value_real), "
                    + "max(value_real), avg(value_real) FROM factory_telemetry.metric_hist WHERE " + where + " GROUP BY 1");
            JsonPath series = get("/api/v1/dashboard/metrics/" + METRICS[0] + "/series", day, null, null, complete,
                    "maxPoints", "300");
            assertEquals("minute", series.getString("source"), day + " series source");
            assertEquals("PT5M", series.getString("bucketWidth"));
            Map<String, double[]> apiSeries = new TreeMap<>();
            for (Map<String, Object> p : series.<Map<String, Object>>getList("points")) {
                apiSeries.put(bucketKey(p.get("bucket")), new double[]{n(p.get("count")), n(p.get("min")), n(p.get("max")), n(p.get("avg"))});
            }
            assertSame("series " + METRICS[0] + " 5 min " + day, rawSeries, apiSeries);
        }

        // downtime by category (closed stops, booked to the day they start)
        Map<String, double[]> raw = rows("SELECT " + bucket("d.start_time", "1 day") + " || '/' || l.line_code || '/' || d.category, count(*), "
                + "sum(extract(epoch FROM d.end_time - d.start_time)), max(extract(epoch FROM d.end_time - d.start_time)) "
                + "FROM factory_telemetry.downtime_events d JOIN factory_telemetry.production_lines l ON l.id = d.line_id "
                + "WHERE d.end_time IS NOT NULL AND d.start_time" + range.formatted("d.start_time") + " GROUP BY 1 ORDER BY 1");
        JsonPath json = get("/api/v1/dashboard/downtime", day, null, null, complete);
        Map<String, double[]> api = new TreeMap<>();
        for (Map<String, Object> p : json.<Map<String, Object>>getList("points")) {
            api.put(bucketKey(p.get("day"), p.get("lineCode"), p.get("category")),
                    new double[]{n(p.get("events")), n(p.get("downtimeS")), n(p.get("maxStopS"))});
        }
        assertSame("downtime " + day, raw, api);

        // quality by line, product and check type
        raw = rows("SELECT " + bucket("q.check_time", "1 day") + " || '/' || l.line_code || '/' || p.product_code || '/' || q.check_type, "
                + "count(*), count(*) FILTER (WHERE check_result = 'pass'), count(*) FILTER (WHERE check_result = 'fail'), "
                + "count(*) FILTER (WHERE check_result = 'conditional'), sum(quantity_checked), sum(quantity_passed), sum(quantity_failed), "
                + "sum(quantity_passed)::float8 / sum(quantity_checked) "
                + "FROM factory_telemetry.quality_checks q JOIN factory_telemetry.production_lines l ON l.id = q.line_id "
                + "JOIN factory_telemetry.product_types p ON p.id = q.product_type_id "
                + "WHERE q.check_time" + range.formatted("q.check_time") + " GROUP BY 1 ORDER BY 1");
        json = get("/api/v1/dashboard/quality", day, null, null, complete);
        api = new TreeMap<>();
        for (Map<String, Object> p : json.<Map<String, Object>>getList("points")) {
            @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) p.get("figures");
            api.put(bucketKey(p.get("day"), p.get("lineCode"), p.get("productCode"), p.get("checkType")),
                    new double[]{n(f.get("checks")), n(f.get("passedChecks")), n(f.get("failedChecks")), n(f.get("conditionalChecks")),
                            n(f.get("quantityChecked")), n(f.get("quantityPassed")), n(f.get("quantityFailed")), n(f.get("passRate"))});
        }
        assertSame("quality " + day, raw, api);
    }
}
