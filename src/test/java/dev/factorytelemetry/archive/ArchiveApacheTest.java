package dev.factorytelemetry.archive;

import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Archive before retention on the Apache edition (no native retention; the service drops after archiving). */
@QuarkusTest
@TestProfile(ArchiveContract.OwnArchiveDirectory.class)
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "scenario", value = "archive"))
class ArchiveApacheTest extends ArchiveContract {
}
