package dev.factorytelemetry.system;

import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static dev.factorytelemetry.system.DeploymentValidation.awaitDown;
import static dev.factorytelemetry.system.DeploymentValidation.awaitUp;
import static dev.factorytelemetry.system.DeploymentValidation.sql;

/**
 * Post-deployment validation on the Community edition (own database): a native compression or refresh policy removed
 * behind the service's back, or a retention policy that no longer matches the catalog, makes readiness DOWN naming
 * it, and so does a native retention policy on an archived hypertable (it would drop chunks before their export);
 * restored, UP. Skipped with its reason where the Community edition is missing.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "deployment-validation")})
class DeploymentValidationCommunityTest {

    @Test
    void aRemovedCompressionPolicyMakesReadinessDownWithItsName() {
        awaitUp("timescaledb");
        sql("SELECT remove_compression_policy('factory_telemetry.fault_event')");
        try {
            awaitDown("compression policy fault_event: missing");
        } finally {
            sql("SELECT add_compression_policy('factory_telemetry.fault_event', interval '14 days', "
                    + "schedule_interval => interval '12 hours', if_not_exists => true)");
        }
        awaitUp("timescaledb");
    }

    @Test
    void aRetentionPolicyThatDiffersFromTheCatalogMakesReadinessDown() {
        awaitUp("timescaledb");
        sql("SELECT remove_retention_policy('factory_telemetry.fault_event')");
        sql("SELECT add_retention_policy('factory_telemetry.fault_event', interval '400 days')");
        try {
            awaitDown("retention policy fault_event: drop_after 400 days, the catalog says 1 year");
        } finally {
            sql("SELECT remove_retention_policy('factory_telemetry.fault_event')");
            sql("SELECT add_retention_policy('factory_telemetry.fault_event', interval '1 year')");
        }
        awaitUp("timescaledb");
    }

    @Test
    void aNativeRetentionPolicyOnAnArchivedHypertableMakesReadinessDown() {
        awaitUp("timescaledb");
        // quality_checks is archived before retention (changeset 0015): a native policy would drop unexported chunks
        sql("SELECT add_retention_policy('factory_telemetry.quality_checks', interval '3 years')");
        try {
            awaitDown("retention policy quality_checks: native policy on an archived hypertable");
        } finally {
            sql("SELECT remove_retention_policy('factory_telemetry.quality_checks')");
        }
        awaitUp("timescaledb");
    }

    @Test
    void aRemovedRefreshPolicyOfAnAggregateMakesReadinessDownWithItsName() {
        awaitUp("timescaledb");
        sql("SELECT remove_continuous_aggregate_policy('factory_telemetry.quality_daily_aggregate')");
        try {
            awaitDown("refresh policy quality_daily_aggregate: missing");
        } finally {
            sql("SELECT add_continuous_aggregate_policy('factory_telemetry.quality_daily_aggregate', "
                    + "start_offset => interval '30 days', end_offset => interval '1 day', schedule_interval => interval '1 hour')");
        }
        awaitUp("timescaledb");
    }
}
