package dev.factorytelemetry.web;

import io.restassured.http.ContentType;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;

/**
 * Reference data created once per test class, and a valid body for every write endpoint that refers to
 * it: the starting point of the input tests' mutations. Event and sample times lie three days back (whole
 * hours), inside any retention window and never in the future, whatever the date.
 */
final class ValidBodies {

    final String line;
    final String equipment;
    final String product;
    final String shift;
    final String metric;
    final String downtimeId = UUID.randomUUID().toString();
    final Instant base = dev.factorytelemetry.support.DatabaseTime.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.DAYS);

    ValidBodies(String prefix) {
        String id = UUID.randomUUID().toString().substring(0, 8);
        line = prefix + "-line-" + id;
        equipment = line + ".filler";
        product = prefix + "-sku-" + id;
        shift = prefix + "-shift-" + id;
        metric = line + ".filler.recipe";
    }

    /** Creates the reference data (admin key: the caller's default authentication). */
    ValidBodies create() {
        put("/api/v1/lines/" + line, lineBody());
        put("/api/v1/equipment/" + equipment, equipmentBody());
        put("/api/v1/product-types/" + product, productTypeBody());
        put("/api/v1/shifts/" + shift, shiftBody());
        return this;
    }

    private static void put(String path, String body) {
        given().contentType(ContentType.JSON).body(body).put(path).then().statusCode(201);
    }

    String t(int minutes) {
        return base.plus(minutes, ChronoUnit.MINUTES).toString();
    }

    String lineBody() {
        return "{\"name\":\"Line\",\"description\":\"bottling\",\"enabled\":true}";
    }

    String equipmentBody() {
        return "{\"name\":\"Filler\",\"lineCode\":\"" + line + "\",\"type\":\"production\",\"idealCycleTimeS\":0.5,"
                + "\"criticalityLevel\":3,\"enabled\":true}";
    }

    String productTypeBody() {
        return "{\"name\":\"Cola\",\"description\":\"0.33 l\",\"idealCycleTimeS\":0.4,\"enabled\":true}";
    }

    String shiftBody() {
        return "{\"startTime\":\"06:00\",\"endTime\":\"14:00\",\"description\":\"early\",\"enabled\":true}";
    }

    /** Valid JSON bodies by "METHOD path-template" of the OpenAPI document. */
    Map<String, String> byOperation() {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("POST /api/v1/telemetry", "{\"samples\":[{\"metric\":\"" + metric + "\",\"ts\":\"" + t(1)
                + "\",\"value\":\"IPA-33cl\",\"quality\":192},{\"metric\":\"" + line + ".filler.speed\",\"ts\":\"" + t(1)
                + "\",\"value\":12.5}]}");
        bodies.put("POST /api/v2/write", "filler,line=" + line + " recipe=\"IPA\",speed=12.5,count=3i "
                + base.plus(2, ChronoUnit.MINUTES).toEpochMilli() * 1_000_000L);
        bodies.put("POST /api/v1/events/oee", "[{\"equipmentCode\":\"" + equipment + "\",\"calculationTime\":\"" + t(0)
                + "\",\"plannedTimeS\":3600,\"runTimeS\":3000,\"totalCount\":5000,\"goodCount\":4900}]");
        bodies.put("POST /api/v1/events/energy", "[{\"equipmentCode\":\"" + equipment + "\",\"consumptionTime\":\"" + t(5)
                + "\",\"powerKw\":12.5,\"energyKwh\":1.04,\"voltageV\":400}]");
        bodies.put("POST /api/v1/events/kpis", "[{\"lineCode\":\"" + line + "\",\"kpiDate\":\""
                + LocalDate.ofInstant(base, ZoneOffset.UTC) + "\",\"shiftName\":\"" + shift
                + "\",\"plannedTimeS\":28800,\"runTimeS\":25000,\"totalCount\":1000,\"goodCount\":990}]");
        bodies.put("POST /api/v1/events/downtime", "[{\"eventId\":\"" + downtimeId + "\",\"equipmentCode\":\"" + equipment
                + "\",\"startTime\":\"" + t(10) + "\",\"reasonCode\":\"JAM\",\"reasonDescription\":\"bottle jam\","
                + "\"category\":\"unplanned\",\"reportedBy\":\"operator\",\"notes\":\"cleared by hand\"}]");
        bodies.put("POST /api/v1/events/downtime/{eventId}/close", "{\"endTime\":\"" + t(20) + "\",\"notes\":\"restarted\"}");
        bodies.put("POST /api/v1/events/quality", "[{\"lineCode\":\"" + line + "\",\"productCode\":\"" + product
                + "\",\"checkTime\":\"" + t(30) + "\",\"checkType\":\"final\",\"checkResult\":\"pass\",\"quantityChecked\":10,"
                + "\"quantityPassed\":10,\"quantityFailed\":0,\"defectCodes\":[\"none\"],\"notes\":\"ok\",\"checkedBy\":\"qa\"}]");
        bodies.put("POST /api/v1/events/faults", "[{\"equipmentCode\":\"" + equipment + "\",\"bitIndex\":3,\"tsOn\":\"" + t(40) + "\"}]");
        bodies.put("POST /api/v1/events/faults/clear", "[{\"equipmentCode\":\"" + equipment + "\",\"bitIndex\":3,\"tsOff\":\"" + t(41) + "\"}]");
        bodies.put("PUT /api/v1/lines/{lineCode}", lineBody());
        bodies.put("PUT /api/v1/equipment/{equipmentCode}", equipmentBody());
        bodies.put("PUT /api/v1/product-types/{productCode}", productTypeBody());
        bodies.put("PUT /api/v1/shifts/{name}", shiftBody());
        bodies.put("POST /api/v1/admin/api-keys", "{\"name\":\"gateway 7\",\"scopes\":[\"ingest\"]}");
        bodies.put("PUT /api/v1/admin/lifecycle/retention/{target}", "{\"retention\":\"90 days\"}");
        return bodies;
    }
}
