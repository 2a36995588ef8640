package dev.factorytelemetry.lifecycle;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schema's PL/pgSQL functions work whatever search_path the caller has (timescaledb's functions included). */
@QuarkusTest
@WithTestResource(TimescaleTestResource.class)
class FunctionSearchPathTest {

    private static String psql(String sql) {
        return TimescaleTestResource.currentCluster.psql(TimescaleTestResource.currentDatabase, sql).trim();
    }

    @Test
    void everyPlpgsqlFunctionHasAFixedSearchPathAndRunsWithoutPublicOnTheCallersPath() {
        assertEquals("0", psql("""
                SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                JOIN pg_language l ON l.oid = p.prolang
                WHERE n.nspname = 'factory_telemetry' AND l.lanname = 'plpgsql'
                  AND NOT coalesce(p.proconfig::text LIKE '%search_path=factory_telemetry%', false)"""),
                "PL/pgSQL functions without a fixed search_path");
        assertTrue(Integer.parseInt(psql("SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                + "WHERE n.nspname = 'factory_telemetry' AND p.proname = 'refresh_service_aggregate'")) > 0);
        // a caller whose search_path lacks public (where time_bucket lives): this failed with
        // "function time_bucket(...) does not exist" before the functions had their own search_path
        String refreshed = psql("SET search_path = pg_catalog; "
                + "SELECT factory_telemetry.log_invalidation('oee_calculations', now() - interval '3 hours', now() - interval '2 hours'); "
                + "SELECT factory_telemetry.refresh_service_aggregate('oee_hourly_aggregate')");
        String[] lines = refreshed.split("\n");
        assertEquals("1", lines[lines.length - 1].trim(), "one bucket range rewritten: " + refreshed);
    }
}
