package dev.factorytelemetry.auth;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * For test classes whose subject is not authentication ({@code @ExtendWith(DefaultTestAuthentication.class)}):
 * every RestAssured request without an {@code Authorization} header gets the test profile's bootstrap
 * admin key (admin includes ingest and read). Removed again after the class.
 */
public final class DefaultTestAuthentication implements BeforeAllCallback, AfterAllCallback {

    private static final Filter ADMIN_BY_DEFAULT = (request, response, context) -> {
        if (!request.getHeaders().hasHeaderWithName("Authorization")) {
            request.header("Authorization", "Bearer " + TestKeys.BOOTSTRAP_ADMIN);
        }
        return context.next(request, response);
    };

    @Override
    public void beforeAll(ExtensionContext context) {
        if (!RestAssured.filters().contains(ADMIN_BY_DEFAULT)) {
            RestAssured.filters(ADMIN_BY_DEFAULT);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        List<Filter> filters = new ArrayList<>(RestAssured.filters());
        filters.remove(ADMIN_BY_DEFAULT);
        RestAssured.replaceFiltersWith(filters);
    }
}
