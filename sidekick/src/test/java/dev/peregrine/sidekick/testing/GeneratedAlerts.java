package dev.peregrine.sidekick.testing;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Alerts with every filterable part varied (rule, priority, source, host, container, image,
 * namespace, pod, tags, time), from a seed, so a test can check a query against the same
 * filter applied to the list in Java.
 */
public final class GeneratedAlerts {
    public static final List<String> RULES = List.of(
            "Terminal shell in container",
            "Read sensitive file untrusted",
            "Write below etc",
            "Drop and execute new binary in container");
    public static final List<String> HOSTS = List.of("node-a", "node-b", "bastion-01");
    public static final List<String> SOURCES = List.of("syscall", "k8s_audit");
    public static final List<String> IMAGES =
            List.of("docker.io/library/nginx", "quay.io/prometheus/node-exporter", "");
    public static final List<String> NAMESPACES = List.of("shop", "monitoring", "kube-system");
    public static final List<String> TAGS = List.of("container", "shell", "mitre_execution", "filesystem", "T1059");
    public static final List<String> PROCS = List.of("bash", "cat", "python3", "sh", "nginx");
    public static final List<String> FILES = List.of("/etc/shadow", "/etc/cron.d/sysupdate", "/usr/bin/curl", "/tmp/x");

    private GeneratedAlerts() {}

    /** {@code n} alerts, one every {@code step} back from {@code newest}, newest last. */
    public static List<Alert> generate(long seed, int n, Instant newest, Duration step) {
        Random r = new Random(seed);
        List<Alert> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Instant time = newest.minus(step.multipliedBy(n - 1 - i));
            out.add(one(r, time));
        }
        return out;
    }

    public static Alert one(Random r, Instant time) {
        String image = pick(r, IMAGES);
        boolean inContainer = !image.isEmpty();
        String ns = inContainer ? pick(r, NAMESPACES) : null;
        String proc = pick(r, PROCS);
        String file = pick(r, FILES);
        Map<String, Object> fields = new TreeMap<>();
        fields.put("proc.name", proc);
        fields.put("fd.name", file);
        fields.put("user.uid", (long) r.nextInt(3));
        fields.put("container.id", inContainer ? Long.toHexString(r.nextLong() & 0xffffffffffffL) : "host");
        fields.put("container.name", inContainer ? "c-" + proc : "host");
        fields.put("container.image.repository", image);
        fields.put("k8s.ns.name", ns);
        fields.put("k8s.pod.name", ns == null ? null : ns + "-pod-" + r.nextInt(3));
        List<String> tags = new ArrayList<>();
        for (String t : TAGS) {
            if (r.nextInt(3) == 0) {
                tags.add(t);
            }
        }
        Priority priority = Priority.values()[r.nextInt(Priority.values().length)];
        String rule = pick(r, RULES);
        String output = time + ": " + priority.falcoName() + " " + rule + " | proc=" + proc + " file=" + file
                + " image=" + image;
        return new Alert(
                UUID.randomUUID().toString(),
                time,
                rule,
                priority,
                pick(r, SOURCES),
                output,
                new TreeMap<>(fields),
                tags,
                pick(r, HOSTS),
                null,
                Map.of());
    }

    private static String pick(Random r, List<String> values) {
        return values.get(r.nextInt(values.size()));
    }
}
