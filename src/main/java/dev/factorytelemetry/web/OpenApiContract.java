package dev.factorytelemetry.web;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

import java.util.List;
import java.util.Map;

/**
 * Completes the OpenAPI document (mp.openapi.filter) with what every {@code /api/**} operation has in common, so
 * that no operation can forget it: the API-key security schemes ({@code bearer}; {@code token}, InfluxDB's
 * {@code Authorization: Token <key>}, on /api/v2) and the error answers that the shared layers give — 401 and 403
 * (Quarkus Security), 400 for an invalid query string, parameter or body, 413/415 for bodies, 404 for unknown path identifiers,
 * 503 + Retry-After while the database is unavailable, 500 for an unexpected failure. Each is
 * {@code application/problem+json} ({@link Problem}), or InfluxDB's {@code {"code","message"}} under /api/v2.
 * Operations keep their own annotated answers; the document is stored in docs/openapi.json (OpenApiContractTest).
 */
public class OpenApiContract implements OASFilter {

    static final String BEARER = "bearer";
    static final String TOKEN = "token";
    private static final String PROBLEM_REF = "#/components/schemas/Problem";
    private static final String INFLUX_ERROR = "InfluxError";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Components components = openAPI.getComponents() == null ? OASFactory.createComponents() : openAPI.getComponents();
        openAPI.setComponents(components);
        components.addSecurityScheme(BEARER, OASFactory.createSecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("An API key (ftk_…) with the scope the operation names: Authorization: Bearer <key>. "
                        + "Scopes: ingest, read, admin (admin includes the other two)."));
        components.addSecurityScheme(TOKEN, OASFactory.createSecurityScheme().type(SecurityScheme.Type.APIKEY)
                .in(SecurityScheme.In.HEADER).name("Authorization")
                .description("The same API key the way InfluxDB clients and Telegraf send it: Authorization: Token <key>."));
        components.addSchema(INFLUX_ERROR, OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                .description("InfluxDB v2's error body, which InfluxDB clients parse")
                .addProperty("code", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING))
                        .description("invalid, unauthorized, forbidden, request too large, unprocessable entity, too many requests, unavailable, …"))
                .addProperty("message", OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)))
                .required(List.of("code", "message")));
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            if (!path.getKey().startsWith("/api/")) {
                continue;
            }
            boolean influx = InfluxErrors.applies(path.getKey());
            for (Map.Entry<PathItem.HttpMethod, Operation> operation : path.getValue().getOperations().entrySet()) {
                complete(operation.getValue(), operation.getKey(), path.getKey(), influx);
            }
        }
    }

    private static void complete(Operation operation, PathItem.HttpMethod method, String path, boolean influx) {
        SecurityRequirement bearer = OASFactory.createSecurityRequirement().addScheme(BEARER);
        operation.setSecurity(influx
                ? List.of(OASFactory.createSecurityRequirement().addScheme(TOKEN), bearer)
                : List.of(bearer));
        APIResponses responses = operation.getResponses() == null ? OASFactory.createAPIResponses() : operation.getResponses();
        operation.setResponses(responses);
        boolean body = operation.getRequestBody() != null;
        // every request: the query string and path are checked for storable text (UriTextFilter)
        add(responses, "400", influx, body ? "Malformed or invalid request (body that is not valid for its type, "
                + "unknown or mistyped members, invalid parameter or query string); errors[] names each"
                : "Invalid parameter or query string; errors[] names each");
        add(responses, "401", influx, null)
                .description("No API key, a malformed Authorization header, or an unknown, revoked or expired key")
                .addHeader("WWW-Authenticate", header("Bearer realm=\"factory-telemetry\""));
        add(responses, "403", influx, null).description("The API key lacks the scope this operation needs");
        if (path.contains("{") && method != PathItem.HttpMethod.PUT) { // PUTs create what they name
            add(responses, "404", influx, "Nothing has that identifier");
        }
        if (body) {
            add(responses, "413", influx, "The body is larger than the service accepts");
            add(responses, "415", influx, "Unsupported Content-Type or Content-Encoding");
        }
        add(responses, "500", influx, "Unexpected failure (logged with its cause); nothing of the request was acknowledged");
        add(responses, "503", influx, "The database is unavailable; nothing was stored. Retry after the Retry-After seconds")
                .addHeader("Retry-After", header("Seconds to wait before retrying"));
        for (Map.Entry<String, APIResponse> answer : responses.getAPIResponses().entrySet()) {
            if (answer.getKey().startsWith("4") || answer.getKey().startsWith("5")) {
                add(responses, answer.getKey(), influx, answer.getValue().getDescription());
            }
        }
    }

    private static Header header(String description) {
        return OASFactory.createHeader().description(description)
                .schema(OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)));
    }

    /** The existing answer of that status, or a new one with the error body; either way with the error body. */
    private static APIResponse add(APIResponses responses, String status, boolean influx, String description) {
        APIResponse response = responses.getAPIResponse(status);
        if (response == null) {
            response = OASFactory.createAPIResponse().description(description);
            responses.addAPIResponse(status, response);
        }
        if (response.getContent() == null || response.getContent().getMediaTypes() == null
                || response.getContent().getMediaTypes().isEmpty()) {
            response.setContent(errorContent(influx));
        }
        return response;
    }

    private static Content errorContent(boolean influx) {
        return influx
                ? OASFactory.createContent().addMediaType("application/json", OASFactory.createMediaType()
                        .schema(OASFactory.createSchema().ref("#/components/schemas/" + INFLUX_ERROR)))
                : OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE, OASFactory.createMediaType()
                        .schema(OASFactory.createSchema().ref(PROBLEM_REF)));
    }
}
