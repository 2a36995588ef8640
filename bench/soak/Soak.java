import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Footprint soak: ingest at a fixed rate (open loop, 1,000-point JSON batches) plus dashboard pollers (closed loop,
 * each polling a random dashboard endpoint about once a second), for a fixed time, while the service's memory and
 * CPU are sampled from /proc every SAMPLE_S seconds.
 *
 * <p>Usage: java Soak.java BASE_URL SERVICE_PID DURATION_S POINTS_PER_S POLLERS TARGETS_FILE
 * Environment: BENCH_API_KEY (admin key: creates an ingest key, reads dashboards), SAMPLE_S (10), THINK_MS (1000).
 * TARGETS_FILE: "name path" per line ({i:N}: a random integer 1..N per request), as bench/dashboard/LoadTest.java.
 * Prints one line per sample (RSS, peak RSS, CPU, ingest rate, dashboard p99 of the interval) and a summary.
 */
public class Soak {

    static final int BATCH = 1000;
    static final int METRICS = 1000;
    static final Pattern RANDOM = Pattern.compile("\\{i:(\\d+)}");

    public static void main(String[] args) throws Exception {
        String base = args[0];
        long pid = Long.parseLong(args[1]);
        long durationS = Long.parseLong(args[2]);
        double pointsPerSecond = Double.parseDouble(args[3]);
        int pollers = Integer.parseInt(args[4]);
        List<String[]> targets = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[5]))) {
            String[] f = line.trim().split("\\s+", 2);
            if (f.length == 2 && !f[0].startsWith("#")) {
                targets.add(f);
            }
        }
        long sampleS = Long.parseLong(System.getenv().getOrDefault("SAMPLE_S", "10"));
        long thinkMs = Long.parseLong(System.getenv().getOrDefault("THINK_MS", "1000"));
        String admin = System.getenv("BENCH_API_KEY");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        String ingestKey = createIngestKey(http, base, admin);

        long start = System.nanoTime();
        long end = start + durationS * 1_000_000_000L;
        Stats ingest = new Stats();
        ConcurrentHashMap<String, Stats> dashboards = new ConcurrentHashMap<>();
        targets.forEach(t -> dashboards.put(t[0], new Stats()));
        AtomicLong points = new AtomicLong();
        AtomicLong ingestErrors = new AtomicLong();
        AtomicLong dashboardErrors = new AtomicLong();
        AtomicLong skipped = new AtomicLong();

        // ingest: a batch every 1/rate seconds, each with a timestamp of its own (ms apart), at most 64 outstanding
        double batchesPerSecond = pointsPerSecond / BATCH;
        Thread pacer = new Thread(() -> {
            ExecutorService senders = Executors.newFixedThreadPool(64);
            Semaphore outstanding = new Semaphore(64);
            long interval = (long) (1e9 / batchesPerSecond);
            long first = Instant.now().toEpochMilli();
            for (long i = 0; ; i++) {
                long due = start + i * interval;
                if (due >= end) {
                    break;
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                if (!outstanding.tryAcquire()) {
                    skipped.incrementAndGet(); // the service is 64 batches behind: not sent, counted
                    continue;
                }
                // the batch's timestamp follows its schedule (distinct per batch, to the microsecond)
                byte[] body = jsonBody(Instant.ofEpochMilli(first).plusNanos(i * interval / 1000 * 1000), i);
                senders.submit(() -> {
                    try {
                        long t0 = System.nanoTime();
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/telemetry"))
                                .header("Authorization", "Bearer " + ingestKey).header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() >= 300) {
                            ingestErrors.incrementAndGet();
                        } else {
                            ingest.add(System.nanoTime() - t0);
                            points.addAndGet(BATCH);
                        }
                    } catch (Exception e) {
                        ingestErrors.incrementAndGet();
                    } finally {
                        outstanding.release();
                    }
                });
            }
            senders.shutdown();
        });
        pacer.start();

        // dashboard pollers
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < pollers; c++) {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(thinkMs + 1));
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < end) {
                    String[] target = targets.get(ThreadLocalRandom.current().nextInt(targets.size()));
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + expand(target[1])))
                                .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(60)).GET().build(),
                                HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 200) {
                            dashboardErrors.incrementAndGet();
                        } else {
                            dashboards.get(target[0]).add(System.nanoTime() - t0);
                        }
                    } catch (Exception e) {
                        dashboardErrors.incrementAndGet();
                    }
                    try {
                        Thread.sleep(thinkMs / 2 + ThreadLocalRandom.current().nextLong(thinkMs + 1));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }

        // samples
        System.out.printf(Locale.ROOT, "%8s %9s %9s %9s %12s %14s %14s %8s%n", "t_s", "rss_mib", "peak_mib", "cpu_%",
                "ingest_pt/s", "ingest_p99_ms", "dash_p99_ms", "load1");
        long lastPoints = 0;
        long lastCpu = cpuTicks(pid);
        long lastT = System.nanoTime();
        double maxRss = 0;
        List<Double> rssSeries = new ArrayList<>();
        while (System.nanoTime() < end) {
            Thread.sleep(sampleS * 1000);
            long now = System.nanoTime();
            double rss = status(pid, "VmRSS") / 1024.0;
            double hwm = status(pid, "VmHWM") / 1024.0;
            maxRss = Math.max(maxRss, rss);
            rssSeries.add(rss);
            long cpu = cpuTicks(pid);
            double seconds = (now - lastT) / 1e9;
            long p = points.get();
            long[] dash = Stats.merge(dashboards.values(), true);
            System.out.printf(Locale.ROOT, "%8.0f %9.0f %9.0f %9.0f %12.0f %14.1f %14.1f %8s%n", (now - start) / 1e9, rss, hwm,
                    (cpu - lastCpu) / 100.0 / seconds * 100, (p - lastPoints) / seconds, ingest.intervalP99(), pct(dash, 0.99),
                    Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
            lastPoints = p;
            lastCpu = cpu;
            lastT = now;
        }
        pacer.join();
        Thread.sleep(2000);
        double seconds = durationS;
        System.out.printf(Locale.ROOT, "%nsummary over %d s: service peak RSS %.0f MiB (VmHWM %.0f MiB), RSS min/median/max of samples %.0f/%.0f/%.0f MiB%n",
                durationS, maxRss, status(pid, "VmHWM") / 1024.0, rssSeries.stream().mapToDouble(d -> d).min().orElse(0),
                rssSeries.stream().mapToDouble(d -> d).sorted().skip(rssSeries.size() / 2).findFirst().orElse(0),
                maxRss);
        long[] in = ingest.all();
        System.out.printf(Locale.ROOT, "ingest: %,d points (%.0f points/s, target %.0f), batches p50 %.1f ms p99 %.1f ms, errors %d, not sent (64 behind) %d%n",
                points.get(), points.get() / seconds, pointsPerSecond, pct(in, 0.5), pct(in, 0.99), ingestErrors.get(), skipped.get());
        long[] all = Stats.merge(dashboards.values(), false);
        System.out.printf(Locale.ROOT, "dashboards (%d pollers): %,d requests (%.1f/s), p50 %.1f ms p99 %.1f ms max %.1f ms, errors %d%n",
                pollers, all.length, all.length / seconds, pct(all, 0.5), pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6,
                dashboardErrors.get());
        for (String[] t : targets) {
            long[] s = dashboards.get(t[0]).all();
            System.out.printf(Locale.ROOT, "  %-16s n=%6d p50 %7.1f ms p99 %7.1f ms%n", t[0], s.length, pct(s, 0.5), pct(s, 0.99));
        }
        System.exit(0);
    }

    /** Latencies (ns) of the whole run and of the current sampling interval. */
    static final class Stats {
        private long[] all = new long[1024];
        private int n;
        private int intervalStart;

        synchronized void add(long ns) {
            if (n == all.length) {
                all = Arrays.copyOf(all, 2 * n);
            }
            all[n++] = ns;
        }

        synchronized long[] all() {
            long[] copy = Arrays.copyOf(all, n);
            Arrays.sort(copy);
            return copy;
        }

        /** The interval's latencies, and starts the next interval. */
        synchronized long[] interval() {
            long[] copy = Arrays.copyOfRange(all, intervalStart, n);
            intervalStart = n;
            Arrays.sort(copy);
            return copy;
        }

        double intervalP99() {
            return pct(interval(), 0.99);
        }

        static long[] merge(Iterable<Stats> stats, boolean interval) {
            List<long[]> parts = new ArrayList<>();
            for (Stats s : stats) {
                parts.add(interval ? s.interval() : s.all());
            }
            long[] merged = parts.stream().flatMapToLong(Arrays::stream).toArray();
            Arrays.sort(merged);
            return merged;
        }
    }

    static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    static String expand(String url) {
        Matcher m = RANDOM.matcher(url);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Integer.toString(1 + ThreadLocalRandom.current().nextInt(Integer.parseInt(m.group(1)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** 1,000 samples of metrics soak.m0000 … soak.m0999, all at one timestamp (a scan of 1,000 PLC tags). */
    static byte[] jsonBody(Instant at, long batch) {
        String ts = at.toString();
        StringBuilder sb = new StringBuilder(BATCH * 70).append("{\"samples\":[");
        for (int m = 0; m < BATCH; m++) {
            sb.append(m == 0 ? "" : ",").append("{\"metric\":\"soak.m").append(String.format("%04d", m % METRICS))
                    .append("\",\"ts\":\"").append(ts).append("\",\"value\":")
                    .append(Math.round((m * 0.37 + (batch % 600) * 0.01) * 1000) / 1000.0).append(",\"quality\":192}");
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    static String createIngestKey(HttpClient http, String base, String adminKey) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/admin/api-keys"))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"soak\",\"scopes\":[\"ingest\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("cannot create key: " + r.statusCode() + " " + r.body());
        }
        String body = r.body();
        int i = body.indexOf("\"key\":\"") + 7;
        return body.substring(i, body.indexOf('"', i));
    }

    static long status(long pid, String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return 0;
    }

    /** utime + stime of the process, in clock ticks (1/100 s). */
    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
