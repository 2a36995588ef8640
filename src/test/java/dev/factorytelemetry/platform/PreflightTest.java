package dev.factorytelemetry.platform;

import dev.factorytelemetry.support.OwnDatabase;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainLauncher;
import io.quarkus.test.junit.main.QuarkusMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-flight at start-up, against the real test cluster: a TimescaleDB older than the configured minimum stops
 * start-up before anything is migrated, with one log line naming the versions and the setting, no stack trace, and
 * exit status 1; a soft check below its threshold is one warning line and start-up goes on. (Values in the start-up
 * health check: {@code PreflightCheckTest}.)
 */
@QuarkusMainTest
@TestProfile(PreflightTest.OwnEmptyDatabase.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PreflightTest {

    static final String DATABASE_PROPERTY = "ft.test.preflight.database";

    public static class OwnEmptyDatabase implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return OwnDatabase.create("ft_test_preflight", DATABASE_PROPERTY);
        }
    }

    /** Launches the application with these system properties set (cleared afterwards). */
    private static LaunchResult launch(QuarkusMainLauncher launcher, Map<String, String> properties) {
        properties.forEach(System::setProperty);
        try {
            return launcher.launch();
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }

    @Test
    @Order(1)
    void anUnsupportedTimescaleDbStopsStartUpWithOneLine(QuarkusMainLauncher launcher) {
        LaunchResult result = launch(launcher, Map.of("telemetry.platform.preflight.minimum-timescaledb-version", "99.1.0"));
        String output = result.getOutput() + "\n" + result.getErrorOutput();
        assertEquals(1, result.exitCode(), output);
        List<String> failures = output.lines().filter(l -> l.contains("Pre-flight failed")).toList();
        assertEquals(1, failures.size(), output);
        assertTrue(failures.get(0).matches("Pre-flight failed, not starting: TimescaleDB 2\\.\\d+\\.\\d+\\S* "
                + "(\\(available\\) )?is older than the oldest supported, 99\\.1\\.0 "
                + "\\(telemetry\\.platform\\.preflight\\.minimum-timescaledb-version\\).*"), failures.get(0));
        assertTrue(output.lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("Exception")), "no stack trace:\n" + output);
        assertEquals("f", OwnDatabase.psql(DATABASE_PROPERTY, "SELECT to_regclass('public.databasechangelog') IS NOT NULL"),
                "nothing was migrated");
    }

    @Test
    @Order(2)
    void aSoftCheckBelowItsThresholdIsAWarningAndStartUpGoesOn(QuarkusMainLauncher launcher) {
        LaunchResult result = launch(launcher, Map.of("telemetry.platform.preflight.minimum-work-mem", "64G",
                "telemetry.platform.migrate-only", "true"));
        String output = result.getOutput() + "\n" + result.getErrorOutput();
        assertEquals(0, result.exitCode(), output);
        List<String> warnings = output.lines().filter(l -> l.contains("Pre-flight warning")).toList();
        assertEquals(1, warnings.size(), output);
        assertTrue(warnings.get(0).matches(".*WARN .*Pre-flight warning: workMem = \\d+[kMG]B: below 67108864 kB "
                + "\\(telemetry\\.platform\\.preflight\\.minimum-work-mem\\).*"), warnings.get(0));
        assertTrue(output.contains("Migration only: "), output);
    }

    @AfterAll
    static void dropDatabase() {
        OwnDatabase.drop(DATABASE_PROPERTY);
    }
}
