package dev.factorytelemetry.dashboard;

import dev.factorytelemetry.support.LocalTimescale;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.condition.EnabledIf;

/** The dashboard contract on the Community edition (real-time continuous aggregates). */
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "edition", value = "community"))
@EnabledIf(value = "communityEditionInstalled",
        disabledReason = "the TimescaleDB Community edition (TSL module) is not installed on this machine (deploy/local/tsdb editions)")
class DashboardCommunityTest extends DashboardContract {

    static boolean communityEditionInstalled() {
        return LocalTimescale.communityUnavailableReason() == null;
    }
}
