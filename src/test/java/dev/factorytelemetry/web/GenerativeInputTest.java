package dev.factorytelemetry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.factorytelemetry.auth.DefaultTestAuthentication;
import dev.factorytelemetry.auth.Scope;
import dev.factorytelemetry.auth.TestKeys;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #8 §2: random and mutated input at every endpoint of the OpenAPI document (so new endpoints are
 * covered without touching this test). Valid bodies are mutated (NUL, lone surrogates, wrong JSON types,
 * huge numbers, NaN/Infinity, deep nesting, truncation, other encodings, gzip garbage), and so are the
 * headers (Content-Type, Content-Encoding, Authorization), path parameters and query strings. With the
 * database up, every answer must be below 500; every refusal must carry a problem body (InfluxDB's error
 * JSON under /api/v2) and leave every table of the schema as it was. Fixed seed, bounded case count.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
@ExtendWith(DefaultTestAuthentication.class)
class GenerativeInputTest {

    private static final long SEED = 0x5EED_2026_1201L;
    /** Cases per operation of the OpenAPI document (about 45 operations). */
    private static final int CASES_PER_OPERATION = 40;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NUL = "\u0000";
    private static final String LONE_SURROGATE = "\uD800";

    private record Operation(String method, String template, List<String> queryParameters, boolean hasBody,
                             java.util.Set<String> documentedStatuses) {
        String key() {
            return method + " " + template;
        }
    }

    private record Case(String method, String uri, Map<String, String> headers, byte[] body, String description) {
    }

    private ValidBodies valid;
    private final Random random = new Random(SEED);
    private String readKey;
    private String ingestKey;
    private long throwawayKeyId;

    @Test
    void noInputGivesA5xxAnUnstructuredRefusalOrAWrite() throws Exception {
        valid = new ValidBodies("gen").create();
        readKey = TestKeys.key(Scope.READ);
        ingestKey = TestKeys.key(Scope.INGEST);
        throwawayKeyId = ((Number) given().contentType(ContentType.JSON).body("{\"name\":\"revoked by the generative test\",\"scopes\":[\"read\"]}")
                .post("/api/v1/admin/api-keys").then().statusCode(201).extract().path("id")).longValue();
        Map<String, String> bodies = valid.byOperation();
        List<Operation> operations = operations();
        assertTrue(operations.size() >= 30, "the OpenAPI document lists only " + operations.size() + " operations");
        for (String known : bodies.keySet()) {
            assertTrue(operations.stream().anyMatch(o -> o.key().equals(known)), known + " is not in the OpenAPI document");
        }

        LocalTimescale cluster = TimescaleTestResource.currentCluster;
        String policies = TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase,
                "SELECT string_agg(format('%s=%s/%s', hypertable_name, retention, retention_enabled), ',') FROM factory_telemetry.hypertable_policy");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        List<String> failures = new ArrayList<>();
        int cases = 0;
        int serverErrors = 0;
        int refused = 0;
        Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
        long started = System.nanoTime();
        try (Connection db = DriverManager.getConnection(cluster.jdbcUrl(TimescaleTestResource.currentDatabase),
                LocalTimescale.USER, LocalTimescale.PASSWORD)) {
            String snapshotSql = snapshotSql(db);
            // only accepted requests may change the database: the snapshot is re-read after them
            String before = snapshot(db, snapshotSql);
            for (Operation operation : operations) {
                for (int i = 0; i < CASES_PER_OPERATION; i++) {
                    Case c = generate(operation, bodies.get(operation.key()));
                    HttpResponse<byte[]> answer;
                    try {
                        answer = http.send(request(c), HttpResponse.BodyHandlers.ofByteArray());
                    } catch (IOException e) {
                        failures.add(c.description() + ": no answer (" + e + ")");
                        continue;
                    }
                    cases++;
                    int status = answer.statusCode();
                    byStatus.merge(status, 1, Integer::sum);
                    String problem = check(c, answer);
                    boolean routedElsewhere = status == 404 && new String(answer.body(), StandardCharsets.UTF_8)
                            .contains("Unable to find matching target resource method"); // e.g. a path parameter ".."
                    if (!routedElsewhere && !operation.documentedStatuses().contains(String.valueOf(status))) {
                        // the contract (docs/openapi.json) lists every status an operation answers
                        problem = (problem == null ? "" : problem + "; ") + "status " + status
                                + " is not in the operation's OpenAPI responses " + operation.documentedStatuses();
                    }
                    if (status >= 500) {
                        serverErrors++;
                    }
                    String after = snapshot(db, snapshotSql);
                    if (status >= 400) {
                        refused++;
                        if (!after.equals(before)) {
                            problem = (problem == null ? "" : problem + "; ") + "a refused request changed the database";
                        }
                    }
                    before = after;
                    if (problem != null && failures.size() < 30) {
                        failures.add(c.description() + " -> " + status + " " + abbreviate(new String(answer.body(), StandardCharsets.UTF_8))
                                + ": " + problem);
                    }
                }
            }
        } finally {
            restore(policies);
        }
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        System.out.printf("GenerativeInputTest: seed %d, %d operations, %d cases, %d refused (4xx), %d 5xx, %d ms; by status %s%n",
                SEED, operations.size(), cases, refused, serverErrors, millis, byStatus);
        assertEquals(List.of(), failures, cases + " cases, " + serverErrors + " 5xx");
        assertEquals(0, serverErrors);
        assertTrue(refused > cases / 2, "most cases must be refusals: " + byStatus);
    }

    // ---- the endpoints ---------------------------------------------------------------------------

    private static List<Operation> operations() throws IOException {
        JsonNode document = JSON.readTree(given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().asByteArray());
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            if (!path.getKey().startsWith("/api/")) {
                continue;
            }
            for (String method : List.of("get", "put", "post", "delete", "patch")) {
                JsonNode op = path.getValue().get(method);
                if (op == null) {
                    continue;
                }
                List<String> query = new ArrayList<>();
                for (JsonNode parameter : op.path("parameters")) {
                    if ("query".equals(parameter.path("in").asText())) {
                        query.add(parameter.path("name").asText());
                    }
                }
                java.util.Set<String> statuses = new java.util.TreeSet<>();
                op.path("responses").fieldNames().forEachRemaining(statuses::add);
                operations.add(new Operation(method.toUpperCase(), path.getKey(), query, op.has("requestBody"), statuses));
            }
        }
        return operations;
    }

    // ---- generating a case -----------------------------------------------------------------------

    private Case generate(Operation operation, String validBody) throws IOException {
        boolean influx = operation.template().startsWith("/api/v2/");
        StringBuilder description = new StringBuilder(operation.key());
        String path = pathWithParameters(operation.template(), description);
        String query = query(operation, description);
        Map<String, String> headers = new LinkedHashMap<>();
        authorization(headers, influx, description);
        byte[] body = null;
        String contentType = influx ? "text/plain; charset=utf-8" : "application/json";
        if (operation.hasBody() || random.nextInt(10) == 0) {
            String base = validBody != null ? validBody : operation.hasBody() ? "{}" : "";
            body = body(base, influx, description, headers);
        }
        if (body != null || random.nextInt(4) == 0) {
            contentType = contentType(contentType, description);
            if (contentType != null) {
                headers.put("Content-Type", contentType);
            }
        }
        return new Case(operation.method(), path + query, headers, body, description.toString());
    }

    private String pathWithParameters(String template, StringBuilder description) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int open = template.indexOf('{', at);
            if (open < 0) {
                out.append(template.substring(at));
                return out.toString();
            }
            int close = template.indexOf('}', open);
            out.append(template, at, open);
            String name = template.substring(open + 1, close);
            String value = switch (name) {
                case "lineCode", "line" -> valid.line;
                case "equipmentCode", "equipment" -> valid.equipment;
                case "productCode" -> valid.product;
                case "name" -> valid.shift;
                case "eventId" -> valid.downtimeId;
                case "target" -> "energy_consumption";
                case "id" -> Long.toString(throwawayKeyId);
                case "key" -> valid.metric;
                default -> "x";
            };
            if (random.nextInt(5) == 0) {
                value = pick("%00", "a%00b", "%ED%A0%80", "%FF%FE", "x".repeat(300), "-1", "0", "99999999999999999999",
                        "%20", "..", "1e400", "NaN", "%C0%AF", "%E2%80%AE", "a%2Fb");
                description.append(" {").append(name).append('=').append(abbreviate(value)).append('}');
            }
            out.append(value);
            at = close + 1;
        }
    }

    private String query(Operation operation, StringBuilder description) {
        List<String> parts = new ArrayList<>();
        for (String name : operation.queryParameters()) {
            if (random.nextInt(3) != 0) {
                continue;
            }
            parts.add(name + "=" + queryValue(name));
        }
        if (random.nextInt(6) == 0) {
            parts.add(pick("x", "%00", "from", "precision", "a%ED%A0%80") + "=" + pick("1", "%00", "", "y".repeat(200)));
        }
        if (parts.isEmpty()) {
            return "";
        }
        String query = "?" + String.join("&", parts);
        description.append(' ').append(abbreviate(query));
        return query;
    }

    private String queryValue(String name) {
        if (random.nextInt(2) == 0) {
            return switch (name) {
                case "lineCode", "line" -> valid.line;
                case "equipmentCode", "equipment" -> valid.equipment;
                case "productCode" -> valid.product;
                case "precision" -> pick("s", "ms", "us", "ns");
                case "from", "since" -> valid.t(-60 * 24);
                case "to", "until" -> valid.t(60);
                case "bucket", "interval" -> pick("hour", "day", "1h", "P1D");
                case "maxPoints", "limit" -> pick("1", "100", "10000");
                default -> pick("1", valid.line, valid.t(0), "true", "hour");
            };
        }
        return pick("%00", "a%00", "%ED%A0%80", "%FF", "-1", "0", "99999999999999999999999", "1e400", "NaN", "Infinity",
                "-0", "1.5", "", "%20", "2026-02-30T00:00:00Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z",
                "-292275055-05-16T16:47:04.192Z", "2026-03-02T00:00:00", "P99999999D", "now", "z".repeat(3000),
                "'%3B%20DROP%20TABLE%20x%3B--", "%22", "%7B%7D", "true");
    }

    private void authorization(Map<String, String> headers, boolean influx, StringBuilder description) {
        int roll = random.nextInt(100);
        String value;
        if (roll < 85) {
            value = (influx ? "Token " : "Bearer ") + TestKeys.BOOTSTRAP_ADMIN;
        } else {
            value = pick(null, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer ftk_" + random.nextLong(),
                    "Bearer " + readKey, "Token " + ingestKey, "bearer " + "k".repeat(600), "Bearer " + ingestKey + " extra",
                    "Bearer \u00e9\u00e8");
            description.append(" auth=").append(value == null ? "(none)" : abbreviate(value));
        }
        if (value != null) {
            headers.put("Authorization", value);
        }
    }

    private String contentType(String right, StringBuilder description) {
        if (random.nextInt(10) < 8) {
            return right;
        }
        String type = pick(null, "text/plain", "application/xml", "application/json; charset=utf-16", "application/json; charset=latin1",
                "garbage", "*/*", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/problem+json",
                "application/json;;;", "text/plain; charset=nonsense");
        description.append(" content-type=").append(type == null ? "(none)" : type);
        return type;
    }

    private byte[] body(String base, boolean influx, StringBuilder description, Map<String, String> headers) throws IOException {
        int kind = random.nextInt(100);
        byte[] body;
        if (kind < 10) {
            description.append(" body=valid");
            body = base.getBytes(StandardCharsets.UTF_8);
        } else if (kind < 55) {
            String text = influx ? mutateLineProtocol(base, description) : mutateJson(base, description);
            body = text.getBytes(StandardCharsets.UTF_8);
        } else if (kind < 70) {
            body = rawMutation(base, description);
        } else if (kind < 80) {
            body = encoding(base, description);
        } else if (kind < 92) {
            return gzip(base, description, headers);
        } else {
            byte[] bytes = new byte[random.nextInt(2000)];
            random.nextBytes(bytes);
            description.append(" body=random ").append(bytes.length).append(" bytes");
            body = bytes;
        }
        if (random.nextInt(12) == 0) {
            String encoding = pick("gzip", "br", "deflate", "identity", "gzip, gzip", "x-garbage");
            headers.put("Content-Encoding", encoding);
            description.append(" content-encoding=").append(encoding);
        }
        return body;
    }

    private String mutateJson(String base, StringBuilder description) throws IOException {
        JsonNode root = JSON.readTree(base.isEmpty() ? "{}" : base);
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode container = containers.get(random.nextInt(containers.size()));
        if (container instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            int what = random.nextInt(10);
            if (names.isEmpty() || what == 0) {
                String name = pick("unknownMember", "x" + NUL, "retension", "plannedTime", "", LONE_SURROGATE);
                object.set(name, replacement(null));
                description.append(" +member '").append(abbreviate(name)).append('\'');
            } else {
                String name = names.get(random.nextInt(names.size()));
                if (what == 1) {
                    object.remove(name);
                    description.append(" -").append(name);
                } else {
                    JsonNode value = replacement(object.get(name));
                    object.set(name, value);
                    description.append(' ').append(name).append('=').append(abbreviate(value.toString()));
                }
            }
        } else if (container instanceof ArrayNode array) {
            if (array.isEmpty() || random.nextInt(4) == 0) {
                JsonNode value = replacement(null);
                array.add(value);
                description.append(" +item ").append(abbreviate(value.toString()));
            } else {
                int index = random.nextInt(array.size());
                JsonNode value = replacement(array.get(index));
                array.set(index, value);
                description.append(" [").append(index).append("]=").append(abbreviate(value.toString()));
            }
        }
        return JSON.writeValueAsString(root);
    }

    private static void collect(JsonNode node, List<JsonNode> containers) {
        if (node.isContainerNode()) {
            containers.add(node);
            node.elements().forEachRemaining(child -> collect(child, containers));
        }
    }

    private JsonNode replacement(JsonNode old) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (old != null && old.isTextual() && random.nextBoolean()) {
            String text = old.asText();
            int at = text.isEmpty() ? 0 : random.nextInt(text.length());
            return f.textNode(switch (random.nextInt(6)) {
                case 0 -> text.substring(0, at) + NUL + text.substring(at);
                case 1 -> text.substring(0, at) + LONE_SURROGATE + text.substring(at);
                case 2 -> text + "\uDC00";
                case 3 -> text.repeat(1 + random.nextInt(3000));
                case 4 -> text.substring(0, at);
                default -> text + "\u202E\uFEFF\u0001\u001F";
            });
        }
        if (old != null && old.isNumber() && random.nextBoolean()) {
            return switch (random.nextInt(7)) {
                case 0 -> f.textNode(old.asText());
                case 1 -> f.numberNode(old.asDouble() + 0.5);
                case 2 -> f.numberNode(new java.math.BigDecimal("1e400"));
                case 3 -> f.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
                case 4 -> f.numberNode(-old.asDouble() - 1);
                case 5 -> f.numberNode(Long.MAX_VALUE);
                default -> f.numberNode(new java.math.BigDecimal("1e-400"));
            };
        }
        return switch (random.nextInt(12)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(random.nextInt());
            case 3 -> f.numberNode(random.nextDouble() * 1e300);
            case 4 -> f.textNode("");
            case 5 -> f.textNode(NUL);
            case 6 -> f.textNode(LONE_SURROGATE);
            case 7 -> f.objectNode().put("a", 1);
            case 8 -> f.arrayNode().add(1).add("two");
            case 9 -> f.textNode(pick("2026-03-02T00:00:00Z", "2026-03-02", "06:00", "9999-12-31T23:59:59Z", "P1D",
                    "00000000-0000-0000-0000-000000000000", "NaN"));
            case 10 -> f.numberNode(new java.math.BigDecimal("-1e400"));
            default -> f.textNode("x".repeat(100_000));
        };
    }

    private String mutateLineProtocol(String base, StringBuilder description) {
        String mutated = switch (random.nextInt(12)) {
            case 0 -> base.replace("recipe=\"IPA\"", "recipe=\"I" + NUL + "PA\"");
            case 1 -> base.replace("speed=12.5", "speed=1e400");
            case 2 -> base.replace("count=3i", "count=99999999999999999999i");
            case 3 -> base.replace("speed=12.5", "speed=NaN");
            case 4 -> base.replace("recipe=\"IPA\"", "recipe=\"IPA");
            case 5 -> base + "\n" + base.replace(" ", NUL);
            case 6 -> base.substring(0, random.nextInt(base.length()));
            case 7 -> base.replace("filler", "fil" + LONE_SURROGATE + "ler");
            case 8 -> (base + "\n").repeat(2 + random.nextInt(50));
            case 9 -> base.replace("recipe=\"IPA\"", "recipe=\"" + "x".repeat(5000) + "\"");
            case 10 -> base.replaceAll(" \\d+$", " -99999999999999999999");
            default -> base.replace("line=", "line=\\");
        };
        description.append(" line-protocol=").append(abbreviate(mutated));
        return mutated;
    }

    private byte[] rawMutation(String base, StringBuilder description) {
        String text = base.isEmpty() ? "{}" : base;
        String mutated;
        switch (random.nextInt(7)) {
            case 0 -> {
                mutated = text.replaceFirst("\\d+(\\.\\d+)?", pick("NaN", "Infinity", "-Infinity", "1e99999", "0x1F", "01", "+1", ".5"));
                description.append(" non-JSON number");
            }
            case 1 -> {
                int depth = 200 + random.nextInt(5000);
                mutated = "[".repeat(depth) + text + "]".repeat(depth);
                description.append(" nested ").append(depth);
            }
            case 2 -> {
                mutated = text.substring(0, random.nextInt(text.length()));
                description.append(" truncated");
            }
            case 3 -> {
                mutated = text + pick("x", "}", "{}", ",", "\u0000");
                description.append(" trailing content");
            }
            case 4 -> {
                mutated = text.replaceFirst("\"", "\"\\u00");
                description.append(" broken escape");
            }
            case 5 -> {
                mutated = text.replaceFirst(":", "::");
                description.append(" syntax error");
            }
            default -> {
                mutated = text.replaceFirst("\"([a-zA-Z]+)\":", "\"$1\":1,\"$1\":");
                description.append(" duplicate member");
            }
        }
        return mutated.getBytes(StandardCharsets.UTF_8);
    }

    private byte[] encoding(String base, StringBuilder description) {
        String text = base.replace("Line", "Lïne").replace("IPA", "IPÄ");
        int kind = random.nextInt(5);
        description.append(" encoding=").append(List.of("utf-16be", "utf-16le", "latin1", "invalid-utf8", "bom").get(kind));
        return switch (kind) {
            case 0 -> text.getBytes(StandardCharsets.UTF_16BE);
            case 1 -> text.getBytes(StandardCharsets.UTF_16LE);
            case 2 -> text.getBytes(StandardCharsets.ISO_8859_1);
            case 3 -> {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                int at = random.nextInt(Math.max(1, bytes.length));
                if (bytes.length > 0) {
                    bytes[at] = (byte) (int) pick(0xC3, 0xFF, 0xED, 0x80, 0xF8);
                }
                yield bytes;
            }
            default -> concat(new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, text.getBytes(StandardCharsets.UTF_8));
        };
    }

    private byte[] gzip(String base, StringBuilder description, Map<String, String> headers) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(base.getBytes(StandardCharsets.UTF_8));
        }
        byte[] zipped = out.toByteArray();
        int kind = random.nextInt(4);
        headers.put("Content-Encoding", "gzip");
        description.append(" gzip=").append(List.of("valid", "truncated", "garbage", "corrupt").get(kind));
        return switch (kind) {
            case 0 -> zipped;
            case 1 -> java.util.Arrays.copyOf(zipped, random.nextInt(zipped.length));
            case 2 -> {
                byte[] garbage = new byte[10 + random.nextInt(500)];
                random.nextBytes(garbage);
                garbage[0] = 0x1f;
                garbage[1] = (byte) 0x8b;
                yield garbage;
            }
            default -> {
                byte[] corrupt = zipped.clone();
                corrupt[Math.min(corrupt.length - 1, 10 + random.nextInt(Math.max(1, corrupt.length - 10)))] ^= 0x5A;
                yield corrupt;
            }
        };
    }

    // ---- sending and checking --------------------------------------------------------------------

    private static HttpRequest request(Case c) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + c.uri()))
                .timeout(Duration.ofSeconds(30))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        c.headers().forEach(builder::header);
        return builder.build();
    }

    /** What is wrong with the answer (null: nothing). */
    private static String check(Case c, HttpResponse<byte[]> answer) {
        int status = answer.statusCode();
        if (status >= 500) {
            return "5xx while the database is up";
        }
        if (status < 400) {
            return null;
        }
        String type = answer.headers().firstValue("Content-Type").orElse("(none)");
        boolean influx = c.uri().startsWith("/api/v2/");
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            return "the refusal's body is not JSON (" + type + ")";
        }
        if (influx) {
            if (!type.startsWith("application/json") || body == null || !body.has("code") || !body.has("message")) {
                return "not InfluxDB's error JSON (" + type + ")";
            }
        } else if (!type.startsWith(Problem.MEDIA_TYPE) || body == null || body.path("status").asInt() != status
                || !body.hasNonNull("title")) {
            return "not a problem body (" + type + ")";
        }
        return null;
    }

    private static String snapshotSql(Connection db) throws Exception {
        List<String> parts = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("""
                SELECT t.table_name, h.hypertable_name IS NOT NULL AS hyper
                FROM information_schema.tables t
                LEFT JOIN timescaledb_information.hypertables h
                       ON h.hypertable_schema = t.table_schema AND h.hypertable_name = t.table_name
                WHERE t.table_schema = 'factory_telemetry' AND t.table_type = 'BASE TABLE'
                ORDER BY t.table_name
                """)) {
            while (rs.next()) {
                String table = "factory_telemetry." + rs.getString(1);
                parts.add(rs.getBoolean(2)
                        ? "(SELECT '" + table + ":' || count(*) FROM " + table + ")"
                        : "(SELECT '" + table + ":' || count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM "
                        + table + " t)");
            }
        }
        return "SELECT " + String.join(" || ',' || ", parts);
    }

    private static String snapshot(Connection db, String sql) throws Exception {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Puts every hypertable's retention back as it was (a valid mutated PUT may have changed one). */
    private static void restore(String policies) {
        for (String policy : policies.split(",")) {
            String[] nameAndRest = policy.split("=", 2);
            String[] retentionAndEnabled = nameAndRest[1].split("/");
            String sql = retentionAndEnabled[0].isEmpty()
                    ? "SELECT 1"
                    : "SELECT factory_telemetry.set_retention('" + nameAndRest[0] + "', '" + retentionAndEnabled[0] + "')";
            if (retentionAndEnabled.length > 1 && retentionAndEnabled[1].equals("f")) {
                sql += "; SELECT factory_telemetry.disable_retention('" + nameAndRest[0] + "')";
            }
            TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql);
        }
    }

    @SafeVarargs
    private <T> T pick(T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String abbreviate(String s) {
        String printable = s.replace("\u0000", "\\0");
        return printable.length() <= 120 ? printable : printable.substring(0, 117) + "...";
    }
}
