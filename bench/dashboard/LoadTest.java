import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-loop HTTP load: N clients, each sending the next GET when the previous answer arrived (THINK_MS = 0: as fast
 * as the server answers, i.e. saturation) or 0.5-1.5 x THINK_MS after it (a dashboard polling every THINK_MS).
 * Usage: java LoadTest.java LABEL TARGET CLIENTS WARMUP_S MEASURE_S [THINK_MS]
 * TARGET is a URL, or @FILE with one "name URL" per line (a mix: each request picks a line at random, and the figures
 * are printed per name as well). In a URL, {i:N} becomes a random integer 1..N for each request (e.g. a random metric).
 * Environment: BENCH_API_KEY (sent as a bearer key), BENCH_NO_CACHE=1 (sends Cache-Control: no-cache: the service
 * computes every answer for its request instead of serving its answer cache).
 * Prints one line (and one per name of a mix): p50/p90/p99/max latency (ms), requests/s and errors over the measured
 * window.
 */
public class LoadTest {

    private static final Pattern RANDOM = Pattern.compile("\\{i:(\\d+)}");

    record Target(String name, String url) {
        URI uri() {
            Matcher m = RANDOM.matcher(url);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Integer.toString(1 + ThreadLocalRandom.current().nextInt(Integer.parseInt(m.group(1)))));
            }
            m.appendTail(out);
            return URI.create(out.toString());
        }
    }

    public static void main(String[] args) throws Exception {
        String label = args[0];
        List<Target> targets = new ArrayList<>();
        if (args[1].startsWith("@")) {
            for (String line : Files.readAllLines(Path.of(args[1].substring(1)))) {
                String[] f = line.trim().split("\\s+", 2);
                if (f.length == 2 && !f[0].startsWith("#")) {
                    targets.add(new Target(f[0], f[1]));
                }
            }
        } else {
            targets.add(new Target(label, args[1]));
        }
        int clients = Integer.parseInt(args[2]);
        long warmupNs = Long.parseLong(args[3]) * 1_000_000_000L;
        long measureNs = Long.parseLong(args[4]) * 1_000_000_000L;
        long thinkMs = args.length > 5 ? Long.parseLong(args[5]) : 0;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        String apiKey = System.getenv("BENCH_API_KEY");
        boolean noCache = "1".equals(System.getenv("BENCH_NO_CACHE"));
        long start = System.nanoTime();
        long measureFrom = start + warmupNs;
        long end = measureFrom + measureNs;
        AtomicLong errors = new AtomicLong();
        int t = targets.size();
        // per client and target: latencies of the measured window
        long[][][] samples = new long[clients][t][256];
        int[][] counts = new int[clients][t];
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int id = c;
            Thread thread = new Thread(() -> {
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) {
                        return;
                    }
                    int which = t == 1 ? 0 : ThreadLocalRandom.current().nextInt(t);
                    HttpRequest.Builder builder = HttpRequest.newBuilder(targets.get(which).uri()).timeout(Duration.ofSeconds(120)).GET();
                    if (apiKey != null && !apiKey.isBlank()) {
                        builder.header("Authorization", "Bearer " + apiKey);
                    }
                    if (noCache) {
                        builder.header("Cache-Control", "no-cache");
                    }
                    try {
                        HttpResponse<byte[]> r = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
                        long t1 = System.nanoTime();
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        } else if (t0 >= measureFrom && t1 <= end) {
                            if (counts[id][which] == samples[id][which].length) {
                                samples[id][which] = Arrays.copyOf(samples[id][which], 2 * counts[id][which]);
                            }
                            samples[id][which][counts[id][which]++] = t1 - t0;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    if (thinkMs > 0) {
                        try {
                            // spread the clients' phases so that they do not poll in lock step
                            Thread.sleep(thinkMs / 2 + ThreadLocalRandom.current().nextLong(thinkMs + 1));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        print(label, clients, measureNs, collect(samples, counts, -1), errors.get());
        if (t > 1) {
            for (int w = 0; w < t; w++) {
                print("  " + targets.get(w).name(), clients, measureNs, collect(samples, counts, w), -1);
            }
        }
    }

    /** Sorted latencies of one target (or all when {@code which} is -1). */
    static long[] collect(long[][][] samples, int[][] counts, int which) {
        int n = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int w = 0; w < counts[c].length; w++) {
                if (which < 0 || w == which) {
                    n += counts[c][w];
                }
            }
        }
        long[] all = new long[n];
        int k = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int w = 0; w < counts[c].length; w++) {
                if (which < 0 || w == which) {
                    System.arraycopy(samples[c][w], 0, all, k, counts[c][w]);
                    k += counts[c][w];
                }
            }
        }
        Arrays.sort(all);
        return all;
    }

    static void print(String label, int clients, long measureNs, long[] all, long errors) {
        int n = all.length;
        System.out.printf("%-52s clients=%d n=%d rps=%.1f p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms%s%n",
                label, clients, n, n / (measureNs / 1e9), pct(all, 0.50), pct(all, 0.90), pct(all, 0.99),
                n == 0 ? Double.NaN : all[n - 1] / 1e6, errors < 0 ? "" : " errors=" + errors);
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
