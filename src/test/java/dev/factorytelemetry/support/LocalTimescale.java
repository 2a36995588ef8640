package dev.factorytelemetry.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private TimescaleDB cluster driven through {@code deploy/local/tsdb}, the same script developers
 * and CI use. One instance per port; the test suite uses its own ports so that it never touches the
 * developer's cluster (55432).
 */
public final class LocalTimescale {

    public static final String USER = "telemetry";
    public static final String PASSWORD = "telemetry";

    private final int port;
    private final String license;

    public LocalTimescale(int port, String license) {
        this.port = port;
        this.license = license;
    }

    /** The cluster the Apache-edition suite runs on (always available where the script can install). */
    public static LocalTimescale apache() {
        return new LocalTimescale(port("FT_TEST_APACHE_PORT", 55433), "apache");
    }

    /** The Community-edition cluster; usable only where the TSL module is installed. */
    public static LocalTimescale community() {
        return new LocalTimescale(port("FT_TEST_COMMUNITY_PORT", 55434), "timescale");
    }

    /** Ports can be moved (environment) so that several checkouts can test side by side. */
    private static int port(String variable, int defaultPort) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? defaultPort : Integer.parseInt(value.trim());
    }

    public int port() {
        return port;
    }

    public String license() {
        return license;
    }

    public void start() {
        run("start");
    }

    public void stop() {
        run("stop");
    }

    public void createDatabase(String name) {
        run("createdb", name);
    }

    public void dropDatabase(String name) {
        run("dropdb", name);
    }

    /** Runs SQL as the superuser in the given database and returns psql's unaligned output. */
    public String psql(String database, String sql) {
        return run("psql", "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql);
    }

    /** Runs SQL that must fail, and returns psql's error output. */
    public String psqlExpectingError(String database, String sql) {
        try {
            String out = psql(database, sql);
            throw new AssertionError("expected an error from: " + sql + "; got: " + out);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String reactiveUrl(String database) {
        return "postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Whether a TimescaleDB TSL module matching the installed version exists on this machine. */
    public static String communityUnavailableReason() {
        String out;
        try {
            out = runScript(Map.of(), List.of("editions")).trim();
        } catch (IllegalStateException e) {
            return "cannot list TimescaleDB editions: " + e.getMessage();
        }
        return out.contains("timescale") ? null
                : "the TimescaleDB Community edition (TSL module) is not installed on this machine; "
                + "Debian ships only the Apache-2 edition (deploy/local/tsdb editions: " + out.replace('\n', ' ') + ")";
    }

    private String run(String... args) {
        Map<String, String> env = new java.util.HashMap<>(
                Map.of("TSDB_PORT", Integer.toString(port), "TSDB_LICENSE", license, "TSDB_FSYNC", "off"));
        String clock = System.getProperty("test.clock", "").trim();
        if (!clock.isEmpty()) {
            env.put("TSDB_CLOCK", clock); // the cluster's clock starts there (deploy/local/test-dates)
        }
        return runScript(env, List.of(args));
    }

    private static String runScript(Map<String, String> env, List<String> args) {
        Path script = projectRoot().resolve("deploy/local/tsdb");
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", args) + " failed (exit " + process.exitValue() + "): " + text);
            }
            return text;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public static Path projectRoot() {
        String configured = System.getProperty("project.root");
        Path root = Path.of(configured != null ? configured : System.getProperty("user.dir")).toAbsolutePath();
        if (!Files.isRegularFile(root.resolve("deploy/local/tsdb"))) {
            throw new IllegalStateException("deploy/local/tsdb not found under " + root);
        }
        return root;
    }
}
