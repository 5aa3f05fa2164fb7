package dev.peregrine.bench.outputs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.spool.SpoolEntry;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * Alerts per second that one of the sidekick's outputs gets acknowledged by its real server, next
 * to a ceiling measured against the same server in the same run (see bench/outputs/run.sh and
 * docs/benchmarks.md, "Outputs").
 *
 * <p>The output is the sidekick's own class, built from its config record's {@code create(...)}
 * as at startup, and driven the way {@code Delivery} drives it: at most {@code parallelism}
 * sends in flight, each on its own virtual thread, each parsing the spooled Falco JSON
 * ({@link AlertJson#read}) and then calling {@link Output#send(Alert, byte[])}, which returns
 * only when the server acknowledged. Not included: the spool read and removal, and Delivery's
 * Retry/CircuitBreaker decoration (a failed send is counted, not retried).
 *
 * <pre>
 * java -cp 'bench/target/bench.jar:bench/target/lib/*' dev.peregrine.bench.outputs.OutputBench \
 *   --type kafka|nats|smtp [--runs 3] [--parallelism 4,64] [--alerts 20000] [--seconds 10] ...
 * </pre>
 *
 * Every step is bounded by a count and, for the output steps, by time. Each step prints a
 * {@code RESULT} line and appends it to {@code --results}; the end prints medians and ratios.
 */
public final class OutputBench {
    /** The real stdout: ProducerPerformance's printing is captured, ours is not. */
    static final PrintStream OUT = System.out;

    final Map<String, String> args;
    final List<byte[]> samples;
    final int runs;
    final int[] parallelism;
    final int maxAlerts;
    final int maxSeconds;
    final int warmupAlerts;
    final int warmupSeconds;
    final Path results;
    final List<Result> all = new ArrayList<>();

    OutputBench(Map<String, String> args) throws IOException {
        this.args = args;
        this.samples = readSamples(Path.of(arg("alerts-file", "bench/src/main/resources/falco/sample_alerts.jsonl")));
        this.runs = Integer.parseInt(arg("runs", "3"));
        this.parallelism = Arrays.stream(arg("parallelism", "4,64").split("[, ]+"))
                .mapToInt(Integer::parseInt)
                .toArray();
        this.maxAlerts = Integer.parseInt(arg("alerts", "20000"));
        this.maxSeconds = Integer.parseInt(arg("seconds", "10"));
        this.warmupAlerts = Integer.parseInt(arg("warmup-alerts", "5000"));
        this.warmupSeconds = Integer.parseInt(arg("warmup-seconds", "20"));
        this.results = Path.of(arg("results", "bench/target/outputs-results.txt"));
    }

    String arg(String name, String fallback) {
        return args.getOrDefault(name, fallback);
    }

    String arg(String name) {
        String v = args.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    public static void main(String[] argv) throws Exception {
        // Without a logback.xml logback logs everything at DEBUG: the broker alone would print
        // hundreds of thousands of lines. Warnings and errors only.
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        // endOffsets() on an unassigned consumer (the Kafka record count) warns on every call.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.apache.kafka.clients.consumer"))
                .setLevel(Level.ERROR);
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            if (!argv[i].startsWith("--") || i + 1 == argv.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + argv[i]);
            }
            args.put(argv[i].substring(2), argv[++i]);
        }
        OutputBench bench = new OutputBench(args);
        String type = bench.arg("type");
        Files.createDirectories(bench.results.toAbsolutePath().getParent());
        switch (type) {
            case "kafka" -> new KafkaBench(bench).run();
            case "nats" -> new NatsBench(bench).run();
            case "smtp" -> new SmtpBench(bench).run();
            default -> throw new IllegalArgumentException("--type kafka|nats|smtp, got " + type);
        }
        bench.summary(type);
        // Kafka's and jnats' non-daemon threads must not keep the JVM alive after a failed close.
        System.exit(0);
    }

    static List<byte[]> readSamples(Path file) throws IOException {
        List<byte[]> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank())
                .map(l -> l.getBytes(StandardCharsets.UTF_8))
                .toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("no alerts in " + file);
        }
        return lines;
    }

    /** Sample {@code i} as an output gets it: parsed, with a fresh uuid. */
    Alert alert(int i) {
        return AlertJson.read(samples.get(i % samples.size()), Instant::now);
    }

    /** What a step did. {@code check}: what the server itself counted (records, messages, mails), -1 if not known. */
    record Result(
            String type,
            String step,
            int run,
            long acked,
            long failed,
            double seconds,
            long check,
            String note,
            double harnessCpuUs,
            double serverCpuUs) {
        Result(String type, String step, int run, long acked, long failed, double seconds, long check, String note) {
            this(type, step, run, acked, failed, seconds, check, note, -1, -1);
        }

        double rate() {
            return seconds > 0 ? acked / seconds : 0;
        }
    }

    /** A step to measure. */
    interface Step {
        Result run() throws Exception;
    }

    /** The PID of the server when it is a process of its own (nats-server, the SMTP sink), else -1. */
    long serverPid = -1;

    static final long TICK_NANOS = 10_000_000; // USER_HZ = 100 on Linux

    /**
     * User + system CPU time of a process from /proc, in ns; -1 if unknown. With
     * {@code children}, also that of its children that ended (smtp-source runs).
     */
    static long processCpuNanos(long pid, boolean children) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (children) {
                t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return t * TICK_NANOS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * Runs a step and records it with the CPU time the harness JVM (the client; for Kafka also the
     * broker; for smtp-source steps smtp-source's, a child that ended) and the server process
     * spent on it, per acknowledged alert. CPU time moves much
     * less with other load on a shared machine than throughput does.
     */
    Result measure(Step step) throws Exception {
        long self = ProcessHandle.current().pid();
        long h0 = processCpuNanos(self, true);
        long s0 = processCpuNanos(serverPid, false);
        Result r = step.run();
        long h1 = processCpuNanos(self, true);
        long s1 = processCpuNanos(serverPid, false);
        double n = Math.max(1, r.acked());
        return record(new Result(
                r.type(),
                r.step(),
                r.run(),
                r.acked(),
                r.failed(),
                r.seconds(),
                r.check(),
                r.note(),
                h0 < 0 || h1 < 0 ? -1 : (h1 - h0) / 1e3 / n,
                s0 < 0 || s1 < 0 ? -1 : (s1 - s0) / 1e3 / n));
    }

    /** How the server counts what it took: read before and after a step. */
    interface Counter {
        long count() throws Exception;
    }

    Result record(Result r) {
        all.add(r);
        String line = String.format(
                Locale.ROOT,
                "%s %s %d %d %d %.3f %.0f %d %.0f %.0f %s %s",
                r.type(),
                r.step(),
                r.run(),
                r.acked(),
                r.failed(),
                r.seconds(),
                r.rate(),
                r.check(),
                r.harnessCpuUs(),
                r.serverCpuUs(),
                load1(),
                r.note().isEmpty() ? "-" : r.note().replace(' ', '_'));
        OUT.println("RESULT " + line);
        try {
            if (!Files.exists(results)) {
                Files.writeString(
                        results,
                        "# type step run acked failed seconds alerts_per_s server_count harness_cpu_us_per_alert"
                                + " server_cpu_us_per_alert load1 note\n");
            }
            Files.writeString(results, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return r;
    }

    static String load1() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /**
     * Drives the output as Delivery does: a semaphore of {@code parallelism} slots, one virtual
     * thread per alert, parse + send; or, for an output that offers {@link Output#submit}, parse +
     * submit from this thread, {@code parallelism} (its alerts-in-flight) at most unacknowledged. Stops handing out alerts after {@code count} or
     * {@code maxSeconds} ({@code warmupSeconds} in run 0), whichever comes first, then waits (at most 60 s) for the sends in flight.
     * The time is from the first send to the last acknowledgement.
     */
    Result drive(String type, String step, int run, Output output, int parallelism, int count, Counter server)
            throws Exception {
        long before = server.count();
        Semaphore slots = new Semaphore(parallelism);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + TimeUnit.SECONDS.toNanos(run == 0 ? warmupSeconds : maxSeconds);
        boolean submits = output.alertsInFlight() > 0;
        for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
            slots.acquire();
            byte[] payload = samples.get(i % samples.size());
            if (submits) {
                // As Delivery drives such an output: one thread hands over alerts while slots last,
                // each slot freed by its alert's acknowledgement.
                try {
                    Alert alert = AlertJson.read(payload, Instant::now);
                    output.submit(new SpooledAlert(
                                    new SpoolEntry(0, step, alert.uuid(), System.currentTimeMillis(), payload),
                                    Instant::now))
                            .whenComplete((done, e) -> {
                                if (e == null) {
                                    ok.incrementAndGet();
                                } else {
                                    failed.incrementAndGet();
                                    firstError.compareAndSet(null, e);
                                }
                                slots.release();
                            });
                } catch (Throwable e) {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, e);
                    slots.release();
                }
                continue;
            }
            Thread.ofVirtual().name("send-" + step).start(() -> {
                try {
                    // As the delivery engine hands it over: the spooled JSON, parsed only if the output asks.
                    Alert alert = AlertJson.read(payload, Instant::now);
                    output.send(new SpooledAlert(
                            new SpoolEntry(0, step, alert.uuid(), System.currentTimeMillis(), payload), Instant::now));
                    ok.incrementAndGet();
                } catch (Throwable e) {
                    failed.incrementAndGet();
                    firstError.compareAndSet(null, e);
                } finally {
                    slots.release();
                }
            });
        }
        if (!slots.tryAcquire(parallelism, 60, TimeUnit.SECONDS)) {
            OUT.println("warning: " + step + ": sends still in flight after 60 s");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        slots.release(parallelism);
        if (firstError.get() != null) {
            OUT.println("warning: " + step + ": " + failed.get() + " sends failed, first: " + firstError.get());
        }
        long after = server.count();
        return new Result(type, step, run, ok.get(), failed.get(), seconds, after - before, "");
    }

    /** Medians over the runs per step, and per run the ratio of each output step to its ceilings. */
    void summary(String type) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append(String.format(
                Locale.ROOT,
                "%s: medians over %d runs (alerts/s acknowledged by the server; CPU per"
                        + " acknowledged alert of the harness JVM and of the server process)%n",
                type,
                runs));
        b.append(String.format(
                Locale.ROOT,
                "%-22s %10s %8s %14s %12s %12s  %s%n",
                "step",
                "alerts/s",
                "failed",
                "server/acked",
                "harness_cpu",
                "server_cpu",
                "alerts/s per run"));
        Map<String, List<Result>> bySteps = new LinkedHashMap<>();
        for (Result r : all) {
            if (r.run() > 0) {
                bySteps.computeIfAbsent(r.step(), k -> new ArrayList<>()).add(r);
            }
        }
        bySteps.forEach((step, rs) -> {
            long failed = rs.stream().mapToLong(Result::failed).sum();
            long acked = rs.stream().mapToLong(Result::acked).sum();
            long check = rs.stream().mapToLong(Result::check).sum();
            double hc = median(rs.stream().mapToDouble(Result::harnessCpuUs).toArray());
            double sc = median(rs.stream().mapToDouble(Result::serverCpuUs).toArray());
            b.append(String.format(
                    Locale.ROOT,
                    "%-22s %10.0f %8d %14s %12s %12s  %s%n",
                    step,
                    median(rs.stream().mapToDouble(Result::rate).toArray()),
                    failed,
                    check < 0 ? "n/a" : check + "/" + acked,
                    hc < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f us", hc),
                    sc < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f us", sc),
                    String.join(
                            " / ",
                            rs.stream()
                                    .map(r -> String.format(Locale.ROOT, "%.0f", r.rate()))
                                    .toList())));
        });
        for (Map.Entry<String, List<Result>> out : bySteps.entrySet()) {
            if (!out.getKey().startsWith("output-")) {
                continue;
            }
            for (String ceiling : ceilings(out.getKey(), bySteps.keySet())) {
                List<Double> ratios = new ArrayList<>();
                for (Result r : out.getValue()) {
                    bySteps.get(ceiling).stream()
                            .filter(c -> c.run() == r.run() && c.rate() > 0)
                            .findFirst()
                            .ifPresent(c -> ratios.add(r.rate() / c.rate()));
                }
                b.append(String.format(
                        Locale.ROOT,
                        "ratio %s / %s: median %.3f (%s)%n",
                        out.getKey(),
                        ceiling,
                        median(ratios.stream().mapToDouble(Double::doubleValue).toArray()),
                        String.join(
                                ", ",
                                ratios.stream()
                                        .map(x -> String.format(Locale.ROOT, "%.3f", x))
                                        .toList())));
            }
        }
        OUT.print(b);
        Path summary = results.resolveSibling("summary-" + type + ".txt");
        Files.writeString(summary, b.toString());
    }

    /** The ceilings an output step is compared with: those of the same parallelism, and the ones without one. */
    static List<String> ceilings(String outputStep, Set<String> steps) {
        String p = outputStep.substring(outputStep.lastIndexOf('-') + 1); // "p4"
        List<String> c = new ArrayList<>();
        for (String s : steps) {
            if (s.startsWith("output-")) {
                continue;
            }
            boolean perParallelism = s.matches(".*-p\\d+$");
            if (!perParallelism || s.endsWith("-" + p)) {
                c.add(s);
            }
        }
        return c;
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return 0;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
