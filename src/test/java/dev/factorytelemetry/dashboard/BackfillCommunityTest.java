package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Store-and-forward backfill on the Community edition: continuous aggregates, TimescaleDB's invalidation log, and
 * late rows into compressed chunks. Skipped with the reason where the TSL module is not installed.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@TestProfile(BackfillContract.Berlin.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "backfill")})
class BackfillCommunityTest extends BackfillContract {
}
