package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.auth.DefaultTestAuthentication;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every edition must answer: each figure equals an independent computation from the raw rows of the same window
 * (SQL written here, not the service's). Subclasses pick the edition. Data: three days back to now, aggregates
 * refreshed, then rows written after the refresh (the current hour on both editions; on the Apache edition also an
 * hour of yesterday, which only the invalidation log knows about) so that freshness is part of what is checked.
 */
@TestMethodOrder(MethodOrderer.MethodName.class)
@ExtendWith({DefaultTestAuthentication.class, DoubleJsonNumbers.class})
abstract class DashboardContract {



    private static final Object SEEDED_LOCK = new Object();
    private static String seededDatabase;

    @Inject
    ResponseCache cache;

    LocalTimescale cluster() {
        return TimescaleTestResource.currentCluster;
    }

    String db() {
        return TimescaleTestResource.currentDatabase;
    }

    String sql(String query) {
        return cluster().psql(db(), query).trim();
    }

    boolean apache() {
        return "apache".equals(cluster().license());
    }

    @BeforeEach
    void seedOnce() {
        synchronized (SEEDED_LOCK) {
            if (!db().equals(seededDatabase)) {
                sql(DashboardTestData.REFERENCE);
                sql(DashboardTestData.facts("now() - interval '3 days'", "now() - interval '90 minutes'"));
                DashboardTestData.refresh(cluster(), db(), "now() - interval '90 minutes'");
                // written after the refresh: the current hour and (Apache edition) a late, backfilled hour of yesterday
                sql(DashboardTestData.facts("now() - interval '90 minutes'", "now()"));
                sql(DashboardTestData.LIVE);
                if (apache()) {
                    sql("DELETE FROM factory_telemetry.oee_calculations WHERE calculation_time >= now() - interval '26 hours' "
                            + "AND calculation_time < now() - interval '25 hours'");
                    sql(DashboardTestData.facts("now() - interval '26 hours' + interval '30 seconds'", "now() - interval '25 hours'"));
                }
                seededDatabase = db();
            }
        }
        cache.clear();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static void near(double expected, double actual, String what) {
        double tolerance = 1e-6 * Math.max(1, Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= tolerance, what + ": expected " + expected + " but was " + actual);
    }

    static double num(Object value) {
        return value == null ? Double.NaN : ((Number) value).doubleValue();
    }

    /** Σ planned, Σ run, Σ ideal, Σ total, Σ good of raw OEE rows in [from, to) matching {@code where}. */
    double[] rawOee(String from, String to, String where) {
        String[] v = sql("SELECT coalesce(sum(planned_time_s),0), coalesce(sum(run_time_s),0), coalesce(sum(ideal_run_time_s),0), "
                + "coalesce(sum(total_count),0), coalesce(sum(good_count),0) FROM factory_telemetry.oee_calculations "
                + "WHERE calculation_time >= '" + from + "' AND calculation_time < '" + to + "' AND " + where).split("\\|");
        return new double[]{Double.parseDouble(v[0]), Double.parseDouble(v[1]), Double.parseDouble(v[2]),
                Double.parseDouble(v[3]), Double.parseDouble(v[4])};
    }

    void assertOee(Map<String, Object> figures, double[] raw, String what) {
        near(raw[0], num(figures.get("plannedTimeS")), what + " planned");
        near(raw[1], num(figures.get("runTimeS")), what + " run");
        near(raw[2], num(figures.get("idealRunTimeS")), what + " ideal run");
        near(raw[3], num(figures.get("totalCount")), what + " total");
        near(raw[4], num(figures.get("goodCount")), what + " good");
        if (raw[0] > 0 && raw[1] > 0 && raw[3] > 0) {
            double a = raw[1] / raw[0], p = raw[2] / raw[1], q = raw[4] / raw[3];
            near(a, num(figures.get("availability")), what + " availability");
            near(p, num(figures.get("performance")), what + " performance");
            near(q, num(figures.get("quality")), what + " quality");
            near(a * p * q, num(figures.get("oee")), what + " oee");
        }
    }

    double scalar(String query) {
        return Double.parseDouble(sql(query));
    }

    String lineId(String code) {
        return sql("SELECT id FROM factory_telemetry.production_lines WHERE line_code = '" + code + "'");
    }

    // ---- production dashboard ------------------------------------------------------------------------------------

    @Test
    void a_plantDashboardEqualsRawRowsOfTheCurrentHourAndToday() {
        JsonPath json = given().when().get("/api/v1/dashboard/plant").then().statusCode(200)
                .header("Cache-Control", startsWith("private, max-age=")).extract().jsonPath();
        assertEquals("UTC", json.getString("timeZone"));
        assertEquals("USD", json.getString("currency"));
        double tariff = scalar("SELECT value::float8 FROM factory_telemetry.plant_settings WHERE setting = 'energy_tariff_per_kwh'");
        near(tariff, json.getDouble("tariffPerKwh"), "tariff");
        assertNotNull(json.getString("freshness.dataAsOf"));
        assertEquals(List.of("L1", "L2"), json.getList("lines.lineCode"), "enabled lines (retired L9 has no data)");

        for (int i = 0; i < 2; i++) {
            String code = json.getString("lines[" + i + "].lineCode");
            String line = "line_id = " + lineId(code);
            for (String window : List.of("currentHour", "today")) {
                String prefix = "lines[" + i + "]." + window;
                String from = json.getString(prefix + ".from");
                String to = json.getString(prefix + ".to");
                String what = code + " " + window;
                assertOee(json.getMap(prefix + ".oee"), rawOee(from, to, line), what);

                String[] energy = sql("SELECT count(*), coalesce(sum(energy_consumption_kwh),0), max(power_consumption_kw) "
                        + "FROM factory_telemetry.energy_consumption WHERE consumption_time >= '" + from
                        + "' AND consumption_time < '" + to + "' AND " + line).split("\\|");
                near(Double.parseDouble(energy[1]), json.getDouble(prefix + ".energy.energyKwh"), what + " kWh");
                near(Double.parseDouble(energy[1]) * tariff, json.getDouble(prefix + ".energy.cost"), what + " cost");
                near(Double.parseDouble(energy[0]), json.getDouble(prefix + ".energy.readings"), what + " readings");
                if (!energy[2].isEmpty()) {
                    near(Double.parseDouble(energy[2]), json.getDouble(prefix + ".energy.peakPowerKw"), what + " peak");
                }

                String[] quality = sql("SELECT count(*), coalesce(sum(quantity_checked),0), coalesce(sum(quantity_passed),0) "
                        + "FROM factory_telemetry.quality_checks WHERE check_time >= '" + from + "' AND check_time < '" + to
                        + "' AND " + line).split("\\|");
                near(Double.parseDouble(quality[0]), json.getDouble(prefix + ".quality.checks"), what + " checks");
                if (Double.parseDouble(quality[1]) > 0) {
                    near(Double.parseDouble(quality[2]) / Double.parseDouble(quality[1]),
                            json.getDouble(prefix + ".quality.passRate"), what + " pass rate");
                }

                // closed stops clipped to the window (exact) + open stops up to now (grows while the test runs)
                double closed = scalar("SELECT coalesce(sum(extract(epoch FROM least(end_time, '" + to + "') - greatest(start_time, '"
                        + from + "'))), 0) FROM factory_telemetry.downtime_events WHERE end_time IS NOT NULL AND start_time < '"
                        + to + "' AND end_time > '" + from + "' AND " + line);
                double openBefore = scalar("SELECT coalesce(sum(extract(epoch FROM least(now(), '" + to + "') - greatest(start_time, '"
                        + from + "'))), 0) FROM factory_telemetry.downtime_events WHERE end_time IS NULL AND start_time < '" + to
                        + "' AND " + line);
                double seconds = json.getDouble(prefix + ".downtime.downtimeS");
                assertTrue(seconds >= closed + openBefore - 120 && seconds <= closed + openBefore + 1,
                        what + " downtime: " + seconds + " s vs raw " + (closed + openBefore) + " s");
            }
            double active = scalar("SELECT count(*) FROM factory_telemetry.fault_event WHERE ts_off IS NULL AND " + line);
            near(active, json.getDouble("lines[" + i + "].activeFaults"), code + " active faults");
        }
        // the plant: all equipment
        String from = json.getString("plant.today.from");
        String to = json.getString("plant.today.to");
        assertOee(json.getMap("plant.today.oee"), rawOee(from, to, "true"), "plant today");
        assertEquals(1, json.getInt("lines[0].today.downtime.openStops"), "the open stop of E11 on L1");
    }

    @Test
    void b_lineDashboardAnd404ForUnknownLine() {
        JsonPath json = given().when().get("/api/v1/dashboard/lines/L2").then().statusCode(200).extract().jsonPath();
        assertEquals("L2", json.getString("line.lineCode"));
        String from = json.getString("line.today.from");
        String to = json.getString("line.today.to");
        assertOee(json.getMap("line.today.oee"), rawOee(from, to, "line_id = " + lineId("L2")), "L2 today");
        near(1, json.getDouble("line.activeFaults"), "L2 active faults");

        given().when().get("/api/v1/dashboard/lines/NOPE").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("NOPE"));
    }

    @Test
    void c_answersAreCachedBrieflyAndSayHowOld() {
        Response first = given().when().get("/api/v1/dashboard/plant");
        Response second = given().when().get("/api/v1/dashboard/plant");
        assertEquals(first.jsonPath().getString("freshness.dataAsOf"), second.jsonPath().getString("freshness.dataAsOf"),
                "the second request within the TTL reuses the first computation");
        assertNotNull(second.header("Age"));
        cache.clear();
        Response third = given().when().get("/api/v1/dashboard/plant");
        assertFalse(third.jsonPath().getString("freshness.dataAsOf").equals(first.jsonPath().getString("freshness.dataAsOf")));
    }

    // ---- OEE trend -----------------------------------------------------------------------------------------------

    @Test
    void d_oeeTrendHourlyPerEquipmentEqualsRaw() {
        JsonPath json = given().queryParam("from", sql("SELECT to_char(now() - interval '30 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"))
                .queryParam("granularity", "hour").queryParam("groupBy", "equipment").queryParam("line", "L1")
                .when().get("/api/v1/dashboard/oee").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> points = json.getList("points");
        assertTrue(points.size() >= 2 * 30, "two equipment x 30+ hours, got " + points.size());
        for (Map<String, Object> p : points) {
            String bucket = (String) p.get("bucket");
            String eq = (String) p.get("equipmentCode");
            @SuppressWarnings("unchecked") Map<String, Object> figures = (Map<String, Object>) p.get("figures");
            assertOee(figures, rawOee(bucket, bucket + "'::timestamptz + interval '1 hour",
                    "equipment_id = (SELECT id FROM factory_telemetry.equipment WHERE equipment_code = '" + eq + "')"), eq + " " + bucket);
        }
    }

    @Test
    void e_dailyOeeIsFromSumsNotAnAverageOfRatios() {
        JsonPath json = given().queryParam("granularity", "day").queryParam("from",
                        sql("SELECT to_char(now() - interval '2 days', 'YYYY-MM-DD')"))
                .queryParam("line", "L1").when().get("/api/v1/dashboard/oee").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> points = json.getList("points");
        assertTrue(points.size() >= 3, "three days or more");
        boolean averagingDiffers = false;
        for (Map<String, Object> p : points) {
            String day = (String) p.get("bucket");
            String next = day + "'::timestamptz + interval '1 day";
            @SuppressWarnings("unchecked") Map<String, Object> figures = (Map<String, Object>) p.get("figures");
            assertOee(figures, rawOee(day, next, "line_id = " + lineId("L1")), "L1 " + day);
            // what the original aggregates did: average the per-row OEE
            double averaged = scalar("SELECT avg((run_time_s / planned_time_s) * (ideal_run_time_s / nullif(run_time_s, 0)) "
                    + "* (good_count::float8 / nullif(total_count, 0))) FROM factory_telemetry.oee_calculations WHERE line_id = "
                    + lineId("L1") + " AND calculation_time >= '" + day + "' AND calculation_time < '" + next + "'");
            if (Math.abs(averaged - num(figures.get("oee"))) > 0.05) {
                averagingDiffers = true;
            }
        }
        assertTrue(averagingDiffers, "the data must make an average of ratios differ from the ratio of sums");
    }

    // ---- metrics -------------------------------------------------------------------------------------------------

    @Test
    void f_metricStatisticsEqualRaw() {
        for (String granularity : List.of("hour", "day")) {
            JsonPath json = given().queryParam("metric", "L1.E11.temp").queryParam("metric", "L1.E11.count")
                    .queryParam("metric", "L1.E11.running").queryParam("granularity", granularity)
                    .queryParam("from", sql("SELECT to_char(now() - interval '2 days', 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')"))
                    .when().get("/api/v1/dashboard/metrics/statistics").then().statusCode(200).extract().jsonPath();
            assertEquals(List.of("L1.E11.temp", "L1.E11.count", "L1.E11.running"), json.getList("metrics.metricKey"));
            String width = granularity.equals("hour") ? "1 hour" : "1 day";
            for (int m = 0; m < 3; m++) {
                List<Map<String, Object>> points = json.getList("metrics[" + m + "].points");
                assertFalse(points.isEmpty());
                for (Map<String, Object> p : points) {
                    String b = (String) p.get("bucket");
                    String range = "ts >= '" + b + "' AND ts < '" + b + "'::timestamptz + interval '" + width
                            + "' AND metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = '"
                            + json.getString("metrics[" + m + "].metricKey") + "')";
                    String what = json.getString("metrics[" + m + "].metricKey") + " " + b;
                    if (m == 0) {
                        String[] v = sql("SELECT count(*), min(value_real), max(value_real), avg(value_real), coalesce(stddev_samp(value_real), -1) "
                                + "FROM factory_telemetry.metric_hist WHERE " + range).split("\\|");
                        near(Double.parseDouble(v[0]), num(p.get("count")), what + " count");
                        near(Double.parseDouble(v[1]), num(p.get("min")), what + " min");
                        near(Double.parseDouble(v[2]), num(p.get("max")), what + " max");
                        near(Double.parseDouble(v[3]), num(p.get("avg")), what + " avg");
                        if (Double.parseDouble(v[4]) >= 0) {
                            near(Double.parseDouble(v[4]), num(p.get("stddev")), what + " stddev");
                        }
                    } else if (m == 1) {
                        String[] v = sql("SELECT count(*), min(value_int), max(value_int), avg(value_int) "
                                + "FROM factory_telemetry.metric_hist WHERE " + range).split("\\|");
                        near(Double.parseDouble(v[0]), num(p.get("count")), what + " count");
                        near(Double.parseDouble(v[1]), num(p.get("min")), what + " min");
                        near(Double.parseDouble(v[2]), num(p.get("max")), what + " max");
                        near(Double.parseDouble(v[3]), num(p.get("avg")), what + " avg");
                    } else {
                        String[] v = sql("SELECT count(*), count(*) FILTER (WHERE value_bool) FROM factory_telemetry.metric_hist WHERE "
                                + range).split("\\|");
                        near(Double.parseDouble(v[0]), num(p.get("count")), what + " count");
                        near(Double.parseDouble(v[1]), num(p.get("trueCount")), what + " true");
                    }
                }
            }
        }
        given().queryParam("metric", "L1.E11.temp").queryParam("metric", "nope.nothing")
                .when().get("/api/v1/dashboard/metrics/statistics").then().statusCode(404)
                .body("detail", containsString("nope.nothing"));
    }

    /**
     * The default series (24 hours, 500 points: 5-minute buckets) comes from the 1-minute aggregate and equals the same
     * series computed from raw samples, for each value type, including the last 90 minutes that no refresh has
     * materialized yet (Community edition: real-time aggregation; Apache edition: raw rows from the watermark on).
     */
    @Test
    void g_minuteSeriesEqualsRawIncludingTheUnrefreshedTail() {
        // a sample of each metric in the current minute: never materialized yet on either edition (the Community
        // edition's refresh policy, which runs in the background here, ends a minute before now)
        sql("""
                INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool)
                SELECT id, date_trunc('second', now()), CASE value_type WHEN 'REAL' THEN 99.5 END,
                       CASE value_type WHEN 'INT' THEN 4242 END, CASE value_type WHEN 'BOOL' THEN true END
                FROM factory_telemetry.metric_def WHERE metric_key LIKE 'L1.E11.%'
                ON CONFLICT DO NOTHING""");
        String newest = sql("SELECT max(ts) FROM factory_telemetry.metric_hist");
        if (apache()) {
            assertEquals("t", sql("SELECT min(range_start) <= now() - interval '80 minutes' AND max(range_end) >= '" + newest
                    + "' FROM factory_telemetry.aggregate_invalidation WHERE aggregate_name = 'metric_minute_aggregate'"),
                    "the last 90 minutes are pending in the invalidation log");
        } else {
            String watermark = sql("SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(ca.mat_hypertable_id)) "
                    + "FROM _timescaledb_catalog.continuous_agg ca WHERE ca.user_view_name = 'metric_minute_aggregate'");
            assertEquals("t", sql("SELECT '" + watermark + "'::timestamptz <= '" + newest + "'::timestamptz"),
                    "materialized up to " + watermark + ", newest sample " + newest + ": the tail is real-time");
        }
        for (String key : List.of("L1.E11.temp", "L1.E11.count", "L1.E11.running")) {
            JsonPath series = given().when().get("/api/v1/dashboard/metrics/" + key + "/series").then().statusCode(200).extract().jsonPath();
            assertEquals("minute", series.getString("source"), key);
            assertEquals("PT5M", series.getString("bucketWidth"), key);
            String from = series.getString("from");
            String to = series.getString("to");
            assertEquals("t", sql("SELECT '" + from + "'::timestamptz = date_trunc('minute', '" + from + "'::timestamptz) AND '"
                    + to + "'::timestamptz >= '" + newest + "'::timestamptz AND '" + to + "'::timestamptz - '" + from
                    + "'::timestamptz BETWEEN interval '24 hours' AND interval '24 hours 1 minute'"), from + " .. " + to);
            String value = switch (key) {
                case "L1.E11.temp" -> "count(*), min(value_real), max(value_real), avg(value_real), stddev_samp(value_real), NULL";
                case "L1.E11.count" -> "count(*), min(value_int), max(value_int), avg(value_int), NULL, NULL";
                default -> "count(*), NULL, NULL, NULL, NULL, count(*) FILTER (WHERE value_bool)";
            };
            List<String> raw = List.of(sql("SELECT to_char(time_bucket('5 minutes', ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
                    + ", " + value + " FROM factory_telemetry.metric_hist "
                    + "WHERE metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = '" + key + "') "
                    + "AND ts >= '" + from + "' AND ts < '" + to + "' GROUP BY time_bucket('5 minutes', ts) ORDER BY 1").split("\n"));
            List<Map<String, Object>> points = series.getList("points");
            assertEquals(raw.size(), points.size(), key + ": buckets");
            assertTrue(points.size() >= 287, key + ": a point per 5 minutes of the day, " + points.size());
            for (int i = 0; i < raw.size(); i++) {
                String[] r = raw.get(i).split("\\|", -1);
                Map<String, Object> p = points.get(i);
                assertTrue(((String) p.get("bucket")).startsWith(r[0].substring(0, 19)), key + " bucket " + p.get("bucket") + " vs " + r[0]);
                near(Double.parseDouble(r[1]), num(p.get("count")), key + " count at " + r[0]);
                String[] fields = {"min", "max", "avg", "stddev", "trueCount"};
                for (int f = 0; f < fields.length; f++) {
                    String expected = r[2 + f];
                    if (expected.isEmpty()) {
                        assertNull(p.get(fields[f]), key + " " + fields[f] + " at " + r[0]);
                    } else {
                        near(Double.parseDouble(expected), num(p.get(fields[f])), key + " " + fields[f] + " at " + r[0]);
                    }
                }
            }
        }
    }

    @Test
    void g_recentSamplesAndDownsampledSeries() {
        JsonPath recent = given().queryParam("limit", 5).when().get("/api/v1/dashboard/metrics/L1.E11.temp/recent")
                .then().statusCode(200).extract().jsonPath();
        List<String> ts = recent.getList("samples.ts");
        assertEquals(5, ts.size());
        String newest = sql("SELECT to_char(max(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') FROM factory_telemetry.metric_hist "
                + "WHERE metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = 'L1.E11.temp')");
        assertTrue(ts.get(0).startsWith(newest), ts.get(0) + " is the newest sample " + newest);
        assertTrue(ts.get(0).compareTo(ts.get(4)) > 0, "newest first");

        JsonPath lastHour = given().when().get("/api/v1/dashboard/metrics/L1.E11.temp/recent").then().statusCode(200).extract().jsonPath();
        near(scalar("SELECT count(*) FROM factory_telemetry.metric_hist WHERE ts >= '" + lastHour.getString("since")
                        + "' AND metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = 'L1.E11.temp')"),
                lastHour.getList("samples").size(), "samples of the last hour");

        for (int[] c : new int[][]{{6, 100}, {72, 50}, {72, 500}, {24 * 60, 40}}) {
            int hours = c[0], maxPoints = c[1];
            JsonPath series = given().queryParam("from", sql("SELECT to_char(now() - interval '" + hours
                            + " hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")).queryParam("maxPoints", maxPoints)
                    .when().get("/api/v1/dashboard/metrics/L1.E11.temp/series").then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> points = series.getList("points");
            assertTrue(points.size() <= maxPoints && !points.isEmpty(), points.size() + " points for maxPoints " + maxPoints);
            double samples = points.stream().mapToDouble(p -> num(p.get("count"))).sum();
            double raw = scalar("SELECT count(*) FROM factory_telemetry.metric_hist WHERE ts >= '" + series.getString("from")
                    + "' AND ts < '" + series.getString("to")
                    + "' AND metric_id = (SELECT id FROM factory_telemetry.metric_def WHERE metric_key = 'L1.E11.temp')");
            near(raw, samples, "samples in " + hours + " h at " + series.getString("bucketWidth") + " (" + series.getString("source") + ")");
        }
        // 6 hours at 100 points: 5-minute buckets from the 1-minute aggregate; an hour at 500 points: 10 s buckets, raw
        assertEquals("minute", given().queryParam("from", sql("SELECT to_char(now() - interval '6 hours', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"))
                .queryParam("maxPoints", 100).when().get("/api/v1/dashboard/metrics/L1.E11.temp/series").jsonPath().getString("source"));
        assertEquals("raw", given().queryParam("from", sql("SELECT to_char(now() - interval '1 hour', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"))
                .when().get("/api/v1/dashboard/metrics/L1.E11.temp/series").jsonPath().getString("source"));
        given().queryParam("maxPoints", 0).when().get("/api/v1/dashboard/metrics/L1.E11.temp/series").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("maxPoints"));
        given().when().get("/api/v1/dashboard/metrics/unknown.metric/recent").then().statusCode(404);
    }

    // ---- energy, downtime, quality, faults -----------------------------------------------------------------------

    @Test
    void h_energyPerDayAndEquipmentEqualsRawWithTariff() {
        JsonPath json = given().queryParam("granularity", "day").queryParam("groupBy", "equipment")
                .queryParam("from", sql("SELECT to_char(now() - interval '3 days', 'YYYY-MM-DD')"))
                .when().get("/api/v1/dashboard/energy").then().statusCode(200).extract().jsonPath();
        double tariff = json.getDouble("tariffPerKwh");
        List<Map<String, Object>> points = json.getList("points");
        assertTrue(points.size() >= 3 * 3);
        for (Map<String, Object> p : points) {
            String day = (String) p.get("bucket");
            @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) p.get("figures");
            String[] v = sql("SELECT sum(energy_consumption_kwh), max(power_consumption_kw), count(*) FROM factory_telemetry.energy_consumption "
                    + "WHERE consumption_time >= '" + day + "' AND consumption_time < '" + day + "'::timestamptz + interval '1 day' "
                    + "AND equipment_id = (SELECT id FROM factory_telemetry.equipment WHERE equipment_code = '" + p.get("equipmentCode") + "')")
                    .split("\\|");
            near(Double.parseDouble(v[0]), num(f.get("energyKwh")), "kWh " + day);
            near(Double.parseDouble(v[0]) * tariff, num(f.get("cost")), "cost " + day);
            near(Double.parseDouble(v[1]), num(f.get("peakPowerKw")), "peak " + day);
            near(Double.parseDouble(v[2]), num(f.get("readings")), "readings " + day);
        }
    }

    @Test
    void i_downtimeTotalsAndParetoEqualRaw() {
        String from = sql("SELECT to_char(now() - interval '3 days', 'YYYY-MM-DD')");
        JsonPath json = given().queryParam("from", from).when().get("/api/v1/dashboard/downtime").then().statusCode(200)
                .extract().jsonPath();
        List<Map<String, Object>> points = json.getList("points");
        assertFalse(points.isEmpty());
        for (Map<String, Object> p : points) {
            String day = (String) p.get("day");
            String[] v = sql("SELECT count(*), sum(duration_s) FROM factory_telemetry.downtime_events WHERE end_time IS NOT NULL "
                    + "AND start_time >= '" + day + "' AND start_time < '" + day + "'::timestamptz + interval '1 day' "
                    + "AND line_id = " + lineId((String) p.get("lineCode")) + " AND category = '" + p.get("category") + "'").split("\\|");
            near(Double.parseDouble(v[0]), num(p.get("events")), "events " + p);
            near(Double.parseDouble(v[1]), num(p.get("downtimeS")), "seconds " + p);
        }
        JsonPath pareto = given().queryParam("from", from).queryParam("line", "L1").queryParam("limit", 3)
                .when().get("/api/v1/dashboard/downtime/pareto").then().statusCode(200).extract().jsonPath();
        String expected = sql("SELECT string_agg(reason_code || ':' || round(s::numeric, 3), ',' ORDER BY s DESC, reason_code) FROM ("
                + "SELECT reason_code, sum(duration_s) AS s FROM factory_telemetry.downtime_events WHERE end_time IS NOT NULL "
                + "AND line_id = " + lineId("L1") + " AND start_time >= '" + pareto.getString("from") + "' AND start_time < '"
                + pareto.getString("to") + "' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3) t");
        List<Map<String, Object>> reasons = pareto.getList("reasons");
        StringBuilder actual = new StringBuilder();
        for (Map<String, Object> r : reasons) {
            actual.append(actual.length() == 0 ? "" : ",").append(r.get("reasonCode")).append(':')
                    .append(new java.math.BigDecimal(num(r.get("downtimeS"))).setScale(3, java.math.RoundingMode.HALF_UP));
        }
        assertEquals(expected, actual.toString());
        near(scalar("SELECT sum(duration_s) FROM factory_telemetry.downtime_events WHERE end_time IS NOT NULL AND line_id = "
                        + lineId("L1") + " AND start_time >= '" + pareto.getString("from") + "' AND start_time < '" + pareto.getString("to") + "'"),
                pareto.getDouble("totalDowntimeS"), "Pareto total");
        assertTrue(num(reasons.get(2).get("cumulativeShare")) <= 1.0 && num(reasons.get(0).get("share")) > 0);
    }

    @Test
    void j_dailyQualityByLineProductAndCheckTypeEqualsRaw() {
        JsonPath json = given().queryParam("from", sql("SELECT to_char(now() - interval '3 days', 'YYYY-MM-DD')"))
                .queryParam("productType", "P-A").when().get("/api/v1/dashboard/quality").then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> points = json.getList("points");
        assertTrue(points.size() >= 2 * 2 * 3, "lines x check types x days");
        for (Map<String, Object> p : points) {
            assertEquals("P-A", p.get("productCode"));
            String day = (String) p.get("day");
            @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) p.get("figures");
            String[] v = sql("SELECT count(*), count(*) FILTER (WHERE check_result = 'fail'), sum(quantity_passed)::float8 / sum(quantity_checked) "
                    + "FROM factory_telemetry.quality_checks WHERE check_time >= '" + day + "' AND check_time < '" + day
                    + "'::timestamptz + interval '1 day' AND line_id = " + lineId((String) p.get("lineCode")) + " AND check_type = '"
                    + p.get("checkType") + "' AND product_type_id = (SELECT id FROM factory_telemetry.product_types WHERE product_code = 'P-A')")
                    .split("\\|");
            near(Double.parseDouble(v[0]), num(f.get("checks")), "checks " + day);
            near(Double.parseDouble(v[1]), num(f.get("failedChecks")), "failed " + day);
            near(Double.parseDouble(v[2]), num(f.get("passRate")), "pass rate " + day);
        }
        // roll-ups over the whole range from summed quantities (not averaged rates): each line, and everything selected
        String rawWindow = "FROM factory_telemetry.quality_checks WHERE check_time >= '" + json.getString("from") + "' AND check_time < '"
                + json.getString("to") + "' AND product_type_id = (SELECT id FROM factory_telemetry.product_types WHERE product_code = 'P-A')";
        List<Map<String, Object>> lines = json.getList("lines");
        assertEquals(List.of("L1", "L2"), lines.stream().map(l -> l.get("lineCode")).toList());
        for (Map<String, Object> line : lines) {
            @SuppressWarnings("unchecked") Map<String, Object> f = (Map<String, Object>) line.get("figures");
            String[] v = sql("SELECT count(*), sum(quantity_checked), sum(quantity_passed)::float8 / sum(quantity_checked) " + rawWindow
                    + " AND line_id = " + lineId((String) line.get("lineCode"))).split("\\|");
            near(Double.parseDouble(v[0]), num(f.get("checks")), "checks of " + line.get("lineCode"));
            near(Double.parseDouble(v[1]), num(f.get("quantityChecked")), "quantity checked of " + line.get("lineCode"));
            near(Double.parseDouble(v[2]), num(f.get("passRate")), "pass rate of " + line.get("lineCode"));
        }
        String[] all = sql("SELECT count(*), sum(quantity_checked), sum(quantity_passed)::float8 / sum(quantity_checked) " + rawWindow).split("\\|");
        near(Double.parseDouble(all[0]), num(json.get("total.checks")), "checks of all lines");
        near(Double.parseDouble(all[1]), num(json.get("total.quantityChecked")), "quantity checked of all lines");
        near(Double.parseDouble(all[2]), num(json.get("total.passRate")), "pass rate of all lines");
        given().queryParam("checkType", "bogus").when().get("/api/v1/dashboard/quality").then().statusCode(400);
        given().queryParam("productType", "P-Z").when().get("/api/v1/dashboard/quality").then().statusCode(404);
    }

    @Test
    void k_activeFaultsAndHistory() {
        JsonPath active = given().when().get("/api/v1/dashboard/faults/active").then().statusCode(200).extract().jsonPath();
        assertEquals(2, active.getInt("total"));
        assertEquals(List.of("Motor overload", "Motor overload"), active.getList("faults.name"));
        assertTrue(active.getDouble("faults[0].durationS") >= 7 * 60 - 5);
        assertNull(active.get("faults[0].clearedAt"));

        JsonPath history = given().queryParam("from", sql("SELECT to_char(now() - interval '2 days', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"))
                .queryParam("equipment", "E21").queryParam("limit", 3)
                .when().get("/api/v1/dashboard/faults/history").then().statusCode(200).extract().jsonPath();
        assertEquals(3, history.getList("faults").size());
        double raw = scalar("SELECT count(*) FROM factory_telemetry.fault_event WHERE ts_on >= '" + history.getString("from")
                + "' AND ts_on < '" + history.getString("to") + "' AND equipment_id = (SELECT id FROM factory_telemetry.equipment WHERE equipment_code = 'E21')");
        near(raw, history.getDouble("total"), "faults of E21 in the range");
        assertTrue(history.getBoolean("faults[0].active"), "the newest is the active one");
        near(240, history.getDouble("faults[1].durationS"), "closed fault duration");
    }

    // ---- input handling ------------------------------------------------------------------------------------------

    @Test
    void l_invalidRangesAndParametersAreProblems() {
        given().queryParam("from", "2026-10-02").queryParam("to", "2026-10-01").when().get("/api/v1/dashboard/oee")
                .then().statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("from"));
        given().queryParam("from", "yesterday").when().get("/api/v1/dashboard/oee")
                .then().statusCode(400).body("errors[0].field", equalTo("from"));
        given().queryParam("from", "2020-01-01").queryParam("to", "2026-01-01").queryParam("granularity", "hour")
                .when().get("/api/v1/dashboard/oee").then().statusCode(400).body("detail", containsString("granularity=day"));
        given().queryParam("granularity", "week").when().get("/api/v1/dashboard/energy").then().statusCode(400);
        given().queryParam("groupBy", "shift").when().get("/api/v1/dashboard/oee").then().statusCode(400);
        given().queryParam("equipment", "E99").when().get("/api/v1/dashboard/oee").then().statusCode(404)
                .contentType("application/problem+json");
        given().queryParam("limit", 0).when().get("/api/v1/dashboard/downtime/pareto").then().statusCode(400);
        given().queryParam("window", "PT48H").when().get("/api/v1/dashboard/metrics/L1.E11.temp/recent").then().statusCode(400);
    }

    @Test
    void m_openApiDocumentsTheParameters() {
        String doc = given().accept(ContentType.JSON).when().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        assertTrue(doc.contains("/api/v1/dashboard/plant") && doc.contains("/api/v1/dashboard/metrics/{metricKey}/series"));
        assertTrue(doc.contains("Bucket: 'hour' (default"), "parameter descriptions are published");
    }
}
