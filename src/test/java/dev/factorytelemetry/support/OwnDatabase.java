package dev.factorytelemetry.support;

import java.util.HashMap;
import java.util.Map;

/**
 * A database of one {@code @QuarkusMainTest} class on the Apache test cluster. The launched application runs in
 * its own class loader, so the database's name travels in a system property; the test drops it afterwards.
 */
public final class OwnDatabase {

    private OwnDatabase() {
    }

    /** Creates the database (name prefixed, recorded in the system property) and returns the datasource configuration. */
    public static Map<String, String> create(String prefix, String property) {
        LocalTimescale cluster = LocalTimescale.apache();
        cluster.start();
        TimescaleTestResource.stopAtExit(cluster);
        String database = prefix + "_" + ProcessHandle.current().pid() + "_" + System.currentTimeMillis();
        cluster.createDatabase(database);
        System.setProperty(property, database);
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.datasource.reactive.url", cluster.reactiveUrl(database));
        config.put("quarkus.datasource.jdbc.url", cluster.jdbcUrl(database));
        config.put("quarkus.datasource.username", LocalTimescale.USER);
        config.put("quarkus.datasource.password", LocalTimescale.PASSWORD);
        return config;
    }

    /** Runs SQL in the database named by the property. */
    public static String psql(String property, String sql) {
        return LocalTimescale.apache().psql(System.getProperty(property), sql).trim();
    }

    /** Drops the database named by the property, if one was created. */
    public static void drop(String property) {
        String database = System.getProperty(property);
        if (database != null) {
            LocalTimescale.apache().dropDatabase(database);
        }
    }
}
