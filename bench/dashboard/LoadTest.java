import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop HTTP load: N clients, each sending the next GET when the previous answer arrived (THINK_MS = 0: as fast
 * as the server answers, i.e. saturation) or THINK_MS after it (a dashboard polling every THINK_MS).
 * Usage: java LoadTest.java LABEL URL CLIENTS WARMUP_S MEASURE_S [THINK_MS]
 * Prints one line: p50/p90/p99/max latency (ms), requests/s and errors over the measured window.
 */
public class LoadTest {
    public static void main(String[] args) throws Exception {
        String label = args[0];
        URI uri = URI.create(args[1]);
        int clients = Integer.parseInt(args[2]);
        long warmupNs = Long.parseLong(args[3]) * 1_000_000_000L;
        long measureNs = Long.parseLong(args[4]) * 1_000_000_000L;
        long thinkMs = args.length > 5 ? Long.parseLong(args[5]) : 0;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        // BENCH_API_KEY (set by run.sh): the dashboard API needs a key with the read scope
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120)).GET();
        String apiKey = System.getenv("BENCH_API_KEY");
        if (apiKey != null && !apiKey.isBlank()) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        HttpRequest request = builder.build();
        long start = System.nanoTime();
        long measureFrom = start + warmupNs;
        long end = measureFrom + measureNs;
        AtomicLong errors = new AtomicLong();
        List<long[]> perClient = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        int[] counts = new int[clients];
        for (int c = 0; c < clients; c++) {
            long[] samples = new long[1 << 20];
            perClient.add(samples);
            int id = c;
            Thread t = new Thread(() -> {
                while (true) {
                    long t0 = System.nanoTime();
                    if (t0 >= end) {
                        return;
                    }
                    try {
                        HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        long t1 = System.nanoTime();
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        } else if (t0 >= measureFrom && t1 <= end && counts[id] < samples.length) {
                            samples[counts[id]++] = t1 - t0;
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    if (thinkMs > 0) {
                        try {
                            // spread the clients' phases so that they do not poll in lock step
                            Thread.sleep(thinkMs / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(thinkMs + 1));
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        int n = Arrays.stream(counts).sum();
        long[] all = new long[n];
        int k = 0;
        for (int c = 0; c < clients; c++) {
            System.arraycopy(perClient.get(c), 0, all, k, counts[c]);
            k += counts[c];
        }
        Arrays.sort(all);
        System.out.printf("%-52s clients=%d n=%d rps=%.1f p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms errors=%d%n",
                label, clients, n, n / (measureNs / 1e9), pct(all, 0.50), pct(all, 0.90), pct(all, 0.99),
                n == 0 ? Double.NaN : all[n - 1] / 1e6, errors.get());
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }
}
