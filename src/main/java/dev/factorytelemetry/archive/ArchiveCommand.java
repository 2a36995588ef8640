package dev.factorytelemetry.archive;

import dev.factorytelemetry.lifecycle.ExclusiveJobs;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The archive's command-line mode of the service's jar (after start-up, like migration-only mode):
 * <pre>
 * java -jar quarkus-run.jar archive run                  # the archive job once (e.g. from a Kubernetes CronJob)
 * java -jar quarkus-run.jar archive restore 42           # restore manifest row 42
 * java -jar quarkus-run.jar archive restore some.parquet # restore a file (its metadata names the table)
 * </pre>
 * Prints one line per chunk or one result line; exit status 0 on success, 1 on a failure, 2 on a usage error.
 */
@ApplicationScoped
public class ArchiveCommand {

    static final String USAGE = "usage: archive run | archive restore <archive id | path to .parquet file>";

    private final ArchiveExecutor executor;
    private final ChunkArchiver archiver;

    public ArchiveCommand(ArchiveExecutor executor, ChunkArchiver archiver) {
        this.executor = executor;
        this.archiver = archiver;
    }

    /** True for the arguments of this mode ({@code archive …}). */
    public static boolean handles(String... args) {
        return args.length > 0 && "archive".equals(args[0]);
    }

    /** Runs the command (blocking: called on the main thread); returns the exit status. */
    public int run(PrintStream out, String... args) {
        try {
            if (args.length == 2 && "run".equals(args[1])) {
                ExclusiveJobs.JobRun<List<ArchiveExecutor.ChunkOutcome>> run = executor.archiveExpiredOnce().await().atMost(Duration.ofHours(12));
                if (!run.ran()) {
                    out.println("archive job is running elsewhere; nothing done");
                    return 1;
                }
                if (run.result() == null) {
                    out.println("archive job failed: " + run.error());
                    return 1;
                }
                for (ArchiveExecutor.ChunkOutcome o : run.result()) {
                    out.println(o.error() == null
                            ? "archived " + o.hypertable() + " " + o.chunk() + ": " + o.rows() + " rows, " + o.bytes() + " bytes, " + o.path()
                                    + (o.dropped() ? ", dropped" : ", kept")
                            : "FAILED " + o.hypertable() + " " + o.chunk() + " (kept): " + o.error());
                }
                out.println("archive run: " + run.outcome().label() + ", " + run.result().size() + " chunk(s)");
                return run.outcome() == ExclusiveJobs.Outcome.SUCCESS ? 0 : 1;
            }
            if (args.length == 3 && "restore".equals(args[1])) {
                String what = args[2];
                ChunkArchiver.Restored restored = what.matches("[0-9]{1,18}") ? archiver.restore(Long.parseLong(what))
                        : archiver.restoreFile(Path.of(what));
                out.println("restored " + restored.hypertableName() + " from " + restored.path() + ": " + restored.rowsInFile()
                        + " rows in file, " + restored.rowsInserted() + " inserted, " + restored.duplicatesSkipped() + " duplicates skipped");
                return 0;
            }
            out.println(USAGE);
            return 2;
        } catch (Exception e) {
            out.println("archive " + String.join(" ", List.of(args).subList(1, args.length)) + " failed: " + e.getMessage());
            return 1;
        }
    }
}
