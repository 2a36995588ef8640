package dev.factorytelemetry.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs a job on one replica at a time. Every replica schedules the same jobs; before a run, this takes
 * a PostgreSQL advisory lock named after the job with {@code pg_try_advisory_xact_lock} in a
 * transaction on a connection of its own, held open for the whole run. The replica that gets the lock
 * runs the job (its statements use other connections of the pool); the others skip this run. The lock
 * is released when that transaction ends, committed or rolled back, and by the server if the
 * connection breaks, so a crashed replica never leaves a job locked. (A session-level lock would stay
 * with the pooled connection if its release failed; a transaction-level lock on one connection cannot:
 * the reactive pool hands out a different connection per call, and lock and release must be on the
 * same one.) The open lock transaction does not hold back vacuum: it has no transaction id (it writes only
 * at the end) and, in READ COMMITTED, no snapshot between its statements — while it idles,
 * {@code pg_stat_activity} shows it {@code idle in transaction} with {@code backend_xid} and
 * {@code backend_xmin} NULL. A server-side {@code idle_in_transaction_session_timeout} shorter than a run
 * would end it; the run's record then fails and is logged (the job's own work is committed separately).
 * <p>
 * Each run ends as {@code success}, {@code failed} (the job ran, some of its targets failed; each
 * target records its own error), {@code error} (the job itself failed) or {@code skipped} (another
 * replica, or a run still going on this one, holds the lock). Runs are counted in
 * {@code factory_telemetry_job_runs_total{job,outcome}}, failures logged with the job, replica and
 * cause, and the last run of each job is recorded in {@code factory_telemetry.service_job_state}.
 */
@ApplicationScoped
public class ExclusiveJobs {

    private static final Logger LOG = Logger.getLogger(ExclusiveJobs.class);

    /** Advisory lock key: (namespace, job); other lock users of the schema use other namespaces. */
    static final String TRY_LOCK_SQL =
            "SELECT pg_try_advisory_xact_lock(hashtext('factory_telemetry.scheduled_job'), hashtext($1)) AS acquired";

    static final String RECORD_SQL = """
            INSERT INTO factory_telemetry.service_job_state AS s
                (job, last_started_at, last_finished_at, last_outcome, last_error, last_replica, total_runs, total_failures,
                 consecutive_failures)
            -- now(): the start of the lock's transaction, i.e. of the run, on the database's clock
            VALUES ($1, now(), clock_timestamp(), $2, $3, $4, 1, CASE WHEN $2 = 'success' THEN 0 ELSE 1 END,
                    CASE WHEN $2 = 'success' THEN 0 ELSE 1 END)
            ON CONFLICT (job) DO UPDATE
               SET last_started_at = EXCLUDED.last_started_at, last_finished_at = EXCLUDED.last_finished_at,
                   last_outcome = EXCLUDED.last_outcome, last_error = EXCLUDED.last_error,
                   last_replica = EXCLUDED.last_replica, total_runs = s.total_runs + 1,
                   total_failures = s.total_failures + EXCLUDED.total_failures,
                   consecutive_failures = CASE WHEN EXCLUDED.last_outcome = 'success' THEN 0 ELSE s.consecutive_failures + 1 END
            """;

    /** How a run of a job ended on this replica. */
    public enum Outcome {
        SUCCESS, FAILED, ERROR, SKIPPED;

        /** Metric tag and recorded value. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One run (or skip) of a job: its result when it ran, the failures it reported ({@code error}), and
     * for {@link Outcome#ERROR} the exception the job failed with.
     */
    public record JobRun<T>(String job, Outcome outcome, T result, String error, Duration took, Throwable failure) {
        public boolean ran() {
            return outcome != Outcome.SKIPPED;
        }
    }

    private final Pool pool;
    private final MeterRegistry registry;
    private final String replica;

    @Inject
    public ExclusiveJobs(Pool pool, MeterRegistry registry) {
        this(pool, registry, ManagementFactory.getRuntimeMXBean().getName());
    }

    /** A replica name of its own (tests run two replicas in one JVM). */
    ExclusiveJobs(Pool pool, MeterRegistry registry, String replica) {
        this.pool = pool;
        this.registry = registry;
        this.replica = replica;
    }

    public String replica() {
        return replica;
    }

    /**
     * Runs {@code body} if no other replica runs this job now.
     *
     * @param failuresOf the failed targets of a result (empty: all succeeded)
     * @return the run; it fails only if the database could not even be asked for the lock
     */
    public <T> Uni<JobRun<T>> run(String job, Supplier<Uni<T>> body, Function<T, List<String>> failuresOf) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return pool.withTransaction(lockConnection -> lockConnection.preparedQuery(TRY_LOCK_SQL).execute(Tuple.of(job))
                    .map(rows -> rows.iterator().next().getBoolean("acquired"))
                    .flatMap(acquired -> {
                        if (!acquired) {
                            return Uni.createFrom().item(new JobRun<T>(job, Outcome.SKIPPED, null, null, took(started), null));
                        }
                        return Uni.createFrom().<T>deferred(body::get)
                                .map(result -> {
                                    List<String> failures = failuresOf.apply(result);
                                    return failures.isEmpty()
                                            ? new JobRun<>(job, Outcome.SUCCESS, result, null, took(started), null)
                                            : new JobRun<>(job, Outcome.FAILED, result, String.join("; ", failures), took(started), null);
                                })
                                .onFailure().recoverWithItem(failure -> {
                                    LOG.errorf(failure, "Job %s failed on replica %s", job, replica);
                                    return new JobRun<T>(job, Outcome.ERROR, null, String.valueOf(failure.getMessage()), took(started), failure);
                                })
                                // recorded in the lock's transaction: the next holder sees it
                                .call(run -> lockConnection.preparedQuery(RECORD_SQL).execute(Tuple.of(job,
                                        run.outcome().label(), run.error(), replica)));
                    }))
                    .invoke(run -> {
                        if (run.outcome() == Outcome.FAILED) {
                            LOG.warnf("Job %s on replica %s ran with failures: %s", job, replica, run.error());
                        } else if (run.outcome() == Outcome.SKIPPED) {
                            LOG.debugf("Job %s skipped on replica %s: running elsewhere", job, replica);
                        }
                        count(job, run.outcome());
                    })
                    .onFailure().invoke(failure -> {
                        LOG.errorf(failure, "Job %s could not run on replica %s (lock or record)", job, replica);
                        count(job, Outcome.ERROR);
                    });
        });
    }

    private void count(String job, Outcome outcome) {
        Counter.builder("factory_telemetry.job.runs")
                .description("Runs of a scheduled job on this replica by outcome: success, failed (some targets failed), "
                        + "error (the job failed), skipped (another replica ran it)")
                .tag("job", job).tag("outcome", outcome.label()).register(registry).increment();
    }

    private static Duration took(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
