package dev.factorytelemetry.deploy;

import dev.factorytelemetry.support.ExternalTool;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Kubernetes manifests (deploy/kubernetes, kustomize): every overlay renders with {@code kubectl kustomize},
 * and the rendered objects fit the service as it runs here: probe paths answer, ports match, every environment
 * variable is a configuration key the service reads, containers are locked down, no secret value is committed.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class KubernetesManifestsTest {

    static final List<String> OVERLAYS = List.of("development", "staging", "production");
    /** Environment variables that configure the JVM rather than the service. */
    static final Set<String> JVM_VARIABLES = Set.of("JAVA_OPTS");
    static final Pattern SECRET_NAME = Pattern.compile(".*(PASSWORD|SECRET|TOKEN|KEY).*");

    static final Map<String, List<Map<String, Object>>> RENDERED = new LinkedHashMap<>();

    @BeforeAll
    static void render() {
        String missing = ExternalTool.unavailableReason("kubectl", "kubernetes-client");
        Assumptions.assumeTrue(missing == null, missing);
        for (String overlay : OVERLAYS) {
            String yaml = ExternalTool.runOk(Duration.ofSeconds(60), "kubectl", "kustomize",
                    "deploy/kubernetes/overlays/" + overlay);
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(yaml)) {
                if (doc != null) {
                    objects.add(map(doc));
                }
            }
            RENDERED.put(overlay, objects);
        }
    }

    @Test
    void everyOverlayRendersTheWholeApplicationInItsOwnNamespace() {
        Set<Object> namespaces = new HashSet<>();
        RENDERED.forEach((overlay, objects) -> {
            Set<String> kinds = objects.stream().map(o -> (String) o.get("kind")).collect(Collectors.toSet());
            assertTrue(kinds.containsAll(Set.of("Deployment", "Job", "ConfigMap", "Service", "ServiceAccount",
                    "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy")), overlay + ": " + kinds);
            assertEquals(!overlay.equals("production"), kinds.contains("StatefulSet"), overlay + ": TimescaleDB StatefulSet");
            assertEquals(!overlay.equals("development"), kinds.contains("ServiceMonitor"), overlay + ": ServiceMonitor");
            Set<Object> ns = objects.stream().map(o -> map(o.get("metadata")).get("namespace")).collect(Collectors.toSet());
            assertEquals(1, ns.size(), overlay + " namespaces " + ns);
            assertNotNull(ns.iterator().next(), overlay + " sets a namespace");
            namespaces.addAll(ns);
        });
        assertEquals(OVERLAYS.size(), namespaces.size(), "each overlay its own namespace: " + namespaces);
        // the HPA owns the replica count (a Deployment's own `replicas` would fight it on every apply), and overlays
        // differ in it and in the log level
        RENDERED.forEach((overlay, objects) -> assertFalse(map(one(objects, "Deployment").get("spec")).containsKey("replicas"),
                overlay + ": Deployment sets replicas beside its HPA"));
        Set<Object> replicas = RENDERED.values().stream().map(o -> map(one(o, "HorizontalPodAutoscaler").get("spec")).get("minReplicas"))
                .collect(Collectors.toSet());
        assertEquals(OVERLAYS.size(), replicas.size(), "HPA minReplicas per overlay " + replicas);
        Set<Object> logLevels = RENDERED.values().stream().map(o -> map(one(o, "ConfigMap").get("data")).get("QUARKUS_LOG_LEVEL"))
                .collect(Collectors.toSet());
        assertTrue(logLevels.size() > 1, "log levels " + logLevels);
    }

    @Test
    void probesAndPortsExistInTheRunningService() {
        int httpPort = defaultOfPlaceholder("quarkus.http.port");
        RENDERED.forEach((overlay, objects) -> {
            Map<String, Object> pod = podSpec(one(objects, "Deployment"));
            Map<String, Object> container = map(list(pod.get("containers")).get(0));
            Map<String, Integer> ports = new LinkedHashMap<>();
            list(container.get("ports")).forEach(p -> ports.put((String) map(p).get("name"), (Integer) map(p).get("containerPort")));
            assertEquals(Map.of("http", httpPort), ports, overlay);
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
                assertTrue(ports.containsKey(get.get("port")), overlay + " " + probe + " port " + get.get("port"));
                given().when().get((String) get.get("path")).then().statusCode(200).body("status", equalTo("UP"));
            }
            assertEquals("/q/health/started", path(container, "startupProbe"));
            assertEquals("/q/health/live", path(container, "livenessProbe"));
            assertEquals("/q/health/ready", path(container, "readinessProbe"));
            Map<String, Object> service = one(objects, "Service", "factory-telemetry");
            Map<String, Object> servicePort = map(list(map(service.get("spec")).get("ports")).get(0));
            assertTrue(ports.containsKey(servicePort.get("targetPort")), overlay + " service targetPort");
            Map<String, Object> annotations = map(map(map(map(one(objects, "Deployment").get("spec")).get("template")).get("metadata")).get("annotations"));
            assertEquals(Integer.toString(httpPort), annotations.get("prometheus.io/port"));
            given().when().get((String) annotations.get("prometheus.io/path")).then().statusCode(200);
            objects.stream().filter(o -> "ServiceMonitor".equals(o.get("kind"))).forEach(monitor -> {
                Map<String, Object> endpoint = map(list(map(monitor.get("spec")).get("endpoints")).get(0));
                assertEquals(servicePort.get("name"), endpoint.get("port"));
                given().when().get((String) endpoint.get("path")).then().statusCode(200);
            });
            // the start-up probe outlasts the wait for the migration Job
            Map<String, Object> startup = map(container.get("startupProbe"));
            long budget = ((Integer) startup.get("periodSeconds")).longValue() * (Integer) startup.get("failureThreshold");
            Duration schemaWait = Duration.parse("PT" + map(one(objects, "ConfigMap").get("data"))
                    .get("TELEMETRY_PLATFORM_SCHEMA_WAIT").toString().toUpperCase());
            assertTrue(budget > schemaWait.toSeconds(), overlay + ": startup probe " + budget + " s vs schema wait " + schemaWait);
        });
    }

    @Test
    void everyEnvironmentVariableIsAConfigurationKeyTheServiceReads() {
        Set<String> known = knownVariables();
        RENDERED.forEach((overlay, objects) -> {
            for (Map<String, Object> workload : workloads(objects, "Deployment", "Job")) {
                for (Object c : list(podSpec(workload).get("containers"))) {
                    for (String variable : variables(map(c), objects)) {
                        assertTrue(known.contains(variable) || JVM_VARIABLES.contains(variable),
                                overlay + " " + workload.get("kind") + ": " + variable + " is not a configuration key of the service");
                    }
                }
            }
        });
        // the check itself can fail
        assertFalse(known.contains("TELEMETRY_PLATFORM_MIGRATE_AT_STARTUP"));
        assertTrue(known.contains("TELEMETRY_PLATFORM_MIGRATE_ONLY"));
    }

    @Test
    void containersRunLockedDown() {
        RENDERED.forEach((overlay, objects) -> {
            for (Map<String, Object> workload : workloads(objects, "Deployment", "Job", "StatefulSet")) {
                String where = overlay + " " + workload.get("kind") + " " + map(workload.get("metadata")).get("name");
                Map<String, Object> pod = podSpec(workload);
                assertEquals(Boolean.TRUE, map(pod.get("securityContext")).get("runAsNonRoot"), where);
                assertEquals(Boolean.FALSE, pod.get("automountServiceAccountToken"), where);
                for (Object c : list(pod.get("containers"))) {
                    Map<String, Object> container = map(c);
                    Map<String, Object> security = map(container.get("securityContext"));
                    assertEquals(Boolean.FALSE, security.get("allowPrivilegeEscalation"), where);
                    assertEquals(Boolean.TRUE, security.get("readOnlyRootFilesystem"), where);
                    assertEquals(List.of("ALL"), map(security.get("capabilities")).get("drop"), where);
                    assertNotNull(map(map(container.get("resources")).get("limits")).get("memory"), where + " memory limit");
                    assertTrue(list(container.get("volumeMounts")).stream().anyMatch(m -> "/tmp".equals(map(m).get("mountPath"))),
                            where + " writable /tmp");
                    String image = (String) container.get("image");
                    String tag = image.substring(image.lastIndexOf('/') + 1);
                    assertTrue(tag.contains(":") && !tag.endsWith(":latest"), where + " pinned image tag: " + image);
                }
            }
        });
    }

    @Test
    void noSecretValuesAreCommitted() {
        RENDERED.forEach((overlay, objects) -> {
            assertTrue(objects.stream().noneMatch(o -> "Secret".equals(o.get("kind"))), overlay + " renders a Secret");
            Set<String> secretRefs = new HashSet<>();
            for (Map<String, Object> workload : workloads(objects, "Deployment", "Job", "StatefulSet")) {
                for (Object c : list(podSpec(workload).get("containers"))) {
                    for (Object e : list(map(c).get("env"))) {
                        Map<String, Object> env = map(e);
                        String name = (String) env.get("name");
                        if (SECRET_NAME.matcher(name).matches()) {
                            assertFalse(env.containsKey("value"), overlay + ": " + name + " has a literal value");
                            Map<String, Object> ref = map(map(env.get("valueFrom")).get("secretKeyRef"));
                            secretRefs.add(ref.get("name") + "/" + ref.get("key"));
                        }
                    }
                }
            }
            assertTrue(secretRefs.containsAll(Set.of("factory-telemetry-db/password", "factory-telemetry-bootstrap/admin-key")),
                    overlay + " " + secretRefs);
            objects.stream().filter(o -> "ConfigMap".equals(o.get("kind"))).forEach(cm ->
                    map(cm.get("data")).keySet().forEach(key -> assertFalse(SECRET_NAME.matcher(key).matches(),
                            overlay + ": secret-like " + key + " in a ConfigMap")));
        });
    }

    @Test
    void gracePeriodCoversTheShutdownTimeout() {
        Duration shutdown = ConfigProvider.getConfig().getValue("quarkus.shutdown.timeout", Duration.class);
        assertTrue(shutdown.toSeconds() >= 10, "quarkus.shutdown.timeout " + shutdown);
        RENDERED.forEach((overlay, objects) -> {
            long grace = ((Integer) podSpec(one(objects, "Deployment")).get("terminationGracePeriodSeconds")).longValue();
            assertTrue(grace > shutdown.toSeconds() && grace <= shutdown.toSeconds() + 10,
                    overlay + ": grace " + grace + " s vs quarkus.shutdown.timeout " + shutdown);
        });
    }

    @Test
    void migrationJobRunsMigrationOnlyAndPodsDoNotMigrate() {
        RENDERED.forEach((overlay, objects) -> {
            Map<String, Object> job = one(objects, "Job");
            Map<String, String> jobEnv = environment(map(list(podSpec(job).get("containers")).get(0)), objects);
            assertEquals("true", jobEnv.get("TELEMETRY_PLATFORM_MIGRATE_ONLY"), overlay);
            assertEquals("Never", podSpec(job).get("restartPolicy"));
            Map<String, Object> app = map(list(podSpec(one(objects, "Deployment")).get("containers")).get(0));
            Map<String, String> appEnv = environment(app, objects);
            assertEquals("false", appEnv.get("TELEMETRY_PLATFORM_MIGRATE_AT_START"), overlay);
            assertFalse(appEnv.containsKey("TELEMETRY_PLATFORM_MIGRATE_ONLY"), overlay);
            assertEquals(app.get("image"), map(list(podSpec(job).get("containers")).get(0)).get("image"), overlay + " same image");
        });
    }

    @Test
    void selectorsMatchThePodsAndTheDatabaseIsTimescale() {
        RENDERED.forEach((overlay, objects) -> {
            Map<String, Object> deployment = one(objects, "Deployment");
            Map<String, Object> podLabels = map(map(map(map(deployment.get("spec")).get("template")).get("metadata")).get("labels"));
            Map<String, Object> pdbSelector = map(map(map(one(objects, "PodDisruptionBudget", "factory-telemetry").get("spec")).get("selector")).get("matchLabels"));
            assertTrue(podLabels.entrySet().containsAll(pdbSelector.entrySet()), overlay + " PDB selects the pods");
            Map<String, Object> serviceSelector = map(map(one(objects, "Service", "factory-telemetry").get("spec")).get("selector"));
            assertTrue(podLabels.entrySet().containsAll(serviceSelector.entrySet()), overlay + " Service selects the pods");
            Map<String, Object> policy = map(map(map(one(objects, "NetworkPolicy", "factory-telemetry").get("spec")).get("podSelector")).get("matchLabels"));
            assertTrue(podLabels.entrySet().containsAll(policy.entrySet()), overlay + " NetworkPolicy selects the pods");
            Map<String, Object> target = map(map(one(objects, "HorizontalPodAutoscaler", "factory-telemetry").get("spec")).get("scaleTargetRef"));
            assertEquals(map(deployment.get("metadata")).get("name"), target.get("name"), overlay + " HPA target");
            objects.stream().filter(o -> "StatefulSet".equals(o.get("kind"))).forEach(sts -> {
                Map<String, Object> container = map(list(podSpec(sts).get("containers")).get(0));
                assertTrue(((String) container.get("image")).startsWith("timescale/timescaledb:2.19.3-pg15"), overlay + " " + container.get("image"));
                assertTrue(list(container.get("args")).contains("shared_preload_libraries=timescaledb"), overlay + " " + container.get("args"));
                assertFalse(list(map(sts.get("spec")).get("volumeClaimTemplates")).isEmpty(), overlay + " persistent volume");
                Map<String, Object> dbService = one(objects, "Service", "timescaledb");
                assertEquals(map(one(objects, "ConfigMap").get("data")).get("DB_HOST"), map(dbService.get("metadata")).get("name"),
                        overlay + ": DB_HOST names the StatefulSet's Service");
            });
        });
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /**
     * Environment variables the service reads: the {@code ${VAR...}} placeholders of application.properties, and
     * every configuration property the running service knows (its @ConfigMapping properties and Quarkus' own)
     * in environment-variable form (upper case, non-alphanumerics as {@code _}).
     */
    static Set<String> knownVariables() {
        Set<String> known = new HashSet<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)").matcher(applicationProperties());
        while (m.find()) {
            known.add(m.group(1));
        }
        StreamSupport.stream(ConfigProvider.getConfig().getPropertyNames().spliterator(), false)
                .map(name -> name.startsWith("%") ? name.substring(name.indexOf('.') + 1) : name)
                .map(name -> name.replaceAll("[^A-Za-z0-9]", "_").toUpperCase())
                .forEach(known::add);
        return known;
    }

    static List<String> variables(Map<String, Object> container, List<Map<String, Object>> objects) {
        return new ArrayList<>(environment(container, objects).keySet());
    }

    /** A container's environment: ConfigMaps it loads (envFrom) and its own env (values or "(secret)"). */
    static Map<String, String> environment(Map<String, Object> container, List<Map<String, Object>> objects) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object from : list(container.get("envFrom"))) {
            Map<String, Object> ref = map(map(from).get("configMapRef"));
            assertFalse(ref.isEmpty(), "envFrom other than a ConfigMap: " + from);
            map(one(objects, "ConfigMap", (String) ref.get("name")).get("data")).forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        for (Object e : list(container.get("env"))) {
            Map<String, Object> variable = map(e);
            env.put((String) variable.get("name"), variable.containsKey("value") ? String.valueOf(variable.get("value")) : "(reference)");
        }
        return env;
    }

    static int defaultOfPlaceholder(String property) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(property) + "=\\$\\{[A-Z_]+:(\\d+)}").matcher(applicationProperties());
        assertTrue(m.find(), property + " in application.properties");
        return Integer.parseInt(m.group(1));
    }

    static String applicationProperties() {
        try {
            return Files.readString(LocalTimescale.projectRoot().resolve("src/main/resources/application.properties"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static String path(Map<String, Object> container, String probe) {
        return (String) map(map(container.get(probe)).get("httpGet")).get("path");
    }

    static List<Map<String, Object>> workloads(List<Map<String, Object>> objects, String... kinds) {
        Set<String> wanted = Set.of(kinds);
        return objects.stream().filter(o -> wanted.contains(o.get("kind"))).toList();
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        Map<String, Object> spec = map(workload.get("spec"));
        return map(map(map(spec.get("template")).get("spec")));
    }

    static Map<String, Object> one(List<Map<String, Object>> objects, String kind) {
        List<Map<String, Object>> found = objects.stream().filter(o -> kind.equals(o.get("kind"))
                && (!kind.equals("Deployment") && !kind.equals("ConfigMap")
                || String.valueOf(map(o.get("metadata")).get("name")).startsWith("factory-telemetry"))).toList();
        assertEquals(1, found.size(), kind + ": " + found.size());
        return found.get(0);
    }

    static Map<String, Object> one(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(map(o.get("metadata")).get("name")))
                .findFirst().orElseGet(() -> fail("no " + kind + " " + name));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) Objects.requireNonNull(o);
    }
}
