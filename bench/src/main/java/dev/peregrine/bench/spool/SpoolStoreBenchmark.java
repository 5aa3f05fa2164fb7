package dev.peregrine.bench.spool;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * The spool workload: producers append ~1 KB Falco alerts, each waiting until its append is
 * durable (the HTTP 200 of the sidekick waits the same way); one consumer thread reads them in order
 * and removes them, as a delivery worker does. Score = acknowledged appends per second. Append
 * latency percentiles (p50/p99/p99.9 over the measurement iterations, HdrHistogram) are printed as
 * {@code LATENCY ...} lines and appended to {@code bench.latency.file} (default
 * target/spool-latency.csv), one line per fork.
 *
 * <p>Producers 1, 8 and 64 are the three methods, since JMH fixes thread counts per method.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
@Fork(
        value = 1,
        jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class SpoolStoreBenchmark {

    @Param({"sqlite", "sqlite-spool", "h2-mvstore", "tape2", "file"})
    public String store;

    /** Where store files go: must be a real disk (not tmpfs), or fsync costs nothing. */
    @Param({"target/spool-bench"})
    public String dir;

    private Path storeDir;
    private AlertStore alerts;
    private byte[] payload;
    private Thread consumer;
    private volatile boolean stopping;
    private final AtomicLong appended = new AtomicLong();
    private final AtomicLong consumed = new AtomicLong();
    private final AtomicLong uuidSeq = new AtomicLong();
    private volatile String orderError;
    private volatile boolean drainTimedOut;
    private final Recorder latency = new Recorder(3);
    private final Histogram measured = new Histogram(3);
    private int producers;

    @Setup(Level.Trial)
    public void open(BenchmarkParams params) throws Exception {
        producers = params.getThreads();
        payload = sampleAlert();
        Path base = Path.of(dir);
        Files.createDirectories(base);
        storeDir = Files.createTempDirectory(base, store + "-");
        alerts = switch (store) {
            case "sqlite" -> new SqliteStore(storeDir, false);
            case "sqlite-spool" -> new SqliteStore(storeDir, true);
            case "h2-mvstore" -> new H2MvStore(storeDir);
            case "tape2" -> new Tape2Store(storeDir);
            case "file" -> new FileStore(storeDir);
            default -> throw new IllegalArgumentException("unknown store " + store);
        };
        consumer = Thread.ofPlatform().name("consumer").daemon().start(this::consume);
    }

    /** Reads in order and removes, as one delivery worker; checks the order while at it. */
    private void consume() {
        long after = 0;
        try {
            while (!stopping || (consumed.get() < appended.get() && !drainTimedOut)) {
                List<AlertStore.Entry> entries = alerts.read(after, 1024, 50);
                for (AlertStore.Entry e : entries) {
                    if (e.id() <= after && orderError == null) {
                        orderError = "id " + e.id() + " after " + after;
                    }
                    after = e.id();
                }
                consumed.addAndGet(entries.size());
                alerts.remove(entries);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Setup(Level.Iteration)
    public void iteration(IterationParams params) {
        latency.getIntervalHistogram(); // drop what came before
    }

    @TearDown(Level.Iteration)
    public void endIteration(IterationParams params) {
        Histogram h = latency.getIntervalHistogram();
        if (params.getType() == IterationType.MEASUREMENT) {
            measured.add(h);
        }
    }

    @Benchmark
    @Threads(1)
    public void producers01() throws Exception {
        append();
    }

    @Benchmark
    @Threads(8)
    public void producers08() throws Exception {
        append();
    }

    @Benchmark
    @Threads(64)
    public void producers64() throws Exception {
        append();
    }

    private void append() throws Exception {
        long t0 = System.nanoTime();
        alerts.append("00000000-0000-4000-8000-" + String.format("%012x", uuidSeq.incrementAndGet()), payload)
                .get();
        latency.recordValue((System.nanoTime() - t0) / 1000);
        appended.incrementAndGet();
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        stopping = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (consumed.get() < appended.get() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        drainTimedOut = true;
        consumer.join(10_000); // it stops by itself once stopping and drained (or at the deadline below)
        alerts.close();
        String line = String.format(
                Locale.ROOT,
                "%s,%d,%d,%.3f,%.3f,%.3f,%.3f,%d,%d",
                store,
                producers,
                measured.getTotalCount(),
                measured.getValueAtPercentile(50) / 1000.0,
                measured.getValueAtPercentile(99) / 1000.0,
                measured.getValueAtPercentile(99.9) / 1000.0,
                measured.getMean() / 1000.0,
                appended.get(),
                consumed.get());
        System.out.println();
        System.out.println("LATENCY store,producers,samples,p50_ms,p99_ms,p999_ms,mean_ms,appended,consumed");
        System.out.println("LATENCY " + line);
        Path out = Path.of(System.getProperty("bench.latency.file", "target/spool-latency.csv"));
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(
                out, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        deleteTree(storeDir);
        if (orderError != null) {
            throw new IllegalStateException(store + ": read out of order: " + orderError);
        }
        if (consumed.get() != appended.get()) {
            throw new IllegalStateException(store + ": appended " + appended.get() + " but read " + consumed.get());
        }
    }

    /** The smallest alert of the sample (1028 bytes) with a sidekick uuid added, as the spool stores it. */
    static byte[] sampleAlert() {
        try (InputStream in = SpoolStoreBenchmark.class.getResourceAsStream("/falco/sample_alerts.jsonl")) {
            String line = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .min(Comparator.comparingInt(String::length))
                    .orElseThrow();
            String withUuid =
                    line.substring(0, line.length() - 1) + ",\"uuid\":\"6f1c1b1e-4a0e-4c55-9d3b-2b8f5d1a7e90\"}";
            return withUuid.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
