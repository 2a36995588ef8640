package dev.factorytelemetry.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The API contract is reviewed like code: the OpenAPI document the service generates must equal docs/openapi.json.
 * After an intended API change, regenerate it (README, "API contract"):
 * {@code deploy/local/test -Dtest=OpenApiContractTest -Dopenapi.update=true}. Also checks that the contract is
 * complete: every /api operation names its security and its 401/403/503 answers, and every request body has an example.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class OpenApiContractTest {

    static final Path STORED = Path.of("docs/openapi.json");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private static JsonNode generated() throws IOException {
        return JSON.readTree(given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asByteArray());
    }

    /** Stable text: keys sorted, two-space indentation, one trailing newline. */
    static String canonical(JsonNode document) throws IOException {
        Object tree = JSON.treeToValue(document, Object.class);
        return JSON.writeValueAsString(tree) + "\n";
    }

    @Test
    void theGeneratedContractIsTheStoredOne() throws IOException {
        String generated = canonical(generated());
        if (Boolean.getBoolean("openapi.update")) {
            Files.writeString(STORED, generated, StandardCharsets.UTF_8);
        }
        assertTrue(Files.exists(STORED), STORED + " is missing; run deploy/local/test -Dtest=OpenApiContractTest -Dopenapi.update=true");
        String stored = Files.readString(STORED, StandardCharsets.UTF_8);
        if (!stored.equals(generated)) {
            fail("The API changed: the generated OpenAPI document differs from " + STORED + " (first difference at line "
                    + firstDifferentLine(stored, generated) + "). If the change is intended, regenerate it with "
                    + "deploy/local/test -Dtest=OpenApiContractTest -Dopenapi.update=true and commit it with the change.");
        }
    }

    @Test
    void everyOperationNamesItsSecurityErrorsAndExamples() throws IOException {
        JsonNode document = generated();
        assertEquals("bearer", document.at("/components/securitySchemes/bearer/scheme").asText());
        assertEquals("Authorization", document.at("/components/securitySchemes/token/name").asText());
        List<String> gaps = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            if (!path.getKey().startsWith("/api/")) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!op.getValue().has("responses")) {
                    continue; // path-level parameters
                }
                String name = op.getKey().toUpperCase() + " " + path.getKey();
                JsonNode responses = op.getValue().get("responses");
                for (String status : List.of("401", "403", "503")) {
                    if (!responses.has(status)) {
                        gaps.add(name + " lacks " + status);
                    }
                }
                if (!hasSuccess(responses)) {
                    gaps.add(name + " names no success answer");
                }
                if (!op.getValue().has("security")) {
                    gaps.add(name + " names no security requirement");
                }
                JsonNode body = op.getValue().path("requestBody").path("content");
                for (Iterator<Map.Entry<String, JsonNode>> types = body.fields(); types.hasNext(); ) {
                    Map.Entry<String, JsonNode> type = types.next();
                    if (!type.getValue().has("examples") && !type.getValue().has("example")) {
                        gaps.add(name + " has no example of its " + type.getKey() + " body");
                    }
                }
            }
        }
        assertEquals(List.of(), gaps);
    }

    private static boolean hasSuccess(JsonNode responses) {
        for (Iterator<String> it = responses.fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith("2")) {
                return true;
            }
        }
        return false;
    }

    private static int firstDifferentLine(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (!x[i].equals(y[i])) {
                return i + 1;
            }
        }
        return Math.min(x.length, y.length) + 1;
    }
}
