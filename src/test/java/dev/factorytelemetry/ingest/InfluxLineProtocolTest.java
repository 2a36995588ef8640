package dev.factorytelemetry.ingest;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static dev.factorytelemetry.ingest.IngestTestSupport.count;
import static dev.factorytelemetry.ingest.IngestTestSupport.gzip;
import static dev.factorytelemetry.ingest.IngestTestSupport.psql;
import static dev.factorytelemetry.ingest.IngestTestSupport.utf8;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /api/v2/write with lines as Telegraf writes them (OPC UA, Modbus inputs; influxdb_v2 output). */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class InfluxLineProtocolTest {

    private static Response write(String body, String query) {
        return given().header("Authorization", "Token " + TestKeys.key(Scope.INGEST))
                .contentType("text/plain; charset=utf-8").body(body)
                .when().post("/api/v2/write?org=plant&bucket=telemetry" + query);
    }

    private static long ns(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static String stored(String key, String column) {
        return psql("SELECT " + column + " FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d "
                + "ON d.id = h.metric_id WHERE d.metric_key = '" + key + "' ORDER BY ts");
    }

    @Test
    void telegrafOpcUaAndModbusLinesBecomeTypedMetrics() {
        Instant t = DatabaseTime.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(600);
        String body = "opcua,host=gw-01,id=ns\\=3;s\\=Temperature temp=79.0,Quality=\"OK (0x0)\" " + ns(t) + "\n"
                + "opcua,host=gw-01,id=ns\\=3;s\\=Pressure pressure=1.5,Quality=\"UncertainLastUsableValue (0x40900000)\" " + ns(t) + "\n"
                + "modbus,host=gw-01,name=Filler,slave_id=1,type=holding_register speed=1200i,temperature=22.5 " + ns(t) + "\r\n"
                + "# a comment line\n"
                + "\n"
                + "plc,line=line1 running=true,state=\"RUN \\\"auto\\\"\",count=42u " + ns(t) + "\n";
        write(body, "").then().statusCode(204);

        assertEquals("""
                modbus.Filler.1.holding_register.speed|INT|t
                modbus.Filler.1.holding_register.temperature|REAL|t
                opcua.ns_3_s_Pressure.pressure|REAL|t
                opcua.ns_3_s_Temperature.temp|REAL|t
                plc.line1.count|INT|t
                plc.line1.running|BOOL|t
                plc.line1.state|TEXT|t""",
                psql("SELECT metric_key, value_type, auto_registered FROM factory_telemetry.metric_def "
                        + "WHERE metric_key ~ '^(opcua|modbus|plc)\\.' ORDER BY 1"));
        assertEquals("79|0", stored("opcua.ns_3_s_Temperature.temp", "value_real, quality"));
        assertEquals("1.5|" + (int) 0x40900000L, stored("opcua.ns_3_s_Pressure.pressure", "value_real, quality"));
        assertEquals("1200", stored("modbus.Filler.1.holding_register.speed", "value_int"));
        assertEquals("RUN \"auto\"", stored("plc.line1.state", "value_text"));
        assertEquals("t", stored("plc.line1.running", "value_bool"));
        assertEquals("42", stored("plc.line1.count", "value_int"));
        assertEquals(Long.toString(t.getEpochSecond()), stored("plc.line1.count", "extract(epoch FROM ts)::bigint"));
        // the same points again (Telegraf retry): nothing new, still 204
        write(body, "").then().statusCode(204);
        assertEquals(1, count("FROM factory_telemetry.metric_hist h JOIN factory_telemetry.metric_def d ON d.id = h.metric_id "
                + "WHERE d.metric_key = 'plc.line1.count'"));
    }

    @Test
    void precisionEscapesMissingTimestampsAndGzip() {
        Instant t = DatabaseTime.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(700);
        given().header("Authorization", "Token " + TestKeys.key(Scope.INGEST))
                .header("Content-Encoding", "gzip").contentType("text/plain")
                .body(gzip(utf8("lp\\ test,zone=a\\,b\\ c,host=x f\\=1=2.5 " + t.toEpochMilli() + "\n")))
                .when().post("/api/v2/write?bucket=b&precision=ms")
                .then().statusCode(204);
        assertEquals("2.5|" + t.toEpochMilli(), stored("lp_test.a_b_c.f_1", "value_real, (extract(epoch FROM ts) * 1000)::bigint"));

        long before = DatabaseTime.now().getEpochSecond();
        write("lp_now value=1", "").then().statusCode(204);
        long at = Long.parseLong(stored("lp_now.value", "extract(epoch FROM ts)::bigint"));
        assertTrue(at >= before - 1 && at <= before + 5, "server time is used for lines without timestamp");
    }

    @Test
    void badLinesAre400NamingTheLineAndNothingIsWritten() {
        long t = ns(DatabaseTime.now().minusSeconds(800));
        long rows = count("FROM factory_telemetry.metric_hist");
        write("lp_bad ok=1 " + t + "\nlp_bad value= " + t + "\nlp_bad,tag value=1\nlp_bad v=1 notatime\n", "")
                .then().statusCode(400).contentType("application/json")
                .body("code", equalTo("invalid"))
                .body("message", containsString("line 2: missing field value"))
                .body("message", containsString("line 3"))
                .body("message", containsString("line 4: invalid timestamp"));
        write("", "").then().statusCode(400).body("code", equalTo("invalid"));
        assertEquals(rows, count("FROM factory_telemetry.metric_hist"));
        assertEquals(0, count("FROM factory_telemetry.metric_def WHERE metric_key LIKE 'lp_bad.%'"));
    }

    @Test
    void typeConflictsAndOldPointsAre422() {
        long t = ns(DatabaseTime.now().minusSeconds(900));
        write("lp_conflict value=1i " + t, "").then().statusCode(204);
        write("lp_conflict value=1.5 " + (t + 1000), "").then().statusCode(422)
                .body("code", equalTo("unprocessable entity"))
                .body("message", containsString("line 1: a non-integral number does not fit value type INT of metric 'lp_conflict.value'"));
        write("lp_old value=1 " + ns(DatabaseTime.now().minus(100, ChronoUnit.DAYS)), "").then().statusCode(422)
                .body("message", containsString("retention"));
    }

    @Test
    void authenticationLimitsAndParametersFollowInfluxDb() {
        given().contentType("text/plain").body("lp_auth value=1").when().post("/api/v2/write?bucket=b")
                .then().statusCode(401).body("code", equalTo("unauthorized"));
        given().header("Authorization", "Token " + TestKeys.key(Scope.READ)).contentType("text/plain").body("lp_auth value=1")
                .when().post("/api/v2/write?bucket=b")
                .then().statusCode(403).body("code", equalTo("forbidden"));
        write("lp_auth value=1", "&precision=h").then().statusCode(400).body("code", equalTo("invalid"));
        write("lp_big value=1\n".repeat(20_000), "").then().statusCode(413).body("code", equalTo("request too large"));
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            many.append("lp_many value=").append(i).append(' ').append(i + 1L).append("000000000\n");
        }
        write(many.toString(), "").then().statusCode(413).body("code", equalTo("request too large"));
        given().header("Authorization", "Bearer " + TestKeys.key(Scope.INGEST)).contentType("text/plain")
                .body("lp_bearer value=1").when().post("/api/v2/write?bucket=b").then().statusCode(204);
    }
}
