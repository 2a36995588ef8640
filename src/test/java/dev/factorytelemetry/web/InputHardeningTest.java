package dev.factorytelemetry.web;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #8 §2, one test per class of defect: text PostgreSQL cannot store (NUL, lone surrogates) on every
 * input path, JSON type coercion, absent members taken for null, and refusals of the HTTP layer without a
 * problem body. Every refused request must leave the database unchanged.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
@ExtendWith(DefaultTestAuthentication.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InputHardeningTest {

    private static final String TABLES_SQL = """
            SELECT (SELECT count(*) FROM factory_telemetry.metric_hist) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.metric_def) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.oee_calculations) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.energy_consumption) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.production_kpis) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.downtime_events) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.quality_checks) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.fault_event) || ',' ||
                   (SELECT count(*) FROM factory_telemetry.api_key) || ',' ||
                   (SELECT md5(string_agg(l::text, '|' ORDER BY l.line_code)) FROM factory_telemetry.production_lines l) || ',' ||
                   (SELECT md5(string_agg(e::text, '|' ORDER BY e.equipment_code)) FROM factory_telemetry.equipment e) || ',' ||
                   (SELECT md5(string_agg(p::text, '|' ORDER BY p.product_code)) FROM factory_telemetry.product_types p) || ',' ||
                   (SELECT md5(string_agg(s::text, '|' ORDER BY s.name)) FROM factory_telemetry.production_shifts s) || ',' ||
                   (SELECT md5(string_agg(h::text, '|' ORDER BY h.hypertable_name)) FROM factory_telemetry.hypertable_policy h)
            """;

    private ValidBodies valid;
    private Map<String, String> bodies;

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    @BeforeEach
    void referenceData() {
        if (valid == null) {
            valid = new ValidBodies("hard").create();
            bodies = valid.byOperation();
        }
    }

    private String body(String operation) {
        return bodies.get(operation);
    }

    private static String path(String operation, ValidBodies valid) {
        String template = operation.substring(operation.indexOf(' ') + 1);
        return template.replace("{eventId}", valid.downtimeId).replace("{lineCode}", valid.line)
                .replace("{equipmentCode}", valid.equipment).replace("{productCode}", valid.product)
                .replace("{name}", valid.shift).replace("{target}", "energy_consumption");
    }

    private Response send(String operation, String body, String contentType) {
        String method = operation.substring(0, operation.indexOf(' '));
        var request = given().contentType(contentType).body(body.getBytes(StandardCharsets.UTF_8));
        return method.equals("PUT") ? request.put(path(operation, valid)) : request.post(path(operation, valid));
    }

    /** {@code field}'s string in the valid body becomes {@code replacement}; the answer must name the field. */
    private void refusedNaming(String operation, String original, String replacement, String field, String reason) {
        String body = body(operation);
        assertTrue(body.contains(original), operation + " has no " + original);
        Response answer = send(operation, body.replace(original, replacement), "application/json");
        String text = answer.asString();
        assertTrue(answer.statusCode() == 400 || answer.statusCode() == 422, operation + " " + field + ": " + answer.statusCode() + " " + text);
        assertEquals(Problem.MEDIA_TYPE, answer.contentType().split(";")[0], operation + ": " + text);
        assertEquals(List.of(field), answer.jsonPath().getList("errors.field"), operation + ": " + text);
        assertTrue(text.contains(reason), operation + " must say why: " + text);
    }

    @Test
    void nulCharactersAreRefusedNamingTheFieldOnEveryJsonPathAndNothingIsStored() {
        String before = psql(TABLES_SQL);
        String nul = "\\u0000";
        refusedNaming("POST /api/v1/telemetry", "IPA-33cl", "IPA" + nul, "value", "NUL");
        refusedNaming("POST /api/v1/events/oee", "\"equipmentCode\":\"" + valid.equipment, "\"equipmentCode\":\"x" + nul, "equipmentCode", "NUL");
        refusedNaming("POST /api/v1/events/energy", "\"equipmentCode\":\"" + valid.equipment, "\"equipmentCode\":\"" + nul, "equipmentCode", "NUL");
        refusedNaming("POST /api/v1/events/kpis", "\"shiftName\":\"" + valid.shift, "\"shiftName\":\"a" + nul, "shiftName", "NUL");
        refusedNaming("POST /api/v1/events/downtime", "cleared by hand", "cleared" + nul, "notes", "NUL");
        refusedNaming("POST /api/v1/events/downtime", "\"reasonCode\":\"JAM", "\"reasonCode\":\"J" + nul, "reasonCode", "NUL");
        refusedNaming("POST /api/v1/events/downtime/{eventId}/close", "restarted", nul, "notes", "NUL");
        refusedNaming("POST /api/v1/events/quality", "[\"none\"]", "[\"no" + nul + "ne\"]", "defectCodes[0]", "NUL");
        refusedNaming("POST /api/v1/events/quality", "\"checkedBy\":\"qa", "\"checkedBy\":\"q" + nul, "checkedBy", "NUL");
        refusedNaming("POST /api/v1/events/faults", "\"equipmentCode\":\"" + valid.equipment, "\"equipmentCode\":\"" + nul, "equipmentCode", "NUL");
        refusedNaming("POST /api/v1/events/faults/clear", "\"equipmentCode\":\"" + valid.equipment, "\"equipmentCode\":\"" + nul, "equipmentCode", "NUL");
        refusedNaming("PUT /api/v1/lines/{lineCode}", "\"Line\"", "\"Li" + nul + "ne\"", "name", "NUL");
        refusedNaming("PUT /api/v1/equipment/{equipmentCode}", "\"Filler\"", "\"" + nul + "\"", "name", "NUL");
        refusedNaming("PUT /api/v1/product-types/{productCode}", "0.33 l", "0.33" + nul, "description", "NUL");
        refusedNaming("PUT /api/v1/shifts/{name}", "\"early\"", "\"ea" + nul + "rly\"", "description", "NUL");
        refusedNaming("POST /api/v1/admin/api-keys", "gateway 7", "gateway" + nul, "name", "NUL");
        refusedNaming("PUT /api/v1/admin/lifecycle/retention/{target}", "90 days", "90" + nul + " days", "retention", "NUL");
        assertEquals(before, psql(TABLES_SQL), "a refused request changed the database");
    }

    @Test
    void loneSurrogatesAreRefusedInsteadOfBeingStoredAsQuestionMarks() {
        String before = psql(TABLES_SQL);
        refusedNaming("POST /api/v1/telemetry", "IPA-33cl", "IPA\\ud800", "value", "surrogate");
        refusedNaming("PUT /api/v1/lines/{lineCode}", "\"Line\"", "\"Line \\udc00\"", "name", "surrogate");
        refusedNaming("POST /api/v1/events/downtime", "cleared by hand", "\\ud83d cleared", "notes", "surrogate");
        refusedNaming("POST /api/v1/admin/api-keys", "gateway 7", "gateway \\udfff", "name", "surrogate");
        assertEquals(before, psql(TABLES_SQL), "a refused request changed the database");
        // a proper pair (an emoji) is text like any other
        given().contentType(ContentType.JSON).body("{\"name\":\"Line \\ud83c\\udf7a\"}").put("/api/v1/lines/" + valid.line)
                .then().statusCode(200).body("name", equalTo("Line \uD83C\uDF7A"));
        given().contentType(ContentType.JSON).body(valid.lineBody()).put("/api/v1/lines/" + valid.line).then().statusCode(200);
    }

    @Test
    void nulInLineProtocolStringFieldsIsRefusedWithInfluxErrorNamingTheLine() {
        String before = psql(TABLES_SQL);
        byte[] body = body("POST /api/v2/write").replace("recipe=\"IPA\"", "recipe=\"I\u0000PA\"").getBytes(StandardCharsets.UTF_8);
        given().header("Authorization", "Token " + TestKeys.BOOTSTRAP_ADMIN).contentType("text/plain; charset=utf-8")
                .body(body).post("/api/v2/write")
                .then().statusCode(422).contentType(ContentType.JSON)
                .body("code", equalTo("unprocessable entity"))
                .body("message", containsString("line 1")).body("message", containsString("NUL"));
        // bytes that are not UTF-8 are refused too (not stored as U+FFFD)
        byte[] latin1 = body("POST /api/v2/write").replace("recipe=\"IPA\"", "recipe=\"Bräu\"").getBytes(StandardCharsets.ISO_8859_1);
        given().header("Authorization", "Token " + TestKeys.BOOTSTRAP_ADMIN).contentType("text/plain")
                .body(latin1).post("/api/v2/write")
                .then().statusCode(400).body("code", equalTo("invalid")).body("message", containsString("UTF-8"));
        assertEquals(before, psql(TABLES_SQL), "a refused request changed the database");
    }

    @Test
    void nulInQueryAndPathParametersIsRefusedNamingTheParameter() {
        given().urlEncodingEnabled(false).get("/api/v1/equipment?lineCode=a%00b")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("errors.field", hasItem("lineCode")).body("errors[0].message", containsString("NUL"));
        given().urlEncodingEnabled(false).get("/api/v1/dashboard/lines/x%00y")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("errors.field", hasItem("lineCode"));
        // a percent-encoded surrogate (CESU-8) is not UTF-8: decoded as U+FFFD, a code like any other unknown one
        given().urlEncodingEnabled(false).get("/api/v1/equipment?lineCode=%ED%A0%80").then().statusCode(200);
    }

    @Test
    void wrongJsonTypesAreRefusedNamingTheFieldInsteadOfCoerced() {
        String before = psql(TABLES_SQL);
        refusedNaming("POST /api/v1/events/oee", "\"plannedTimeS\":3600", "\"plannedTimeS\":\"3600\"", "plannedTimeS", "must be a number");
        refusedNaming("POST /api/v1/events/oee", "\"totalCount\":5000", "\"totalCount\":5000.5", "totalCount", "integer");
        refusedNaming("POST /api/v1/events/oee", "\"totalCount\":5000", "\"totalCount\":5000.0", "totalCount", "integer");
        refusedNaming("POST /api/v1/events/energy", "\"powerKw\":12.5", "\"powerKw\":true", "powerKw", "must be a number");
        refusedNaming("POST /api/v1/events/kpis", "\"totalCount\":1000", "\"totalCount\":\"1000\"", "totalCount", "integer");
        refusedNaming("POST /api/v1/events/quality", "\"quantityChecked\":10", "\"quantityChecked\":10.5", "quantityChecked", "integer");
        refusedNaming("POST /api/v1/events/quality", "\"checkType\":\"final\"", "\"checkType\":7", "checkType", "must be a string");
        refusedNaming("POST /api/v1/events/faults", "\"bitIndex\":3", "\"bitIndex\":\"3\"", "bitIndex", "integer");
        refusedNaming("POST /api/v1/events/downtime", "\"reasonCode\":\"JAM\"", "\"reasonCode\":42", "reasonCode", "must be a string");
        refusedNaming("PUT /api/v1/equipment/{equipmentCode}", "\"idealCycleTimeS\":0.5", "\"idealCycleTimeS\":\"0.5\"", "idealCycleTimeS", "must be a number");
        refusedNaming("PUT /api/v1/equipment/{equipmentCode}", "\"criticalityLevel\":3", "\"criticalityLevel\":2.5", "criticalityLevel", "integer");
        refusedNaming("PUT /api/v1/lines/{lineCode}", "\"enabled\":true", "\"enabled\":\"true\"", "enabled", "true or false");
        refusedNaming("PUT /api/v1/lines/{lineCode}", "\"enabled\":true", "\"enabled\":1", "enabled", "true or false");
        refusedNaming("PUT /api/v1/shifts/{name}", "\"description\":\"early\"", "\"description\":12", "description", "must be a string");
        refusedNaming("POST /api/v1/admin/api-keys", "\"gateway 7\"", "7", "name", "must be a string");
        refusedNaming("PUT /api/v1/admin/lifecycle/retention/{target}", "\"90 days\"", "90", "retention", "must be a string");
        assertEquals(before, psql(TABLES_SQL), "a refused request changed the database");
    }

    @Test
    void unknownMembersAreRefusedOnEventReferenceAndAdminBodies() {
        String before = psql(TABLES_SQL);
        refusedNaming("PUT /api/v1/lines/{lineCode}", "\"description\"", "\"desciption\"", "desciption", "not a member");
        refusedNaming("POST /api/v1/events/oee", "\"plannedTimeS\"", "\"plannedTime\"", "plannedTime", "not a member");
        refusedNaming("POST /api/v1/admin/api-keys", "\"scopes\"", "\"scope\"", "scope", "not a member");
        refusedNaming("PUT /api/v1/admin/lifecycle/retention/{target}", "\"90 days\"", "\"90 days\",\"retension\":null", "retension", "not a member");
        assertEquals(before, psql(TABLES_SQL), "a refused request changed the database");
    }

    @Test
    void retentionChangesOnlyWhenTheBodySaysExplicitlyWhatToDo() {
        String policy = "SELECT coalesce(retention::text, '') || '/' || retention_enabled FROM factory_telemetry.hypertable_policy "
                + "WHERE hypertable_name = 'energy_consumption'";
        String before = psql(policy);
        for (String body : List.of("{}", "", "null", "[]", "{\"retention\":\"P400D\",\"retention\":null}", "{\"retention\":\"P400D\",\"x\":1}")) {
            Response answer = given().contentType(ContentType.JSON).body(body).put("/api/v1/admin/lifecycle/retention/energy_consumption");
            assertEquals(400, answer.statusCode(), "'" + body + "': " + answer.asString());
            assertEquals(Problem.MEDIA_TYPE, answer.contentType().split(";")[0]);
        }
        given().contentType(ContentType.JSON).body("{}").put("/api/v1/admin/lifecycle/retention/energy_consumption")
                .then().body("errors[0].field", equalTo("retention")).body("errors[0].message", containsString("required"));
        assertEquals(before, psql(policy), "a refused PUT changed retention");

        String original = before.substring(0, before.indexOf('/'));
        given().contentType(ContentType.JSON).body("{\"retention\":null}").put("/api/v1/admin/lifecycle/retention/energy_consumption")
                .then().statusCode(200);
        String disabled = psql(policy);
        assertTrue(disabled.startsWith("/") || disabled.endsWith("/f"), "explicit null disables: " + disabled);
        given().contentType(ContentType.JSON).body("{\"retention\":\"" + original + "\"}")
                .put("/api/v1/admin/lifecycle/retention/energy_consumption").then().statusCode(200);
        assertEquals(before, psql(policy));
    }

    @Test
    void refusalsOfTheHttpLayerCarryAProblemBody() throws Exception {
        // a declared body over quarkus.http.limits.max-body-size, refused before it is read
        RawHttp.Answer tooLarge = RawHttp.exchange("POST /api/v1/events/oee HTTP/1.1\r\nAuthorization: Bearer "
                + TestKeys.BOOTSTRAP_ADMIN + "\r\nContent-Type: application/json\r\nContent-Length: 20000000", null);
        assertEquals(413, tooLarge.status(), tooLarge.toString());
        assertEquals(Problem.MEDIA_TYPE, tooLarge.header("content-type"));
        assertTrue(tooLarge.body().contains("\"status\":413") && tooLarge.body().contains("max-body-size"), tooLarge.body());

        // the same while the client is uploading the body: the answer arrives, not a connection reset
        byte[] eleven = new byte[11 * 1024 * 1024];
        java.util.Arrays.fill(eleven, (byte) ' ');
        RawHttp.Answer uploading = RawHttp.exchange("POST /api/v1/events/oee HTTP/1.1\r\nAuthorization: Bearer "
                + TestKeys.BOOTSTRAP_ADMIN + "\r\nContent-Type: application/json\r\nContent-Length: " + eleven.length, eleven);
        assertEquals(413, uploading.status(), uploading.toString());
        assertEquals(Problem.MEDIA_TYPE, uploading.header("content-type"));

        // over telemetry.ingest.max-body-size (256K in tests), refused by the ingest filter while uploading
        byte[] oneMegabyte = java.util.Arrays.copyOf(eleven, 1024 * 1024);
        RawHttp.Answer ingestUploading = RawHttp.exchange("POST /api/v1/telemetry HTTP/1.1\r\nAuthorization: Bearer "
                + TestKeys.BOOTSTRAP_ADMIN + "\r\nContent-Type: application/json\r\nContent-Length: " + oneMegabyte.length, oneMegabyte);
        assertEquals(413, ingestUploading.status(), ingestUploading.toString());
        assertEquals(Problem.MEDIA_TYPE, ingestUploading.header("content-type"));

        RawHttp.Answer tooLargeInflux = RawHttp.exchange("POST /api/v2/write HTTP/1.1\r\nAuthorization: Token "
                + TestKeys.BOOTSTRAP_ADMIN + "\r\nContent-Type: text/plain\r\nContent-Length: 20000000", null);
        assertEquals(413, tooLargeInflux.status(), tooLargeInflux.toString());
        assertTrue(tooLargeInflux.body().contains("\"code\":\"request too large\""), tooLargeInflux.body());

        RawHttp.Answer longUri = RawHttp.exchange("GET /api/v1/lines?x=" + "a".repeat(5000) + " HTTP/1.1\r\nAuthorization: Bearer "
                + TestKeys.BOOTSTRAP_ADMIN, null);
        assertEquals(414, longUri.status(), longUri.toString());
        assertEquals(Problem.MEDIA_TYPE, longUri.header("content-type"));
        assertTrue(longUri.body().contains("\"status\":414"), longUri.body());

        RawHttp.Answer bigHeaders = RawHttp.exchange("GET /api/v1/lines HTTP/1.1\r\nAuthorization: Bearer "
                + TestKeys.BOOTSTRAP_ADMIN + "\r\nX-Padding: " + "p".repeat(30_000), null);
        assertEquals(431, bigHeaders.status(), bigHeaders.toString());
        assertEquals(Problem.MEDIA_TYPE, bigHeaders.header("content-type"));

        // JSON telemetry without Content-Type: 415 as documented (it was accepted)
        byte[] samples = body("POST /api/v1/telemetry").getBytes(StandardCharsets.UTF_8);
        RawHttp.Answer noType = RawHttp.exchange("POST /api/v1/telemetry HTTP/1.1\r\nAuthorization: Bearer "
                + TestKeys.BOOTSTRAP_ADMIN + "\r\nContent-Length: " + samples.length, samples);
        assertEquals(415, noType.status(), noType.toString());
        assertEquals(Problem.MEDIA_TYPE, noType.header("content-type"));

        // the REST layer's own refusals under /api/v2 use InfluxDB's error JSON
        given().header("Authorization", "Token " + TestKeys.BOOTSTRAP_ADMIN).get("/api/v2/write")
                .then().statusCode(405).contentType(ContentType.JSON).body("code", equalTo("method not allowed"));
    }
}
