import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End-to-end ingest benchmark: points/s through POST /api/v1/telemetry (JSON) and /api/v2/write (line
 * protocol) into metric_hist, against COPY of the same number of rows into the same hypertable in the
 * same run; latency of 1,000-point batches at half the measured JSON rate; small-batch rate.
 * Run by bench/ingest/run (which starts the cluster and the service); see README.md.
 *
 * Args: baseUrl jdbcUrl dbUser dbPassword adminKey [pointsPerPhase] [clients] [servicePid]
 */
public class IngestBench {

    static final int METRICS = 1000;      // one batch = one scan of 1,000 PLC tags at one timestamp
    static final int BATCH = 1000;

    public static void main(String[] args) throws Exception {
        String base = args[0];
        String jdbc = args[1];
        String user = args[2];
        String password = args[3];
        String adminKey = args[4];
        int points = args.length > 5 ? Integer.parseInt(args[5]) : 1_000_000;
        int clients = args.length > 6 ? Integer.parseInt(args[6]) : 8;
        int batches = points / BATCH;
        long servicePid = args.length > 7 ? Long.parseLong(args[7]) : -1;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        String key = createKey(http, base, adminKey);
        // time windows (1 s per batch), far enough apart that no phase collides with another
        Instant origin = Instant.now().minus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        long jsonStart = origin.getEpochSecond() * 1000;
        long lpStart = jsonStart + 6 * 3_600_000L;
        long copyStart = jsonStart + 12 * 3_600_000L;
        long latencyStart = jsonStart + 18 * 3_600_000L;
        long smallStart = jsonStart + 24 * 3_600_000L;
        long warmStart = jsonStart - 6 * 3_600_000L;

        // warm-up (JIT, metric registration, pool connections): not measured
        List<byte[]> warm = jsonBodies(warmStart, 200, "bench.m");
        List<byte[]> warmLp = lpBodies(warmStart, 200);
        run(http, base + "/api/v1/telemetry", "application/json", key, warm, clients);
        run(http, base + "/api/v2/write?org=bench&bucket=bench&precision=ms", "text/plain", key, warmLp, clients);

        List<byte[]> json = jsonBodies(jsonStart, batches, "bench.m");
        double[] cpu0 = cpu(servicePid);
        Result jsonResult = run(http, base + "/api/v1/telemetry", "application/json", key, json, clients);
        double[] cpu1 = cpu(servicePid);
        json = null;
        List<byte[]> lp = lpBodies(lpStart, batches);
        double[] cpu2 = cpu(servicePid);
        Result lpResult = run(http, base + "/api/v2/write?org=bench&bucket=bench&precision=ms", "text/plain", key, lp, clients);
        double[] cpu3 = cpu(servicePid);
        lp = null;

        double copyRate;
        double copyTriggerRate;
        try (Connection c = DriverManager.getConnection(jdbc, user, password)) {
            int[] ids = metricIds(c);
            copyRate = copy(c, ids, copyStart, batches, true);
            copyTriggerRate = copy(c, ids, copyStart + 3 * 3_600_000L, batches / 4, false);
        }

        // latency at half the JSON rate: batches released on a fixed schedule, each timed alone
        double target = jsonResult.pointsPerSecond() / 2;
        int latencyBatches = (int) Math.min(batches, Math.max(200, target * 20 / BATCH)); // ~20 s
        List<byte[]> paced = jsonBodies(latencyStart, latencyBatches, "bench.m");
        List<Long> latencies = paced(http, base + "/api/v1/telemetry", key, paced, target / BATCH);

        // small batches (10 points): the cost of many tiny requests
        List<byte[]> small = new ArrayList<>();
        for (int b = 0; b < 5000; b++) {
            small.add(jsonBody(smallStart + b, (b * 10) % METRICS, 10, "bench.m"));
        }
        Result smallResult = run(http, base + "/api/v1/telemetry", "application/json", key, small, clients * 2);

        Collections.sort(latencies);
        System.out.printf(Locale.ROOT, "points per phase          %,d (batches of %d, %d metrics, %d concurrent clients)%n", points, BATCH, METRICS, clients);
        System.out.printf(Locale.ROOT, "POST /api/v1/telemetry    %,10.0f points/s  (%.1f s, %d errors)%n", jsonResult.pointsPerSecond(), jsonResult.seconds, jsonResult.errors);
        System.out.printf(Locale.ROOT, "POST /api/v2/write        %,10.0f points/s  (%.1f s, %d errors)%n", lpResult.pointsPerSecond(), lpResult.seconds, lpResult.errors);
        System.out.printf(Locale.ROOT, "COPY (invalidation once)  %,10.0f rows/s%n", copyRate);
        System.out.printf(Locale.ROOT, "COPY (row trigger, Apache)%,10.0f rows/s%n", copyTriggerRate);
        System.out.printf(Locale.ROOT, "ratio JSON / COPY         %10.2f%n", jsonResult.pointsPerSecond() / copyRate);
        System.out.printf(Locale.ROOT, "ratio line protocol / COPY%10.2f%n", lpResult.pointsPerSecond() / copyRate);
        System.out.printf(Locale.ROOT, "latency at %,.0f points/s (50%% of JSON max), %d answered batches: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                target, latencies.size(), pct(latencies, 50), pct(latencies, 99), latencies.get(latencies.size() - 1) / 1e6);
        System.out.printf(Locale.ROOT, "  refused during the latency phase (429/503): %d%n", REFUSED.get());
        System.out.printf(Locale.ROOT, "CPU seconds per 1M points: JSON service %.2f, bench client %.2f; line protocol service %.2f, client %.2f%n",
                (cpu1[0] - cpu0[0]) * 1e6 / jsonResult.points, (cpu1[1] - cpu0[1]) * 1e6 / jsonResult.points,
                (cpu3[0] - cpu2[0]) * 1e6 / lpResult.points, (cpu3[1] - cpu2[1]) * 1e6 / lpResult.points);
        System.out.printf(Locale.ROOT, "10-point batches          %,10.0f points/s  (%,.0f requests/s, %d errors)%n",
                smallResult.pointsPerSecond(), smallResult.pointsPerSecond() / 10, smallResult.errors);
    }

    /** CPU seconds used so far by the service process (from /proc) and by this process. */
    static double[] cpu(long pid) throws Exception {
        double service = 0;
        if (pid > 0) {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            service = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime in clock ticks (100/s)
        }
        double self = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        return new double[] {service, self};
    }

    record Result(long points, double seconds, int errors) {
        double pointsPerSecond() {
            return points / seconds;
        }
    }

    static double pct(List<Long> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, i)) / 1e6;
    }

    static String createKey(HttpClient http, String base, String adminKey) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/admin/api-keys"))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\",\"scopes\":[\"ingest\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("cannot create key: " + r.statusCode() + " " + r.body());
        }
        String body = r.body();
        int i = body.indexOf("\"key\":\"") + 7;
        return body.substring(i, body.indexOf('"', i));
    }

    static List<byte[]> jsonBodies(long startMillis, int batches, String prefix) {
        List<byte[]> bodies = new ArrayList<>(batches);
        for (int b = 0; b < batches; b++) {
            bodies.add(jsonBody(startMillis + b * 1000L, 0, BATCH, prefix));
        }
        return bodies;
    }

    static byte[] jsonBody(long millis, int firstMetric, int n, String prefix) {
        String ts = Instant.ofEpochMilli(millis).toString();
        StringBuilder sb = new StringBuilder(n * 70).append("{\"samples\":[");
        for (int m = 0; m < n; m++) {
            int metric = (firstMetric + m) % METRICS;
            sb.append(m == 0 ? "" : ",").append("{\"metric\":\"").append(prefix).append(String.format("%04d", metric))
                    .append("\",\"ts\":\"").append(ts).append("\",\"value\":").append(value(metric, millis))
                    .append(",\"quality\":192}");
        }
        return sb.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    static List<byte[]> lpBodies(long startMillis, int batches) {
        List<byte[]> bodies = new ArrayList<>(batches);
        for (int b = 0; b < batches; b++) {
            long millis = startMillis + b * 1000L;
            StringBuilder sb = new StringBuilder(BATCH * 40);
            for (int m = 0; m < BATCH; m++) {
                sb.append("benchlp,host=gw1,tag=t").append(String.format("%04d", m)).append(" value=").append(value(m, millis))
                        .append(' ').append(millis).append('\n');
            }
            bodies.add(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return bodies;
    }

    static String value(int metric, long millis) {
        return Double.toString(Math.round((metric * 0.37 + (millis / 1000 % 600) * 0.01) * 1000) / 1000.0);
    }

    static Result run(HttpClient http, String url, String type, String key, List<byte[]> bodies, int clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long started = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < bodies.size()) {
                    try {
                        HttpResponse<Void> r = http.send(request(url, type, key, bodies.get(i)), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() >= 300) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        long points = 0;
        for (byte[] b : bodies) {
            points += count(b, type);
        }
        return new Result(points, seconds, errors.get());
    }

    static int count(byte[] body, String type) {
        int n = 0;
        byte marker = (byte) (type.equals("text/plain") ? '\n' : '{');
        for (byte x : body) {
            if (x == marker) {
                n++;
            }
        }
        return type.equals("text/plain") ? n : n - 1;
    }

    static HttpRequest request(String url, String type, String key, byte[] body) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + key)
                .header("Content-Type", type).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    static final AtomicInteger REFUSED = new AtomicInteger();

    /** Sends batches at a fixed rate (open loop, up to 64 outstanding) and returns each one's latency in ns. */
    static List<Long> paced(HttpClient http, String url, String key, List<byte[]> bodies, double batchesPerSecond) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(64);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long interval = (long) (1e9 / batchesPerSecond);
        long start = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            byte[] body = bodies.get(i);
            futures.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                HttpResponse<Void> r = http.send(request(url, "application/json", key, body), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() >= 300) {
                    REFUSED.incrementAndGet(); // e.g. 429 when the machine cannot keep up; not a latency sample
                } else {
                    latencies.add(System.nanoTime() - t0);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        return latencies;
    }

    static int[] metricIds(Connection c) throws Exception {
        int[] ids = new int[METRICS];
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, metric_key FROM factory_telemetry.metric_def WHERE metric_key LIKE 'bench.m%' ORDER BY metric_key")) {
            int i = 0;
            while (rs.next() && i < METRICS) {
                ids[i++] = rs.getInt(1);
            }
            if (i < METRICS) {
                throw new IllegalStateException("expected " + METRICS + " bench metrics, found " + i);
            }
        }
        return ids;
    }

    /**
     * COPY of the same rows (text format, 100,000 rows per transaction). With logOnce the transaction
     * switches off the per-row invalidation trigger and logs the range once, as the service does.
     */
    static double copy(Connection c, int[] ids, long startMillis, int batches, boolean logOnce) throws Exception {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        int perTx = 100;
        List<String> chunks = new ArrayList<>();   // built before timing, like the HTTP bodies
        List<String[]> ranges = new ArrayList<>();
        for (int b0 = 0; b0 < batches; b0 += perTx) {
            StringBuilder sb = new StringBuilder(perTx * BATCH * 50);
            int end = Math.min(batches, b0 + perTx);
            for (int b = b0; b < end; b++) {
                long millis = startMillis + b * 1000L;
                String ts = Instant.ofEpochMilli(millis).toString();
                for (int m = 0; m < METRICS; m++) {
                    sb.append(ids[m]).append('\t').append(ts).append('\t').append(value(m, millis)).append("\t192\n");
                }
            }
            chunks.add(sb.toString());
            ranges.add(new String[] {Instant.ofEpochMilli(startMillis + b0 * 1000L).toString(),
                    Instant.ofEpochMilli(startMillis + (end - 1) * 1000L).toString()});
        }
        c.setAutoCommit(false);
        long rows = 0;
        long started = System.nanoTime();
        for (int i = 0; i < chunks.size(); i++) {
            if (logOnce) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT set_config('factory_telemetry.invalidation_logged', 'on', true), "
                            + "factory_telemetry.log_invalidation('metric_hist', '" + ranges.get(i)[0] + "', '" + ranges.get(i)[1] + "')");
                }
            }
            rows += copy.copyIn("COPY factory_telemetry.metric_hist (metric_id, ts, value_real, quality) FROM STDIN",
                    new StringReader(chunks.get(i)));
            c.commit();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        c.setAutoCommit(true);
        return rows / seconds;
    }
}
