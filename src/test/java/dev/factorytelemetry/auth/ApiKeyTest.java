package dev.factorytelemetry.auth;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The admin API for API keys and how keys are checked (scopes, revocation, storage). */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class ApiKeyTest {

    private static final String ADMIN = "Bearer " + TestKeys.BOOTSTRAP_ADMIN;

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    @Test
    void createdKeysAreShownOnceAndStoredOnlyAsHashes() {
        var created = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "line1-gateway", "scopes", List.of("ingest")))
                .when().post("/api/v1/admin/api-keys")
                .then().statusCode(201)
                .header("Location", org.hamcrest.Matchers.containsString("/api/v1/admin/api-keys/"))
                .header("Cache-Control", "no-store")
                .body("name", equalTo("line1-gateway"))
                .body("scopes", equalTo(List.of("ingest")))
                .body("key", matchesPattern("ftk_[A-Za-z0-9_-]{43}"))
                .extract();
        String key = created.path("key");
        int id = created.path("id");
        given().header("Authorization", ADMIN).when().get("/api/v1/admin/api-keys")
                .then().statusCode(200)
                .body("find { it.id == " + id + " }.prefix", equalTo(key.substring(0, 12)))
                .body("find { it.id == " + id + " }.key", nullValue())
                .body("find { it.id == " + id + " }.createdBy", equalTo("key 0 'bootstrap-admin'"));
        String stored = psql("SELECT encode(key_hash, 'hex') || '|' || key_prefix FROM factory_telemetry.api_key WHERE id = " + id);
        assertFalse(stored.contains(key), "the key itself must not be stored");
        assertEquals(sha256Hex(key) + "|" + key.substring(0, 12), stored);
    }

    @Test
    void scopesAreEnforcedAndAdminImpliesTheOthers() {
        String read = TestKeys.create("dash", Scope.READ);
        String admin = TestKeys.create("ops", Scope.ADMIN);
        given().header("Authorization", "Bearer " + read).when().get("/api/v1/system/info").then().statusCode(200);
        given().header("Authorization", "Bearer " + admin).when().get("/api/v1/system/info").then().statusCode(200);
        given().header("Authorization", "Bearer " + read).when().get("/api/v1/admin/api-keys").then().statusCode(403)
                .contentType("application/problem+json");
        given().header("Authorization", "Bearer " + admin).when().get("/api/v1/admin/api-keys").then().statusCode(200);
        given().when().get("/api/v1/admin/api-keys").then().statusCode(401).header("WWW-Authenticate", notNullValue());
        given().header("Authorization", "Basic dXNlcjpwYXNz").when().get("/api/v1/admin/api-keys").then().statusCode(401);
        given().header("Authorization", "Token " + read).when().get("/api/v1/system/info").then().statusCode(200);
        // health and metrics stay open for Kubernetes and Prometheus, whatever key is sent (authentication is lazy)
        given().when().get("/q/health/live").then().statusCode(200);
        given().header("Authorization", "Bearer ftk_unknown").when().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void refusalsSayWhyInProblemJsonOrInfluxShape() {
        String read = TestKeys.key(Scope.READ);
        given().when().get("/api/v1/system/info").then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer realm=\"factory-telemetry\""))
                .contentType("application/problem+json")
                .body("detail", containsString("needs an API key"));
        given().header("Authorization", "Bearer ftk_unknown").when().get("/api/v1/system/info").then().statusCode(401)
                .header("WWW-Authenticate", equalTo("Bearer realm=\"factory-telemetry\""))
                .body("detail", equalTo("The API key is unknown, revoked or expired"));
        given().header("Authorization", "Bearer " + read).when().get("/api/v1/admin/api-keys").then().statusCode(403)
                .contentType("application/problem+json")
                .body("status", equalTo(403))
                .body("detail", containsString("lacks the 'admin' scope"));
        given().header("Authorization", "Token ftk_unknown").contentType("text/plain").body("m v=1i")
                .when().post("/api/v2/write").then().statusCode(401)
                .header("WWW-Authenticate", notNullValue())
                .contentType("application/json")
                .body("code", equalTo("unauthorized"));
    }

    @Test
    void keysAreCheckedBeforeTheBodyIsRead() {
        // over telemetry.ingest.max-body-size (256K in tests): read first it would be 413
        String big = "x".repeat(300 * 1024);
        given().contentType(ContentType.JSON).body(big).when().post("/api/v1/telemetry").then().statusCode(401);
        given().header("Authorization", TestKeys.bearer(Scope.READ)).contentType(ContentType.JSON).body(big)
                .when().post("/api/v1/telemetry").then().statusCode(403);
    }

    @Test
    void revokedKeysAreRejectedAtOnce() {
        var created = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "to-revoke", "scopes", List.of("read")))
                .when().post("/api/v1/admin/api-keys").then().statusCode(201).extract();
        String key = created.path("key");
        int id = created.path("id");
        given().header("Authorization", "Bearer " + key).when().get("/api/v1/system/info").then().statusCode(200); // now cached
        given().header("Authorization", ADMIN).when().delete("/api/v1/admin/api-keys/" + id).then().statusCode(204);
        given().header("Authorization", "Bearer " + key).when().get("/api/v1/system/info").then().statusCode(401);
        given().header("Authorization", ADMIN).when().delete("/api/v1/admin/api-keys/" + id).then().statusCode(204);
        given().header("Authorization", ADMIN).when().delete("/api/v1/admin/api-keys/999999").then().statusCode(404);
        given().header("Authorization", ADMIN).when().get("/api/v1/admin/api-keys")
                .then().body("find { it.id == " + id + " }.revokedAt", notNullValue());
        // the key cache is a library cache whose hits and misses Prometheus sees
        given().when().get("/q/metrics").then().statusCode(200)
                .body(matchesPattern("(?s).*cache_gets_total\\{cache=\"api-keys\",result=\"hit\"} [1-9].*"))
                .body(matchesPattern("(?s).*cache_gets_total\\{cache=\"api-keys\",result=\"miss\"} [1-9].*"));
    }

    @Test
    void expiredKeysAreRejected() {
        String key = TestKeys.create("short-lived", Scope.READ);
        psql("UPDATE factory_telemetry.api_key SET expires_at = now() - interval '1 second' WHERE name = 'short-lived'");
        // not looked up yet in this run, so not cached: the database decides
        given().header("Authorization", "Bearer " + key).when().get("/api/v1/system/info").then().statusCode(401);
    }

    @Test
    void invalidKeyRequestsAre422() {
        given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "", "scopes", List.of("write")))
                .when().post("/api/v1/admin/api-keys")
                .then().statusCode(422).contentType("application/problem+json")
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("scopes"));
        given().header("Authorization", ADMIN).when().get("/api/v1/admin/api-keys")
                .then().body("name", not(hasItem("")));
    }

    private static String sha256Hex(String key) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
