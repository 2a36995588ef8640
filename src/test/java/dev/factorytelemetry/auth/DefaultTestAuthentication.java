package dev.factorytelemetry.auth;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;

import java.util.ArrayList;
import java.util.List;

/**
 * For test classes whose subject is not authentication: every RestAssured request without an
 * {@code Authorization} header gets the test profile's bootstrap admin key (admin includes ingest
 * and read). Call {@link #install()} in {@code @BeforeAll} and {@link #remove()} in {@code @AfterAll}.
 */
public final class DefaultTestAuthentication {

    private static final Filter ADMIN_BY_DEFAULT = (request, response, context) -> {
        if (!request.getHeaders().hasHeaderWithName("Authorization")) {
            request.header("Authorization", "Bearer " + TestKeys.BOOTSTRAP_ADMIN);
        }
        return context.next(request, response);
    };

    private DefaultTestAuthentication() {
    }

    public static void install() {
        if (!RestAssured.filters().contains(ADMIN_BY_DEFAULT)) {
            RestAssured.filters(ADMIN_BY_DEFAULT);
        }
    }

    public static void remove() {
        List<Filter> filters = new ArrayList<>(RestAssured.filters());
        filters.remove(ADMIN_BY_DEFAULT);
        RestAssured.replaceFiltersWith(filters);
    }
}
