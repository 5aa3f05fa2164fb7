package dev.peregrine.bench.outputs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.peregrine.bench.CommandLine;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.output.webhook.WebhookConfig;
import dev.peregrine.sidekick.spool.SpoolEntry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * The CPU of one webhook delivery's HTTP exchange (issue 21): N platform threads, as Delivery's
 * senders are, each sending Falco-sized JSON bodies one after another to an HTTP sink on
 * 127.0.0.1 (bench/outputs/http-send.sh starts an nginx answering {@code return 200}), with
 * either {@link HttpSender#send} alone (mode {@code sender}, the headers WebhookOutput gives it)
 * or the sidekick's webhook output built from its config record (mode {@code webhook}:
 * {@link Output#send(SpooledAlert)}, the call Delivery makes per alert, without the spool), or
 * that call wrapped per alert in a Retry and a CircuitBreaker as Delivery wraps it (mode
 * {@code delivery}; still without the spool, its reads and removals, and the meters).
 *
 * <p>Per step: the senders' own thread CPU (ThreadMXBean, summed over the threads, between the
 * end of the warm-up and the end of the step) per send, and the whole JVM's CPU per send (JIT
 * and GC included). Each step is bounded in time and count.
 *
 * <pre>
 * java -cp 'bench/target/bench.jar:bench/target/lib/*' dev.peregrine.bench.outputs.HttpSendBench \
 *   --url http://127.0.0.1:18090/ [--mode sender,webhook,delivery] [--threads 1,4] [--seconds 8] [--warmup-seconds 8] [--runs 1]
 * </pre>
 */
public final class HttpSendBench {
    public static void main(String[] argv) throws Exception {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        Map<String, String> args = CommandLine.options(argv);
        String url = args.getOrDefault("url", "http://127.0.0.1:18090/");
        List<String> modes = List.of(args.getOrDefault("mode", "sender,webhook").split(","));
        int[] threads = Arrays.stream(args.getOrDefault("threads", "1,4").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        int seconds = Integer.parseInt(args.getOrDefault("seconds", "8"));
        int warmup = Integer.parseInt(args.getOrDefault("warmup-seconds", "8"));
        int settle = Integer.parseInt(args.getOrDefault("settle-seconds", "2"));
        int runs = Integer.parseInt(args.getOrDefault("runs", "1"));
        long maxSends = Long.parseLong(args.getOrDefault("max-sends", "2000000"));
        Path results = Path.of(args.getOrDefault("results", "bench/target/http-send-results.txt"));
        String alerts = args.getOrDefault("alerts-file", "bench/src/main/resources/falco/sample_alerts.jsonl");
        Map<String, Method> variants = variants(args.getOrDefault("variants", "main=-"));

        // name of variant, mode, threads -> thread CPU per send of each measured round
        Map<String, List<Double>> perSend = new TreeMap<>();
        for (int run = 0; run <= runs; run++) { // run 0: JIT warm-up of every variant and step, not counted
            List<String> order = new ArrayList<>(variants.keySet());
            if (run % 2 == 0) {
                Collections.reverse(order); // A B, B A, A B ...: each variant as often first as last
            }
            for (String mode : modes) {
                for (int n : threads) {
                    for (String variant : order) {
                        double[] r = (double[]) variants.get(variant)
                                .invoke(
                                        null,
                                        mode,
                                        n,
                                        url,
                                        run == 0 ? 0 : seconds,
                                        run == 0 ? warmup : settle,
                                        maxSends,
                                        alerts);
                        if (run == 0) {
                            continue;
                        }
                        String line = String.format(
                                Locale.ROOT,
                                "RESULT variant=%s round=%d mode=%s threads=%d sends=%.0f failed=%.0f sends/s=%.0f"
                                        + " thread_us/send=%.2f process_us/send=%.2f load1=%.2f",
                                variant,
                                run,
                                mode,
                                n,
                                r[0],
                                r[1],
                                r[0] / seconds,
                                r[2],
                                r[3],
                                load1());
                        report(results, line);
                        perSend.computeIfAbsent(mode + " threads=" + n + " " + variant, k -> new ArrayList<>())
                                .add(r[2]);
                    }
                }
            }
        }
        String first = variants.keySet().iterator().next();
        for (String mode : modes) {
            for (int n : threads) {
                double base = median(perSend.get(mode + " threads=" + n + " " + first));
                for (String variant : variants.keySet()) {
                    List<Double> v = perSend.get(mode + " threads=" + n + " " + variant);
                    List<Double> a = perSend.get(mode + " threads=" + n + " " + first);
                    // Each round's ratio to the first variant in that round: the machine's load moves
                    // both alike, so the median of these pairs resolves more than the medians' ratio.
                    List<Double> paired = new ArrayList<>();
                    for (int i = 0; i < v.size(); i++) {
                        paired.add(v.get(i) / a.get(i));
                    }
                    String line = String.format(
                            Locale.ROOT,
                            "MEDIAN variant=%s mode=%s threads=%d rounds=%d thread_us/send=%.2f ratio_to_%s=%.3f"
                                    + " paired_ratio_median=%.3f pairs_below_1=%d/%d all=%s",
                            variant,
                            mode,
                            n,
                            v.size(),
                            median(v),
                            first,
                            median(v) / base,
                            median(paired),
                            paired.stream().filter(r -> r < 1).count(),
                            paired.size(),
                            v);
                    report(results, line);
                }
            }
        }
    }

    /** A result line, on stdout and appended to the results file. */
    private static void report(Path results, String line) throws IOException {
        System.out.println(line);
        Files.writeString(
                results, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        Collections.sort(v);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /**
     * Each variant's {@link #step} in a class loader of its own that loads Peregrine's classes
     * itself, from the variant's directory first ({@code -}: none) and then the class path, and
     * everything else (HttpClient, Jackson, the JDK) from the application's loader: builds are
     * compared in one JVM, step by step, instead of in separate runs minutes apart on a machine
     * whose load moves the CPU per send by a third.
     */
    static Map<String, Method> variants(String spec) throws Exception {
        List<URL> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            classPath.add(Path.of(entry).toUri().toURL());
        }
        Map<String, Method> variants = new LinkedHashMap<>();
        for (String v : spec.split(",")) {
            String[] nameDir = v.split("=", 2);
            List<URL> urls = new ArrayList<>();
            if (!nameDir[1].equals("-")) {
                urls.add(Path.of(nameDir[1]).toUri().toURL());
            }
            urls.addAll(classPath);
            ClassLoader loader = new PeregrineFirst(urls.toArray(URL[]::new), HttpSendBench.class.getClassLoader());
            Class<?> c = loader.loadClass(HttpSendBench.class.getName());
            variants.put(
                    nameDir[0],
                    c.getDeclaredMethod(
                            "step",
                            String.class,
                            int.class,
                            String.class,
                            int.class,
                            int.class,
                            long.class,
                            String.class));
        }
        return variants;
    }

    /** Loads dev.peregrine.* itself (child first), the rest through its parent. */
    private static final class PeregrineFirst extends URLClassLoader {
        PeregrineFirst(URL[] urls, ClassLoader parent) {
            super(urls, parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.peregrine.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /**
     * One step in this variant: sends for {@code warmup} s unmeasured, then {@code seconds} s
     * measured. Returns sends, failed sends, the senders' thread CPU per send (µs) and the JVM's.
     */
    public static double[] step(
            String mode, int threads, String url, int seconds, int warmup, long maxSends, String alertsFile)
            throws Exception {
        return new Step(mode, threads, URI.create(url), OutputBench.readSamples(Path.of(alertsFile)))
                .run(seconds, warmup, maxSends);
    }

    /** Uuids made up front: SecureRandom's cost is the spool's, not the send's. */
    private static final String[] UUIDS = java.util.stream.IntStream.range(0, 4096)
            .mapToObj(i -> UUID.randomUUID().toString())
            .toArray(String[]::new);

    private static final AtomicLong NEXT_UUID = new AtomicLong();

    static String uuid() {
        return UUIDS[(int) (NEXT_UUID.getAndIncrement() & (UUIDS.length - 1))];
    }

    /** One mode at one thread count: a fresh client (its own connections), as an output has. */
    private static final class Step {
        final String mode;
        final int threads;
        final URI url;
        final List<byte[]> samples;

        Step(String mode, int threads, URI url, List<byte[]> samples) {
            this.mode = mode;
            this.threads = threads;
            this.url = url;
            this.samples = samples;
        }

        /** Sends for {@code warmup} s unmeasured (new connections, JIT), then measures for {@code seconds} s. */
        double[] run(int seconds, int warmup, long maxSends) throws Exception {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            AtomicLong sends = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            AtomicLong threadCpu = new AtomicLong();
            long[] window = new long[2]; // measured window: start and end, System.nanoTime
            CountDownLatch done = new CountDownLatch(threads);
            long start = System.nanoTime();
            window[0] = start + Duration.ofSeconds(warmup).toNanos();
            window[1] = window[0] + Duration.ofSeconds(seconds).toNanos();
            long[] processCpu = new long[2];
            try (Sink sink = sink()) {
                List<Thread> all = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int offset = t;
                    all.add(Thread.ofPlatform().name("send-bench-" + t).start(() -> {
                        long cpuAtStart = -1;
                        long mine = 0;
                        try {
                            for (long i = offset; mine < maxSends; i++) {
                                long now = System.nanoTime();
                                if (now >= window[1]) {
                                    break;
                                }
                                if (cpuAtStart < 0 && now >= window[0]) {
                                    cpuAtStart = mx.getCurrentThreadCpuTime();
                                }
                                try {
                                    sink.send(samples.get((int) (i % samples.size())));
                                } catch (Throwable e) {
                                    failed.incrementAndGet();
                                }
                                if (cpuAtStart >= 0) {
                                    mine++;
                                }
                            }
                            if (cpuAtStart >= 0) {
                                threadCpu.addAndGet(mx.getCurrentThreadCpuTime() - cpuAtStart);
                                sends.addAndGet(mine);
                            }
                        } finally {
                            done.countDown();
                        }
                    }));
                }
                Thread.sleep(Math.max(0, (window[0] - System.nanoTime()) / 1_000_000));
                processCpu[0] = os.getProcessCpuTime();
                done.await();
                processCpu[1] = os.getProcessCpuTime();
            }
            long n = Math.max(1, sends.get());
            return new double[] {
                sends.get(), failed.get(), threadCpu.get() / 1000.0 / n, (processCpu[1] - processCpu[0]) / 1000.0 / n
            };
        }

        interface Sink extends AutoCloseable {
            void send(byte[] json) throws Throwable;

            @Override
            void close();
        }

        /** The webhook output as built from its config at startup. */
        Sink webhook() {
            Output output = new WebhookConfig(
                            url, "POST", Map.of(), null, null, null, Duration.ofSeconds(10), TlsConfig.NONE)
                    .create(new OutputContext("bench", "peregrine.outputs.bench"));
            return new Sink() {
                long id;

                @Override
                public void send(byte[] json) throws Exception {
                    output.send(new SpooledAlert(
                            new SpoolEntry(++id, "bench", uuid(), System.currentTimeMillis(), json), Instant::now));
                }

                @Override
                public void close() {
                    output.close();
                }
            };
        }

        /**
         * Each send wrapped as Delivery.deliver wraps it: a Retry around a CircuitBreaker, both
         * with the sidekick's default settings, decorated per alert.
         */
        static Sink delivered(Sink webhook) {
            CircuitBreaker breaker = CircuitBreaker.of(
                    "bench",
                    CircuitBreakerConfig.custom()
                            .failureRateThreshold(50)
                            .slidingWindowSize(20)
                            .minimumNumberOfCalls(5)
                            .waitDurationInOpenState(Duration.ofSeconds(30))
                            .permittedNumberOfCallsInHalfOpenState(1)
                            .build());
            Retry retry = Retry.of(
                    "bench",
                    RetryConfig.custom()
                            .maxAttempts(3)
                            .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
                                    Duration.ofMillis(500), 2.0, 0.5, Duration.ofSeconds(30)))
                            .build());
            return new Sink() {
                @Override
                public void send(byte[] json) throws Throwable {
                    Retry.decorateCheckedRunnable(
                                    retry, CircuitBreaker.decorateCheckedRunnable(breaker, () -> webhook.send(json)))
                            .run();
                }

                @Override
                public void close() {
                    webhook.close();
                }
            };
        }

        Sink sink() {
            if (mode.equals("sender")) {
                HttpSender http = new HttpSender(Duration.ofSeconds(10), TlsConfig.NONE);
                return new Sink() {
                    @Override
                    public void send(byte[] json) throws Exception {
                        // What WebhookOutput hands the sender: its headers plus the uuid.
                        Map<String, String> h = new LinkedHashMap<>();
                        h.put(IdempotencyKey.HEADER, uuid());
                        http.send("POST", url, h, "application/json", json);
                    }

                    @Override
                    public void close() {
                        http.close();
                    }
                };
            }
            if (mode.equals("webhook")) {
                return webhook();
            }
            if (mode.equals("delivery")) {
                return delivered(webhook());
            }
            throw new IllegalArgumentException("--mode: sender, webhook or delivery, got " + mode);
        }
    }

    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return -1;
        }
    }
}
