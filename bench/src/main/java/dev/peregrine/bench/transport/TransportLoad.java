package dev.peregrine.bench.transport;

import com.google.protobuf.Timestamp;
import com.sun.management.OperatingSystemMXBean;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.detector.alert.AlertMessage;
import dev.peregrine.detector.transport.LinkSettings;
import dev.peregrine.detector.transport.NodeSpool;
import dev.peregrine.detector.transport.SidekickLink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * The detector's side of the transport benchmark: its real node spool (durable, fsync on) and
 * its real gRPC link, fed with synthetic alerts shaped like a stable rule's. Two modes:
 *
 * <pre>
 * throughput --sidekick 127.0.0.1:2803 --spool DIR --count N [--warmup W] [--window A] --max-seconds S
 *     sends W alerts unmeasured, then appends N alerts as fast as the spool takes them while the
 *     link sends; reports acked alerts/s and this process's CPU per alert; A: the link's window of
 *     alerts in flight (default 1024, the detector's)
 * drain --sidekick 127.0.0.1:2803 --spool DIR --count N --ping URL --max-seconds S
 *     fills the spool with N alerts while the sidekick is down (the link is running and failing),
 *     prints FILLED, waits for URL (the sidekick's /ping) to answer, and reports the time from then
 *     until every alert is acknowledged
 * </pre>
 *
 * Prints one RESULT line of key=value pairs. Every loop is bounded by --max-seconds.
 */
public final class TransportLoad {
    /**
     * Alerts the load lets wait in memory for the node spool's writer: a burst of ~0.4 s at
     * 20,000 alerts/s, enough that the writer always finds a full batch, never the whole run.
     */
    private static final int MAX_QUEUED = 8192;

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String target = arg(args, "--sidekick", "127.0.0.1:2803");
        Path dir = Path.of(arg(args, "--spool", "target/transport-spool"));
        int count = Integer.parseInt(arg(args, "--count", "100000"));
        int warmup = Integer.parseInt(arg(args, "--warmup", "0"));
        long maxMillis = Long.parseLong(arg(args, "--max-seconds", "300")) * 1000;
        String ping = arg(args, "--ping", "http://127.0.0.1:2801/ping");
        long deadline = System.currentTimeMillis() + maxMillis;

        try (NodeSpool spool = new NodeSpool(dir, 4L << 30, true)) {
            if (spool.count() != 0) {
                throw new IllegalStateException("spool " + dir + " is not empty: " + spool.count());
            }
            LinkSettings settings = new LinkSettings(
                    target,
                    null,
                    null,
                    null,
                    null,
                    Integer.parseInt(arg(args, "--window", "1024")),
                    Duration.ofMillis(200),
                    Duration.ofSeconds(2),
                    LinkSettings.DEFAULT_ACK_DEADLINE);
            Origin origin = Origin.newBuilder()
                    .setHostname("bench-node")
                    .setNodeName("bench-node")
                    .build();
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            try (SidekickLink link = new SidekickLink(spool, settings, origin, metrics)) {
                switch (mode) {
                    case "throughput" -> throughput(spool, link, metrics, warmup, count, deadline);
                    case "drain" -> drain(spool, link, count, ping, deadline);
                    default -> throw new IllegalArgumentException("mode: throughput | drain");
                }
            }
        }
    }

    private static void throughput(
            NodeSpool spool, SidekickLink link, MeterRegistry metrics, int warmup, int count, long deadline)
            throws Exception {
        link.start();
        // Connected (the link says so on its first ack): one alert through before the clock starts.
        spool.append(alert(-1));
        awaitUntil(() -> link.connected() && spool.count() == 0, deadline, "first alert acknowledged");
        // This JVM's own warm-up, so both ends are compiled when the clock starts.
        if (warmup > 0) {
            push(spool, warmup, deadline);
            spool.awaitWritten(Math.max(1, deadline - System.currentTimeMillis()));
            awaitUntil(() -> spool.count() == 0, deadline, "warm-up alerts acknowledged");
        }
        System.out.println("WARM"); // the harness starts counting the sidekick's CPU here
        System.out.flush();
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        InFlight inFlight = InFlight.start(metrics);
        int appended = push(spool, count, deadline);
        spool.awaitWritten(Math.max(1, deadline - System.currentTimeMillis()));
        awaitUntil(() -> spool.count() == 0, deadline, "every alert acknowledged");
        double seconds = (System.nanoTime() - start) / 1e9;
        int[] sampled = inFlight.stop();
        System.out.printf(
                "RESULT mode=throughput alerts=%d seconds=%.3f acked_per_s=%.0f detector_cpu_us=%.0f"
                        + " inflight_p50=%d inflight_p90=%d inflight_max=%d%n",
                appended,
                seconds,
                appended / seconds,
                (processCpuNanos() - cpuStart) / 1e3 / Math.max(1, appended),
                sampled[0],
                sampled[1],
                sampled[2]);
    }

    /**
     * Alerts the link sent and has no ack for yet (the link's counters: sent minus acks), sampled
     * every 5 ms while the measured alerts go through: how full the link's window is, i.e. whether
     * the sidekick's per-stream window (which it reads ahead of its acks) is what limits the rate.
     */
    private static final class InFlight {
        private final int[] samples = new int[120_000]; // 10 minutes at 5 ms
        private int n;
        private volatile boolean running = true;
        private Thread thread;

        static InFlight start(MeterRegistry metrics) {
            InFlight f = new InFlight();
            f.thread = Thread.ofPlatform().name("inflight-sampler").daemon().start(() -> f.run(metrics));
            return f;
        }

        private void run(MeterRegistry metrics) {
            while (running && n < samples.length) {
                double sent = metrics.get("peregrine.detector.transport.sent")
                        .counter()
                        .count();
                double acked = metrics.get("peregrine.detector.transport.acks").counters().stream()
                        .mapToDouble(Counter::count)
                        .sum();
                samples[n++] = (int) (sent - acked);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /** p50, p90, max of the samples. */
        int[] stop() throws InterruptedException {
            running = false;
            thread.join(1000);
            int[] s = Arrays.copyOf(samples, n);
            Arrays.sort(s);
            return s.length == 0
                    ? new int[3]
                    : new int[] {s[s.length / 2], s[Math.min(s.length - 1, s.length * 9 / 10)], s[s.length - 1]};
        }
    }

    /** This process's CPU time (all threads): the detector side's cost per alert. */
    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Appends {@code count} alerts as fast as the spool takes them; returns how many. */
    private static int push(NodeSpool spool, int count, long deadline) throws InterruptedException {
        int appended = 0;
        while (appended < count && System.currentTimeMillis() < deadline) {
            spool.append(alert(appended++));
            // Keep the writer's queue from holding the whole run in memory: a detector's
            // producer runs at the rate of syscalls, not ahead of the disk by seconds. (Bounded by
            // the committed count before, which never bound a run of 200,000: the whole run sat
            // in the writer's queue, and the collector copied it from region to region.)
            if ((appended & 255) == 0) {
                while (spool.queued() > MAX_QUEUED && System.currentTimeMillis() < deadline) {
                    Thread.sleep(1);
                }
            }
        }
        return appended;
    }

    private static void drain(NodeSpool spool, SidekickLink link, int count, String ping, long deadline)
            throws Exception {
        link.start();
        for (int i = 0; i < count && System.currentTimeMillis() < deadline; i++) {
            spool.append(alert(i));
        }
        spool.awaitWritten(Math.max(1, deadline - System.currentTimeMillis()));
        long backlog = spool.count();
        System.out.println("FILLED " + backlog);
        System.out.flush();
        HttpClient http = HttpClient.newHttpClient();
        awaitUntil(() -> up(http, ping), deadline, "sidekick up at " + ping);
        long up = System.nanoTime();
        awaitUntil(() -> spool.count() < backlog, deadline, "first ack");
        long firstAck = System.nanoTime();
        awaitUntil(() -> spool.count() == 0, deadline, "backlog drained");
        long done = System.nanoTime();
        System.out.printf(
                "RESULT mode=drain alerts=%d reconnect_s=%.3f drain_s=%.3f total_s=%.3f drain_per_s=%.0f"
                        + " total_per_s=%.0f%n",
                backlog,
                (firstAck - up) / 1e9,
                (done - firstAck) / 1e9,
                (done - up) / 1e9,
                backlog / ((done - firstAck) / 1e9),
                backlog / ((done - up) / 1e9));
    }

    /** Shaped like "Read sensitive file untrusted": the same fields and about the same size. */
    public static Alert alert(int i) {
        Instant now = Instant.now();
        return Alert.newBuilder()
                .setUuid(AlertMessage.newUuid())
                .setTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setRule("Read sensitive file untrusted")
                .setPriority(Priority.WARNING)
                .setSource("syscall")
                .setHostname("bench-node")
                .setOutput("Sensitive file opened for reading by non-trusted program | file=/etc/shadow gparent=bash"
                        + " ggparent=sshd gggparent=systemd evt_type=openat user=root user_uid=0 user_loginuid=1000"
                        + " process=cat proc_exepath=/usr/bin/cat parent=bash command=cat /etc/shadow terminal=34816"
                        + " container_id=host container_name=host")
                .putOutputFields("evt.type", str("openat"))
                .putOutputFields("fd.name", str("/etc/shadow"))
                .putOutputFields("proc.name", str("cat"))
                .putOutputFields(
                        "proc.pid",
                        FieldValue.newBuilder().setIntValue(100_000 + i).build())
                .putOutputFields("proc.cmdline", str("cat /etc/shadow"))
                .putOutputFields("proc.exepath", str("/usr/bin/cat"))
                .putOutputFields("proc.pname", str("bash"))
                .putOutputFields("user.name", str("root"))
                .putOutputFields(
                        "user.uid", FieldValue.newBuilder().setIntValue(0).build())
                .putOutputFields(
                        "user.loginuid",
                        FieldValue.newBuilder().setIntValue(1000).build())
                .putOutputFields("container.id", str("host"))
                .putOutputFields("container.name", str("host"))
                .addTags("T1555")
                .addTags("container")
                .addTags("filesystem")
                .addTags("host")
                .addTags("maturity_stable")
                .addTags("mitre_credential_access")
                .build();
    }

    private static FieldValue str(String s) {
        return FieldValue.newBuilder().setStringValue(s).build();
    }

    private static boolean up(HttpClient http, String url) {
        try {
            return http.send(
                                    HttpRequest.newBuilder(URI.create(url))
                                            .timeout(Duration.ofSeconds(1))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void awaitUntil(Condition c, long deadline, String what) throws Exception {
        while (!c.holds()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    private static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
