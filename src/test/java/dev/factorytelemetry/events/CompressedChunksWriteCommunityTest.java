package dev.factorytelemetry.events;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The second week of production on the Community edition: every write path (samples as JSON and line
 * protocol, each event family, downtime close, fault clear, late and corrected data, replays) against a
 * database whose older chunks are compressed. Fixed data dates: "old" rows on 2026-03-02 lie in chunks
 * compressed by {@link #olderChunksAreCompressed()}, "recent" rows on 2026-03-23 in uncompressed ones.
 * Retention is disabled and TimescaleDB's jobs are paused in this database (its own), so that neither a
 * retention run nor a compression policy changes the chunk layout under the assertions, on any date.
 * Skipped with its reason where the Community edition is not installed.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "compressed-chunks")})
@ExtendWith(DefaultTestAuthentication.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CompressedChunksWriteCommunityTest {

    private static final String LINE = "cc-line";
    private static final String MACHINE = "cc-line.filler";
    private static final String OLD_DAY = "2026-03-02";
    private static final String RECENT_DAY = "2026-03-23";
    /** Chunks ending at or before this are compressed (all "old" data); "recent" chunks start after it. */
    private static final String COMPRESS_BEFORE = "2026-03-16T00:00:00Z";
    private static final List<String> HYPERTABLES = List.of("downtime_events", "energy_consumption", "fault_event",
            "metric_hist", "oee_calculations", "production_kpis", "quality_checks");

    private static final UUID OLD_OPEN_DOWNTIME = UUID.fromString("00000000-0000-4000-8000-000000000001");
    private static final UUID OLD_CLOSED_DOWNTIME = UUID.fromString("00000000-0000-4000-8000-000000000002");
    private static final UUID OLD_QUALITY = UUID.fromString("00000000-0000-4000-8000-000000000003");

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    private static String old(String time) {
        return OLD_DAY + "T" + time + "Z";
    }

    private static String recent(String time) {
        return RECENT_DAY + "T" + time + "Z";
    }

    private static ValidatableResponse post(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post(path).then();
    }

    private static ValidatableResponse lineProtocol(String body) {
        return given().header("Authorization", "Token " + TestKeys.BOOTSTRAP_ADMIN).contentType("text/plain")
                .body(body).post("/api/v2/write?bucket=plant&precision=s").then();
    }

    private static String samples(String... samples) {
        return "{\"samples\":[" + String.join(",", samples) + "]}";
    }

    private static String sample(String metric, String ts, String value) {
        return "{\"metric\":\"" + metric + "\",\"ts\":\"" + ts + "\",\"value\":" + value + "}";
    }

    private static long epoch(String ts) {
        return java.time.Instant.parse(ts).getEpochSecond();
    }

    private static String oee(String time, int total) {
        return "{\"equipmentCode\":\"" + MACHINE + "\",\"calculationTime\":\"" + time + "\",\"plannedTimeS\":900,"
                + "\"runTimeS\":800,\"totalCount\":" + total + ",\"goodCount\":" + (total - 10) + "}";
    }

    private static String energy(String time, double kwh) {
        return "{\"equipmentCode\":\"" + MACHINE + "\",\"consumptionTime\":\"" + time + "\",\"powerConsumptionKw\":40,"
                + "\"energyConsumptionKwh\":" + kwh + "}";
    }

    private static String kpi(String day, int total) {
        return "{\"lineCode\":\"" + LINE + "\",\"kpiDate\":\"" + day + "\",\"plannedTimeS\":28800,\"runTimeS\":25000,"
                + "\"totalCount\":" + total + ",\"goodCount\":" + (total - 100) + "}";
    }

    private static String downtime(UUID id, String start, String end) {
        return "{\"eventId\":\"" + id + "\",\"equipmentCode\":\"" + MACHINE + "\",\"startTime\":\"" + start + "\""
                + (end == null ? "" : ",\"endTime\":\"" + end + "\"") + ",\"reasonCode\":\"JAM\",\"category\":\"unplanned\"}";
    }

    private static String quality(UUID id, String time, int checked) {
        return "{\"checkId\":\"" + id + "\",\"lineCode\":\"" + LINE + "\",\"checkTime\":\"" + time + "\","
                + "\"checkType\":\"final\",\"checkResult\":\"pass\",\"quantityChecked\":" + checked + ","
                + "\"quantityPassed\":" + checked + ",\"quantityFailed\":0}";
    }

    private static String fault(int bit, String on, String off) {
        return "{\"equipmentCode\":\"" + MACHINE + "\",\"bitIndex\":" + bit + ",\"tsOn\":\"" + on + "\""
                + (off == null ? "" : ",\"tsOff\":\"" + off + "\"") + "}";
    }

    private static String clear(int bit, String off) {
        return "{\"equipmentCode\":\"" + MACHINE + "\",\"bitIndex\":" + bit + ",\"tsOff\":\"" + off + "\"}";
    }

    /** Whether the chunk of a hypertable holding this instant is compressed. */
    private static boolean compressedAt(String hypertable, String at) {
        return "t".equals(psql("SELECT c.is_compressed FROM timescaledb_information.chunks c WHERE c.hypertable_schema = "
                + "'factory_telemetry' AND c.hypertable_name = '" + hypertable + "' AND c.range_start <= '" + at
                + "'::timestamptz AND c.range_end > '" + at + "'::timestamptz"));
    }

    @Test
    @Order(1)
    void olderChunksAreCompressed() {
        assertEquals("timescale", psql("SHOW timescaledb.license"));
        // fixed dates stay valid on any day: no retention may drop them, no policy may compress "recent" chunks
        for (String table : HYPERTABLES) {
            psql("SELECT factory_telemetry.set_retention('" + table + "', NULL)");
        }
        psql("SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE job_id >= 1000");
        given().contentType(ContentType.JSON).body("{\"name\":\"Compressed line\"}").put("/api/v1/lines/" + LINE)
                .then().statusCode(201);
        given().contentType(ContentType.JSON).body("{\"name\":\"Filler\",\"lineCode\":\"" + LINE + "\",\"idealCycleTimeS\":0.5}")
                .put("/api/v1/equipment/" + MACHINE).then().statusCode(201);

        // the first week: one of everything
        post("/api/v1/telemetry", samples(sample("cc.temp", old("05:00:00"), "20.5"), sample("cc.temp", old("05:00:01"), "20.6")))
                .statusCode(200).body("accepted", equalTo(2));
        lineProtocol("cc_lp,cell=a value=1.5 " + epoch(old("05:00:00")) + "\n").statusCode(204);
        post("/api/v1/events/oee", "[" + oee(old("05:00:00"), 1400) + "]").statusCode(200).body("accepted", equalTo(1));
        post("/api/v1/events/energy", "[" + energy(old("05:00:00"), 10) + "]").statusCode(200).body("accepted", equalTo(1));
        post("/api/v1/events/kpis", "[" + kpi(OLD_DAY, 5000) + "]").statusCode(200).body("accepted", equalTo(1));
        post("/api/v1/events/downtime", "[" + downtime(OLD_OPEN_DOWNTIME, old("06:00:00"), null) + ","
                + downtime(OLD_CLOSED_DOWNTIME, old("07:00:00"), old("07:10:00")) + "]").statusCode(200).body("accepted", equalTo(2));
        post("/api/v1/events/quality", "[" + quality(OLD_QUALITY, old("08:00:00"), 50) + "]").statusCode(200).body("accepted", equalTo(1));
        // bit 1: an old cleared occurrence; bit 2: an old occurrence still active; bit 3: old cleared one
        post("/api/v1/events/faults", "[" + fault(1, old("09:00:00"), old("09:05:00")) + "," + fault(2, old("09:00:00"), null)
                + "," + fault(3, old("09:00:00"), old("09:01:00")) + "]").statusCode(200).body("accepted", equalTo(3));

        String compressed = psql("SELECT count(compress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass)) "
                + "FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' "
                + "AND range_end <= '" + COMPRESS_BEFORE + "' AND NOT is_compressed");
        assertEquals(String.join(",", HYPERTABLES), psql("SELECT string_agg(DISTINCT hypertable_name, ',' ORDER BY hypertable_name) "
                + "FROM timescaledb_information.chunks WHERE hypertable_schema = 'factory_telemetry' AND is_compressed"),
                "every raw hypertable has a compressed chunk (" + compressed + " compressed)");
        for (String table : HYPERTABLES) {
            assertEquals(true, compressedAt(table, old("05:30:00")), table + " holds the old day in a compressed chunk");
        }
    }

    @Test
    @Order(2)
    void telemetryJsonIntoCompressedChunks() {
        // replay of a compressed sample: a duplicate; a correction of it: also a duplicate (first write wins)
        post("/api/v1/telemetry", samples(sample("cc.temp", old("05:00:00"), "20.5")))
                .statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        post("/api/v1/telemetry", samples(sample("cc.temp", old("05:00:01"), "99.9")))
                .statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        // late data into the compressed hour, together with recent data
        post("/api/v1/telemetry", samples(sample("cc.temp", old("05:30:00"), "21.0"), sample("cc.temp", recent("05:00:00"), "22.0")))
                .statusCode(200).body("accepted", equalTo(2)).body("duplicates", equalTo(0));
        post("/api/v1/telemetry", samples(sample("cc.temp", old("05:30:00"), "21.0"), sample("cc.temp", recent("05:00:00"), "22.0")))
                .statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(2));
        assertEquals("20.5,20.6,21,22", psql("SELECT string_agg(h.value_real::text, ',' ORDER BY h.ts) FROM factory_telemetry.metric_hist h "
                + "JOIN factory_telemetry.metric_def d ON d.id = h.metric_id WHERE d.metric_key = 'cc.temp'"));
        psql("CALL refresh_continuous_aggregate('factory_telemetry.metric_hourly_aggregate', '" + old("00:00:00") + "', '" + old("12:00:00") + "')");
        assertEquals("3|62.1", psql("SELECT a.samples, round(a.real_sum::numeric, 1) FROM factory_telemetry.metric_hourly_aggregate a "
                + "JOIN factory_telemetry.metric_def d ON d.id = a.metric_id WHERE d.metric_key = 'cc.temp' AND a.bucket = '" + old("05:00:00") + "'"));
    }

    @Test
    @Order(3)
    void lineProtocolIntoCompressedChunks() {
        lineProtocol("cc_lp,cell=a value=1.5 " + epoch(old("05:00:00")) + "\n"                // replay
                + "cc_lp,cell=a value=7.5 " + epoch(old("05:20:00")) + "\n"                    // late, compressed hour
                + "cc_lp,cell=a value=8.5 " + epoch(recent("05:20:00")) + "\n").statusCode(204);
        lineProtocol("cc_lp,cell=a value=9.9 " + epoch(old("05:00:00")) + "\n").statusCode(204); // correction: kept out
        assertEquals("1.5,7.5,8.5", psql("SELECT string_agg(h.value_real::text, ',' ORDER BY h.ts) FROM factory_telemetry.metric_hist h "
                + "JOIN factory_telemetry.metric_def d ON d.id = h.metric_id WHERE d.metric_key = 'cc_lp.a.value'"));
    }

    @Test
    @Order(4)
    void oeeIntoCompressedChunks() {
        post("/api/v1/events/oee", "[" + oee(old("05:00:00"), 1400) + "]").statusCode(200)
                .body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        post("/api/v1/events/oee", "[" + oee(old("05:00:00"), 1500) + "]").statusCode(200)   // correction: first write wins
                .body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        post("/api/v1/events/oee", "[" + oee(old("05:15:00"), 1000) + "," + oee(recent("05:00:00"), 1200) + "]").statusCode(200)
                .body("accepted", equalTo(2));
        assertEquals("1400,1000,1200", psql("SELECT string_agg(total_count::text, ',' ORDER BY calculation_time) "
                + "FROM factory_telemetry.oee_calculations"));
        psql("CALL refresh_continuous_aggregate('factory_telemetry.oee_hourly_aggregate', '" + old("00:00:00") + "', '" + old("12:00:00") + "')");
        assertEquals("2|2400", psql("SELECT calculations, total_count FROM factory_telemetry.oee_hourly_aggregate "
                + "WHERE bucket = '" + old("05:00:00") + "'"));
    }

    @Test
    @Order(5)
    void energyIntoCompressedChunks() {
        post("/api/v1/events/energy", "[" + energy(old("05:00:00"), 10) + "]").statusCode(200).body("duplicates", equalTo(1));
        post("/api/v1/events/energy", "[" + energy(old("05:00:00"), 11) + "]").statusCode(200).body("duplicates", equalTo(1));
        post("/api/v1/events/energy", "[" + energy(old("05:15:00"), 2.5) + "," + energy(recent("05:00:00"), 3) + "]").statusCode(200)
                .body("accepted", equalTo(2));
        assertEquals("10,2.5,3", psql("SELECT string_agg(energy_consumption_kwh::text, ',' ORDER BY consumption_time) "
                + "FROM factory_telemetry.energy_consumption"));
    }

    @Test
    @Order(6)
    void kpisIntoCompressedChunks() {
        post("/api/v1/events/kpis", "[" + kpi(OLD_DAY, 5000) + "]").statusCode(200).body("duplicates", equalTo(1));
        post("/api/v1/events/kpis", "[" + kpi(OLD_DAY, 6000) + "]").statusCode(200).body("duplicates", equalTo(1));
        post("/api/v1/events/kpis", "[" + kpi("2026-03-03", 4000) + "," + kpi(RECENT_DAY, 4500) + "]").statusCode(200)
                .body("accepted", equalTo(2));
        assertEquals("5000,4000,4500", psql("SELECT string_agg(total_count::text, ',' ORDER BY kpi_date) FROM factory_telemetry.production_kpis"));
    }

    @Test
    @Order(7)
    void downtimeOpenAndCloseAcrossCompressedChunks() {
        // replay of an event stored in a compressed chunk: a duplicate; its id with another start: 409
        post("/api/v1/events/downtime", "[" + downtime(OLD_CLOSED_DOWNTIME, old("07:00:00"), old("07:10:00")) + "]")
                .statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        post("/api/v1/events/downtime", "[" + downtime(OLD_CLOSED_DOWNTIME, old("07:30:00"), null) + "]").statusCode(409);
        // late event into the compressed chunk, and a recent one
        UUID late = UUID.randomUUID();
        UUID recent = UUID.randomUUID();
        post("/api/v1/events/downtime", "[" + downtime(late, old("10:00:00"), null) + "," + downtime(recent, recent("06:00:00"), null) + "]")
                .statusCode(200).body("accepted", equalTo(2));

        // close the old open event (row in a compressed chunk), replay the close, close at another time
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + old("06:30:00") + "\"}")
                .post("/api/v1/events/downtime/" + OLD_OPEN_DOWNTIME + "/close").then().statusCode(200)
                .body("durationS", equalTo(1800.0f)).body("alreadyClosed", equalTo(false));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + old("06:30:00") + "\"}")
                .post("/api/v1/events/downtime/" + OLD_OPEN_DOWNTIME + "/close").then().statusCode(200)
                .body("alreadyClosed", equalTo(true));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + old("06:40:00") + "\"}")
                .post("/api/v1/events/downtime/" + OLD_OPEN_DOWNTIME + "/close").then().statusCode(409);
        // the late one (compressed chunk) and the recent one (while older chunks are compressed)
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + old("10:05:00") + "\"}")
                .post("/api/v1/events/downtime/" + late + "/close").then().statusCode(200).body("durationS", equalTo(300.0f));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + recent("06:02:00") + "\"}")
                .post("/api/v1/events/downtime/" + recent + "/close").then().statusCode(200).body("durationS", equalTo(120.0f));
        given().contentType(ContentType.JSON).body("{\"endTime\":\"" + recent("06:02:00") + "\"}")
                .post("/api/v1/events/downtime/" + UUID.randomUUID() + "/close").then().statusCode(404);
        assertEquals("1800|600|300|120", psql("SELECT string_agg(duration_s::text, '|' ORDER BY start_time) FROM factory_telemetry.downtime_events"));
    }

    @Test
    @Order(8)
    void qualityIntoCompressedChunks() {
        post("/api/v1/events/quality", "[" + quality(OLD_QUALITY, old("08:00:00"), 50) + "]").statusCode(200)
                .body("accepted", equalTo(0)).body("duplicates", equalTo(1));
        post("/api/v1/events/quality", "[" + quality(OLD_QUALITY, old("08:30:00"), 50) + "]").statusCode(409);
        post("/api/v1/events/quality", "[" + quality(UUID.randomUUID(), old("11:00:00"), 20) + ","
                + quality(UUID.randomUUID(), recent("11:00:00"), 30) + "]").statusCode(200).body("accepted", equalTo(2));
        assertEquals("50,20,30", psql("SELECT string_agg(quantity_checked::text, ',' ORDER BY check_time) FROM factory_telemetry.quality_checks"));
    }

    @Test
    @Order(9)
    void faultsRaisedAndClearedAcrossCompressedChunks() {
        // replay of a compressed occurrence; a late occurrence into the compressed day; a recent one of bit 1
        post("/api/v1/events/faults", "[" + fault(1, old("09:00:00"), old("09:05:00")) + "]").statusCode(200)
                .body("duplicates", equalTo(1));
        post("/api/v1/events/faults", "[" + fault(4, old("13:00:00"), null) + "," + fault(1, recent("09:00:00"), null) + "]")
                .statusCode(200).body("accepted", equalTo(2));

        // bit 1: the latest occurrence is recent, an older one of the same bit lies in a compressed chunk
        post("/api/v1/events/faults/clear", "[" + clear(1, recent("09:10:00")) + "]").statusCode(200)
                .body("accepted", equalTo(1)).body("duplicates", equalTo(0));
        // bit 2 and bit 4: the occurrence to clear lies in a compressed chunk
        post("/api/v1/events/faults/clear", "[" + clear(2, old("09:30:00")) + "," + clear(4, old("13:30:00")) + "]")
                .statusCode(200).body("accepted", equalTo(2));
        // replays are duplicates, another time is a conflict, a bit never raised before tsOff is a conflict
        post("/api/v1/events/faults/clear", "[" + clear(1, recent("09:10:00")) + "," + clear(2, old("09:30:00")) + "]")
                .statusCode(200).body("accepted", equalTo(0)).body("duplicates", equalTo(2));
        post("/api/v1/events/faults/clear", "[" + clear(3, old("09:02:00")) + "]").statusCode(409);
        post("/api/v1/events/faults/clear", "[" + clear(5, recent("09:02:00")) + "]").statusCode(409);

        assertEquals("1|" + old("09:00:00").replace("T", " ").replace("Z", "+00") + "|300,1|"
                        + recent("09:00:00").replace("T", " ").replace("Z", "+00") + "|600,2|"
                        + old("09:00:00").replace("T", " ").replace("Z", "+00") + "|1800,3|"
                        + old("09:00:00").replace("T", " ").replace("Z", "+00") + "|60,4|"
                        + old("13:00:00").replace("T", " ").replace("Z", "+00") + "|1800",
                psql("SELECT string_agg(bit_index || '|' || ts_on || '|' || duration_s, ',' ORDER BY bit_index, ts_on) "
                        + "FROM factory_telemetry.fault_event"));
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.fault_active"), "no fault is active any more");
    }

    /** The same request sent {@code n} times at once; the answers (all must be 200). */
    private static List<io.vertx.core.json.JsonObject> concurrently(int n, String path, String body) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                    .header("Authorization", "Bearer " + TestKeys.BOOTSTRAP_ADMIN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<io.vertx.core.json.JsonObject> answers = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get();
            assertEquals(200, response.statusCode(), response.body());
            answers.add(new io.vertx.core.json.JsonObject(response.body()));
        }
        return answers;
    }

    /**
     * Concurrent clears of the same bit (an older occurrence compressed): exactly one clears it, every other
     * one is a duplicate (same time) — never a 500, never two "accepted". Likewise concurrent closes of one
     * downtime event: one closes it, the others are told it was already closed at that time.
     */
    @Test
    @Order(10)
    void concurrentClearsAndClosesAreSerialised() throws Exception {
        post("/api/v1/events/faults", "[" + fault(1, recent("12:00:00"), null) + "]").statusCode(200).body("accepted", equalTo(1));
        List<io.vertx.core.json.JsonObject> clears = concurrently(8, "/api/v1/events/faults/clear", "[" + clear(1, recent("12:01:00")) + "]");
        assertEquals(1, clears.stream().mapToInt(a -> a.getInteger("accepted")).sum(), "one request clears the occurrence: " + clears);
        assertEquals(7, clears.stream().mapToInt(a -> a.getInteger("duplicates")).sum(), "the others see it cleared at the same time");
        assertEquals("60", psql("SELECT duration_s FROM factory_telemetry.fault_event WHERE bit_index = 1 AND ts_on = '" + recent("12:00:00") + "'"));

        UUID stop = UUID.randomUUID();
        post("/api/v1/events/downtime", "[" + downtime(stop, recent("12:00:00"), null) + "]").statusCode(200).body("accepted", equalTo(1));
        List<io.vertx.core.json.JsonObject> closes = concurrently(8, "/api/v1/events/downtime/" + stop + "/close",
                "{\"endTime\":\"" + recent("12:03:00") + "\"}");
        assertEquals(1, closes.stream().filter(a -> !a.getBoolean("alreadyClosed")).count(), "one request closes it: " + closes);
        assertEquals(7, closes.stream().filter(a -> a.getBoolean("alreadyClosed")).count());
        assertEquals("180", psql("SELECT duration_s FROM factory_telemetry.downtime_events WHERE event_id = '" + stop + "'"));
    }

    @Test
    @Order(11)
    void referenceDataChangesWhileChunksAreCompressed() {
        given().contentType(ContentType.JSON).body("{\"name\":\"Filler (renamed)\",\"lineCode\":\"" + LINE + "\",\"idealCycleTimeS\":0.4}")
                .put("/api/v1/equipment/" + MACHINE).then().statusCode(200);
        assertEquals("Filler (renamed)", psql("SELECT name FROM factory_telemetry.equipment WHERE equipment_code = '" + MACHINE + "'"));
        // nothing of the above decompressed the old chunks for good: they are still compressed
        for (String table : HYPERTABLES) {
            assertEquals(true, compressedAt(table, old("05:30:00")), table);
        }
    }
}
