package dev.factorytelemetry.system;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static dev.factorytelemetry.system.DeploymentValidation.awaitDown;
import static dev.factorytelemetry.system.DeploymentValidation.awaitUp;

/**
 * Post-deployment validation on the Apache edition (own database): an aggregate table or an invalidation trigger of
 * the service-managed equivalents removed behind the service's back makes readiness DOWN naming it; restored, UP.
 */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "deployment-validation"))
class DeploymentValidationApacheTest {

    @Test
    void everyObjectOfTheCatalogExistsAfterTheMigration() {
        awaitUp("service");
    }

    @Test
    void aMissingAggregateTableMakesReadinessDownWithItsName() {
        awaitUp("service");
        DeploymentValidation.sql("ALTER TABLE factory_telemetry.quality_daily_aggregate RENAME TO quality_daily_aggregate_moved");
        try {
            awaitDown("aggregate quality_daily_aggregate: service-maintained table missing",
                    "hypertable quality_daily_aggregate_moved: no row in hypertable_policy or aggregate_policy");
        } finally {
            DeploymentValidation.sql("ALTER TABLE factory_telemetry.quality_daily_aggregate_moved RENAME TO quality_daily_aggregate");
        }
        awaitUp("service");
    }

    @Test
    void aMissingInvalidationTriggerMakesReadinessDownWithItsName() {
        awaitUp("service");
        DeploymentValidation.sql("DROP TRIGGER quality_checks_invalidate_change ON factory_telemetry.quality_checks");
        try {
            awaitDown("invalidation trigger quality_checks.quality_checks_invalidate_change: missing: writes to "
                    + "quality_checks that bypass the API no longer reach quality_daily_aggregate");
        } finally {
            DeploymentValidation.sql("CREATE TRIGGER quality_checks_invalidate_change AFTER UPDATE OR DELETE ON factory_telemetry.quality_checks "
                    + "FOR EACH ROW EXECUTE FUNCTION factory_telemetry.invalidate_from_row('quality_checks', 'check_time')");
        }
        awaitUp("service");
    }
}
