package dev.factorytelemetry.ingest;

import dev.factorytelemetry.support.CommunityEditionAvailable;
import dev.factorytelemetry.support.TimescaleTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;

import static dev.factorytelemetry.ingest.IngestTestSupport.batch;
import static dev.factorytelemetry.ingest.IngestTestSupport.count;
import static dev.factorytelemetry.ingest.IngestTestSupport.postJson;
import static dev.factorytelemetry.ingest.IngestTestSupport.psql;
import static dev.factorytelemetry.ingest.IngestTestSupport.recent;
import static dev.factorytelemetry.ingest.IngestTestSupport.sample;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Ingest on the Community edition: no service invalidation log, native continuous aggregates see the samples. */
@ExtendWith(CommunityEditionAvailable.class)
@QuarkusTest
@WithTestResource(value = TimescaleTestResource.class, initArgs = @ResourceArg(name = "edition", value = "community"))
class CommunityIngestTest {

    @Test
    void samplesReachTheContinuousAggregateWithoutServiceInvalidations() {
        assertEquals("timescale", psql("SELECT current_setting('timescaledb.license')"));
        Instant t = recent(90);
        postJson(batch(sample("it.ce.level", t, "1.5"), sample("it.ce.level", t.plusSeconds(1), "2.5"),
                sample("it.ce.count", t, "true")))
                .then().statusCode(200).body("accepted", equalTo(3)).body("duplicates", equalTo(0));
        postJson(batch(sample("it.ce.level", t, "1.5"))).then().statusCode(200).body("duplicates", equalTo(1));
        assertEquals(0, count("FROM factory_telemetry.aggregate_invalidation"));
        psql("CALL refresh_continuous_aggregate('factory_telemetry.metric_hourly_aggregate', NULL, NULL)");
        assertEquals("2|4", psql("SELECT sum(a.samples), sum(a.real_sum) FROM factory_telemetry.metric_hourly_aggregate a "
                + "JOIN factory_telemetry.metric_def d ON d.id = a.metric_id WHERE d.metric_key = 'it.ce.level'"));
    }
}
