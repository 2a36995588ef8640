package dev.factorytelemetry.support;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Starts the test suite's own TimescaleDB cluster (Apache edition unless {@code edition=community} is
 * passed as an init argument) and creates a fresh database for this run, dropped at the end. The
 * service then migrates that empty database itself, exactly as in production. Test classes that
 * share the same arguments share one application and database; a class that needs a database of its
 * own passes a distinct {@code scenario} argument (its value is not otherwise used).
 */
public class TimescaleTestResource implements QuarkusTestResourceLifecycleManager {

    /** Name of the database of the current run, for tests that need to inspect it with psql. */
    public static volatile String currentDatabase;
    /** The cluster of the current run. */
    public static volatile LocalTimescale currentCluster;

    /**
     * Why the Community edition was requested but is not available (then the run falls back to the
     * Apache cluster and Community-only tests skip with this reason); null when it is available.
     */
    public static volatile String communityUnavailableReason;

    private LocalTimescale cluster;
    private String database;

    @Override
    public void init(Map<String, String> initArgs) {
        if ("community".equals(initArgs.get("edition"))) {
            communityUnavailableReason = LocalTimescale.communityUnavailableReason();
            cluster = communityUnavailableReason == null ? LocalTimescale.community() : LocalTimescale.apache();
        } else {
            cluster = LocalTimescale.apache();
        }
    }

    @Override
    public Map<String, String> start() {
        if (cluster == null) {
            cluster = LocalTimescale.apache();
        }
        cluster.start();
        stopAtExit(cluster);
        database = "ft_test_" + cluster.license() + "_" + ProcessHandle.current().pid() + "_" + System.currentTimeMillis();
        cluster.createDatabase(database);
        currentDatabase = database;
        currentCluster = cluster;
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.reactive.url", cluster.reactiveUrl(database));
        config.put("quarkus.datasource.jdbc.url", cluster.jdbcUrl(database));
        config.put("quarkus.datasource.username", LocalTimescale.USER);
        config.put("quarkus.datasource.password", LocalTimescale.PASSWORD);
        return config;
    }

    private static final java.util.Set<Integer> STOP_AT_EXIT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The test clusters (their own ports, never the developer's) are stopped when the test JVM exits,
     * so that nothing keeps running after the suite and another checkout can use the ports.
     */
    public static void stopAtExit(LocalTimescale cluster) {
        if (STOP_AT_EXIT.add(cluster.port())) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    cluster.stop();
                } catch (RuntimeException e) {
                    System.err.println("could not stop test cluster on port " + cluster.port() + ": " + e.getMessage());
                }
            }, "stop-test-cluster-" + cluster.port()));
        }
    }

    @Override
    public void stop() {
        if (cluster != null && database != null) {
            try {
                cluster.start(); // a test may have stopped it
                cluster.dropDatabase(database);
            } catch (RuntimeException e) {
                System.err.println("could not drop test database " + database + ": " + e.getMessage());
            }
        }
    }
}
