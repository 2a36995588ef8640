/*
 * factory-telemetry plant simulator: plays a plant (lines, machines, signals, production events)
 * against the service's PUBLIC HTTP API. Single-file Java 17 program, JDK classes only:
 *
 *   java bench/simulator/PlantSimulator.java --url http://localhost:8080 --lines 5 --backfill-days 30
 *
 * See bench/simulator/README.md and docs/simulator.md for options and behaviour.
 */

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class PlantSimulator {

    // ---- options ------------------------------------------------------------------------------------

    static final class Options {
        String url = "http://localhost:8080";
        String apiKey;
        int lines = 5;
        int equipmentPerLine = 6;
        int metrics = 1000;
        Duration sampleInterval = Duration.ofSeconds(1);
        Double rate;                       // points/s in live mode; overrides sampleInterval
        Duration duration = Duration.ofSeconds(60);
        long seed = 42;
        int backfillDays = 0;
        Duration backfillInterval = Duration.ofSeconds(60);
        Instant end;                       // end of the backfill (default: now, truncated to the period)
        Duration period = Duration.ofMinutes(15);
        Duration mtbf = Duration.ofHours(1);   // mean running time between stops, per machine
        int batchSize = 5000;
        int eventBatchSize = 1000;
        int concurrency = 4;
        int maxRetries = 8;
        boolean telemetry = true;
        boolean events = true;
        boolean quiet = false;
        boolean dryRun = false;            // generate and count, send nothing (generator speed)

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                boolean inline = arg.contains("=");
                java.util.function.Supplier<String> value;
                final int index = i;
                if (inline) {
                    String v = arg.substring(arg.indexOf('=') + 1);
                    value = () -> v;
                } else {
                    value = () -> {
                        if (index + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        return args[index + 1];
                    };
                }
                boolean consumed = !inline;
                switch (name) {
                    case "--url" -> o.url = value.get().replaceAll("/+$", "");
                    case "--api-key" -> o.apiKey = value.get();
                    case "--lines" -> o.lines = positive(name, Integer.parseInt(value.get()));
                    case "--equipment-per-line" -> o.equipmentPerLine = positive(name, Integer.parseInt(value.get()));
                    case "--metrics" -> o.metrics = positive(name, Integer.parseInt(value.get()));
                    case "--sample-interval" -> o.sampleInterval = duration(value.get());
                    case "--rate" -> o.rate = Double.parseDouble(value.get());
                    case "--duration" -> o.duration = duration(value.get());
                    case "--seed" -> o.seed = Long.parseLong(value.get());
                    case "--backfill-days" -> o.backfillDays = Integer.parseInt(value.get());
                    case "--backfill-interval" -> o.backfillInterval = duration(value.get());
                    case "--end" -> o.end = Instant.parse(value.get());
                    case "--period" -> o.period = duration(value.get());
                    case "--mtbf" -> o.mtbf = duration(value.get());
                    case "--batch-size" -> o.batchSize = positive(name, Integer.parseInt(value.get()));
                    case "--event-batch-size" -> o.eventBatchSize = positive(name, Integer.parseInt(value.get()));
                    case "--concurrency" -> o.concurrency = positive(name, Integer.parseInt(value.get()));
                    case "--max-retries" -> o.maxRetries = Integer.parseInt(value.get());
                    case "--no-telemetry" -> { o.telemetry = false; consumed = false; }
                    case "--no-events" -> { o.events = false; consumed = false; }
                    case "--quiet" -> { o.quiet = true; consumed = false; }
                    case "--dry-run" -> { o.dryRun = true; consumed = false; }
                    case "--help", "-h" -> { usage(); System.exit(0); }
                    default -> throw new IllegalArgumentException("unknown option " + arg + " (--help lists them)");
                }
                if (consumed) {
                    i++;
                }
            }
            if (o.rate != null) {
                o.sampleInterval = Duration.ofNanos(Math.max(1_000_000L, (long) (o.metrics / o.rate * 1e9)));
            }
            if (o.metrics < o.lines * o.equipmentPerLine) {
                throw new IllegalArgumentException("--metrics must be at least lines x equipment-per-line ("
                        + o.lines * o.equipmentPerLine + ")");
            }
            return o;
        }

        static int positive(String name, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be > 0");
            }
            return v;
        }

        /** 500ms, 30s, 15m, 2h, 1d or ISO-8601 (PT15M). */
        static Duration duration(String text) {
            Matcher m = Pattern.compile("(\\d+)(ms|s|m|h|d)?").matcher(text.trim());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return m.group(2) == null ? Duration.ofSeconds(n) : switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            return Duration.parse(text);
        }

        static void usage() {
            System.out.println("""
                    PlantSimulator: plays a plant against factory-telemetry's HTTP API (JDK only, Java 17+)

                      java bench/simulator/PlantSimulator.java [options]

                      --url URL                 service base URL (http://localhost:8080)
                      --api-key KEY             sent as 'Authorization: Bearer KEY' (optional)
                      --lines N                 production lines (5)
                      --equipment-per-line N    machines per line (6)
                      --metrics N               telemetry signals in total, spread over the machines (1000)
                      --sample-interval D       live mode: one sample per signal every D (1s)
                      --rate R                  live mode: R points/s in total (overrides --sample-interval)
                      --duration D              live mode run time after any backfill; 0 = no live phase (60s)
                      --backfill-days N         first play N days of history ending at --end, as fast as possible (0)
                      --backfill-interval D     sample interval of the backfill (60s)
                      --end T                   end of the backfill, RFC 3339 (now, aligned to --period)
                      --period D                OEE / energy period (15m)
                      --mtbf D                  mean running time between stops of a machine (1h)
                      --batch-size N            telemetry samples per request (5000)
                      --event-batch-size N      events per request (1000)
                      --concurrency N           parallel telemetry requests (4)
                      --max-retries N           retries per request on 429/503/network errors (8)
                      --seed N                  random seed; same seed + same --end = same plant, same ids (42)
                      --no-telemetry            do not post telemetry (e.g. against a build without /api/v1/telemetry)
                      --no-events               do not post production events
                      --quiet                   no progress lines
                      --dry-run                 generate everything but send nothing (measures the generator)
                    Durations: 500ms, 30s, 15m, 2h, 1d or ISO-8601 (PT15M).""");
        }
    }

    // ---- plant model --------------------------------------------------------------------------------

    enum Kind { REAL, INT, BOOL }

    /** One telemetry signal of a machine. */
    static final class Signal {
        final String key;
        final String name;
        final Kind kind;
        final double base;
        final double noise;
        double drift;        // random-walk state (temperatures, pressures)

        Signal(String key, String name, Kind kind, double base, double noise) {
            this.key = key;
            this.name = name;
            this.kind = kind;
            this.base = base;
            this.noise = noise;
        }
    }

    record StopReason(String code, String description, String category, double meanMinutes, int faultBit, double weight) {
    }

    static final List<StopReason> STOP_REASONS = List.of(
            new StopReason("JAM", "material jam", "unplanned", 3, 3, 35),
            new StopReason("STARVED", "starved by upstream", "unplanned", 4, -1, 15),
            new StopReason("BLOCKED", "blocked by downstream", "unplanned", 4, -1, 15),
            new StopReason("MOTOR-OVERLOAD", "motor overload trip", "unplanned", 12, 7, 8),
            new StopReason("E-STOP", "emergency stop pressed", "unplanned", 2, 0, 4),
            new StopReason("CHANGEOVER", "product changeover", "changeover", 20, -1, 10),
            new StopReason("PM", "preventive maintenance", "maintenance", 30, -1, 5),
            new StopReason("BREAK", "operator break", "planned", 15, -1, 8));

    static final String[][] MACHINE_TYPES = {
            {"filler", "production", "Filler"}, {"capper", "production", "Capper"}, {"labeler", "production", "Labeler"},
            {"palletizer", "packaging", "Palletizer"}, {"conveyor", "conveyor", "Conveyor"}, {"compressor", "utility", "Compressor"}};

    /** Open downtime of a machine. */
    static final class Stop {
        final UUID eventId;
        final StopReason reason;
        final Instant start;
        final Instant end;
        boolean postedOpen;            // live: posted open at its start, to be closed at its end

        Stop(UUID eventId, StopReason reason, Instant start, Instant end) {
            this.eventId = eventId;
            this.reason = reason;
            this.start = start;
            this.end = end;
        }
    }

    /** Per-period and per-shift/day accumulators. */
    static final class Totals {
        double plannedS, runS, idealRunS, plannedDowntimeS, unplannedDowntimeS, changeoverS, maintenanceS, energyKwh;
        long total, good, scrap;

        void add(Totals o) {
            plannedS += o.plannedS; runS += o.runS; idealRunS += o.idealRunS; plannedDowntimeS += o.plannedDowntimeS;
            unplannedDowntimeS += o.unplannedDowntimeS; changeoverS += o.changeoverS; maintenanceS += o.maintenanceS;
            energyKwh += o.energyKwh; total += o.total; good += o.good; scrap += o.scrap;
        }
    }

    static final class Machine {
        final String code;
        final String lineCode;
        final String name;
        final String type;
        final double nominalPerS;      // units per second at full speed
        final double ratedKw;
        final double rejectRate;
        final SplittableRandom random;
        final List<Signal> signals = new ArrayList<>();
        Stop stop;
        double fraction;               // produced units not yet counted
        long goodCounter, rejectCounter;
        double energyCounterKwh;
        double speedPerS;
        double powerKw;
        Totals period = new Totals();
        double periodPowerSum;
        int periodSteps;

        Machine(String code, String lineCode, String name, String type, SplittableRandom random) {
            this.code = code;
            this.lineCode = lineCode;
            this.name = name;
            this.type = type;
            this.random = random;
            this.nominalPerS = type.equals("utility") ? 1 : 5 + random.nextInt(20);
            this.ratedKw = type.equals("utility") ? 55 : 7 + random.nextInt(40);
            this.rejectRate = 0.002 + random.nextDouble() * 0.02;
        }

        double idealCycleS() {
            return 1.0 / nominalPerS;
        }
    }

    static final class Line {
        final String code;
        final List<Machine> machines = new ArrayList<>();
        Totals shift = new Totals();
        Totals day = new Totals();
        Instant lastQualityCheck;

        Line(String code) {
            this.code = code;
        }
    }

    static final String[][] SHIFTS = {{"early", "06:00", "14:00"}, {"late", "14:00", "22:00"}, {"night", "22:00", "06:00"}};

    static String shiftAt(Instant t) {
        int hour = t.atOffset(ZoneOffset.UTC).getHour();
        return hour >= 6 && hour < 14 ? "early" : hour >= 14 && hour < 22 ? "late" : "night";
    }

    // ---- state --------------------------------------------------------------------------------------

    final Options options;
    final SplittableRandom random;
    final List<Line> lines = new ArrayList<>();
    final List<Machine> machines = new ArrayList<>();
    final Http http;
    final Map<String, StringBuilder> eventBuffers = new LinkedHashMap<>();
    final Map<String, Integer> eventCounts = new LinkedHashMap<>();
    final StringBuilder samples = new StringBuilder(1 << 20);
    int sampleCount;
    boolean live;

    PlantSimulator(Options options) {
        this.options = options;
        this.random = new SplittableRandom(options.seed);
        this.http = new Http(options);
        build();
    }

    void build() {
        int machineIndex = 0;
        int totalMachines = options.lines * options.equipmentPerLine;
        for (int l = 1; l <= options.lines; l++) {
            Line line = new Line("line" + l);
            lines.add(line);
            for (int e = 0; e < options.equipmentPerLine; e++) {
                String[] type = MACHINE_TYPES[e % MACHINE_TYPES.length];
                String suffix = e < MACHINE_TYPES.length ? type[0] : type[0] + (e / MACHINE_TYPES.length + 1);
                String label = e < MACHINE_TYPES.length ? type[2] : type[2] + " " + (e / MACHINE_TYPES.length + 1);
                Machine m = new Machine(line.code + "." + suffix, line.code, label + " " + l, type[1], random.split());
                int signalCount = options.metrics / totalMachines + (machineIndex < options.metrics % totalMachines ? 1 : 0);
                addSignals(m, signalCount);
                line.machines.add(m);
                machines.add(m);
                machineIndex++;
            }
        }
    }

    static void addSignals(Machine m, int count) {
        String[][] named = {
                {"speed", "REAL"}, {"running", "BOOL"}, {"state", "INT"}, {"good_count", "INT"}, {"reject_count", "INT"},
                {"power_kw", "REAL"}, {"energy_kwh", "REAL"}, {"motor_temp", "REAL"}, {"motor_current", "REAL"},
                {"vibration", "REAL"}, {"pressure", "REAL"}};
        for (int i = 0; i < count; i++) {
            String name = i < named.length ? named[i][0] : String.format(Locale.ROOT, "sensor_%03d", i - named.length + 1);
            Kind kind = i < named.length ? Kind.valueOf(named[i][1]) : Kind.REAL;
            double base = switch (name) {
                case "motor_temp" -> 45 + m.random.nextInt(15);
                case "motor_current" -> m.ratedKw * 1.6;
                case "vibration" -> 2.5;
                case "pressure" -> 6.0;
                default -> 20 + m.random.nextInt(60);
            };
            m.signals.add(new Signal(m.code + "." + name, name, kind, base, base * 0.01));
        }
    }

    // ---- simulation step ----------------------------------------------------------------------------

    /** Advances every machine by dt ending at t and emits its samples and events. */
    void step(Instant t, double dt) {
        for (Line line : lines) {
            for (Machine m : line.machines) {
                advance(line, m, t, dt);
                if (options.telemetry) {
                    emitSamples(m, t);
                }
            }
        }
    }

    void advance(Line line, Machine m, Instant t, double dt) {
        Instant stepStart = t.minusNanos((long) (dt * 1e9));
        // stop ends
        if (m.stop != null && !m.stop.end.isAfter(t)) {
            endStop(m, m.stop, m.stop.end);
            m.stop = null;
        }
        // new stop: mean running time between stops = --mtbf
        if (m.stop == null && m.random.nextDouble() < dt / (options.mtbf.toMillis() / 1000.0)) {
            StopReason reason = pickReason(m.random);
            double minutes = Math.max(dt / 60.0, -Math.log(1 - m.random.nextDouble()) * reason.meanMinutes());
            Instant end = t.plusMillis((long) (minutes * 60_000));
            m.stop = new Stop(eventUuid("downtime", m.code, t), reason, t, end);
            startStop(m, m.stop);
        }
        boolean running = m.stop == null;
        Totals p = m.period;
        p.plannedS += dt;
        if (running) {
            double factor = 0.75 + 0.25 * m.random.nextDouble();       // never above nominal: performance <= 1
            m.speedPerS = m.nominalPerS * factor;
            p.runS += dt;
            m.fraction += m.speedPerS * dt;
            long produced = (long) m.fraction;
            m.fraction -= produced;
            long rejects = 0;
            for (long i = 0; i < Math.min(produced, 64); i++) {
                if (m.random.nextDouble() < m.rejectRate) {
                    rejects++;
                }
            }
            if (produced > 64) {
                rejects += Math.round((produced - 64) * m.rejectRate);
            }
            rejects = Math.min(rejects, produced);
            p.total += produced;
            p.good += produced - rejects;
            p.scrap += rejects;
            p.idealRunS += produced * m.idealCycleS();
            m.goodCounter += produced - rejects;
            m.rejectCounter += rejects;
            m.powerKw = m.ratedKw * (0.5 + 0.5 * factor) + m.random.nextGaussian() * m.ratedKw * 0.02;
        } else {
            m.speedPerS = 0;
            double seconds = dt;
            switch (m.stop.reason.category()) {
                case "planned" -> { p.plannedS -= dt; p.plannedDowntimeS += seconds; }
                case "changeover" -> p.changeoverS += seconds;
                case "maintenance" -> { p.plannedS -= dt; p.maintenanceS += seconds; }
                default -> p.unplannedDowntimeS += seconds;
            }
            m.powerKw = m.ratedKw * 0.08 + Math.abs(m.random.nextGaussian()) * 0.2;
        }
        m.powerKw = Math.max(0, m.powerKw);
        double kwh = m.powerKw * dt / 3600.0;
        m.energyCounterKwh += kwh;
        p.energyKwh += kwh;
        m.periodPowerSum += m.powerKw;
        m.periodSteps++;
        for (Signal s : m.signals) {
            // mean-reverting random walk; warmer while running
            s.drift = s.drift * 0.995 + m.random.nextGaussian() * s.noise;
            if (s.name.equals("motor_temp") && running) {
                s.drift += 0.02 * (8 - s.drift) * dt / 60;
            }
        }
        Instant periodEnd = crossed(stepStart, t, options.period);
        if (periodEnd != null) {
            closePeriod(line, m, periodEnd);
        }
        Instant hour = crossed(stepStart, t, Duration.ofHours(1));
        if (hour != null && m == line.machines.get(0)) {
            qualityCheck(line, hour);
        }
    }

    /** The boundary of the grid of {@code period} in (previous, t], or null. */
    static Instant crossed(Instant previous, Instant t, Duration period) {
        long p = period.toMillis();
        long boundary = Math.floorDiv(t.toEpochMilli(), p) * p;
        return boundary > previous.toEpochMilli() ? Instant.ofEpochMilli(boundary) : null;
    }

    static boolean isBoundary(Instant t, Duration period) {
        return t.toEpochMilli() % period.toMillis() == 0;
    }

    static StopReason pickReason(SplittableRandom random) {
        double total = STOP_REASONS.stream().mapToDouble(StopReason::weight).sum();
        double x = random.nextDouble() * total;
        for (StopReason r : STOP_REASONS) {
            x -= r.weight();
            if (x <= 0) {
                return r;
            }
        }
        return STOP_REASONS.get(0);
    }

    /**
     * Deterministic, name-based id of an event: the same seed, kind, equipment/line and time give the
     * same id (a rerun is idempotent), different times never collide (another --end is new data).
     */
    UUID eventUuid(String kind, String code, Instant time) {
        return UUID.nameUUIDFromBytes((options.seed + "/" + kind + "/" + code + "/" + time)
                .getBytes(StandardCharsets.UTF_8));
    }

    void emitSamples(Machine m, Instant t) {
        String ts = t.toString();
        boolean running = m.stop == null;
        for (Signal s : m.signals) {
            String value = switch (s.name) {
                case "speed" -> num(m.speedPerS * 60);                  // units per minute
                case "running" -> Boolean.toString(running);
                case "state" -> running ? "1" : m.stop.reason.faultBit() >= 0 ? "3" : "2";
                case "good_count" -> Long.toString(m.goodCounter);
                case "reject_count" -> Long.toString(m.rejectCounter);
                case "power_kw" -> num(m.powerKw);
                case "energy_kwh" -> num(m.energyCounterKwh);
                case "motor_current" -> num(running ? s.base * (m.powerKw / m.ratedKw) + s.drift : s.drift * 0.1);
                case "vibration" -> num(Math.max(0, (running ? s.base : 0.2) + s.drift));
                default -> s.kind == Kind.INT ? Long.toString(Math.round(s.base + s.drift)) : num(s.base + s.drift);
            };
            if (sampleCount > 0) {
                samples.append(',');
            }
            samples.append("{\"metric\":\"").append(s.key).append("\",\"ts\":\"").append(ts)
                    .append("\",\"value\":").append(value).append(",\"quality\":192}");
            sampleCount++;
            if (sampleCount >= options.batchSize) {
                flushSamples();
            }
        }
    }

    static String num(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    void flushSamples() {
        if (sampleCount == 0) {
            return;
        }
        String body = "{\"samples\":[" + samples + "]}";
        http.submitTelemetry(body, sampleCount);
        samples.setLength(0);
        sampleCount = 0;
    }

    // ---- events -------------------------------------------------------------------------------------

    /** Live: the stop is reported open now (downtime open, fault raised). Backfill: reported when it ends. */
    void startStop(Machine m, Stop stop) {
        if (live) {
            postOpen(m, stop);
        }
    }

    void postOpen(Machine m, Stop stop) {
        if (!options.events) {
            return;
        }
        stop.postedOpen = true;
        event("downtime", downtimeJson(m, stop, null));
        if (stop.reason.faultBit() >= 0) {
            event("faults", "{\"equipmentCode\":\"" + m.code + "\",\"bitIndex\":" + stop.reason.faultBit()
                    + ",\"tsOn\":\"" + stop.start + "\"}");
        }
    }

    /** Closes a stop reported open (close + clear), or reports a finished one at once (backfill). */
    void endStop(Machine m, Stop stop, Instant end) {
        if (!options.events) {
            return;
        }
        if (!stop.postedOpen) {
            event("downtime", downtimeJson(m, stop, end));
            if (stop.reason.faultBit() >= 0) {
                event("faults", "{\"equipmentCode\":\"" + m.code + "\",\"bitIndex\":" + stop.reason.faultBit()
                        + ",\"tsOn\":\"" + stop.start + "\",\"tsOff\":\"" + end + "\"}");
            }
            return;
        }
        flushEvents();   // the open must be delivered before the close (one ordered event sender)
        http.submitEvent("/api/v1/events/downtime/" + stop.eventId + "/close",
                "{\"endTime\":\"" + end + "\"}", "downtime-close", 1);
        if (stop.reason.faultBit() >= 0) {
            event("faults/clear", "{\"equipmentCode\":\"" + m.code + "\",\"bitIndex\":" + stop.reason.faultBit()
                    + ",\"tsOff\":\"" + end + "\"}");
        }
    }

    static String downtimeJson(Machine m, Stop stop, Instant end) {
        return "{\"eventId\":\"" + stop.eventId + "\",\"equipmentCode\":\"" + m.code + "\",\"startTime\":\""
                + stop.start + "\"" + (end != null ? ",\"endTime\":\"" + end + "\"" : "") + ",\"reasonCode\":\""
                + stop.reason.code() + "\",\"reasonDescription\":\"" + stop.reason.description() + "\",\"category\":\""
                + stop.reason.category() + "\",\"reportedBy\":\"simulator\"}";
    }

    void closePeriod(Line line, Machine m, Instant t) {
        Totals p = m.period;
        Instant start = t.minus(options.period);
        if (options.events && p.plannedS > 0) {
            event("oee", "{\"equipmentCode\":\"" + m.code + "\",\"calculationTime\":\"" + start + "\",\"plannedTimeS\":"
                    + num(p.plannedS) + ",\"runTimeS\":" + num(Math.min(p.runS, p.plannedS)) + ",\"idealRunTimeS\":"
                    + num(Math.min(p.idealRunS, Math.min(p.runS, p.plannedS))) + ",\"totalCount\":" + p.total
                    + ",\"goodCount\":" + p.good + ",\"idealCycleTimeS\":" + m.idealCycleS() + "}");
            double avgKw = m.periodSteps == 0 ? 0 : m.periodPowerSum / m.periodSteps;
            double voltage = 400 + m.random.nextGaussian() * 3;
            double pf = 0.85 + m.random.nextDouble() * 0.12;
            event("energy", "{\"equipmentCode\":\"" + m.code + "\",\"consumptionTime\":\"" + t + "\",\"powerConsumptionKw\":"
                    + num(avgKw) + ",\"energyConsumptionKwh\":" + num(p.energyKwh) + ",\"voltageV\":" + num(voltage)
                    + ",\"currentA\":" + num(avgKw * 1000 / (Math.sqrt(3) * voltage * pf)) + ",\"powerFactor\":" + num(pf)
                    + ",\"temperatureC\":" + num(24 + m.random.nextGaussian()) + ",\"humidityPercent\":"
                    + num(45 + m.random.nextGaussian() * 3) + "}");
        }
        line.shift.add(p);
        line.day.add(p);
        m.period = new Totals();
        m.periodPowerSum = 0;
        m.periodSteps = 0;
        if (m == line.machines.get(line.machines.size() - 1)) {
            boolean shiftEnd = isBoundary(t.minus(Duration.ofHours(6)), Duration.ofHours(8));
            if (shiftEnd) {
                Instant shiftStart = t.minus(Duration.ofHours(8));
                kpi(line, line.shift, shiftStart, shiftAt(shiftStart));
                line.shift = new Totals();
            }
            if (isBoundary(t, Duration.ofDays(1))) {
                kpi(line, line.day, t.minus(Duration.ofDays(1)), null);
                line.day = new Totals();
            }
        }
    }

    void kpi(Line line, Totals k, Instant start, String shift) {
        if (!options.events || k.plannedS <= 0 || !started(start)) {   // only whole shifts and days
            return;
        }
        LocalDate date = start.atOffset(ZoneOffset.UTC).toLocalDate();
        event("kpis", "{\"lineCode\":\"" + line.code + "\",\"kpiDate\":\"" + date + "\""
                + (shift != null ? ",\"shiftName\":\"" + shift + "\"" : "")
                + ",\"plannedTimeS\":" + num(k.plannedS) + ",\"runTimeS\":" + num(Math.min(k.runS, k.plannedS))
                + ",\"idealRunTimeS\":" + num(k.idealRunS) + ",\"totalCount\":" + k.total + ",\"goodCount\":" + k.good
                + ",\"scrapCount\":" + k.scrap + ",\"reworkCount\":0,\"plannedDowntimeS\":" + num(k.plannedDowntimeS)
                + ",\"unplannedDowntimeS\":" + num(k.unplannedDowntimeS) + ",\"changeoverS\":" + num(k.changeoverS)
                + ",\"maintenanceS\":" + num(k.maintenanceS) + ",\"energyConsumptionKwh\":" + num(k.energyKwh)
                + ",\"firstPassYield\":" + (k.total == 0 ? "1" : num((double) k.good / k.total)) + "}");
    }

    Instant simulationStart;

    boolean started(Instant t) {
        return simulationStart != null && !t.isBefore(simulationStart);
    }

    void qualityCheck(Line line, Instant t) {
        if (!options.events) {
            return;
        }
        Machine first = line.machines.get(0);
        int checked = 50;
        int failed = 0;
        for (int i = 0; i < checked; i++) {
            if (first.random.nextDouble() < first.rejectRate * 2) {
                failed++;
            }
        }
        String result = failed == 0 ? "pass" : failed <= 2 ? "conditional" : "fail";
        String defects = failed == 0 ? "" : ",\"defectCodes\":[\"" + (first.random.nextBoolean() ? "FILL-LOW" : "CAP-SKEW") + "\"]";
        String product = "sku-" + (1 + (int) ((t.getEpochSecond() / 28800) % 3));
        event("quality", "{\"checkId\":\"" + eventUuid("quality", line.code, t) + "\",\"lineCode\":\"" + line.code + "\",\"productCode\":\""
                + product + "\",\"checkTime\":\"" + t + "\",\"checkType\":\"in_process\",\"checkResult\":\"" + result
                + "\",\"quantityChecked\":" + checked + ",\"quantityPassed\":" + (checked - failed) + ",\"quantityFailed\":"
                + failed + defects + ",\"checkedBy\":\"simulator\"}");
    }

    void event(String kind, String json) {
        StringBuilder buffer = eventBuffers.computeIfAbsent(kind, k -> new StringBuilder());
        buffer.append(buffer.length() == 0 ? "[" : ",").append(json);
        int count = eventCounts.merge(kind, 1, Integer::sum);
        if (count >= options.eventBatchSize) {
            flushEvents(kind);
        }
    }

    void flushEvents() {
        for (String kind : new ArrayList<>(eventBuffers.keySet())) {
            flushEvents(kind);
        }
    }

    void flushEvents(String kind) {
        StringBuilder buffer = eventBuffers.get(kind);
        if (buffer == null || buffer.length() == 0) {
            return;
        }
        buffer.append(']');
        http.submitEvent("/api/v1/events/" + kind, buffer.toString(), kind, eventCounts.get(kind));
        buffer.setLength(0);
        eventCounts.put(kind, 0);
    }

    // ---- phases -------------------------------------------------------------------------------------

    void registerReferenceData() throws InterruptedException {
        for (String[] shift : SHIFTS) {
            http.put("/api/v1/shifts/" + shift[0], "{\"startTime\":\"" + shift[1] + "\",\"endTime\":\"" + shift[2] + "\"}");
        }
        for (int i = 1; i <= 3; i++) {
            http.put("/api/v1/product-types/sku-" + i, "{\"name\":\"Product " + i + "\",\"idealCycleTimeS\":0.1}");
        }
        for (Line line : lines) {
            http.put("/api/v1/lines/" + line.code, "{\"name\":\"Line " + line.code.substring(4) + "\",\"description\":\"simulated\"}");
            for (Machine m : line.machines) {
                http.put("/api/v1/equipment/" + m.code, "{\"name\":\"" + m.name + "\",\"lineCode\":\"" + line.code
                        + "\",\"type\":\"" + m.type + "\",\"idealCycleTimeS\":" + m.idealCycleS() + "}");
            }
        }
    }

    void backfill(Instant end) {
        Instant start = end.minus(Duration.ofDays(options.backfillDays));
        simulationStart = start;
        Duration dt = options.backfillInterval;
        log("backfill %d day(s) %s .. %s every %s: %d machines, %d signals", options.backfillDays, start, end, dt,
                machines.size(), options.metrics);
        long steps = Duration.between(start, end).toMillis() / dt.toMillis();
        long reportEvery = Math.max(1, steps / 20);
        for (long i = 1; i <= steps; i++) {
            step(start.plus(dt.multipliedBy(i)), dt.toMillis() / 1000.0);
            if (i % reportEvery == 0) {
                progress(String.format(Locale.ROOT, "backfill %3d%%", i * 100 / steps));
            }
        }
        flushSamples();
        flushEvents();
        // machines still stopped at the end of the backfill: reported open (the live phase closes them)
        for (Machine m : machines) {
            if (m.stop != null) {
                postOpen(m, m.stop);
            }
        }
        flushEvents();
    }

    void live(Duration duration) throws InterruptedException {
        live = true;
        Duration dt = options.sampleInterval;
        Instant now = Instant.now();
        Instant t = Instant.ofEpochMilli(now.toEpochMilli() - now.toEpochMilli() % dt.toMillis());
        if (simulationStart == null) {
            simulationStart = t;
        }
        Instant until = Instant.now().plus(duration);
        log("live for %s: one sample per signal every %s (%.0f points/s)", duration, dt,
                options.telemetry ? options.metrics / (dt.toMillis() / 1000.0) : 0.0);
        long lastReport = System.nanoTime();
        while (Instant.now().isBefore(until)) {
            t = t.plus(dt);
            long waitMs = Duration.between(Instant.now(), t).toMillis();
            if (waitMs > 0) {
                Thread.sleep(waitMs);
            }
            step(t, dt.toMillis() / 1000.0);
            flushSamples();
            flushEvents();
            if (System.nanoTime() - lastReport > 10_000_000_000L) {
                progress("live");
                lastReport = System.nanoTime();
            }
        }
        // end of the run: stops still open are closed now (cut short), so that no downtime stays open
        for (Machine m : machines) {
            if (m.stop != null && m.stop.postedOpen) {
                endStop(m, m.stop, t);
                m.stop = null;
            }
        }
        flushEvents();
    }

    void progress(String phase) {
        if (!options.quiet) {
            System.out.println(http.progressLine(phase));
        }
    }

    void log(String format, Object... args) {
        System.out.println("simulator: " + String.format(Locale.ROOT, format, args));
    }

    // ---- HTTP ---------------------------------------------------------------------------------------

    /** Sends requests with retries (429/503 honouring Retry-After, network errors); counts outcomes. */
    static final class Http {
        private static final Pattern ACCEPTED = Pattern.compile("\"accepted\"\\s*:\\s*(\\d+)");
        private static final Pattern DUPLICATES = Pattern.compile("\"duplicates\"\\s*:\\s*(\\d+)");
        private static final Object POISON = new Object();

        final Options options;
        final HttpClient client;
        final long startNanos = System.nanoTime();
        final BlockingQueue<Object> telemetryQueue;
        final BlockingQueue<Object> eventQueue;
        final List<Thread> workers = new ArrayList<>();
        final LongAdder pointsSent = new LongAdder();
        final LongAdder pointsAccepted = new LongAdder();
        final LongAdder pointsDuplicate = new LongAdder();
        final LongAdder requests = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder failedRequests = new LongAdder();
        final ConcurrentMap<String, LongAdder> eventsAccepted = new ConcurrentHashMap<>();
        final ConcurrentMap<String, LongAdder> eventsDuplicate = new ConcurrentHashMap<>();
        final ConcurrentMap<String, LongAdder> errorsByStatus = new ConcurrentHashMap<>();
        final List<String> firstErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        final AtomicLong maxLatencyMs = new AtomicLong();

        record Job(String path, String body, String kind, int items, boolean telemetry) {
        }

        Http(Options options) {
            this.options = options;
            this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            this.telemetryQueue = new ArrayBlockingQueue<>(options.concurrency * 2);
            this.eventQueue = new ArrayBlockingQueue<>(64);
            for (int i = 0; i < options.concurrency; i++) {
                workers.add(worker(telemetryQueue, "telemetry-" + i));
            }
            workers.add(worker(eventQueue, "events"));   // one ordered sender: opens before closes
        }

        Thread worker(BlockingQueue<Object> queue, String name) {
            Thread thread = new Thread(() -> {
                try {
                    while (true) {
                        Object job = queue.take();
                        if (job == POISON) {
                            return;
                        }
                        send((Job) job);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        void submitTelemetry(String body, int points) {
            if (options.dryRun) {
                pointsSent.add(points);
                pointsAccepted.add(points);
                return;
            }
            put(telemetryQueue, new Job("/api/v1/telemetry", body, "telemetry", points, true));
        }

        void submitEvent(String path, String body, String kind, int items) {
            if (options.dryRun) {
                eventsAccepted.computeIfAbsent(kind, k -> new LongAdder()).add(items);
                return;
            }
            put(eventQueue, new Job(path, body, kind, items, false));
        }

        private static void put(BlockingQueue<Object> queue, Object job) {
            try {
                queue.put(job);      // blocks when the senders are behind: back-pressure on the generator
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }

        /** Synchronous PUT of reference data; fails the run on a non-retryable error. */
        void put(String path, String body) throws InterruptedException {
            HttpResponse<String> response = exchange("PUT", path, body);
            if (response == null || response.statusCode() >= 300) {
                throw new IllegalStateException("PUT " + path + " failed: "
                        + (response == null ? "no answer" : response.statusCode() + " " + response.body()));
            }
        }

        void send(Job job) throws InterruptedException {
            if (job.telemetry()) {
                pointsSent.add(job.items());
            }
            HttpResponse<String> response = exchange("POST", job.path(), job.body());
            if (response == null) {
                failedRequests.increment();
                errorsByStatus.computeIfAbsent("network", k -> new LongAdder()).increment();
                return;
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                long accepted = number(ACCEPTED, response.body(), job.kind().equals("downtime-close") ? 1 : 0);
                long duplicates = number(DUPLICATES, response.body(), 0);
                if (job.kind().equals("downtime-close") && response.body().contains("\"alreadyClosed\":true")) {
                    accepted = 0;
                    duplicates = 1;
                }
                if (job.telemetry()) {
                    pointsAccepted.add(accepted);
                    pointsDuplicate.add(duplicates);
                } else {
                    eventsAccepted.computeIfAbsent(job.kind(), k -> new LongAdder()).add(accepted);
                    eventsDuplicate.computeIfAbsent(job.kind(), k -> new LongAdder()).add(duplicates);
                }
            } else {
                failedRequests.increment();
                errorsByStatus.computeIfAbsent(job.kind() + " " + status, k -> new LongAdder()).increment();
                if (firstErrors.size() < 5) {
                    String body = response.body();
                    firstErrors.add("POST " + job.path() + " -> " + status + ": "
                            + (body.length() > 600 ? body.substring(0, 600) + "..." : body));
                }
            }
        }

        /** One request with retries; null when every attempt failed on the network. */
        HttpResponse<String> exchange(String method, String path, String body) throws InterruptedException {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(options.url + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (options.apiKey != null) {
                builder.header("Authorization", "Bearer " + options.apiKey);
            }
            HttpRequest request = builder.build();
            long backoffMs = 500;
            for (int attempt = 0; ; attempt++) {
                requests.increment();
                long started = System.nanoTime();
                HttpResponse<String> response = null;
                try {
                    response = client.send(request, HttpResponse.BodyHandlers.ofString());
                } catch (IOException e) {
                    if (attempt >= options.maxRetries) {
                        if (firstErrors.size() < 5) {
                            firstErrors.add(method + " " + path + " -> " + e);
                        }
                        return null;
                    }
                }
                maxLatencyMs.accumulateAndGet((System.nanoTime() - started) / 1_000_000, Math::max);
                boolean retryable = response == null || response.statusCode() == 429 || response.statusCode() == 503
                        || response.statusCode() == 502 || response.statusCode() == 504;
                if (!retryable || attempt >= options.maxRetries) {
                    return response;
                }
                retries.increment();
                long waitMs = response == null ? backoffMs : retryAfterMs(response, backoffMs);
                Thread.sleep(waitMs + (long) (Math.random() * 100));
                backoffMs = Math.min(30_000, backoffMs * 2);
            }
        }

        static long retryAfterMs(HttpResponse<?> response, long fallbackMs) {
            String value = response.headers().firstValue("Retry-After").orElse(null);
            if (value == null) {
                return fallbackMs;
            }
            try {
                return Math.min(120_000, Long.parseLong(value.trim()) * 1000);
            } catch (NumberFormatException e) {
                try {
                    Instant at = java.time.ZonedDateTime.parse(value.trim(),
                            java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    return Math.max(0, Math.min(120_000, Duration.between(Instant.now(), at).toMillis()));
                } catch (DateTimeParseException ignored) {
                    return fallbackMs;
                }
            }
        }

        static long number(Pattern pattern, String body, long fallback) {
            Matcher m = pattern.matcher(body);
            return m.find() ? Long.parseLong(m.group(1)) : fallback;
        }

        void drain() throws InterruptedException {
            for (int i = 0; i < options.concurrency; i++) {
                telemetryQueue.put(POISON);
            }
            eventQueue.put(POISON);
            for (Thread worker : workers) {
                worker.join();
            }
        }

        double elapsedS() {
            return (System.nanoTime() - startNanos) / 1e9;
        }

        String progressLine(String phase) {
            double s = elapsedS();
            return String.format(Locale.ROOT, "%s: %.0f s, points sent %d (%.0f/s), accepted %d, events %d, errors %d, retries %d",
                    phase, s, pointsSent.sum(), pointsSent.sum() / s, pointsAccepted.sum(),
                    eventsAccepted.values().stream().mapToLong(LongAdder::sum).sum(), failedRequests.sum(), retries.sum());
        }

        void summary() {
            double s = elapsedS();
            System.out.println("---- summary ----");
            System.out.printf(Locale.ROOT, "elapsed            %.1f s%n", s);
            if (options.telemetry) {
                System.out.printf(Locale.ROOT, "telemetry points   sent %d, accepted %d, duplicates %d%n",
                        pointsSent.sum(), pointsAccepted.sum(), pointsDuplicate.sum());
                System.out.printf(Locale.ROOT, "throughput         %.0f points/s accepted (%.0f sent/s)%n",
                        pointsAccepted.sum() / s, pointsSent.sum() / s);
            }
            List<String> kinds = new ArrayList<>(eventsAccepted.keySet());
            java.util.Collections.sort(kinds);
            for (String kind : kinds) {
                System.out.printf(Locale.ROOT, "events %-12s accepted %d, duplicates %d%n", kind,
                        eventsAccepted.get(kind).sum(), eventsDuplicate.getOrDefault(kind, new LongAdder()).sum());
            }
            long events = eventsAccepted.values().stream().mapToLong(LongAdder::sum).sum();
            long eventDuplicates = eventsDuplicate.values().stream().mapToLong(LongAdder::sum).sum();
            if (options.events) {
                System.out.printf(Locale.ROOT, "events total       accepted %d, duplicates %d (%.0f events/s stored or confirmed)%n",
                        events, eventDuplicates, (events + eventDuplicates) / s);
            }
            System.out.printf(Locale.ROOT, "requests           %d (retries %d, failed %d, slowest %d ms)%n",
                    requests.sum(), retries.sum(), failedRequests.sum(), maxLatencyMs.get());
            errorsByStatus.forEach((k, v) -> System.out.printf(Locale.ROOT, "errors             %s: %d%n", k, v.sum()));
            for (String error : firstErrors) {
                System.out.println("  " + error);
            }
        }
    }

    // ---- main ---------------------------------------------------------------------------------------

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (RuntimeException e) {
            System.err.println("simulator: " + e.getMessage());
            System.exit(2);
            return;
        }
        PlantSimulator simulator = new PlantSimulator(options);
        simulator.log("plant: %d lines x %d machines, %d signals, seed %d, target %s", options.lines,
                options.equipmentPerLine, options.metrics, options.seed, options.url);
        try {
            if (!options.dryRun) {
                simulator.registerReferenceData();
            }
        } catch (IllegalStateException e) {
            System.err.println("simulator: registering reference data failed: " + e.getMessage());
            System.exit(1);
        }
        if (options.backfillDays > 0) {
            Instant now = Instant.now();
            Instant end = options.end != null ? options.end
                    : Instant.ofEpochMilli(now.toEpochMilli() - now.toEpochMilli() % options.period.toMillis());
            simulator.backfill(end);
        }
        if (!options.duration.isZero()) {
            simulator.live(options.duration);
        }
        simulator.http.drain();
        simulator.http.summary();
        System.exit(simulator.http.failedRequests.sum() == 0 ? 0 : 1);
    }
}
