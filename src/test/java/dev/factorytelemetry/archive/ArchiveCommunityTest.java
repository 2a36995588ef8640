package dev.factorytelemetry.archive;

import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Archive before retention on the Community edition: archived tables have no native retention policy, and restore
 * works into a compressed chunk. Skipped with the reason where the TSL module is not installed.
 */
@QuarkusTest
@ExtendWith(CommunityEditionAvailable.class)
@TestProfile(ArchiveCommunityTest.Profile.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = {
        @ResourceArg(name = "edition", value = "community"), @ResourceArg(name = "scenario", value = "archive")})
class ArchiveCommunityTest extends ArchiveContract {

    /** A profile class of its own, so that this class gets its own application, database and directory. */
    public static class Profile extends ArchiveContract.OwnArchiveDirectory {
    }
}
