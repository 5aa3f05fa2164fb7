package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.event.UserInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Built events of a made-up nginx container, and a model that records what it raises. */
final class Workloads {
    static final long SECOND = 1_000_000_000L;
    static final long T0 = 1_800_000_000L * SECOND;
    static final ContainerInfo NGINX = ContainerInfo.builder()
            .id("0123456789ab")
            .name("web")
            .imageRepository("nginx")
            .imageTag("1.25")
            .command("nginx -g daemon off;")
            .build();
    static final String KEY = "image:nginx:1.25 nginx -g daemon off;";
    static final UserInfo ROOT = new UserInfo(0, "root", -1, null, "/root", "/bin/sh", 0, "root");
    static final UserInfo WWW = new UserInfo(33, "www-data", -1, null, "/var/www", "/bin/false", 33, "www-data");
    static final ProcessInfo CONTAINERD_SHIM = ProcessInfo.builder()
            .pid(90)
            .name("containerd-shim")
            .exepath("/usr/bin/containerd-shim")
            .build();
    static final ProcessInfo NGINX_MAIN = proc(100, "nginx", "/usr/sbin/nginx");
    static final ProcessInfo NGINX_WORKER = proc(101, "nginx", "/usr/sbin/nginx");

    /** Small windows and a short learning, so a test learns in a few simulated seconds. */
    static AnomalySettings settings() {
        return AnomalySettings.defaults()
                .withLearning(Duration.ofSeconds(60))
                .withDirectory(null)
                .withWindow(Duration.ofSeconds(2))
                .withLearningMinEvents(10);
    }

    static ProcessInfo proc(long pid, String name, String exepath) {
        return ProcessInfo.builder()
                .pid(pid)
                .name(name)
                .exepath(exepath)
                .args(List.of())
                .capEffective("CAP_CHOWN CAP_NET_BIND_SERVICE")
                .build();
    }

    static Event exec(long ts, ProcessInfo p, ProcessInfo parent, UserInfo user) {
        return Event.builder()
                .ts(ts)
                .type("execve")
                .rawres(0)
                .proc(p)
                .ancestors(List.of(parent))
                .container(NGINX)
                .user(user)
                .build();
    }

    static Event open(long ts, ProcessInfo p, String path, boolean write) {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("fd", "5");
        args.put("name", path);
        args.put("flags", write ? "O_WRONLY|O_CREAT|O_APPEND" : "O_RDONLY");
        args.put("mode", "0644");
        return Event.builder()
                .ts(ts)
                .type("openat")
                .rawres(5)
                .args(args)
                .proc(p)
                .fd(FdInfo.builder().num(5).type("file").name(path).build())
                .container(NGINX)
                .user(WWW)
                .build();
    }

    static Event connect(long ts, ProcessInfo p, String ip, long port) {
        return Event.builder()
                .ts(ts)
                .type("connect")
                .rawres(0)
                .proc(p)
                .fd(FdInfo.builder()
                        .num(6)
                        .type("ipv4")
                        .l4proto("tcp")
                        .client("172.17.0.2", 40000)
                        .server(ip, port)
                        .role(FdInfo.Role.CLIENT)
                        .connected(true)
                        .build())
                .container(NGINX)
                .user(WWW)
                .build();
    }

    /** A model without a store that keeps what it raises. */
    static final class Recorder {
        final List<Anomaly> anomalies = new ArrayList<>();
        final Baselines model;

        Recorder(AnomalySettings s) {
            model = new Baselines(
                    s, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), null, anomalies::add);
        }

        Recorder(AnomalySettings s, ProfileStore store) {
            model = new Baselines(
                    s, new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), store, anomalies::add);
        }

        List<Anomaly> of(AnomalyKind k) {
            return anomalies.stream().filter(a -> a.kind() == k).toList();
        }
    }

    /**
     * The nginx workload as it runs normally for {@code seconds} from {@code start}: per second a
     * few reads of its pages, a log write, a connect to the upstream, and now and then a worker
     * exec. Returns the time after the last event.
     */
    static long normal(Baselines model, long start, int seconds, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        long ts = start;
        for (int s = 0; s < seconds; s++) {
            int reads = 20 + r.nextInt(10);
            for (int i = 0; i < reads; i++) {
                ts = start + s * SECOND + i * (SECOND / 64);
                model.observe(Baselines.OPENAT, open(ts, NGINX_WORKER, "/usr/share/nginx/html/index.html", false));
            }
            model.observe(Baselines.OPENAT, open(ts + 1, NGINX_WORKER, "/var/log/nginx/access.log", true));
            model.observe(Baselines.CONNECT, connect(ts + 2, NGINX_WORKER, "172.17.0.9", 8080));
            if (s % 10 == 0) {
                model.observe(RawEvent.PROC_EXEC, exec(ts + 3, NGINX_WORKER, NGINX_MAIN, WWW));
            }
        }
        return start + seconds * SECOND;
    }
}
