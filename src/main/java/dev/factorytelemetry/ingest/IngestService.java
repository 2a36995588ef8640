package dev.factorytelemetry.ingest;

import dev.factorytelemetry.web.Problem;
import dev.factorytelemetry.web.ProblemException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one ingest path behind both endpoints: precision → retention window → decode and parse →
 * admission → write → metrics. The endpoints supply only their {@link Format} (how a body becomes a
 * batch) and turn the outcome into their own answer dialect (problem+json, or InfluxDB's error JSON).
 * Every failure is a {@link ProblemException} (or a database failure) and is counted by status in
 * {@code telemetry_ingest_rejected_requests_total}; a request refused at the admission limit fails with
 * {@link Busy}, which carries its Retry-After.
 */
@ApplicationScoped
public class IngestService {

    /**
     * Bodies larger than this (decompressed, or gzip bodies larger than an eighth of it) are decompressed and
     * parsed on a worker thread, not on the event loop. 128 KiB holds a 1,000-sample batch in either format
     * (~80 KB of JSON, ~45 KB of line protocol), which parses in well under a millisecond: cheaper on the
     * event loop than a hop to a worker and back.
     */
    static final int INLINE_PARSE_LIMIT = 128 * 1024;

    /** Turns a decoded body into a batch; throws ProblemException for a body it cannot read. */
    @FunctionalInterface
    interface BodyParser {
        SampleBatch parse(byte[] decoded, TimestampPrecision precision, SampleRules rules);
    }

    /**
     * One endpoint's body format.
     *
     * @param endpoint         the {@code endpoint} tag of the rejected-requests metric
     * @param defaultPrecision the timestamp precision when the request names none
     * @param parser           decoded body to batch
     */
    record Format(String endpoint, TimestampPrecision defaultPrecision, BodyParser parser) {
    }

    /** The request was refused at the ingest limit (429); nothing was stored. */
    static final class Busy extends ProblemException {

        private final transient Duration retryAfter;

        Busy(Problem problem, Duration retryAfter) {
            super(problem);
            this.retryAfter = retryAfter;
        }

        Duration retryAfter() {
            return retryAfter;
        }
    }

    private final IngestConfig config;
    private final RetentionWindow retention;
    private final TelemetryWriter writer;
    private final IngestAdmission admission;
    private final IngestMetrics metrics;

    public IngestService(IngestConfig config, RetentionWindow retention, TelemetryWriter writer, IngestAdmission admission,
                         IngestMetrics metrics) {
        this.config = config;
        this.retention = retention;
        this.writer = writer;
        this.admission = admission;
        this.metrics = metrics;
    }

    /** Stores the samples of one request, all or nothing; emits what was written after commit. */
    Uni<TelemetryWriter.WriteResult> ingest(Format format, byte[] body, String contentEncoding, String precisionParameter) {
        TimestampPrecision precision;
        try {
            precision = TimestampPrecision.fromParameter(precisionParameter, format.defaultPrecision());
        } catch (ProblemException e) {
            metrics.failed(format.endpoint(), e);
            return Uni.createFrom().failure(e);
        }
        return retention.rulesNow().flatMap(rules -> {
            Supplier<SampleBatch> parse = () -> parse(format, body, contentEncoding, precision, rules);
            Uni<SampleBatch> parsed = parseInline(body, contentEncoding)
                    ? Uni.createFrom().item(parse)
                    : Uni.createFrom().item(parse).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            return parsed.flatMap(batch -> {
                IngestAdmission.Permit permit = admission.tryAcquire(batch.size());
                if (permit == null) {
                    return Uni.createFrom().failure(busy());
                }
                return writer.write(batch)
                        .onTermination().invoke(permit::release)
                        .invoke(metrics::written);
            });
        }).onFailure().invoke(failure -> metrics.failed(format.endpoint(), failure));
    }

    /** Whether the body is small enough to decompress and parse on the calling (event-loop) thread. */
    static boolean parseInline(byte[] body, String contentEncoding) {
        if (body == null) {
            return true;
        }
        boolean identity = contentEncoding == null || contentEncoding.isBlank() || contentEncoding.trim().equalsIgnoreCase("identity");
        return body.length <= (identity ? INLINE_PARSE_LIMIT : INLINE_PARSE_LIMIT / 8);
    }

    private SampleBatch parse(Format format, byte[] body, String contentEncoding, TimestampPrecision precision, SampleRules rules) {
        byte[] decoded = IngestBody.decode(body, contentEncoding, config.maxBodySize().asLongValue());
        SampleBatch batch;
        try {
            batch = format.parser().parse(decoded, precision, rules);
        } catch (JsonSampleParser.TooManySamplesException e) {
            throw new ProblemException(Problem.of(413, "Content Too Large", e.getMessage()));
        }
        if (batch.hasErrors()) {
            throw TelemetryWriter.rejected(batch);
        }
        return batch;
    }

    private Busy busy() {
        return new Busy(IngestResponses.busyProblem(config), IngestResponses.busyRetryAfter(config));
    }
}
