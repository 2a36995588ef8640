package dev.factorytelemetry.events;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.auth.DefaultTestAuthentication;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every event endpoint against the real TimescaleDB: rows stored as sent (ids resolved from codes),
 * retries counted as duplicates, each family of invalid input refused with its item index and field,
 * and a refused request leaving the database unchanged.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
@ExtendWith(DefaultTestAuthentication.class)
class ProductionEventsTest {


    /** Two days before the database's now, on the hour (read once, after the test cluster started). */
    private static final class Base {
        static final Instant BASE = DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.DAYS);
    }

    private String line;
    private String otherLine;
    private String filler;
    private String capper;
    private String product;
    private String shift;

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    private static String t(int minutes) {
        return Base.BASE.plus(minutes, ChronoUnit.MINUTES).toString();
    }

    private static void put(String path, String body) {
        given().contentType(ContentType.JSON).body(body).put(path).then().statusCode(201);
    }

    private static ValidatableResponse post(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/events/" + path).then();
    }

    @BeforeEach
    void referenceData() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        line = "ev-" + id;
        otherLine = "ev-other-" + id;
        filler = line + ".filler";
        capper = line + ".capper";
        product = "sku-" + id;
        shift = "early-" + id;
        put("/api/v1/lines/" + line, "{\"name\":\"Line\"}");
        put("/api/v1/lines/" + otherLine, "{\"name\":\"Other line\"}");
        put("/api/v1/equipment/" + filler, "{\"name\":\"Filler\",\"lineCode\":\"" + line + "\",\"idealCycleTimeS\":0.5}");
        put("/api/v1/equipment/" + capper, "{\"name\":\"Capper\",\"lineCode\":\"" + line + "\"}");
        put("/api/v1/product-types/" + product, "{\"name\":\"Cola\"}");
        put("/api/v1/shifts/" + shift, "{\"startTime\":\"06:00\",\"endTime\":\"14:00\"}");
    }

    private String equipmentId(String code) {
        return psql("SELECT id FROM factory_telemetry.equipment WHERE equipment_code = '" + code + "'");
    }

    private String lineId(String code) {
        return psql("SELECT id FROM factory_telemetry.production_lines WHERE line_code = '" + code + "'");
    }

    // ---- OEE ------------------------------------------------------------------------------------------

    @Test
    void oeeBatchIsStoredWithResolvedIdsAndRetriesAreDuplicates() {
        String batch = "[{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\"" + t(0) + "\",\"plannedTimeS\":3600,"
                + "\"runTimeS\":3000,\"totalCount\":5000,\"goodCount\":4900},"
                + "{\"equipmentCode\":\"" + capper + "\",\"lineCode\":\"" + otherLine + "\",\"calculationTime\":\"" + t(0) + "\","
                + "\"plannedTimeS\":3600,\"runTimeS\":3600,\"idealRunTimeS\":3000,\"totalCount\":100,\"goodCount\":100}]";
        post("oee", batch).statusCode(200).body("accepted", equalTo(2)).body("duplicates", equalTo(0));

        // filler: line from the equipment, ideal run time = 0.5 s x 5000 from the equipment's cycle time
        assertEquals(lineId(line) + "|" + Base.BASE.getEpochSecond() + "|3600|3000|2500|5000|4900|0.5",
                psql("SELECT line_id, extract(epoch FROM calculation_time)::bigint, planned_time_s, run_time_s, ideal_run_time_s, "
                        + "total_count, good_count, ideal_cycle_time_s FROM factory_telemetry.oee_calculations WHERE equipment_id = "
                        + equipmentId(filler)));
        // capper: the line given in the item
        assertEquals(lineId(otherLine) + "|3000", psql("SELECT line_id, ideal_run_time_s FROM factory_telemetry.oee_calculations "
                + "WHERE equipment_id = " + equipmentId(capper)));

        // a retried delivery (with one new item)
        String retry = batch.substring(0, batch.length() - 1) + ",{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\""
                + t(60) + "\",\"plannedTimeS\":3600,\"runTimeS\":0,\"totalCount\":0,\"goodCount\":0}]";
        post("oee", retry).statusCode(200).body("accepted", equalTo(1)).body("duplicates", equalTo(2));
        assertEquals("3", psql("SELECT count(*) FROM factory_telemetry.oee_calculations WHERE equipment_id IN ("
                + equipmentId(filler) + "," + equipmentId(capper) + ")"));
    }

    @Test
    void inconsistentOeeQuantitiesAreRefusedWithIndexAndFieldAndNothingIsStored() {
        String future = DatabaseTime.now().plus(1, ChronoUnit.HOURS).toString();
        String batch = "[{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\"" + t(0) + "\",\"plannedTimeS\":3600,"
                + "\"runTimeS\":3000,\"totalCount\":10,\"goodCount\":10},"
                + "{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\"" + t(60) + "\",\"plannedTimeS\":3600,"
                + "\"runTimeS\":3700,\"totalCount\":10,\"goodCount\":11},"
                + "{\"equipmentCode\":\"" + capper + "\",\"calculationTime\":\"" + future + "\",\"plannedTimeS\":0,"
                + "\"runTimeS\":-1,\"totalCount\":10,\"goodCount\":1},"
                + "{\"equipmentCode\":\"no-such-machine\",\"calculationTime\":\"" + t(0) + "\",\"plannedTimeS\":60,\"runTimeS\":60,"
                + "\"idealRunTimeS\":60,\"totalCount\":1,\"goodCount\":1},"
                + "{\"equipmentCode\":\"" + capper + "\",\"calculationTime\":\"" + t(0) + "\",\"plannedTimeS\":60,\"runTimeS\":60,"
                + "\"totalCount\":1,\"goodCount\":1},"
                + "{\"equipmentCode\":\"" + filler + "\"}]";
        post("oee", batch).statusCode(422).contentType("application/problem+json")
                .body("status", equalTo(422))
                .body("detail", containsString("nothing of this request was stored"))
                .body("errors.findAll { it.index == 1 }.field", equalTo(java.util.List.of("runTimeS", "goodCount")))
                .body("errors.findAll { it.index == 2 }.field", equalTo(java.util.List.of("calculationTime", "plannedTimeS", "runTimeS", "idealRunTimeS")))
                .body("errors.find { it.index == 3 }.field", equalTo("equipmentCode"))
                .body("errors.find { it.index == 3 }.message", containsString("does not exist"))
                // capper has no ideal cycle time: idealRunTimeS is needed
                .body("errors.find { it.index == 4 }.field", equalTo("idealRunTimeS"))
                .body("errors.findAll { it.index == 5 }.field",
                        equalTo(java.util.List.of("calculationTime", "plannedTimeS", "runTimeS", "totalCount", "goodCount")))
                .body("errors.find { it.index == 0 }", org.hamcrest.Matchers.nullValue());
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.oee_calculations WHERE equipment_id IN ("
                + equipmentId(filler) + "," + equipmentId(capper) + ")"));
    }

    @Test
    void malformedBodiesAre400OversizedBatches413AndSingleObjectsAccepted() {
        post("oee", "{not json").statusCode(400).contentType("application/problem+json").body("detail", containsString("not valid JSON"));
        post("oee", "42").statusCode(400).body("detail", containsString("JSON array"));
        post("oee", "[{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\"yesterday\",\"plannedTimeS\":\"long\"}, 7]")
                .statusCode(400).contentType("application/problem+json")
                .body("errors[0].index", equalTo(0)).body("errors[0].field", equalTo("calculationTime"))
                .body("errors[0].message", containsString("RFC 3339"))
                .body("errors[1].index", equalTo(1)).body("errors[1].message", containsString("JSON object"));
        post("energy", "[" + "{},".repeat(5000) + "{}]").statusCode(413).contentType("application/problem+json")
                .body("detail", containsString("5001"));
        post("energy", "[]").statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(0));
        post("energy", "{\"equipmentCode\":\"" + filler + "\",\"consumptionTime\":\"" + t(0) + "\",\"powerConsumptionKw\":12.5,"
                + "\"energyConsumptionKwh\":3.1}").statusCode(200).body("accepted", equalTo(1));
    }

    // ---- energy ---------------------------------------------------------------------------------------

    @Test
    void energyReadingsStoredDeduplicatedAndValidated() {
        String batch = "[{\"equipmentCode\":\"" + filler + "\",\"consumptionTime\":\"" + t(0) + "\",\"powerConsumptionKw\":42.5,"
                + "\"energyConsumptionKwh\":10.6,\"voltageV\":400,\"currentA\":61.3,\"powerFactor\":0.93,\"temperatureC\":31.5,"
                + "\"humidityPercent\":40},"
                + "{\"equipmentCode\":\"" + filler + "\",\"consumptionTime\":\"" + t(15) + "\",\"powerConsumptionKw\":0,"
                + "\"energyConsumptionKwh\":0}]";
        post("energy", batch).statusCode(200).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        post("energy", batch).statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(2));
        assertEquals(lineId(line) + "|42.5|10.6|400|61.3|0.93|31.5|40\n" + lineId(line) + "|0|0|||||",
                psql("SELECT line_id, power_consumption_kw, energy_consumption_kwh, voltage_v, current_a, power_factor, "
                        + "temperature_c, humidity_percent FROM factory_telemetry.energy_consumption WHERE equipment_id = "
                        + equipmentId(filler) + " ORDER BY consumption_time"));

        post("energy", "[{\"equipmentCode\":\"" + capper + "\",\"consumptionTime\":\"" + t(0) + "\",\"powerConsumptionKw\":-1,"
                + "\"energyConsumptionKwh\":1,\"powerFactor\":1.2,\"humidityPercent\":101},"
                + "{\"equipmentCode\":\"" + capper + "\",\"lineCode\":\"no-line\",\"consumptionTime\":\"" + t(0) + "\",\"powerConsumptionKw\":1}]")
                .statusCode(422)
                .body("errors.findAll { it.index == 0 }.field", equalTo(java.util.List.of("powerKw", "powerFactor", "humidityPercent")))
                .body("errors.findAll { it.index == 1 }.field", equalTo(java.util.List.of("energyKwh", "lineCode")));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.energy_consumption WHERE equipment_id = " + equipmentId(capper)));
    }

    // ---- KPIs -----------------------------------------------------------------------------------------

    @Test
    void kpisPerDayAndShiftStoredDeduplicatedAndValidated() {
        String day = Base.BASE.atOffset(java.time.ZoneOffset.UTC).toLocalDate().toString();
        String batch = "[{\"lineCode\":\"" + line + "\",\"kpiDate\":\"" + day + "\",\"plannedTimeS\":86400,\"runTimeS\":80000,"
                + "\"totalCount\":100000,\"goodCount\":98000,\"scrapCount\":1500,\"reworkCount\":500,\"energyConsumptionKwh\":900.5,"
                + "\"firstPassYield\":0.98,\"materialWastePercent\":1.5},"
                + "{\"lineCode\":\"" + line + "\",\"kpiDate\":\"" + day + "\",\"shiftName\":\"" + shift + "\",\"plannedTimeS\":28800,"
                + "\"runTimeS\":27000,\"totalCount\":33000,\"goodCount\":32500}]";
        post("kpis", batch).statusCode(200).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        post("kpis", batch).statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(2));
        assertEquals("|100000|98000|1500\n" + shift + "|33000|32500|",
                psql("SELECT s.name, k.total_count, k.good_count, k.scrap_count FROM factory_telemetry.production_kpis k "
                        + "LEFT JOIN factory_telemetry.production_shifts s ON s.id = k.shift_id WHERE k.line_id = " + lineId(line)
                        + " ORDER BY k.shift_id NULLS FIRST"));

        String tomorrowPlus = java.time.LocalDate.ofInstant(DatabaseTime.now(), java.time.ZoneOffset.UTC).plusDays(2).toString();
        post("kpis", "[{\"lineCode\":\"" + otherLine + "\",\"kpiDate\":\"" + day + "\",\"plannedTimeS\":100,\"runTimeS\":200,"
                + "\"totalCount\":10,\"goodCount\":8,\"scrapCount\":3,\"firstPassYield\":1.5},"
                + "{\"lineCode\":\"" + otherLine + "\",\"kpiDate\":\"" + tomorrowPlus + "\",\"shiftName\":\"no-shift\",\"goodCount\":5}]")
                .statusCode(422)
                .body("errors.findAll { it.index == 0 }.field", equalTo(java.util.List.of("runTimeS", "scrapCount", "firstPassYield")))
                .body("errors.findAll { it.index == 1 }.field", equalTo(java.util.List.of("kpiDate", "totalCount", "shiftName")));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.production_kpis WHERE line_id = " + lineId(otherLine)));
    }

    // ---- downtime -------------------------------------------------------------------------------------

    @Test
    void downtimeOpenedRetriedAndClosed() {
        UUID eventId = UUID.randomUUID();
        String open = "[{\"eventId\":\"" + eventId + "\",\"equipmentCode\":\"" + filler + "\",\"startTime\":\"" + t(0) + "\","
                + "\"reasonCode\":\"JAM\",\"reasonDescription\":\"bottle jam at infeed\",\"category\":\"unplanned\",\"reportedBy\":\"plc\"}]";
        post("downtime", open).statusCode(200).body("accepted", equalTo(1)).body("ids", equalTo(java.util.List.of(eventId.toString())));
        post("downtime", open).statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        assertEquals(lineId(line) + "|JAM|unplanned||", psql("SELECT line_id, reason_code, category, end_time, duration_s "
                + "FROM factory_telemetry.downtime_events WHERE event_id = '" + eventId + "'"));

        // end before start: 422, still open
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(-5) + "\"}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(422)
                .body("errors[0].field", equalTo("endTime"));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(12) + "\",\"notes\":\"cleared by operator\"}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(200)
                .body("eventId", equalTo(eventId.toString())).body("durationS", equalTo(720.0f))
                .body("alreadyClosed", equalTo(false));
        assertEquals("720|cleared by operator", psql("SELECT duration_s, notes FROM factory_telemetry.downtime_events WHERE event_id = '" + eventId + "'"));

        // a retried close is fine; a close at another time conflicts
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(12) + "\"}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(200).body("alreadyClosed", equalTo(true));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(30) + "\"}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(409)
                .contentType("application/problem+json");
        assertEquals("720", psql("SELECT duration_s FROM factory_telemetry.downtime_events WHERE event_id = '" + eventId + "'"));

        // the same id with another start time is another event under a used id: 409, nothing stored
        post("downtime", "[{\"equipmentCode\":\"" + filler + "\",\"startTime\":\"" + t(50) + "\",\"reasonCode\":\"X\","
                + "\"category\":\"planned\"},{\"eventId\":\"" + eventId + "\",\"equipmentCode\":\"" + filler + "\",\"startTime\":\""
                + t(1) + "\",\"reasonCode\":\"JAM\",\"category\":\"unplanned\"}]")
                .statusCode(409).contentType("application/problem+json")
                .body("errors[0].index", equalTo(1)).body("errors[0].field", equalTo("eventId"));
        assertEquals("1", psql("SELECT count(*) FROM factory_telemetry.downtime_events WHERE equipment_id = " + equipmentId(filler)));

        // timestamps finer than the database's microseconds: a replay still compares equal
        UUID precise = UUID.randomUUID();
        String start = Base.BASE.plusNanos(123_456_789).toString();
        String end = Base.BASE.plusSeconds(61).plusNanos(987_654_321).toString();
        String openPrecise = "{\"eventId\":\"" + precise + "\",\"equipmentCode\":\"" + filler + "\",\"startTime\":\"" + start
                + "\",\"reasonCode\":\"JAM\",\"category\":\"unplanned\"}";
        post("downtime", openPrecise).statusCode(200).body("accepted", equalTo(1));
        post("downtime", openPrecise).statusCode(200).body("duplicates", equalTo(1));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + end + "\"}")
                .post("/api/v1/events/downtime/" + precise + "/close").then().statusCode(200).body("alreadyClosed", equalTo(false));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + end + "\"}")
                .post("/api/v1/events/downtime/" + precise + "/close").then().statusCode(200).body("alreadyClosed", equalTo(true));

        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(30) + "\"}")
                .post("/api/v1/events/downtime/" + UUID.randomUUID() + "/close").then().statusCode(404)
                .contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("{}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(422);
    }

    @Test
    void downtimeWithoutIdGetsOneAndClosedEventsAndValidation() {
        String closed = "[{\"equipmentCode\":\"" + capper + "\",\"startTime\":\"" + t(0) + "\",\"endTime\":\"" + t(45) + "\","
                + "\"reasonCode\":\"CHG-SKU\",\"category\":\"changeover\"}]";
        String id = post("downtime", closed).statusCode(200).body("accepted", equalTo(1)).body("ids", hasSize(1))
                .extract().path("ids[0]");
        assertEquals("2700|changeover", psql("SELECT duration_s, category FROM factory_telemetry.downtime_events WHERE event_id = '" + id + "'"));

        post("downtime", "[{\"equipmentCode\":\"" + capper + "\",\"startTime\":\"" + t(100) + "\",\"endTime\":\"" + t(90) + "\","
                + "\"reasonCode\":\"\",\"category\":\"coffee\"}]")
                .statusCode(422)
                .body("errors.field", equalTo(java.util.List.of("endTime", "reasonCode", "category")));
        assertEquals("1", psql("SELECT count(*) FROM factory_telemetry.downtime_events WHERE equipment_id = " + equipmentId(capper)));
    }

    // ---- quality --------------------------------------------------------------------------------------

    @Test
    void qualityChecksStoredDeduplicatedAndValidated() {
        UUID checkId = UUID.randomUUID();
        String batch = "[{\"checkId\":\"" + checkId + "\",\"lineCode\":\"" + line + "\",\"productCode\":\"" + product + "\","
                + "\"checkTime\":\"" + t(0) + "\",\"checkType\":\"in_process\",\"checkResult\":\"fail\",\"quantityChecked\":50,"
                + "\"quantityPassed\":47,\"quantityFailed\":3,\"defectCodes\":[\"FILL-LOW\",\"CAP-SKEW\"],\"checkedBy\":\"qa1\"}]";
        post("quality", batch).statusCode(200).body("accepted", equalTo(1)).body("ids[0]", equalTo(checkId.toString()));
        post("quality", batch).statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        post("quality", batch.replace(t(0), t(1))).statusCode(409).body("errors[0].field", equalTo("checkId"));
        assertEquals("1", psql("SELECT count(*) FROM factory_telemetry.quality_checks WHERE check_id = '" + checkId + "'"));
        assertEquals("{FILL-LOW,CAP-SKEW}|in_process|fail|50|47|3|t",
                psql("SELECT defect_codes, check_type, check_result, quantity_checked, quantity_passed, quantity_failed, "
                        + "product_type_id IS NOT NULL FROM factory_telemetry.quality_checks WHERE check_id = '" + checkId + "'"));

        post("quality", "[{\"lineCode\":\"" + otherLine + "\",\"productCode\":\"nope\",\"checkTime\":\"" + t(0) + "\","
                + "\"checkType\":\"random\",\"checkResult\":\"pass\",\"quantityChecked\":10,\"quantityPassed\":8,\"quantityFailed\":3}]")
                .statusCode(422)
                .body("errors.field", equalTo(java.util.List.of("checkType", "quantityFailed", "productCode")));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.quality_checks WHERE line_id = " + lineId(otherLine)));
    }

    // ---- faults ---------------------------------------------------------------------------------------

    @Test
    void faultsRaisedAndClearedIdempotently() {
        String raise = "[{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":3,\"tsOn\":\"" + t(0) + "\"},"
                + "{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":7,\"tsOn\":\"" + t(1) + "\"}]";
        post("faults", raise).statusCode(200).body("accepted", equalTo(2));
        post("faults", raise).statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(2));

        String clear = "[{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":3,\"tsOff\":\"" + t(2) + "\"}]";
        post("faults/clear", clear).statusCode(200).body("accepted", equalTo(1)).body("duplicates", equalTo(0));
        post("faults/clear", clear).statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        assertEquals("3|120\n7|", psql("SELECT bit_index, duration_s FROM factory_telemetry.fault_event WHERE equipment_id = "
                + equipmentId(filler) + " ORDER BY bit_index"));

        // cleared at another time, never raised, raised only later: 409 for the batch, bit 7 stays active
        post("faults/clear", "[{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":7,\"tsOff\":\"" + t(5) + "\"},"
                + "{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":3,\"tsOff\":\"" + t(4) + "\"},"
                + "{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":9,\"tsOff\":\"" + t(4) + "\"},"
                + "{\"equipmentCode\":\"" + capper + "\",\"bitIndex\":7,\"tsOff\":\"" + t(4) + "\"}]")
                .statusCode(409).contentType("application/problem+json")
                .body("errors.index", equalTo(java.util.List.of(1, 2, 3)));
        assertEquals("3|120\n7|", psql("SELECT bit_index, duration_s FROM factory_telemetry.fault_event WHERE equipment_id = "
                + equipmentId(filler) + " ORDER BY bit_index"));

        // raise + clear of the same bit again later; a fault reported already cleared
        post("faults", "[{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":3,\"tsOn\":\"" + t(10) + "\"},"
                + "{\"equipmentCode\":\"" + capper + "\",\"bitIndex\":0,\"tsOn\":\"" + t(10) + "\",\"tsOff\":\"" + t(11) + "\"}]")
                .statusCode(200).body("accepted", equalTo(2));
        post("faults/clear", "[{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":3,\"tsOff\":\"" + t(20) + "\"},"
                + "{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":7,\"tsOff\":\"" + t(20) + "\"}]")
                .statusCode(200).body("accepted", equalTo(2));
        assertEquals("3|120\n3|600\n7|1140", psql("SELECT bit_index, duration_s FROM factory_telemetry.fault_event WHERE equipment_id = "
                + equipmentId(filler) + " ORDER BY bit_index, ts_on"));
        assertEquals("60", psql("SELECT duration_s FROM factory_telemetry.fault_event WHERE equipment_id = " + equipmentId(capper)));
    }

    @Test
    void invalidFaultsAreRefused() {
        post("faults", "[{\"equipmentCode\":\"" + filler + "\",\"bitIndex\":64,\"tsOn\":\"" + t(0) + "\",\"tsOff\":\"" + t(-1) + "\"},"
                + "{\"equipmentCode\":\"ghost\",\"bitIndex\":1,\"tsOn\":\"" + t(0) + "\"}]")
                .statusCode(422)
                .body("errors.findAll { it.index == 0 }.field", equalTo(java.util.List.of("bitIndex", "tsOff")))
                .body("errors.find { it.index == 1 }.field", equalTo("equipmentCode"));
        post("faults/clear", "[{\"equipmentCode\":\"ghost\",\"bitIndex\":1,\"tsOff\":\"" + t(0) + "\"},{\"equipmentCode\":\""
                + filler + "\",\"bitIndex\":1}]")
                .statusCode(422)
                .body("errors.index", equalTo(java.util.List.of(1, 0)));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.fault_event WHERE equipment_id = " + equipmentId(filler)));
    }

    @Test
    void serviceMaintainedOeeAggregateIncludesStoredCalculationsAfterRefresh() {
        post("oee", "[{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\"" + t(-600) + "\",\"plannedTimeS\":900,"
                + "\"runTimeS\":800,\"idealRunTimeS\":700,\"totalCount\":1400,\"goodCount\":1386},"
                + "{\"equipmentCode\":\"" + filler + "\",\"calculationTime\":\"" + t(-585) + "\",\"plannedTimeS\":900,"
                + "\"runTimeS\":900,\"idealRunTimeS\":850,\"totalCount\":1700,\"goodCount\":1700}]")
                .statusCode(200).body("accepted", equalTo(2));
        psql("SELECT factory_telemetry.refresh_service_aggregate('oee_hourly_aggregate')");
        // one hourly bucket with both periods: A = 1700/1800, P = 1550/1700, Q = 3086/3100
        assertEquals("2|1800|1700|1550|3100|3086|0.9444",
                psql("SELECT calculations, planned_time_s, run_time_s, ideal_run_time_s, total_count, good_count, "
                        + "round(availability::numeric, 4) FROM factory_telemetry.oee_hourly_aggregate WHERE equipment_id = "
                        + equipmentId(filler)));
    }

    @Test
    void eachBatchLogsOneInvalidationRangeForTheServiceMaintainedAggregates() {
        String count = "SELECT count(*) FROM factory_telemetry.aggregate_invalidation WHERE aggregate_name = 'energy_hourly_aggregate' "
                + "AND range_start = '" + t(-300) + "' AND range_end = '" + t(-200) + "'";
        post("energy", "[{\"equipmentCode\":\"" + capper + "\",\"consumptionTime\":\"" + t(-300) + "\",\"powerConsumptionKw\":5,"
                + "\"energyConsumptionKwh\":1},{\"equipmentCode\":\"" + capper + "\",\"consumptionTime\":\"" + t(-250) + "\","
                + "\"powerConsumptionKw\":5,\"energyConsumptionKwh\":1},{\"equipmentCode\":\"" + capper + "\",\"consumptionTime\":\""
                + t(-200) + "\",\"powerConsumptionKw\":5,\"energyConsumptionKwh\":1}]").statusCode(200).body("accepted", equalTo(3));
        // Apache edition: one range for the batch, not one row per event (the insert trigger stood aside)
        assertEquals("1", psql(count));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation WHERE aggregate_name = "
                + "'energy_hourly_aggregate' AND range_start = '" + t(-250) + "'"));

        // an update (closing downtime) is logged by the row trigger, under the hypertable's name
        UUID eventId = UUID.randomUUID();
        post("downtime", "{\"eventId\":\"" + eventId + "\",\"equipmentCode\":\"" + capper + "\",\"startTime\":\"" + t(-400)
                + "\",\"reasonCode\":\"M1\",\"category\":\"maintenance\"}").statusCode(200);
        psql("DELETE FROM factory_telemetry.aggregate_invalidation WHERE aggregate_name = 'downtime_daily_aggregate'");
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + t(-390) + "\"}")
                .post("/api/v1/events/downtime/" + eventId + "/close").then().statusCode(200);
        assertEquals("1", psql("SELECT count(*) FROM factory_telemetry.aggregate_invalidation WHERE aggregate_name = "
                + "'downtime_daily_aggregate' AND range_start = '" + t(-400) + "'"));
    }
}
