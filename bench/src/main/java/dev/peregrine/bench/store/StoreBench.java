package dev.peregrine.bench.store;

import dev.peregrine.bench.CommandLine;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.store.AlertQuery;
import dev.peregrine.sidekick.store.AlertRecorder;
import dev.peregrine.sidekick.store.AlertStore;
import dev.peregrine.sidekick.store.Dimension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * The dashboard's store with a million alerts: how fast it fills, how big it is per alert, and the
 * latency (p50/p99) of the queries the page and the APIs make, over the last 24 hours: a filtered
 * page with its total (exact up to 10,000, as the APIs give it), a full-text page with its total,
 * the counts by priority, rule, host, container, namespace, image and pod, and the histogram; and, to see where the time goes, the parts alone and
 * the exact counts without the cap. {@code --queries a,b} runs only the queries named.
 *
 * <pre>
 * java -cp 'bench/target/bench.jar:bench/target/lib/*' dev.peregrine.bench.store.StoreBench \
 *   --dir bench/target/store --alerts 1000000 --iterations 300
 * </pre>
 *
 * Alerts are Falco's samples (src/main/resources/falco) varied per alert: 50 hosts, 200
 * containers, 20 namespaces, 400 process names, their time spread evenly over the last 24 hours.
 * With --postgres URL the store is PostgreSQL instead of SQLite.
 */
public final class StoreBench {
    private static final int HOSTS = 50;
    private static final int CONTAINERS = 200;
    private static final int NAMESPACES = 20;
    private static final int PROCS = 400;
    /** As the APIs count a search's total (AlertsApi.EXACT_TOTAL). */
    private static final int TOTAL_CAP = 10_000;

    public static void main(String[] args) throws Exception {
        Map<String, String> a = CommandLine.options(args);
        Path dir = Path.of(a.getOrDefault("dir", "bench/target/store"));
        int n = Integer.parseInt(a.getOrDefault("alerts", "1000000"));
        int iterations = Integer.parseInt(a.getOrDefault("iterations", "300"));
        String postgres = a.get("postgres");
        if (a.containsKey("queries")) {
            only = Set.of(a.get("queries").split(","));
        }
        Files.createDirectories(dir);
        try (AlertStore store = postgres == null
                ? AlertStore.sqlite(dir, 4)
                : AlertStore.postgres(postgres, a.get("user"), a.getOrDefault("password", ""), 4)) {
            long have = store.count(AlertQuery.ALL);
            if (have < n) {
                fill(store, n - (int) have);
            } else {
                System.out.printf("store already holds %d alerts: not filled again%n", have);
            }
            long count = store.count(AlertQuery.ALL);
            long used = store.usedBytes();
            long onDisk = postgres == null ? filesSize(dir) : used;
            System.out.printf(
                    "RESULT size alerts=%d used_bytes=%d bytes_per_alert=%.0f disk_bytes=%d disk_bytes_per_alert=%.0f%n",
                    count, used, (double) used / count, onDisk, (double) onDisk / count);
            queries(store, iterations);
        }
    }

    static void fill(AlertStore store, int n) throws IOException, InterruptedException {
        List<Alert> samples = samples();
        Random r = new Random(42);
        Instant now = Instant.now();
        Instant start = now.minus(Duration.ofHours(24));
        long stepNanos = Duration.ofHours(24).toNanos() / n;
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        long t0 = System.nanoTime();
        try (AlertRecorder recorder = new AlertRecorder(
                store,
                Duration.ofDays(30),
                Long.MAX_VALUE,
                Duration.ofHours(1),
                20_000,
                Long.MAX_VALUE,
                Clock.systemUTC(),
                metrics)) {
            for (int i = 0; i < n; i++) {
                Alert alert = vary(samples.get(r.nextInt(samples.size())), r, start.plusNanos(stepNanos * i));
                while (recorder.backlog() > 15_000) {
                    // paced by the writer (the recorder drops what does not fit); a sleep, so that
                    // this thread leaves the writer its core
                    Thread.sleep(1);
                }
                recorder.record(AlertJson.write(alert), List.of("slack", "siem"), null);
                if (i > 0 && i % 100_000 == 0) {
                    System.out.printf("filled %d%n", i);
                }
            }
            while (recorder.backlog() > 0) {
                Thread.sleep(10);
            }
            writerCpu = writerCpuNanos();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double dropped = metrics.find("peregrine.store.dropped").counters().stream()
                .mapToDouble(Counter::count)
                .sum();
        System.out.printf(
                "RESULT fill alerts=%d seconds=%.1f alerts_per_s=%.0f dropped=%.0f writer_cpu_us_per_alert=%.1f%n",
                n, seconds, n / seconds, dropped, writerCpu / 1e3 / n);
    }

    private static long writerCpu;

    /** CPU time of the store's writer thread so far (the recorder's thread, by its name). */
    static long writerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("alert-store-writer"))
                .mapToLong(t -> threads.getThreadCpuTime(t.threadId()))
                .sum();
    }

    static Alert vary(Alert s, Random r, Instant time) {
        int host = r.nextInt(HOSTS);
        int container = r.nextInt(CONTAINERS);
        int proc = r.nextInt(PROCS);
        Map<String, Object> fields = new TreeMap<>(s.outputFields());
        fields.put("container.name", "app-" + container);
        fields.put("container.id", String.format("%012x", container * 7919L));
        fields.put("k8s.ns.name", "ns-" + (container % NAMESPACES));
        fields.put("k8s.pod.name", "app-" + container + "-" + r.nextInt(5));
        fields.put("proc.name", "cmd" + proc);
        String output = s.output() + " proc=cmd" + proc + " container=app-" + container;
        return new Alert(
                UUID.randomUUID().toString(),
                time,
                s.rule(),
                s.priority(),
                s.source(),
                output,
                new TreeMap<>(fields),
                s.tags(),
                String.format("node-%02d", host),
                null,
                Map.of());
    }

    static void queries(AlertStore store, int iterations) {
        Random r = new Random(7);
        Instant since = Instant.now().minus(Duration.ofHours(24));
        AlertQuery day = AlertQuery.ALL.between(since, null);
        measure("filtered_search", iterations, () -> {
            AlertQuery q = day.withPriorities(Set.of(Priority.WARNING))
                    .with(Dimension.HOSTNAME, Set.of(String.format("node-%02d", r.nextInt(HOSTS))));
            int page = store.search(q, null, 0, 50).size();
            return page + (int) store.total(q, TOTAL_CAP).count();
        });
        measure("fulltext_search", iterations, () -> {
            AlertQuery q = day.withText("cmd" + r.nextInt(PROCS));
            int page = store.search(q, null, 0, 50).size();
            return page + (int) store.total(q, TOTAL_CAP).count();
        });
        measure("fulltext_common_word_search", iterations, () -> {
            // a word in a sixth of the alerts: the total is capped
            AlertQuery q = day.withText("shell");
            int page = store.search(q, null, 0, 50).size();
            return page + (int) store.total(q, TOTAL_CAP).count();
        });
        measure(
                "count_by_priority_24h",
                iterations,
                () -> store.countBy(day, Dimension.PRIORITY, 8).size());
        // Falcosidekick-UI's count/:groupby and the dashboard's top rules and hosts
        measure(
                "count_by_rule_24h",
                iterations,
                () -> store.countBy(day, Dimension.RULE, 10).size());
        measure(
                "count_by_hostname_24h",
                iterations,
                () -> store.countBy(day, Dimension.HOSTNAME, 10).size());
        // the dashboard's top containers and namespaces, and counts by image and pod
        measure(
                "count_by_container_24h",
                iterations,
                () -> store.countBy(day, Dimension.CONTAINER, 10).size());
        measure(
                "count_by_namespace_24h",
                iterations,
                () -> store.countBy(day, Dimension.NAMESPACE, 10).size());
        measure(
                "count_by_image_24h",
                iterations,
                () -> store.countBy(day, Dimension.IMAGE, 10).size());
        measure(
                "count_by_pod_24h",
                iterations,
                () -> store.countBy(day, Dimension.POD, 10).size());
        // the parts, to see where the time goes
        measure(
                "filtered_page_only",
                iterations,
                () -> store.search(
                                day.withPriorities(Set.of(Priority.WARNING))
                                        .with(Dimension.HOSTNAME, Set.of(String.format("node-%02d", r.nextInt(HOSTS)))),
                                null,
                                0,
                                50)
                        .size());
        measure("filtered_exact_count", iterations, () -> (int) store.count(day.withPriorities(Set.of(Priority.WARNING))
                .with(Dimension.HOSTNAME, Set.of(String.format("node-%02d", r.nextInt(HOSTS))))));
        measure("fulltext_exact_count", iterations, () -> (int) store.count(day.withText("cmd" + r.nextInt(PROCS))));
        measure("unfiltered_exact_count_24h", iterations, () -> (int) store.count(day));
        measure(
                "newest_page_unfiltered",
                iterations,
                () -> store.search(day, null, 0, 50).size());
        measure(
                "histogram_24h_30min",
                iterations,
                () -> store.histogram(day, 1_800_000_000L).size());
    }

    /** --queries a,b: only the queries named (all when not given). */
    private static Set<String> only = Set.of();

    static void measure(String name, int iterations, IntSupplier query) {
        if (!only.isEmpty() && !only.contains(name)) {
            return;
        }
        long sink = 0;
        for (int i = 0; i < Math.max(5, iterations / 10); i++) {
            sink += query.getAsInt();
        }
        long[] nanos = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            sink += query.getAsInt();
            nanos[i] = System.nanoTime() - t;
        }
        Arrays.sort(nanos);
        System.out.printf(
                "RESULT query %s iterations=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f (%d)%n",
                name, iterations, ms(nanos, 0.50), ms(nanos, 0.99), nanos[iterations - 1] / 1e6, sink % 10);
    }

    static double ms(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)] / 1e6;
    }

    static List<Alert> samples() throws IOException {
        try (InputStream in = StoreBench.class.getResourceAsStream("/falco/sample_alerts.jsonl")) {
            List<Alert> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(AlertJson.read(line.getBytes(StandardCharsets.UTF_8), Instant::now));
                }
            }
            return out;
        }
    }

    static long filesSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("alerts.db"))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
