package dev.factorytelemetry.dashboard;

import io.restassured.RestAssured;
import io.restassured.config.JsonConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.path.json.config.JsonPathConfig;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Dashboard figures compare as doubles; RestAssured's global config is restored after the class. */
public final class DoubleJsonNumbers implements BeforeAllCallback, AfterAllCallback {

    private RestAssuredConfig previous;

    @Override
    public void beforeAll(ExtensionContext context) {
        previous = RestAssured.config;
        RestAssured.config = RestAssured.config().jsonConfig(
                JsonConfig.jsonConfig().numberReturnType(JsonPathConfig.NumberReturnType.DOUBLE));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RestAssured.config = previous;
    }
}
