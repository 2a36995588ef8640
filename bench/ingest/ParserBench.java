import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CPU per line of the line-protocol parser alone, single-threaded: the former String-based parser
 * ({@code LegacyLineProtocolParser}, from target/test-classes) against the current one
 * ({@code LineProtocolParser}, target/classes), on the same 1,000-line bodies, each parse as the service
 * runs it (a new parser per request). After a warm-up, rounds alternate between the two parsers (so that
 * the machine's load hits both alike) and each round's CPU time of this thread is taken; prints the
 * median ns per line of each and the ratio. The parsers are package-private: reached by reflection.
 *
 * <pre>java -cp target/classes:target/test-classes bench/ingest/ParserBench.java</pre>
 *
 * (after {@code ./mvnw test-compile}). Bodies: {@code bench} is IngestBench's line-protocol batch
 * ({@code benchlp,host=gw1,tag=t0042 value=12.5 1772445600000}, precision ms); {@code opcua} is Telegraf's
 * OPC UA input ({@code opcua,host=gw-01,id=ns\=3;s\=Tag0042 value=12.5,Quality="OK (0x0)" <ns>}).
 * About 20 s of CPU with the defaults; {@code -Dseconds=N} (before the file name) sets the measured seconds per
 * parser and body.
 */
public class ParserBench {

    static final long MILLIS = 1_772_445_600_000L; // 2026-03-02T10:00:00Z
    static final int LINES = 1000;

    public static void main(String[] args) throws Exception {
        double seconds = Double.parseDouble(System.getProperty("seconds", "3"));
        Class<?> precisionClass = Class.forName("dev.factorytelemetry.ingest.TimestampPrecision");
        Class<?> rulesClass = Class.forName("dev.factorytelemetry.ingest.SampleRules");
        Constructor<?> rulesConstructor = rulesClass.getDeclaredConstructor(long.class, long.class, int.class, String.class);
        rulesConstructor.setAccessible(true);
        long nowMicros = MILLIS * 1000 + 60_000_000L;
        Object rules = rulesConstructor.newInstance(nowMicros - 90L * 86_400_000_000L, nowMicros + 300_000_000L, 4096, "90 days");
        Parser legacy = new Parser("dev.factorytelemetry.ingest.LegacyLineProtocolParser", rules, nowMicros);
        Parser current = new Parser("dev.factorytelemetry.ingest.LineProtocolParser", rules, nowMicros);

        System.out.printf("ParserBench: %d-line bodies, %s s measured per parser and body, Java %s%n", LINES, seconds,
                System.getProperty("java.version"));
        for (String shape : List.of("bench", "opcua")) {
            byte[] body = body(shape);
            String unit = shape.equals("bench") ? "MS" : "NS";
            Object precision = Arrays.stream(precisionClass.getEnumConstants()).filter(p -> p.toString().equals(unit)).findFirst().orElseThrow();
            int expected = legacy.parse(body, precision);
            if (current.parse(body, precision) != expected || expected != LINES) {
                throw new IllegalStateException(shape + ": the parsers disagree or report errors (" + expected + " samples)");
            }
            // warm-up: both parsers, until C2 has compiled them (not measured)
            run(legacy, body, precision, seconds / 2);
            run(current, body, precision, seconds / 2);
            List<Double> legacyNs = new ArrayList<>();
            List<Double> currentNs = new ArrayList<>();
            int rounds = 6;
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    legacyNs.add(run(legacy, body, precision, seconds / rounds));
                    currentNs.add(run(current, body, precision, seconds / rounds));
                } else {
                    currentNs.add(run(current, body, precision, seconds / rounds));
                    legacyNs.add(run(legacy, body, precision, seconds / rounds));
                }
            }
            double l = median(legacyNs);
            double c = median(currentNs);
            System.out.printf("%-6s %6d bytes  legacy %7.1f ns/line [%s]  current %7.1f ns/line [%s]  legacy/current %.2fx%n",
                    shape, body.length, l, range(legacyNs), c, range(currentNs), l / c);
        }
    }

    /** One parser, called as the service calls it: a new instance per body. */
    static final class Parser {
        final Constructor<?> constructor;
        final Method parse;
        final Method batch;
        final Method size;
        final Method errorCount;
        final Object rules;
        final long nowMicros;

        Parser(String className, Object rules, long nowMicros) throws Exception {
            Class<?> c = Class.forName(className);
            constructor = c.getDeclaredConstructors()[0];
            constructor.setAccessible(true);
            parse = c.getDeclaredMethod("parse", byte[].class);
            parse.setAccessible(true);
            batch = parse.getReturnType().getDeclaredMethod("batch");
            batch.setAccessible(true);
            size = batch.getReturnType().getDeclaredMethod("size");
            size.setAccessible(true);
            errorCount = batch.getReturnType().getDeclaredMethod("errorCount");
            errorCount.setAccessible(true);
            this.rules = rules;
            this.nowMicros = nowMicros;
        }

        /** The number of samples; -1 when there are errors. */
        int parse(byte[] body, Object precision) throws Exception {
            Object parser = constructor.newInstance(precision, rules, 50_000, List.of("host"), List.of("Quality", "quality"), nowMicros);
            Object b = batch.invoke(parse.invoke(parser, (Object) body));
            return (int) errorCount.invoke(b) == 0 ? (int) size.invoke(b) : -1;
        }
    }

    /** Parses the body again and again for about the given CPU seconds; ns of this thread's CPU per line. */
    static double run(Parser parser, byte[] body, Object precision, double seconds) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long budget = (long) (seconds * 1e9);
        long start = threads.getCurrentThreadCpuTime();
        long lines = 0;
        long sink = 0;
        long used;
        do {
            for (int i = 0; i < 20; i++) {
                sink += parser.parse(body, precision);
                lines += LINES;
            }
            used = threads.getCurrentThreadCpuTime() - start;
        } while (used < budget);
        if (sink != lines) {
            throw new IllegalStateException("unexpected result");
        }
        return (double) used / lines;
    }

    static byte[] body(String shape) {
        StringBuilder sb = new StringBuilder(LINES * 80);
        for (int m = 0; m < LINES; m++) {
            String value = Double.toString(Math.round((m * 0.37 + (MILLIS / 1000 % 600) * 0.01) * 1000) / 1000.0); // IngestBench.value
            if (shape.equals("bench")) {
                sb.append("benchlp,host=gw1,tag=t").append(String.format("%04d", m)).append(" value=").append(value)
                        .append(' ').append(MILLIS).append('\n');
            } else {
                sb.append("opcua,host=gw-01,id=ns\\=3;s\\=Tag").append(String.format("%04d", m)).append(" value=").append(value)
                        .append(",Quality=\"OK (0x0)\" ").append(MILLIS * 1_000_000L).append('\n');
            }
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    static String range(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return String.format("%.1f-%.1f", sorted[0], sorted[sorted.length - 1]);
    }
}
