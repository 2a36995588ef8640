package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Store-and-forward backfill on the Apache edition (service-maintained aggregate tables). */
@QuarkusTest
@TestProfile(BackfillContract.Berlin.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "backfill"))
class BackfillApacheTest extends BackfillContract {
}
