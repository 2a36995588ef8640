package dev.factorytelemetry.support;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs command-line tools the deploy tests need ({@code kubectl}, {@code promtool}): finds them on the PATH (so
 * that tests can skip with a visible reason where they are missing; {@code deploy/local/test} installs them), runs
 * them with a bounded time and returns their output.
 */
public final class ExternalTool {

    private ExternalTool() {
    }

    /** Why the tool cannot be used here, or null when it is on the PATH. */
    public static String unavailableReason(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return null;
            }
        }
        return tool + " is not on the PATH (Debian package " + debianPackage + "; deploy/local/test installs it)";
    }

    /** The result of a run: exit status and the combined output. */
    public record Result(int exitCode, String output, String errors) {
        public Result requireSuccess(List<String> command) {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + exitCode + "):\n" + output + errors);
            }
            return this;
        }
    }

    /** Runs the command in the project root, stdout and stderr apart. */
    public static Result run(Duration timeout, List<String> command) {
        try {
            Path output = Files.createTempFile("ft-tool", ".out");
            Path errors = Files.createTempFile("ft-tool", ".err");
            try {
                Process process = new ProcessBuilder(command).redirectError(errors.toFile())
                        .redirectOutput(output.toFile()).directory(LocalTimescale.projectRoot().toFile()).start();
                process.getOutputStream().close();
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " timed out after " + timeout);
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8),
                        Files.readString(errors, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
                Files.deleteIfExists(errors);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Runs the command and fails unless it exits 0; returns its output. */
    public static String runOk(Duration timeout, String... command) {
        return run(timeout, List.of(command)).requireSuccess(List.of(command)).output();
    }
}
