package dev.factorytelemetry.archive;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Archive before retention, end to end, on one edition (subclasses pick it). Rows of fixed dates long past the
 * default retention of quality_checks (7 years) and downtime_events (2 years) are archived by the archive job: a
 * blocked target keeps the chunk and reports the failure (API, views, metric); once writable the chunk is exported,
 * verified, recorded and dropped; DuckDB (an independent Parquet reader) reads the same rows back; restore puts them
 * back and a second restore adds none. Own database and archive directory per class.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(DefaultTestAuthentication.class)
abstract class ArchiveContract {

    /** A fresh archive directory per test class. */
    public static class OwnArchiveDirectory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                return Map.of("telemetry.archive.directory", Files.createTempDirectory("ft-archive-test").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** 2015-03-02 .. 2015-03-06: one 7-day chunk of quality_checks (and of downtime_events), past any default retention. */
    static final String OLD_ROWS = """
            INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('A1', 'Archive line');
            INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id)
            SELECT 'A1.press', 'Press', id FROM factory_telemetry.production_lines WHERE line_code = 'A1';
            INSERT INTO factory_telemetry.product_types (product_code, name) VALUES ('P-ARCH', 'Archived product');
            INSERT INTO factory_telemetry.quality_checks (check_id, line_id, product_type_id, check_time, check_type, check_result,
                   quantity_checked, quantity_passed, quantity_failed, defect_codes, notes, checked_by)
            SELECT md5('q' || g)::uuid, l.id, CASE WHEN g % 3 = 0 THEN NULL ELSE p.id END,
                   timestamptz '2015-03-02 00:00:00+00' + g * interval '60 seconds' + interval '123456 microseconds',
                   (ARRAY['incoming', 'in_process', 'final', 'audit'])[1 + g % 4], (ARRAY['pass', 'fail', 'conditional'])[1 + g % 3],
                   100 + g % 7, 90 + g % 5, g % 5,
                   CASE WHEN g % 4 = 0 THEN NULL WHEN g % 4 = 1 THEN ARRAY[]::text[] WHEN g % 4 = 2 THEN ARRAY['D' || g, NULL, 'x,y "q"']
                        ELSE ARRAY['D1'] END,
                   CASE WHEN g % 2 = 0 THEN 'note ' || g || E' tab\\t and ünïcode' END, 'inspector'
            FROM generate_series(1, 3000) g, factory_telemetry.production_lines l, factory_telemetry.product_types p
            WHERE l.line_code = 'A1' AND p.product_code = 'P-ARCH';
            INSERT INTO factory_telemetry.downtime_events (event_id, equipment_id, line_id, start_time, end_time, reason_code, category)
            SELECT md5('d' || g)::uuid, e.id, e.line_id, timestamptz '2015-03-03 00:00:00+00' + g * interval '1 hour',
                   CASE WHEN g % 5 <> 0 THEN timestamptz '2015-03-03 00:10:00+00' + g * interval '1 hour' END, 'R' || g, 'unplanned'
            FROM generate_series(1, 40) g, factory_telemetry.equipment e WHERE e.equipment_code = 'A1.press';
            """;

    /** The rows of quality_checks in a form both PostgreSQL and DuckDB print alike. */
    static final String QUALITY_ROWS_PG = """
            SELECT check_id::text || '|' || line_id || '|' || coalesce(product_type_id::text, '-') || '|'
                   || ((extract(epoch FROM check_time) * 1000000)::bigint) || '|' || check_type || '|' || check_result || '|'
                   || quantity_checked || '|' || quantity_passed || '|' || quantity_failed || '|'
                   || coalesce(array_length(defect_codes, 1)::text, CASE WHEN defect_codes IS NULL THEN 'null' ELSE '0' END) || '|'
                   || coalesce(defect_codes[1], '-') || '|' || coalesce(notes, '-')
            FROM factory_telemetry.quality_checks WHERE check_time < '2016-01-01' ORDER BY check_id
            """;
    static final String QUALITY_ROWS_DUCKDB = """
            SELECT CAST(check_id AS VARCHAR) || '|' || line_id || '|' || coalesce(CAST(product_type_id AS VARCHAR), '-') || '|'
                   || epoch_us(check_time) || '|' || check_type || '|' || check_result || '|'
                   || quantity_checked || '|' || quantity_passed || '|' || quantity_failed || '|'
                   || CASE WHEN defect_codes IS NULL THEN 'null' ELSE CAST(len(defect_codes) AS VARCHAR) END || '|'
                   || coalesce(defect_codes[1], '-') || '|' || coalesce(notes, '-')
            FROM read_parquet('%s') ORDER BY check_id
            """;
    static final String QUALITY_CHECKSUM = """
            SELECT md5(string_agg(q::text, E'\\n' ORDER BY check_id)) FROM factory_telemetry.quality_checks q WHERE check_time < '2016-01-01'
            """;

    @Inject
    PlatformState platform;
    @Inject
    ArchiveConfig config;
    @Inject
    ArchiveCommand command;

    static String expectedQualityRows;
    static String expectedQualityChecksum;
    static long qualityArchiveId;
    static long downtimeArchiveId;

    static String sql(String query) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, query).trim();
    }

    /** The answer of a statement that may raise notices (remove_retention_policy's "not found, skipping"). */
    static String quiet(String query) {
        return sql("SET client_min_messages = warning; " + query).lines().reduce((first, last) -> last).orElse("");
    }

    boolean community() {
        return platform.requireEdition().nativePolicies();
    }

    static double metric(String series) {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElse(Double.NaN);
    }

    @Test
    @Order(1)
    void theCatalogArchivesTheLongLivedEventTablesAndTheServiceOwnsTheirRetention() {
        assertEquals("downtime_events|t|filesystem|parquet\nenergy_consumption|f|filesystem|parquet\nfault_event|f|filesystem|parquet\n"
                        + "metric_hist|f|filesystem|parquet\noee_calculations|t|filesystem|parquet\nproduction_kpis|f|filesystem|parquet\n"
                        + "quality_checks|t|filesystem|parquet",
                sql("SELECT hypertable_name, archive_enabled, archive_target, archive_format FROM factory_telemetry.hypertable_policy ORDER BY 1"));
        // no native retention job would drop an archived table's chunk before its export
        assertEquals("0", sql("SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' "
                + "AND hypertable_name IN ('quality_checks', 'downtime_events', 'oee_calculations')"));
        assertEquals("service|t", sql("SELECT executor, archived FROM factory_telemetry.v_retention_policies WHERE target = 'quality_checks'"));
        assertEquals(community() ? "timescaledb|f" : "service|f",
                sql("SELECT executor, archived FROM factory_telemetry.v_retention_policies WHERE target = 'metric_hist'"));
        given().get("/api/v1/admin/lifecycle/hypertables").then().statusCode(200)
                .body("find { it.hypertableName == 'quality_checks' }.archiveEnabled", equalTo(true))
                .body("find { it.hypertableName == 'quality_checks' }.retentionExecutor", equalTo("service"))
                .body("find { it.hypertableName == 'metric_hist' }.archiveEnabled", equalTo(false));
        // switching archiving off hands retention back to the edition's executor, and on again to the service
        assertEquals(community() ? "timescaledb" : "service", quiet("SELECT factory_telemetry.set_archiving('oee_calculations', false)"));
        assertEquals(community() ? "1" : "0", sql("SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' "
                + "AND hypertable_name = 'oee_calculations'"));
        assertEquals("service", quiet("SELECT factory_telemetry.set_archiving('oee_calculations', true)"));
        assertEquals("0", sql("SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' "
                + "AND hypertable_name = 'oee_calculations'"));
        // set_retention keeps an archived table with the service
        assertEquals("service", quiet("SELECT factory_telemetry.set_retention('quality_checks', interval '7 years')"));
    }

    @Test
    @Order(2)
    void anUnwritableTargetKeepsTheChunkAndReportsTheFailure() throws IOException {
        sql(OLD_ROWS);
        expectedQualityRows = sql(QUALITY_ROWS_PG);
        expectedQualityChecksum = sql(QUALITY_CHECKSUM);
        assertEquals(3000, expectedQualityRows.lines().count());
        // the table's directory cannot be created: a file is in its place (root ignores permission bits)
        Files.writeString(config.directory().resolve("quality_checks"), "not a directory");

        given().post("/api/v1/admin/archives/run").then().statusCode(200)
                .body("find { it.hypertable == 'quality_checks' }.error", notNullValue())
                .body("find { it.hypertable == 'quality_checks' }.dropped", equalTo(false))
                .body("find { it.hypertable == 'downtime_events' }.error", nullValue())
                .body("find { it.hypertable == 'downtime_events' }.dropped", equalTo(true))
                .body("find { it.hypertable == 'downtime_events' }.rows", equalTo(40));

        assertEquals("3000", sql("SELECT count(*) FROM factory_telemetry.quality_checks"), "the chunk is kept");
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.archive_manifest WHERE hypertable_name = 'quality_checks'"));
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.downtime_events"), "the archived chunk is dropped");
        assertEquals("40|t", sql("SELECT row_count, dropped_at IS NOT NULL FROM factory_telemetry.archive_manifest WHERE hypertable_name = 'downtime_events'"));
        try (var files = Files.walk(config.directory())) {
            assertFalse(files.anyMatch(p -> p.toString().endsWith(".partial")), "no partial file is left");
        }
        given().get("/api/v1/admin/archives/backlog").then().statusCode(200)
                .body("backlogChunks", equalTo(1))
                .body("chunks[0].hypertableName", equalTo("quality_checks"))
                .body("chunks[0].lastError", containsString("quality_checks"))
                .body("failures", hasSize(1))
                .body("lastRun.lastOutcome", equalTo("failed"));
        assertEquals(1.0, metric("factory_telemetry_archive_failures_total{hypertable=\"quality_checks\"}"));
        assertEquals(1.0, metric("factory_telemetry_archive_backlog_chunks{hypertable=\"quality_checks\"}"));
        assertEquals(1.0, metric("factory_telemetry_archive_chunks_total{hypertable=\"downtime_events\"}"));
        // the status views: the table's (service) retention is failing, with the archive error
        assertEquals("service|failing", sql("SELECT executor, status FROM factory_telemetry.v_lifecycle_jobs WHERE kind = 'retention' AND target = 'quality_checks'"));
        given().get("/api/v1/system/info").then().statusCode(200)
                .body("lifecycle.jobs.find { it.kind == 'retention' && it.target == 'quality_checks' }.lastError", containsString("chunk kept"));
        downtimeArchiveId = Long.parseLong(sql("SELECT id FROM factory_telemetry.archive_manifest WHERE hypertable_name = 'downtime_events'"));
    }

    @Test
    @Order(3)
    void aWritableTargetArchivesVerifiesRecordsAndThenDrops() throws IOException {
        Files.delete(config.directory().resolve("quality_checks"));
        given().post("/api/v1/admin/archives/run").then().statusCode(200)
                .body("", hasSize(1))
                .body("[0].hypertable", equalTo("quality_checks"))
                .body("[0].error", nullValue())
                .body("[0].rows", equalTo(3000))
                .body("[0].dropped", equalTo(true));
        assertEquals("0", sql("SELECT count(*) FROM factory_telemetry.quality_checks"));
        String[] manifest = sql("SELECT id, chunk_name, range_start, range_end, row_count, path, size_bytes, checksum, dropped_at IS NOT NULL "
                + "FROM factory_telemetry.archive_manifest WHERE hypertable_name = 'quality_checks'").split("\\|");
        qualityArchiveId = Long.parseLong(manifest[0]);
        assertEquals("3000", manifest[4]);
        assertTrue(manifest[5].matches("quality_checks/2015/quality_checks_20150226T000000Z_20150305T000000Z_\\d+\\.parquet"), manifest[5]);
        Path file = config.directory().resolve(manifest[5]);
        assertEquals(Files.size(file), Long.parseLong(manifest[6]));
        assertTrue(manifest[7].matches("sha256:[0-9a-f]{64}"), manifest[7]);
        assertEquals("t", manifest[8]);
        String sidecar = Files.readString(file.resolveSibling(file.getFileName().toString().replace(".parquet", ".json")));
        assertTrue(sidecar.contains(manifest[7]) && sidecar.contains("\"rowCount\" : 3000") && sidecar.contains(manifest[1]), sidecar);

        given().get("/api/v1/admin/archives/backlog").then().statusCode(200).body("backlogChunks", equalTo(0)).body("failures", hasSize(0));
        assertEquals(0.0, metric("factory_telemetry_archive_backlog_chunks{hypertable=\"quality_checks\"}"));
        assertEquals(3000.0, metric("factory_telemetry_archive_rows_total{hypertable=\"quality_checks\"}"));
        assertEquals("ok", sql("SELECT status FROM factory_telemetry.v_lifecycle_jobs WHERE kind = 'retention' AND target = 'quality_checks'"));
        given().queryParam("table", "quality_checks").queryParam("from", "2015-03-01T00:00:00Z").queryParam("to", "2015-03-10T00:00:00Z")
                .get("/api/v1/admin/archives").then().statusCode(200)
                .body("", hasSize(1)).body("[0].id", equalTo((int) qualityArchiveId)).body("[0].rowCount", equalTo(3000));
        given().queryParam("table", "quality_checks").queryParam("from", "2016-01-01T00:00:00Z").queryParam("to", "2017-01-01T00:00:00Z")
                .get("/api/v1/admin/archives").then().statusCode(200).body("", hasSize(0));
        given().queryParam("table", "no_such_table").get("/api/v1/admin/archives").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("no_such_table"));
    }

    @Test
    @Order(4)
    void anIndependentParquetReaderReadsTheSameRowsAndTypes() throws SQLException {
        Path file = config.directory().resolve(sql("SELECT path FROM factory_telemetry.archive_manifest WHERE id = " + qualityArchiveId));
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement statement = duck.createStatement()) {
            List<String> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery(QUALITY_ROWS_DUCKDB.formatted(file))) {
                while (rs.next()) {
                    rows.add(rs.getString(1));
                }
            }
            assertEquals(expectedQualityRows, String.join("\n", rows));
            List<String> types = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery("DESCRIBE SELECT check_id, check_time, quantity_checked, defect_codes, notes "
                    + "FROM read_parquet('" + file + "')")) {
                while (rs.next()) {
                    types.add(rs.getString("column_name") + " " + rs.getString("column_type"));
                }
            }
            assertEquals(List.of("check_id UUID", "check_time TIMESTAMP WITH TIME ZONE", "quantity_checked INTEGER",
                    "defect_codes VARCHAR[]", "notes VARCHAR"), types);
            try (ResultSet rs = statement.executeQuery("SELECT compression FROM parquet_metadata('" + file + "') LIMIT 1")) {
                rs.next();
                assertEquals("ZSTD", rs.getString(1));
            }
        }
    }

    @Test
    @Order(5)
    void restorePutsTheRowsBackAndASecondRestoreAddsNone() {
        given().post("/api/v1/admin/archives/" + qualityArchiveId + "/restore").then().statusCode(200)
                .body("rowsInFile", equalTo(3000)).body("rowsInserted", equalTo(3000)).body("duplicatesSkipped", equalTo(0));
        assertEquals(expectedQualityRows, sql(QUALITY_ROWS_PG));
        assertEquals(expectedQualityChecksum, sql(QUALITY_CHECKSUM), "every column, arrays with NULL elements and text included");
        given().post("/api/v1/admin/archives/" + qualityArchiveId + "/restore").then().statusCode(200)
                .body("rowsInserted", equalTo(0)).body("duplicatesSkipped", equalTo(3000));
        assertEquals("3000", sql("SELECT count(*) FROM factory_telemetry.quality_checks"));

        // the CLI mode of the jar runs the same restore (generated column duration_s recomputed, not inserted)
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = command.run(new PrintStream(out, true, StandardCharsets.UTF_8), "archive", "restore", Long.toString(downtimeArchiveId));
        assertEquals(0, status, out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("40 rows in file, 40 inserted, 0 duplicates skipped"), out.toString(StandardCharsets.UTF_8));
        assertEquals("40|32", sql("SELECT count(*), count(duration_s) FROM factory_telemetry.downtime_events"));
        given().post("/api/v1/admin/archives/999999/restore").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    @Order(6)
    void anAlteredFileIsRefused() throws IOException {
        Path file = config.directory().resolve(sql("SELECT path FROM factory_telemetry.archive_manifest WHERE id = " + downtimeArchiveId));
        Path copy = file.resolveSibling("original.bin");
        Files.copy(file, copy);
        try {
            // re-archive the same rows into another file, then put that file in place of the first one: valid Parquet, other checksum
            sql("DELETE FROM factory_telemetry.downtime_events WHERE reason_code = 'R1'");
            given().contentType(ContentType.JSON).body(Map.of("table", "downtime_events", "from", "2015-01-01T00:00:00Z", "to", "2015-06-01T00:00:00Z"))
                    .post("/api/v1/admin/archives").then().statusCode(200).body("[0].rows", equalTo(39)).body("[0].dropped", equalTo(true));
            Path other = config.directory().resolve(sql("SELECT path FROM factory_telemetry.archive_manifest WHERE hypertable_name = 'downtime_events' ORDER BY id DESC LIMIT 1"));
            Files.copy(other, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            given().post("/api/v1/admin/archives/" + downtimeArchiveId + "/restore").then().statusCode(409)
                    .contentType("application/problem+json").body("detail", containsString("altered"));
        } finally {
            Files.move(copy, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        given().post("/api/v1/admin/archives/" + downtimeArchiveId + "/restore").then().statusCode(200).body("rowsInserted", equalTo(40));
    }

    @Test
    @Order(7)
    void aRangeWithinRetentionIsArchivedAndKeptAndRestoresIntoItEvenCompressed() {
        // 2025-06-02: within quality_checks' 7-year retention until 2032, past its 30-day compress_after
        sql("""
                INSERT INTO factory_telemetry.quality_checks (check_id, line_id, check_time, check_type, check_result,
                       quantity_checked, quantity_passed, quantity_failed)
                SELECT md5('r' || g)::uuid, l.id, timestamptz '2025-06-02 00:00:00+00' + g * interval '1 minute', 'final', 'pass', 10, 10, 0
                FROM generate_series(1, 500) g, factory_telemetry.production_lines l WHERE l.line_code = 'A1'""");
        if (community()) {
            assertEquals("t", sql("SELECT factory_telemetry.compress_chunk_by_name(chunk_name) FROM timescaledb_information.chunks "
                    + "WHERE hypertable_name = 'quality_checks' AND range_start <= '2025-06-02 01:00+00' AND range_end > '2025-06-02 01:00+00'"));
        }
        int id = given().contentType(ContentType.JSON)
                .body(Map.of("table", "quality_checks", "from", "2025-05-01T00:00:00Z", "to", "2025-07-01T00:00:00Z"))
                .post("/api/v1/admin/archives").then().statusCode(200)
                .body("", hasSize(1)).body("[0].rows", equalTo(500)).body("[0].dropped", equalTo(false)).body("[0].error", nullValue())
                .extract().path("[0].archiveId");
        assertEquals("500", sql("SELECT count(*) FROM factory_telemetry.quality_checks WHERE check_time >= '2025-01-01'"), "kept");
        sql("DELETE FROM factory_telemetry.quality_checks WHERE check_id IN (md5('r1')::uuid, md5('r2')::uuid)");
        given().post("/api/v1/admin/archives/" + id + "/restore").then().statusCode(200)
                .body("rowsInFile", equalTo(500)).body("rowsInserted", equalTo(2)).body("duplicatesSkipped", equalTo(498));
        assertEquals("500", sql("SELECT count(*) FROM factory_telemetry.quality_checks WHERE check_time >= '2025-01-01'"));
        given().contentType(ContentType.JSON).body(Map.of("table", "no_such_table", "from", "2025-05-01T00:00:00Z", "to", "2025-07-01T00:00:00Z"))
                .post("/api/v1/admin/archives").then().statusCode(404).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("table", "quality_checks", "from", "2025-07-01T00:00:00Z", "to", "2025-05-01T00:00:00Z"))
                .post("/api/v1/admin/archives").then().statusCode(400).contentType("application/problem+json");
    }
}
