package dev.factorytelemetry.auth;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.restassured.http.ContentType;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.restassured.RestAssured.given;

/** API keys for tests, created through the admin API with the test profile's bootstrap admin key. */
public final class TestKeys {

    /** %test.telemetry.auth.bootstrap-admin-key in application.properties. */
    public static final String BOOTSTRAP_ADMIN = "test-bootstrap-admin-key-0123456789abcdef";

    private static final Map<String, String> KEYS = new ConcurrentHashMap<>();

    private TestKeys() {
    }

    /** A key holding exactly this scope (one per scope and test database). */
    public static String key(Scope scope) {
        return KEYS.computeIfAbsent(TimescaleTestResource.currentDatabase + "/" + scope, k -> create("test-" + scope.wireName(), scope));
    }

    public static String bearer(Scope scope) {
        return "Bearer " + key(scope);
    }

    public static String create(String name, Scope... scopes) {
        return given().header("Authorization", "Bearer " + BOOTSTRAP_ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("name", name, "scopes", List.of(scopes).stream().map(Scope::wireName).toList()))
                .when().post("/api/v1/admin/api-keys")
                .then().statusCode(201)
                .extract().path("key");
    }
}
