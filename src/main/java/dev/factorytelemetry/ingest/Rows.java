package dev.factorytelemetry.ingest;

import dev.factorytelemetry.ingest.MetricRegistry.Metric;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.Arrays;

/**
 * The metric_hist rows of one request: sorted by (metric id, ts), repeats of the same metric+ts
 * dropped (the first sample wins), values in the column of the metric's type. Only the value columns
 * (and quality) that some row uses are sent: a request of REAL samples binds ids, times, values and
 * qualities, and NULL for the other three value arrays ({@link #parameters}).
 */
final class Rows {

    final int count;
    final int[] ids;
    final long[] micros;
    final Double[] reals;
    final Long[] ints;
    final Boolean[] bools;
    final String[] texts;
    final Integer[] qualities;
    final long minMicros;
    final long maxMicros;

    private Rows(int count, int[] ids, long[] micros, Double[] reals, Long[] ints, Boolean[] bools, String[] texts,
                 Integer[] qualities, long minMicros, long maxMicros) {
        this.count = count;
        this.ids = ids;
        this.micros = micros;
        this.reals = reals;
        this.ints = ints;
        this.bools = bools;
        this.texts = texts;
        this.qualities = qualities;
        this.minMicros = minMicros;
        this.maxMicros = maxMicros;
    }

    /** The metric of every sample of the batch, in sample order. */
    static Rows of(SampleBatch batch, Metric[] metrics) {
        int n = batch.size();
        int[] sampleIds = new int[n];
        ValueType[] types = new ValueType[n];
        long[] sampleMicros = batch.micros;
        boolean sorted = true;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            Metric m = metrics[i];
            sampleIds[i] = m.id();
            types[i] = m.type();
            min = Math.min(min, sampleMicros[i]);
            max = Math.max(max, sampleMicros[i]);
            if (i > 0 && (sampleIds[i] < sampleIds[i - 1] || (sampleIds[i] == sampleIds[i - 1] && sampleMicros[i] < sampleMicros[i - 1]))) {
                sorted = false;
            }
        }
        // sorted by (metric, ts): repeats become neighbours, and the primary-key index is filled in order
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (!sorted) {
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> sampleIds[a] != sampleIds[b] ? Integer.compare(sampleIds[a], sampleIds[b])
                    : Long.compare(sampleMicros[a], sampleMicros[b]));
            for (int i = 0; i < n; i++) {
                order[i] = boxed[i];
            }
        }
        int[] ids = new int[n];
        long[] micros = new long[n];
        Double[] reals = new Double[n];
        Long[] ints = new Long[n];
        Boolean[] bools = new Boolean[n];
        String[] texts = new String[n];
        Integer[] qualities = new Integer[n];
        int rows = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            if (rows > 0 && sampleIds[i] == ids[rows - 1] && sampleMicros[i] == micros[rows - 1]) {
                continue; // same metric and time as the previous sample of this request
            }
            ids[rows] = sampleIds[i];
            micros[rows] = sampleMicros[i];
            switch (types[i]) {
                case REAL -> reals[rows] = batch.reals[i];
                case INT -> ints[rows] = batch.integers[i];
                case BOOL -> bools[rows] = batch.integers[i] != 0;
                case TEXT -> texts[rows] = batch.texts[i];
            }
            qualities[rows] = batch.hasQuality[i] ? batch.qualities[i] : null;
            rows++;
        }
        return new Rows(rows, ids, micros, reals, ints, bools, texts, qualities, min, max);
    }

    /**
     * The parameters of {@link TelemetryWriter#INSERT} for these rows, in order: ids, times, the four value arrays (an
     * array no row uses is NULL, so that a batch of REAL samples does not encode and send three arrays of NULLs), the
     * qualities (NULL when no row has one), and the batch's time range to log for the service-maintained aggregates
     * (NULL, NULL when the edition maintains them itself).
     */
    Tuple parameters(boolean logInvalidation) {
        Integer[] idParameter = new Integer[count];
        OffsetDateTime[] ts = new OffsetDateTime[count];
        OffsetDateTime last = null;
        boolean anyReal = false;
        boolean anyInt = false;
        boolean anyBool = false;
        boolean anyText = false;
        boolean anyQuality = false;
        for (int i = 0; i < count; i++) {
            idParameter[i] = ids[i];
            // a scan stamps many samples with one time: one object for a run of equal times
            ts[i] = last != null && micros[i] == micros[i - 1] ? last : TelemetryWriter.timestamp(micros[i]);
            last = ts[i];
            anyReal |= reals[i] != null;
            anyInt |= ints[i] != null;
            anyBool |= bools[i] != null;
            anyText |= texts[i] != null;
            anyQuality |= qualities[i] != null;
        }
        return Tuple.tuple().addArrayOfInteger(idParameter).addArrayOfOffsetDateTime(ts)
                .addArrayOfDouble(anyReal ? Arrays.copyOf(reals, count) : null)
                .addArrayOfLong(anyInt ? Arrays.copyOf(ints, count) : null)
                .addArrayOfBoolean(anyBool ? Arrays.copyOf(bools, count) : null)
                .addArrayOfString(anyText ? Arrays.copyOf(texts, count) : null)
                .addArrayOfInteger(anyQuality ? Arrays.copyOf(qualities, count) : null)
                .addOffsetDateTime(logInvalidation ? TelemetryWriter.timestamp(minMicros) : null)
                .addOffsetDateTime(logInvalidation ? TelemetryWriter.timestamp(maxMicros) : null);
    }
}
