package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.lifecycle.ExclusiveJobs.JobRun;
import dev.factorytelemetry.lifecycle.ExclusiveJobs.Outcome;
import dev.factorytelemetry.platform.PlatformState;
import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two service replicas against one database: the test application (replica one: its scheduler beans,
 * pool and meter registry) and a second set of the same beans built on a Vert.x pool of its own
 * (replica two). Both start the same job at the same time; the job of the replica that gets the lock
 * is held inside its run (the test locks the table the job records its outcome in), so the other one
 * certainly tries while it runs. Exactly one runs, the other skips; the database shows the work done once.
 */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "two-replicas"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoReplicaJobsTest {

    @Inject
    LifecycleScheduler replicaOne;
    @Inject
    MeterRegistry registryOne;
    @Inject
    ExclusiveJobs jobsOne;
    @Inject
    PlatformState platform;
    @Inject
    Vertx vertx;

    Pool poolTwo;
    SimpleMeterRegistry registryTwo;
    LifecycleScheduler replicaTwo;
    LocalTimescale cluster;
    String db;

    @BeforeEach
    void secondReplica() {
        cluster = TimescaleTestResource.currentCluster;
        db = TimescaleTestResource.currentDatabase;
        poolTwo = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
                .connectingTo(PgConnectOptions.fromUri(cluster.reactiveUrl(db))
                        .setUser(LocalTimescale.USER).setPassword(LocalTimescale.PASSWORD))
                .using(vertx).build();
        registryTwo = new SimpleMeterRegistry();
        replicaTwo = new LifecycleScheduler(new AggregateRefresher(poolTwo, registryTwo),
                new RetentionExecutor(poolTwo, platform, registryTwo), new BackfillRefresher(poolTwo, registryTwo, platform),
                new ExclusiveJobs(poolTwo, registryTwo, "replica-two"));
    }

    @AfterEach
    void closeSecondReplica() {
        poolTwo.closeAndAwait();
    }

    private String sql(String query) {
        return cluster.psql(db, query).trim();
    }

    private double runs(String job, Outcome outcome) {
        return count(registryOne, job, outcome) + count(registryTwo, job, outcome);
    }

    private static double count(MeterRegistry registry, String job, Outcome outcome) {
        var counter = registry.find("factory_telemetry.job.runs").tag("job", job).tag("outcome", outcome.label()).counter();
        return counter == null ? 0 : counter.count();
    }

    /**
     * Starts the job on both replicas at once while {@code heldTable} is locked against writes: the replica
     * that got the job's lock waits inside its run, the other one skips and answers first. Then releases.
     */
    private <T> List<JobRun<T>> runOnBothReplicas(Function<LifecycleScheduler, Uni<JobRun<T>>> job, String heldTable) throws Exception {
        try (Connection holder = DriverManager.getConnection(cluster.jdbcUrl(db), LocalTimescale.USER, LocalTimescale.PASSWORD)) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE factory_telemetry." + heldTable + " IN SHARE MODE");
            }
            CompletableFuture<JobRun<T>> one = job.apply(replicaOne).subscribeAsCompletionStage();
            CompletableFuture<JobRun<T>> two = job.apply(replicaTwo).subscribeAsCompletionStage();
            Object first = CompletableFuture.anyOf(one, two).get(60, TimeUnit.SECONDS);
            assertEquals(Outcome.SKIPPED, ((JobRun<?>) first).outcome(), "the replica answering first skipped: the other holds the job");
            assertTrue(!one.isDone() || !two.isDone(), "the running replica is still held inside its run");
            holder.commit();
            return List.of(one.get(60, TimeUnit.SECONDS), two.get(60, TimeUnit.SECONDS));
        }
    }

    @Test
    @Order(1)
    void retentionRunsOnOneReplicaAndDropsChunksOnce() throws Exception {
        // three day-chunks of fault_event from 2024: past the one-year retention on any date after 2025
        sql("""
                INSERT INTO factory_telemetry.production_lines (line_code, name) VALUES ('R1', 'Replica line');
                INSERT INTO factory_telemetry.equipment (equipment_code, name, line_id)
                SELECT 'R1.press', 'Press', id FROM factory_telemetry.production_lines WHERE line_code = 'R1';
                INSERT INTO factory_telemetry.fault_event (equipment_id, line_id, bit_index, ts_on, ts_off)
                SELECT e.id, e.line_id, 1, d, d + interval '1 minute'
                FROM factory_telemetry.equipment e, unnest(ARRAY['2024-01-10', '2024-01-12', '2024-01-14']::timestamptz[]) d
                WHERE e.equipment_code = 'R1.press';
                """);
        assertEquals("3", sql("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'fault_event' "
                + "AND range_end <= '2024-02-01'"));

        List<JobRun<List<RetentionExecutor.Outcome>>> runs =
                runOnBothReplicas(LifecycleScheduler::enforceRetentionOnce, "retention_run_state");

        List<JobRun<List<RetentionExecutor.Outcome>>> ran = runs.stream().filter(JobRun::ran).toList();
        assertEquals(1, ran.size(), "exactly one replica ran retention: " + runs);
        assertEquals(Outcome.SUCCESS, ran.get(0).outcome(), String.valueOf(ran.get(0).error()));
        assertEquals(1, runs.stream().filter(r -> r.outcome() == Outcome.SKIPPED).count());
        assertEquals(3, ran.get(0).result().stream().filter(o -> o.target().equals("fault_event"))
                .mapToLong(RetentionExecutor.Outcome::droppedChunks).sum());
        assertEquals("0", sql("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'fault_event' "
                + "AND range_end <= '2024-02-01'"));
        assertEquals("3|3", sql("SELECT last_dropped_chunks, total_dropped_chunks FROM factory_telemetry.retention_run_state "
                + "WHERE target = 'fault_event'"));
        String runner = runs.get(0).ran() ? jobsOne.replica() : "replica-two";
        assertEquals("1|success|" + runner, sql("SELECT total_runs, last_outcome, last_replica FROM factory_telemetry.service_job_state "
                + "WHERE job = 'enforce-retention'"));
        assertEquals(1.0, runs(LifecycleScheduler.RETENTION_JOB, Outcome.SUCCESS));
        assertEquals(1.0, runs(LifecycleScheduler.RETENTION_JOB, Outcome.SKIPPED));
        System.out.printf("two replicas, enforce-retention: ran=%d skipped=%d (replica one %s, replica two %s), fault_event chunks dropped=3 once%n",
                ran.size(), runs.size() - ran.size(), runs.get(0).outcome(), runs.get(1).outcome());

        // the lock is released with the run: the next run (the other replica) runs and finds nothing to drop
        JobRun<List<RetentionExecutor.Outcome>> next = replicaTwo.enforceRetentionOnce().await().atMost(java.time.Duration.ofMinutes(1));
        assertEquals(Outcome.SUCCESS, next.outcome());
        assertEquals("3|2", sql("SELECT r.total_dropped_chunks, s.total_runs FROM factory_telemetry.retention_run_state r, "
                + "factory_telemetry.service_job_state s WHERE r.target = 'fault_event' AND s.job = 'enforce-retention'"));
    }

    @Test
    @Order(2)
    void aggregateRefreshRunsOnOneReplica() throws Exception {
        List<JobRun<List<AggregateRefresher.Outcome>>> runs =
                runOnBothReplicas(s -> s.refreshAggregatesOnce(true), "aggregate_refresh_state");
        List<JobRun<List<AggregateRefresher.Outcome>>> ran = runs.stream().filter(JobRun::ran).toList();
        assertEquals(1, ran.size(), "exactly one replica refreshed: " + runs);
        assertEquals(Outcome.SUCCESS, ran.get(0).outcome(), String.valueOf(ran.get(0).error()));
        assertEquals(sql("SELECT count(*) FROM factory_telemetry.aggregate_policy WHERE materialization = 'service_table'"),
                String.valueOf(ran.get(0).result().size()), "every service-maintained aggregate refreshed once");
        assertEquals("1", sql("SELECT total_runs FROM factory_telemetry.service_job_state WHERE job = 'refresh-service-aggregates'"));
        assertEquals(1.0, runs(LifecycleScheduler.REFRESH_JOB, Outcome.SUCCESS));
        assertEquals(1.0, runs(LifecycleScheduler.REFRESH_JOB, Outcome.SKIPPED));
        System.out.printf("two replicas, refresh-service-aggregates: ran=%d skipped=%d%n", ran.size(), runs.size() - ran.size());
    }
}
