package dev.factorytelemetry.ingest;

import dev.factorytelemetry.ingest.MetricRegistry.Metric;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.OffsetDateTime;
import java.util.Arrays;

/**
 * The metric_hist rows of one request: sorted by (metric id, ts), repeats of the same metric+ts
 * dropped (the first sample wins), values in the column of the metric's type. Only the value columns
 * (and quality) that some row uses are sent: a request of REAL samples binds 4 arrays, not 7 of which
 * 3 are all NULL ({@link #insertSql} names the statement of that combination).
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

    /** Bit of {@link #columns()} per optional column, in the order of the statement's parameters after ids and ts. */
    static final int REAL = 1;
    static final int INT = 2;
    static final int BOOL = 4;
    static final int TEXT = 8;
    static final int QUALITY = 16;

    /** The INSERT of each combination of optional columns, built once. */
    private static final String[] INSERTS = new String[32];

    static {
        for (int columns = 0; columns < INSERTS.length; columns++) {
            INSERTS[columns] = insertSql(columns);
        }
    }

    /**
     * {@code INSERT … SELECT FROM unnest(ids, ts[, the arrays of the present columns]) ON CONFLICT DO NOTHING};
     * absent columns are NULL constants.
     */
    static String insertSql(int columns) {
        StringBuilder arrays = new StringBuilder("$1::int[], $2::timestamptz[]");
        StringBuilder names = new StringBuilder("metric_id, ts");
        StringBuilder values = new StringBuilder("u.metric_id, u.ts");
        int parameter = 3;
        String[][] optional = {{"value_real", "float8"}, {"value_int", "int8"}, {"value_bool", "bool"}, {"value_text", "text"},
                {"quality", "int"}};
        for (int k = 0; k < optional.length; k++) {
            String column = optional[k][0];
            String type = optional[k][1];
            if ((columns & (1 << k)) != 0) {
                arrays.append(", $").append(parameter++).append("::").append(type).append("[]");
                names.append(", ").append(column);
                values.append(", u.").append(column);
            } else {
                values.append(", NULL::").append(type);
            }
        }
        return "INSERT INTO factory_telemetry.metric_hist (metric_id, ts, value_real, value_int, value_bool, value_text, quality)\n"
                + "SELECT " + values + "\nFROM unnest(" + arrays + ") AS u(" + names + ")\nON CONFLICT DO NOTHING";
    }

    /** The optional columns some row has a value for (bits {@link #REAL} … {@link #QUALITY}). */
    int columns() {
        int columns = 0;
        for (int i = 0; i < count && columns != 31; i++) {
            columns |= reals[i] != null ? REAL : ints[i] != null ? INT : bools[i] != null ? BOOL : TEXT;
            if (qualities[i] != null) {
                columns |= QUALITY;
            }
        }
        return columns;
    }

    /** The statement for these rows; {@link #parameters} binds its arrays. */
    String insertSql() {
        return INSERTS[columns()];
    }

    /** The parameters of {@link #insertSql} for these rows, in order. */
    Tuple parameters() {
        Integer[] idParameter = new Integer[count];
        OffsetDateTime[] ts = new OffsetDateTime[count];
        OffsetDateTime last = null;
        for (int i = 0; i < count; i++) {
            idParameter[i] = ids[i];
            // a scan stamps many samples with one time: one object for a run of equal times
            ts[i] = last != null && i > 0 && micros[i] == micros[i - 1] ? last : TelemetryWriter.timestamp(micros[i]);
            last = ts[i];
        }
        int columns = columns();
        Tuple tuple = Tuple.tuple().addArrayOfInteger(idParameter).addArrayOfOffsetDateTime(ts);
        if ((columns & REAL) != 0) {
            tuple.addArrayOfDouble(Arrays.copyOf(reals, count));
        }
        if ((columns & INT) != 0) {
            tuple.addArrayOfLong(Arrays.copyOf(ints, count));
        }
        if ((columns & BOOL) != 0) {
            tuple.addArrayOfBoolean(Arrays.copyOf(bools, count));
        }
        if ((columns & TEXT) != 0) {
            tuple.addArrayOfString(Arrays.copyOf(texts, count));
        }
        if ((columns & QUALITY) != 0) {
            tuple.addArrayOfInteger(Arrays.copyOf(qualities, count));
        }
        return tuple;
    }
}
