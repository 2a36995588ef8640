import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * End-to-end ingest benchmark of one or more builds of the service in one run (normally a baseline,
 * e.g. main, and the candidate): for each build and round it creates a fresh database, starts the
 * service jar on it, and measures points/s through POST /api/v1/telemetry (JSON) and /api/v2/write
 * (line protocol) into metric_hist against COPY of the same number of rows into the same hypertable;
 * CPU seconds per million points of the service, of the whole PostgreSQL cluster and of this client;
 * latency of 1,000-point batches at half the measured JSON rate; small-batch rate; peak RSS. Then it
 * prints every run and a summary (median and range over the rounds, candidate / baseline).
 * Run by bench/ingest/run (which builds the jars and starts the cluster); see README.md.
 *
 * System properties: bench.tsdb (the deploy/local/tsdb script), bench.jdbcBase (jdbc:postgresql://host:port/),
 * bench.dataDir (the cluster's data directory: postmaster.pid), bench.httpPort, bench.points, bench.clients,
 * bench.rounds, bench.warmUp (batches of each format sent before measuring), bench.javaOpts, bench.profiler (libasyncProfiler.so: profile the JSON and line-protocol
 * phases of the first round), bench.out (directory for logs and profiles).
 * Arguments: label=path/to/quarkus-run.jar ..., the first one is the baseline.
 */
public class IngestBench {

    static final int METRICS = 1000;      // one batch = one scan of 1,000 PLC tags at one timestamp
    static final int BATCH = 1000;
    static final double CLOCK_TICKS = 100.0;  // USER_HZ of /proc/<pid>/stat on Linux

    static final String TSDB = System.getProperty("bench.tsdb", "deploy/local/tsdb");
    static final String JDBC_BASE = System.getProperty("bench.jdbcBase", "jdbc:postgresql://127.0.0.1:55535/");
    static final Path DATA_DIR = Path.of(System.getProperty("bench.dataDir", "."));
    static final int HTTP_PORT = Integer.getInteger("bench.httpPort", 18080);
    static final int POINTS = Integer.getInteger("bench.points", 1_000_000);
    static final int CLIENTS = Integer.getInteger("bench.clients", 8);
    static final int ROUNDS = Integer.getInteger("bench.rounds", 1);
    static final String JAVA_OPTS = System.getProperty("bench.javaOpts", "-Xmx1g");
    static final int WARM_UP = Integer.getInteger("bench.warmUp", 1500); // batches of each format before measuring
    static final String PROFILER = System.getProperty("bench.profiler", "");
    static final Path OUT = Path.of(System.getProperty("bench.out", "target"));

    public static void main(String[] args) throws Exception {
        Map<String, Path> builds = new LinkedHashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            builds.put(a.substring(0, eq), Path.of(a.substring(eq + 1)));
        }
        List<String> labels = new ArrayList<>(builds.keySet());
        Map<String, List<Map<String, Double>>> results = new LinkedHashMap<>();
        labels.forEach(l -> results.put(l, new ArrayList<>()));
        System.out.printf(Locale.ROOT, "points per phase %,d (batches of %d, %d metrics, %d concurrent clients), %d round(s), builds %s%n",
                POINTS, BATCH, METRICS, CLIENTS, ROUNDS, builds);
        for (int round = 1; round <= ROUNDS; round++) {
            List<String> order = new ArrayList<>(labels);
            if (round % 2 == 0) {
                Collections.reverse(order); // alternate the order so that drift in the machine's load hits both alike
            }
            for (String label : order) {
                System.out.printf(Locale.ROOT, "%n== round %d, %s (load average %s)%n", round, label, loadAverage());
                Map<String, Double> r = runBuild(label, builds.get(label), round);
                results.get(label).add(r);
                print(r);
            }
        }
        summary(labels, results);
    }

    // ------------------------------------------------------------------ one build, one round

    static Map<String, Double> runBuild(String label, Path jar, int round) throws Exception {
        String db = "ft_bench_" + label.replaceAll("[^A-Za-z0-9]", "_").toLowerCase(Locale.ROOT) + "_" + round;
        exec(TSDB, "dropdb", db);
        exec(TSDB, "createdb", db);
        String adminKey = "bench-admin-" + Long.toHexString(Double.doubleToLongBits(Math.random())) + "-0123456789abcdef";
        Files.createDirectories(OUT);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(JAVA_OPTS.trim().split("\\s+")));
        command.add("-XX:-UseDynamicNumberOfCompilerThreads");
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(OUT.resolve("bench-ingest-" + label + ".log").toFile());
        String jdbcUrl = JDBC_BASE + db;
        URI u = URI.create(jdbcUrl.substring(5));
        pb.environment().putAll(Map.of("DB_HOST", u.getHost(), "DB_PORT", Integer.toString(u.getPort()), "DB_NAME", db,
                "DB_USER", "telemetry", "DB_PASSWORD", "telemetry", "HTTP_PORT", Integer.toString(HTTP_PORT),
                "TELEMETRY_AUTH_BOOTSTRAP_ADMIN_KEY", adminKey, "QUARKUS_LOG_LEVEL", "WARN",
                // no scheduled aggregate refresh: its work (proportional to what was ingested, COPY's rows too)
                // would land in whichever phase it happens to run, as database CPU
                "TELEMETRY_LIFECYCLE_ENABLED", "false"));
        Process service = pb.start();
        String base = "http://127.0.0.1:" + HTTP_PORT;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try {
            waitReady(http, base, service);
            Map<String, Double> r = measure(http, base, jdbcUrl, adminKey, service.pid(), label, round);
            r.put("rss", rssMiB(service.pid()));
            return r;
        } finally {
            service.destroy();
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor();
            }
            exec(TSDB, "dropdb", db);
        }
    }

    static Map<String, Double> measure(HttpClient http, String base, String jdbc, String adminKey, long pid, String label,
                                       int round) throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        int batches = POINTS / BATCH;
        String key = createKey(http, base, adminKey);
        String jsonUrl = base + "/api/v1/telemetry";
        String lpUrl = base + "/api/v2/write?org=bench&bucket=bench&precision=ms";
        // time windows (1 s per batch), far enough apart that no phase collides with another
        Instant origin = Instant.now().minus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        long jsonStart = origin.getEpochSecond() * 1000;
        long lpStart = jsonStart + 6 * 3_600_000L;
        long copyStart = jsonStart + 12 * 3_600_000L;
        long latencyStart = jsonStart + 18 * 3_600_000L;
        long smallStart = jsonStart + 24 * 3_600_000L;
        long warmStart = jsonStart - 6 * 3_600_000L;

        // warm-up (metric registration, pool connections, and the JIT: with a few hundred batches C2 was still
        // compiling during the measured phases, ~40 % of their service CPU in a profile): not measured
        run(http, jsonUrl, "application/json", key, jsonBodies(warmStart, WARM_UP, "bench.m"), CLIENTS);
        run(http, lpUrl, "text/plain", key, lpBodies(warmStart, WARM_UP), CLIENTS);

        boolean profile = !PROFILER.isEmpty() && round == 1;
        List<byte[]> json = jsonBodies(jsonStart, batches, "bench.m");
        Result jsonResult = phase("json", r, pid, profile ? label : null,
                () -> run(http, jsonUrl, "application/json", key, json, CLIENTS));
        json.clear();
        List<byte[]> lp = lpBodies(lpStart, batches);
        Result lpResult = phase("lp", r, pid, profile ? label : null,
                () -> run(http, lpUrl, "text/plain", key, lp, CLIENTS));
        lp.clear();
        r.put("json_pps", jsonResult.pointsPerSecond());
        r.put("lp_pps", lpResult.pointsPerSecond());
        r.put("errors", (double) (jsonResult.errors + lpResult.errors));

        try (Connection c = DriverManager.getConnection(jdbc, "telemetry", "telemetry")) {
            int[] ids = metricIds(c);
            List<String> chunks = copyChunks(ids, copyStart, batches);
            Result copyResult = phase("copy", r, pid, null, () -> copy(c, chunks, copyStart, true));
            r.put("copy_rps", copyResult.pointsPerSecond());
            if (round == 1 && Boolean.getBoolean("bench.copyTrigger")) {
                List<String> quarter = copyChunks(ids, copyStart + 3 * 3_600_000L, batches / 4);
                r.put("copy_trigger_rps", copy(c, quarter, copyStart + 3 * 3_600_000L, false).pointsPerSecond());
            }
        }
        r.put("json_copy", r.get("json_pps") / r.get("copy_rps"));
        r.put("lp_copy", r.get("lp_pps") / r.get("copy_rps"));

        // latency at half the JSON rate: batches released on a fixed schedule, each timed alone
        double target = jsonResult.pointsPerSecond() / 2;
        int latencyBatches = (int) Math.min(batches, Math.max(200, target * 20 / BATCH)); // ~20 s
        List<byte[]> paced = jsonBodies(latencyStart, latencyBatches, "bench.m");
        AtomicInteger refused = new AtomicInteger();
        List<Long> latencies = paced(http, jsonUrl, key, paced, target / BATCH, refused);
        Collections.sort(latencies);
        r.put("lat_rate", target);
        r.put("p50", pct(latencies, 50));
        r.put("p99", pct(latencies, 99));
        r.put("max", latencies.get(latencies.size() - 1) / 1e6);
        r.put("refused", (double) refused.get());

        // small batches (10 points): the cost of many tiny requests
        List<byte[]> small = new ArrayList<>();
        for (int b = 0; b < 5000; b++) {
            small.add(jsonBody(smallStart + b, (b * 10) % METRICS, 10, "bench.m"));
        }
        r.put("small_pps", run(http, jsonUrl, "application/json", key, small, CLIENTS * 2).pointsPerSecond());
        return r;
    }

    interface Work {
        Result run() throws Exception;
    }

    /** Runs one measured phase; records CPU seconds per 1M points of the service, the cluster and this client. */
    static Result phase(String name, Map<String, Double> r, long pid, String profileLabel, Work work) throws Exception {
        if (profileLabel != null) {
            exec("jcmd", Long.toString(pid), "JVMTI.agent_load", PROFILER, "\"start,event=cpu,interval=1ms\""); // quoted: jcmd splits on '='
        }
        double[] before = cpu(pid);
        Result result = work.run();
        double[] after = cpu(pid);
        if (profileLabel != null) {
            Path file = OUT.resolve("bench-ingest-" + profileLabel + "-" + name + ".collapsed").toAbsolutePath();
            exec("jcmd", Long.toString(pid), "JVMTI.agent_load", PROFILER, "\"stop,collapsed,file=" + file + "\"");
            PROFILES.put(profileLabel + " " + name, file);
        }
        double perMillion = 1e6 / result.points;
        r.put(name + "_svc_cpu", (after[0] - before[0]) * perMillion);
        r.put(name + "_db_cpu", (after[1] - before[1]) * perMillion);
        r.put(name + "_client_cpu", (after[2] - before[2]) * perMillion);
        r.put(name + "_jit_cpu", (after[3] - before[3]) * perMillion);
        return result;
    }

    static final Map<String, Path> PROFILES = new LinkedHashMap<>();

    // ------------------------------------------------------------------ CPU, memory, machine

    /** CPU seconds used so far by the service process, by the whole PostgreSQL cluster, and by this process. */
    static double[] cpu(long pid) throws IOException {
        double service = ticks(pid, false) / CLOCK_TICKS;
        double cluster = 0;
        long postmaster = Long.parseLong(Files.readAllLines(DATA_DIR.resolve("postmaster.pid")).get(0).trim());
        // the postmaster with its exited children (cutime/cstime), plus every live child (backends, walwriter, …)
        cluster += ticks(postmaster, true);
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] f = statFields(Long.parseLong(name));
                    if (Long.parseLong(f[1]) == postmaster) {
                        cluster += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited meanwhile: its time is now in the postmaster's cutime
                }
            }
        }
        double self = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
        return new double[] {service, cluster / CLOCK_TICKS, self, jitTicks(pid) / CLOCK_TICKS};
    }

    /**
     * CPU of the service's JIT compiler threads ("C1/C2 CompilerThreadN"; the bench starts the service with
     * -XX:-UseDynamicNumberOfCompilerThreads so that none exits and takes its time along). On a busy machine
     * C2 lags behind and still compiles during the measured phases; this share is reported apart.
     */
    static long jitTicks(long pid) throws IOException {
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        String stat = Files.readString(task.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (IOException gone) {
                    // thread exited
                }
            }
        }
        return ticks;
    }

    /** Fields of /proc/pid/stat after the command name: [0] state, [1] ppid, … [11] utime, [12] stime, [13] cutime, [14] cstime. */
    static String[] statFields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    static long ticks(long pid, boolean withChildren) throws IOException {
        String[] f = statFields(pid);
        long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return withChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
    }

    static double rssMiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    static String loadAverage() {
        try {
            return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (IOException e) {
            return "?";
        }
    }

    static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0 && !command[1].equals("dropdb")) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    static void waitReady(HttpClient http, String base, Process service) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited during start-up, see its log in " + OUT);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the service did not become ready within 5 minutes");
    }

    // ------------------------------------------------------------------ output

    /** Figure, label, format; per million points unless said otherwise. */
    static final String[][] FIGURES = {
            {"json_pps", "POST /api/v1/telemetry, points/s", "%,.0f"},
            {"lp_pps", "POST /api/v2/write, points/s", "%,.0f"},
            {"copy_rps", "COPY (invalidation once), rows/s", "%,.0f"},
            {"copy_trigger_rps", "COPY (row trigger, Apache), rows/s", "%,.0f"},
            {"json_copy", "ratio JSON / COPY", "%.2f"},
            {"lp_copy", "ratio line protocol / COPY", "%.2f"},
            {"json_svc_cpu", "JSON: service CPU s / 1M points", "%.2f"},
            {"lp_svc_cpu", "line protocol: service CPU s / 1M points", "%.2f"},
            {"json_jit_cpu", "JSON: of which the service's JIT compiler threads", "%.2f"},
            {"lp_jit_cpu", "line protocol: of which the service's JIT compiler threads", "%.2f"},
            {"json_svc_nojit_cpu", "JSON: service CPU without JIT s / 1M points", "%.2f"},
            {"lp_svc_nojit_cpu", "line protocol: service CPU without JIT s / 1M points", "%.2f"},
            {"json_db_cpu", "JSON: database CPU s / 1M points", "%.2f"},
            {"lp_db_cpu", "line protocol: database CPU s / 1M points", "%.2f"},
            {"json_total_cpu", "JSON: service + database CPU s / 1M points", "%.2f"},
            {"lp_total_cpu", "line protocol: service + database CPU s / 1M points", "%.2f"},
            {"copy_db_cpu", "COPY: database CPU s / 1M rows", "%.2f"},
            {"json_total_copy", "JSON: (service + database) CPU / COPY database CPU", "%.2f"},
            {"lp_total_copy", "line protocol: (service + database) CPU / COPY database CPU", "%.2f"},
            {"json_client_cpu", "JSON: bench client CPU s / 1M points", "%.2f"},
            {"lp_client_cpu", "line protocol: bench client CPU s / 1M points", "%.2f"},
            {"lat_rate", "latency phase: JSON points/s (50 % of JSON max)", "%,.0f"},
            {"p50", "latency p50, ms", "%.1f"},
            {"p99", "latency p99, ms", "%.1f"},
            {"max", "latency max, ms", "%.1f"},
            {"refused", "refused (429/503) in the latency phase", "%.0f"},
            {"small_pps", "10-point requests, points/s", "%,.0f"},
            {"rss", "service peak RSS, MiB", "%.0f"},
            {"errors", "errors in the throughput phases", "%.0f"},
    };

    static void derive(Map<String, Double> r) {
        for (String f : List.of("json", "lp")) {
            r.put(f + "_svc_nojit_cpu", r.get(f + "_svc_cpu") - r.get(f + "_jit_cpu"));
            r.put(f + "_total_cpu", r.get(f + "_svc_cpu") + r.get(f + "_db_cpu"));
            r.put(f + "_total_copy", r.get(f + "_total_cpu") / r.get("copy_db_cpu"));
        }
    }

    static void print(Map<String, Double> r) {
        derive(r);
        for (String[] f : FIGURES) {
            if (r.containsKey(f[0])) {
                System.out.printf(Locale.ROOT, "  %-62s %s%n", f[1], String.format(Locale.ROOT, f[2], r.get(f[0])));
            }
        }
    }

    static void summary(List<String> labels, Map<String, List<Map<String, Double>>> results) throws IOException {
        System.out.printf(Locale.ROOT, "%n== summary: median [min – max] over %d round(s); load average now %s%n", ROUNDS, loadAverage());
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "| %-62s", "figure"));
        for (String l : labels) {
            header.append(String.format(Locale.ROOT, " | %-30s", l));
        }
        if (labels.size() == 2) {
            header.append(String.format(Locale.ROOT, " | %s / %s", labels.get(1), labels.get(0)));
        }
        System.out.println(header.append(" |"));
        for (String[] f : FIGURES) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %-62s", f[1]));
            List<Double> medians = new ArrayList<>();
            boolean any = false;
            for (String l : labels) {
                List<Double> v = results.get(l).stream().filter(m -> m.containsKey(f[0])).map(m -> m.get(f[0])).sorted().toList();
                if (v.isEmpty()) {
                    row.append(String.format(Locale.ROOT, " | %-30s", "–"));
                    medians.add(Double.NaN);
                    continue;
                }
                any = true;
                double median = v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
                medians.add(median);
                String cell = String.format(Locale.ROOT, f[2], median) + (v.size() > 1
                        ? " [" + String.format(Locale.ROOT, f[2], v.get(0)) + " – " + String.format(Locale.ROOT, f[2], v.get(v.size() - 1)) + "]"
                        : "");
                row.append(String.format(Locale.ROOT, " | %-30s", cell));
            }
            if (labels.size() == 2) {
                row.append(String.format(Locale.ROOT, " | %.2f", medians.get(1) / medians.get(0)));
            }
            if (any) {
                System.out.println(row.append(" |"));
            }
        }
        for (Map.Entry<String, Path> p : PROFILES.entrySet()) {
            System.out.printf(Locale.ROOT, "%n== profile %s (async-profiler, cpu, %s): top frames by self time%n", p.getKey(), p.getValue());
            topFrames(p.getValue(), 20);
        }
    }

    /** Where a sample's CPU goes: the package of its innermost Java frame (kernel and native frames below it count for it). */
    static final String[][] COMPONENTS = {
            {"dev/factorytelemetry/", "service code (dev.factorytelemetry)"}, {"com/fasterxml/jackson/", "Jackson"},
            {"io/netty/", "Netty"}, {"io/vertx/pgclient/", "Vert.x PG client"}, {"io/vertx/sqlclient/", "Vert.x SQL client"},
            {"io/vertx/", "Vert.x core/web"}, {"org/jboss/resteasy/", "RESTEasy Reactive"}, {"io/quarkus/", "Quarkus"},
            {"io/smallrye/", "Mutiny, SmallRye"}, {"com/github/benmanes/", "Caffeine"}, {"io/micrometer/", "Micrometer"},
            {"java/time/", "java.time"}, {"sun/nio/", "JDK NIO (sockets)"}, {"java/util/", "java.util (collections, hashing)"},
            {"java/", "JDK other"}, {"jdk/", "JDK other"}, {"sun/", "JDK other"}, {"org/jboss/", "JBoss threads, logging"},
    };

    static String component(String[] frames) {
        for (int i = frames.length - 1; i >= 0; i--) {
            String f = frames[i];
            if (f.contains("/") && f.contains(".") && !f.endsWith("_[k]")) {
                for (String[] c : COMPONENTS) {
                    if (f.startsWith(c[0])) {
                        return c[1];
                    }
                }
                return "other Java";
            }
        }
        String all = String.join(";", frames);
        if (all.contains("CompileBroker")) {
            return "JIT compiler threads";
        }
        if (all.contains("G1") || all.contains("GC") || all.contains("WorkerThread")) {
            return "GC threads";
        }
        return "native/kernel without Java frame";
    }

    /** Shares by component, and the top frames by self time, of a collapsed-stacks file (frame;frame;… count). */
    static void topFrames(Path collapsed, int n) throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> inclusive = new HashMap<>();
        Map<String, Long> components = new HashMap<>();
        long total = 0;
        for (String line : Files.readAllLines(collapsed)) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long count = Long.parseLong(line.substring(space + 1));
            String[] frames = line.substring(0, space).split(";");
            total += count;
            self.merge(frames[frames.length - 1], count, Long::sum);
            components.merge(component(frames), count, Long::sum);
            for (String f : new java.util.LinkedHashSet<>(List.of(frames))) {
                inclusive.merge(f, count, Long::sum);
            }
        }
        long all = total;
        System.out.printf(Locale.ROOT, "  %,d samples; by component:%n", all);
        components.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> System.out.printf(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * e.getValue() / all, e.getKey()));
        System.out.println("  top frames by self time:");
        self.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> System.out.printf(Locale.ROOT, "    self %5.1f%%  incl %5.1f%%  %s%n", 100.0 * e.getValue() / all,
                        100.0 * inclusive.get(e.getKey()) / all, e.getKey()));
    }

    // ------------------------------------------------------------------ load generation

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
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
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
            bodies.add(sb.toString().getBytes(StandardCharsets.UTF_8));
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

    /** Sends batches at a fixed rate (open loop, up to 64 outstanding) and returns each one's latency in ns. */
    static List<Long> paced(HttpClient http, String url, String key, List<byte[]> bodies, double batchesPerSecond,
                            AtomicInteger refused) throws Exception {
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
                    refused.incrementAndGet(); // e.g. 429 when the machine cannot keep up; not a latency sample
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

    // ------------------------------------------------------------------ COPY baseline

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

    static final int COPY_BATCHES_PER_TX = 100; // 100,000 rows per transaction

    /** The COPY text of the same rows the HTTP phases send, per transaction; built before timing, like the HTTP bodies. */
    static List<String> copyChunks(int[] ids, long startMillis, int batches) {
        List<String> chunks = new ArrayList<>();
        for (int b0 = 0; b0 < batches; b0 += COPY_BATCHES_PER_TX) {
            StringBuilder sb = new StringBuilder(COPY_BATCHES_PER_TX * BATCH * 50);
            int end = Math.min(batches, b0 + COPY_BATCHES_PER_TX);
            for (int b = b0; b < end; b++) {
                long millis = startMillis + b * 1000L;
                String ts = Instant.ofEpochMilli(millis).toString();
                for (int m = 0; m < METRICS; m++) {
                    sb.append(ids[m]).append('\t').append(ts).append('\t').append(value(m, millis)).append("\t192\n");
                }
            }
            chunks.add(sb.toString());
        }
        return chunks;
    }

    /**
     * COPY of the same rows (text format, 100,000 rows per transaction). With logOnce the transaction
     * switches off the per-row invalidation trigger and logs the range once, as the service does.
     */
    static Result copy(Connection c, List<String> chunks, long startMillis, boolean logOnce) throws Exception {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        c.setAutoCommit(false);
        long rows = 0;
        long started = System.nanoTime();
        for (int i = 0; i < chunks.size(); i++) {
            if (logOnce) {
                long first = startMillis + (long) i * COPY_BATCHES_PER_TX * 1000L;
                long last = first + (COPY_BATCHES_PER_TX - 1) * 1000L;
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT set_config('factory_telemetry.invalidation_logged', 'on', true), "
                            + "factory_telemetry.log_invalidation('metric_hist', '" + Instant.ofEpochMilli(first) + "', '"
                            + Instant.ofEpochMilli(last) + "')");
                }
            }
            rows += copy.copyIn("COPY factory_telemetry.metric_hist (metric_id, ts, value_real, quality) FROM STDIN",
                    new StringReader(chunks.get(i)));
            c.commit();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        c.setAutoCommit(true);
        return new Result(rows, seconds, 0);
    }
}
