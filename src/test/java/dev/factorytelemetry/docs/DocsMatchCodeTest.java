package dev.factorytelemetry.docs;

import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.ConfigMapping;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the README and docs/ name must exist: every endpoint path in the running application's OpenAPI document,
 * every {@code telemetry.*} configuration key in a {@code @ConfigMapping} interface, every changeset id in the
 * changelog. Fails with the list of names that the docs mention and the code lacks.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class DocsMatchCodeTest {

    private static final Pattern ENDPOINT = Pattern.compile("/api/v[12]/[A-Za-z0-9_{},./-]*");
    private static final Pattern CONFIG_KEY = Pattern.compile("(?<![\\w.-])telemetry\\.[a-z][a-z0-9-]*(?:\\.[a-z][a-z0-9-]*)*(?![\\w(*.-])");
    private static final Pattern CHANGESET = Pattern.compile("(?<![\\w./-])(00\\d\\d-[a-z0-9]+(?:-[a-z0-9]+)*)(?![\\w.-])");

    private static List<Path> docs() throws IOException {
        Path root = LocalTimescale.projectRoot();
        List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    private static Set<String> mentions(Pattern pattern, int group) throws IOException {
        Set<String> found = new TreeSet<>();
        for (Path doc : docs()) {
            Matcher m = pattern.matcher(Files.readString(doc));
            while (m.find()) {
                found.add(m.group(group));
            }
        }
        return found;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyDocumentedEndpointExists() throws IOException {
        Map<String, Object> paths = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().jsonPath().getMap("paths");
        List<String> missing = new ArrayList<>();
        Set<String> mentioned = mentions(ENDPOINT, 0);
        assertTrue(mentioned.size() > 10, "the docs name endpoints: " + mentioned);
        for (String mention : mentioned) {
            for (String path : expand(mention.replaceAll("[.,]+$", ""))) {
                if (paths.keySet().stream().noneMatch(known -> matches(path, known))) {
                    missing.add(mention + (path.equals(mention) ? "" : " (" + path + ")"));
                }
            }
        }
        assertEquals(List.of(), missing, "endpoints named in README.md or docs/ that the application does not serve");
    }

    /**
     * {@code /a/{b,c}/d} is /a/b/d and /a/c/d (alternatives may nest: {@code {x,{key}/y}}); a {@code {name}} without a
     * top-level comma is a path parameter.
     */
    static List<String> expand(String path) {
        for (int open = path.indexOf('{'); open >= 0; open = path.indexOf('{', open + 1)) {
            int depth = 0;
            List<Integer> commas = new ArrayList<>();
            int close = -1;
            for (int i = open; i < path.length() && close < 0; i++) {
                char c = path.charAt(i);
                if (c == '{') {
                    depth++;
                } else if (c == '}' && --depth == 0) {
                    close = i;
                } else if (c == ',' && depth == 1) {
                    commas.add(i);
                }
            }
            if (close < 0 || commas.isEmpty()) {
                continue;
            }
            List<String> out = new ArrayList<>();
            int from = open + 1;
            commas.add(close);
            for (int comma : commas) {
                out.addAll(expand(path.substring(0, open) + path.substring(from, comma) + path.substring(close + 1)));
                from = comma + 1;
            }
            return out;
        }
        return List.of(path);
    }

    /** A documented path matches a served one: parameters match any segment, a trailing "/..." or "/" any rest. */
    static boolean matches(String documented, String served) {
        boolean prefix = documented.endsWith("/...") || documented.endsWith("/");
        String doc = documented.replaceAll("/(\\.\\.\\.)?$", "");
        String[] d = doc.split("/");
        String[] s = served.split("/");
        if (prefix ? s.length < d.length : s.length != d.length) {
            return false;
        }
        for (int i = 0; i < d.length; i++) {
            boolean parameter = d[i].startsWith("{") || s[i].startsWith("{");
            if (!parameter && !d[i].equals(s[i])) {
                return false;
            }
        }
        return true;
    }

    @Test
    void everyDocumentedConfigurationKeyIsReadByTheApplication() throws Exception {
        Set<String> known = configurationKeys();
        assertTrue(known.contains("telemetry.platform.health-timeout"), "mapping scan works: " + known);
        Set<String> mentioned = mentions(CONFIG_KEY, 0);
        assertTrue(mentioned.size() > 10, "the docs name configuration keys: " + mentioned);
        List<String> missing = mentioned.stream()
                .filter(key -> !known.contains(key) && known.stream().noneMatch(k -> k.startsWith(key + ".")))
                .toList();
        assertEquals(List.of(), missing, "telemetry.* keys named in README.md or docs/ that no @ConfigMapping declares");
    }

    /** Every key of every {@code @ConfigMapping} interface of the application (kebab-case, groups nested). */
    static Set<String> configurationKeys() throws IOException, ClassNotFoundException {
        Path classes = LocalTimescale.projectRoot().resolve("target/classes");
        Set<String> keys = new TreeSet<>();
        try (Stream<Path> s = Files.walk(classes)) {
            for (Path file : s.filter(p -> p.toString().endsWith(".class") && !p.toString().contains("$")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
                ConfigMapping mapping = type.getAnnotation(ConfigMapping.class);
                if (mapping != null) {
                    collect(type, mapping.prefix(), keys);
                }
            }
        }
        return keys;
    }

    private static void collect(Class<?> type, String prefix, Set<String> keys) {
        for (Method method : type.getMethods()) {
            if (method.getParameterCount() != 0 || method.isDefault() || method.getDeclaringClass() == Object.class) {
                continue;
            }
            String key = prefix + "." + method.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
            Class<?> returned = method.getReturnType();
            if (returned.isInterface() && returned.getName().startsWith("dev.factorytelemetry")) {
                collect(returned, key, keys);
            } else {
                keys.add(key);
            }
        }
    }

    @Test
    void everyDocumentedChangesetExists() throws IOException {
        Path changelog = LocalTimescale.projectRoot().resolve("src/main/resources/db/changelog");
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> s = Files.list(changelog)) {
            for (Path file : s.toList()) {
                ids.add(file.getFileName().toString().replaceAll("\\.(sql|yaml)$", ""));
                Matcher m = Pattern.compile("--changeset [^:]+:(\\S+)").matcher(Files.readString(file));
                while (m.find()) {
                    ids.add(m.group(1));
                }
            }
        }
        Set<String> mentioned = mentions(CHANGESET, 1);
        assertTrue(!mentioned.isEmpty(), "the docs name changesets");
        List<String> missing = mentioned.stream().filter(id -> !ids.contains(id)).toList();
        assertEquals(List.of(), missing, "changesets named in README.md or docs/ that the changelog lacks");
    }
}
