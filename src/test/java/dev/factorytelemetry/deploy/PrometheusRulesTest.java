package dev.factorytelemetry.deploy;

import dev.factorytelemetry.support.ExternalTool;
import dev.factorytelemetry.support.LocalTimescale;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import static dev.factorytelemetry.deploy.KubernetesManifestsTest.list;
import static dev.factorytelemetry.deploy.KubernetesManifestsTest.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert rules (deploy/prometheus): {@code promtool check rules} passes, {@code promtool test rules} passes,
 * and every alert is unit-tested both ways (fires on a failing series, quiet on a healthy one), has a severity,
 * a summary, a description and a runbook section in the README.
 */
class PrometheusRulesTest {

    static final String RULES = "deploy/prometheus/factory-telemetry-alerts.yml";
    static final String RULE_TESTS = "deploy/prometheus/tests/factory-telemetry-alerts.test.yml";

    @BeforeAll
    static void promtool() {
        String missing = ExternalTool.unavailableReason("promtool", "prometheus");
        Assumptions.assumeTrue(missing == null, missing);
    }

    @Test
    void rulesPassPromtoolCheck() {
        String out = ExternalTool.runOk(Duration.ofSeconds(30), "promtool", "check", "rules", RULES);
        assertTrue(out.contains("SUCCESS: " + alerts().size() + " rules found"), out);
    }

    @Test
    void ruleUnitTestsPass() {
        String out = ExternalTool.runOk(Duration.ofSeconds(60), "promtool", "test", "rules", RULE_TESTS);
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void everyAlertIsTestedFiringAndQuietAndDocumented() throws IOException {
        Set<String> fires = new HashSet<>();
        Set<String> quiet = new HashSet<>();
        for (Object test : list(load(RULE_TESTS).get("tests"))) {
            for (Object ruleTest : list(map(test).get("alert_rule_test"))) {
                String alert = (String) map(ruleTest).get("alertname");
                (list(map(ruleTest).get("exp_alerts")).isEmpty() ? quiet : fires).add(alert);
            }
        }
        String readme = Files.readString(LocalTimescale.projectRoot().resolve("README.md"));
        List<Map<String, Object>> alerts = alerts();
        assertTrue(alerts.size() >= 12, "alerts: " + alerts.size());
        for (Map<String, Object> rule : alerts) {
            String alert = (String) rule.get("alert");
            assertTrue(fires.contains(alert), alert + " has no firing unit test");
            assertTrue(quiet.contains(alert), alert + " has no quiet unit test");
            assertTrue(Set.of("warning", "critical").contains(map(rule.get("labels")).get("severity")), alert + " severity");
            Map<String, Object> annotations = map(rule.get("annotations"));
            assertFalse(String.valueOf(annotations.get("summary")).isBlank(), alert + " summary");
            String description = String.valueOf(annotations.get("description"));
            assertTrue(description.contains("$value") || description.matches(".*\\d.*"), alert + ": the description has numbers");
            assertEquals("README.md#" + alert.toLowerCase(Locale.ROOT), annotations.get("runbook"), alert + " runbook");
            assertTrue(readme.contains("\n#### " + alert + "\n"), alert + ": no runbook section '#### " + alert + "' in README.md");
        }
    }

    static List<Map<String, Object>> alerts() {
        return list(map(list(load(RULES).get("groups")).get(0)).get("rules")).stream().map(KubernetesManifestsTest::map).toList();
    }

    static Map<String, Object> load(String file) {
        try {
            return map(new Yaml().load(Files.readString(LocalTimescale.projectRoot().resolve(file))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Path path(String file) {
        return LocalTimescale.projectRoot().resolve(file);
    }
}
