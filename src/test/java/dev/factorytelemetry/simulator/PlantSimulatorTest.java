package dev.factorytelemetry.simulator;

import dev.factorytelemetry.support.DatabaseTime;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Runs bench/simulator/PlantSimulator.java (as users do: java on the single source file) against the
 * service under test, events only (telemetry ingestion is not part of this build): reference data is
 * registered, a day of history is backfilled consistently, a rerun is all duplicates, and the live
 * mode opens and closes downtime and raises and clears faults without errors.
 */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class PlantSimulatorTest {

    /** Where the backfilled day ends: yesterday's midnight by the database's clock (inside every retention, any date). */
    private static final class End {
        static final String END = DatabaseTime.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS)
                .minus(1, java.time.temporal.ChronoUnit.DAYS).toString();
    }

    @TestHTTPResource("/")
    URL service;

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    private record Run(int exitCode, String output) {
        long accepted(String kind) {
            Matcher m = Pattern.compile("events " + Pattern.quote(kind) + "\\s+accepted (\\d+), duplicates (\\d+)").matcher(output);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }

        long duplicates(String kind) {
            Matcher m = Pattern.compile("events " + Pattern.quote(kind) + "\\s+accepted (\\d+), duplicates (\\d+)").matcher(output);
            return m.find() ? Long.parseLong(m.group(2)) : -1;
        }
    }

    private Run simulate(String... options) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path source = LocalTimescale.projectRoot().resolve("bench/simulator/PlantSimulator.java");
        List<String> command = new ArrayList<>(List.of(java.toString(), source.toString(),
                "--url", service.toString(), "--no-telemetry", "--lines", "2", "--equipment-per-line", "3",
                "--metrics", "60", "--seed", "5", "--quiet",
                "--api-key", dev.factorytelemetry.auth.TestKeys.BOOTSTRAP_ADMIN));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
        }
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    @Test
    void backfillIsConsistentAndIdempotentAndLiveModeClosesWhatItOpens() throws Exception {
        Run backfill = simulate("--backfill-days", "1", "--duration", "0", "--end", End.END);
        assertEquals(0, backfill.exitCode(), backfill.output());
        assertThat(backfill.output(), containsString("requests"));

        // 6 machines x 96 quarter hours, less periods entirely in planned downtime
        long oee = backfill.accepted("oee");
        assertThat(backfill.output(), oee, greaterThan(500L));
        assertEquals(Long.toString(oee), psql("SELECT count(*) FROM factory_telemetry.oee_calculations o "
                + "JOIN factory_telemetry.equipment e ON e.id = o.equipment_id WHERE e.equipment_code LIKE 'line_.%'"),
                () -> backfill.output() + psql("SELECT e.equipment_code, count(*), min(calculation_time), max(calculation_time) "
                        + "FROM factory_telemetry.oee_calculations o JOIN factory_telemetry.equipment e ON e.id = o.equipment_id "
                        + "GROUP BY 1 ORDER BY 1"));
        assertEquals(Long.toString(backfill.accepted("energy")), psql("SELECT count(*) FROM factory_telemetry.energy_consumption c "
                + "JOIN factory_telemetry.equipment e ON e.id = c.equipment_id WHERE e.equipment_code LIKE 'line_.%' "
                + "AND c.consumption_time BETWEEN '" + End.END + "'::timestamptz - interval '1 day' AND '" + End.END + "'"));
        assertThat(backfill.output(), backfill.accepted("downtime"), greaterThan(0L));
        assertThat(backfill.output(), backfill.accepted("quality"), greaterThan(0L));
        // the plant's quantities are consistent (the API would have refused them otherwise, and does not here)
        assertEquals("0", psql("SELECT count(*) FROM factory_telemetry.oee_calculations "
                + "WHERE ideal_run_time_s > run_time_s + 1e-6 OR run_time_s > planned_time_s OR good_count > total_count"));
        assertEquals("2|3", psql("SELECT count(DISTINCT l.id), count(*) / count(DISTINCT l.id) FROM factory_telemetry.equipment e "
                + "JOIN factory_telemetry.production_lines l ON l.id = e.line_id WHERE l.line_code IN ('line1', 'line2')"));

        // the same seed and end again: everything is a duplicate, nothing new is stored
        Run again = simulate("--backfill-days", "1", "--duration", "0", "--end", End.END);
        assertEquals(0, again.exitCode(), again.output());
        assertEquals(0, again.accepted("oee"), again.output());
        assertEquals(oee, again.duplicates("oee"), again.output());
        assertEquals(backfill.accepted("downtime"), again.duplicates("downtime"), again.output());

        // live: frequent stops, each opened, then closed (downtime) and raised, then cleared (faults)
        String openBefore = psql("SELECT count(*) FROM factory_telemetry.downtime_events WHERE end_time IS NULL");
        Run live = simulate("--duration", "4s", "--mtbf", "2s", "--sample-interval", "500ms");
        assertEquals(0, live.exitCode(), live.output());
        assertThat(live.output(), live.accepted("downtime"), greaterThan(0L));
        assertEquals(live.accepted("downtime"), live.accepted("downtime-close"), live.output());
        assertEquals(openBefore, psql("SELECT count(*) FROM factory_telemetry.downtime_events WHERE end_time IS NULL"));
    }
}
