package dev.peregrine.bench.rules;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.event.UserInfo;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A day-to-day syscall stream of a Kubernetes node that raises no alert: 60% opens (libraries,
 * configuration, data and log files, some failing with ENOENT), 25% execs (services, probes, an admin
 * over ssh) and 15% connects (pod-to-service, DNS, egress HTTPS, ssh inside the VPC), spread over the
 * host and four containers. Deliberately close to the rules: /etc reads, shells, execs of tools
 * the rules name with harmless arguments, so conditions are evaluated well past their first check.
 */
final class EventMix {
    private EventMix() {}

    private static final UserInfo ROOT = new UserInfo(0, "root", -1, null, "/root", "/bin/bash", 0, "root");
    private static final UserInfo ADMIN =
            new UserInfo(1000, "admin", 1000, "admin", "/home/admin", "/bin/bash", 1000, "admin");
    private static final UserInfo WWW =
            new UserInfo(33, "www-data", -1, null, "/var/www", "/usr/sbin/nologin", 33, "www-data");
    private static final UserInfo APP = new UserInfo(1000, "app", -1, null, "/home/app", "/bin/sh", 1000, "app");
    private static final UserInfo PG =
            new UserInfo(999, "postgres", -1, null, "/var/lib/postgresql", "/bin/bash", 999, "postgres");

    private static final ProcessInfo SYSTEMD = proc(1, "systemd", "/usr/lib/systemd/systemd", List.of("--system"), 0);
    private static final ProcessInfo SHIM =
            proc(1800, "containerd-shim", "/usr/bin/containerd-shim-runc-v2", List.of("-namespace", "k8s.io"), 0);
    private static final ProcessInfo SSHD = proc(950, "sshd", "/usr/sbin/sshd", List.of("-D"), 0);

    /** One running program with its ancestry, user and container: the context of its syscalls. */
    private record Actor(ProcessInfo proc, List<ProcessInfo> ancestors, UserInfo user, ContainerInfo container) {}

    static List<Event> realistic(Random rnd, int count) {
        ContainerInfo web = container(
                "3ad7b26ded6d", "nginx", "docker.io/library/nginx", "1.27.2", "web-frontend-7c9d8f6b5-x2kqp", "shop");
        ContainerInfo api = container(
                "9f1e4c2a7b30",
                "payments-api",
                "ghcr.io/acme/payments-api",
                "v2.4.1",
                "payments-api-5b7f9d9c8-4hzsw",
                "payments");
        ContainerInfo db = container(
                "41d7c0e9b2aa", "postgres", "docker.io/library/postgres", "16.4", "payments-db-0", "payments");
        ContainerInfo cache =
                container("6b2f8e1d4c73", "redis", "docker.io/library/redis", "7.4", "cache-redis-0", "shop");

        ProcessInfo nginxMaster = proc(2300, "nginx", "/usr/sbin/nginx", List.of("-g", "daemon off;"), 0);
        ProcessInfo node = proc(7100, "node", "/usr/local/bin/node", List.of("server.js"), 0);
        ProcessInfo postgres = proc(5300, "postgres", "/usr/lib/postgresql/16/bin/postgres", List.of(), 0);
        ProcessInfo bashAdmin = proc(4050, "bash", "/usr/bin/bash", List.of(), 34817);
        ProcessInfo cron = proc(600, "cron", "/usr/sbin/cron", List.of("-f"), 0);
        ProcessInfo kubelet =
                proc(700, "kubelet", "/usr/bin/kubelet", List.of("--config=/var/lib/kubelet/config.yaml"), 0);

        List<Actor> openers = List.of(
                new Actor(
                        proc(2301, "nginx", "/usr/sbin/nginx", List.of(), 0),
                        List.of(nginxMaster, SHIM, SYSTEMD),
                        WWW,
                        web),
                new Actor(
                        proc(7101, "node", "/usr/local/bin/node", List.of("worker.js"), 0),
                        List.of(node, SHIM, SYSTEMD),
                        APP,
                        api),
                new Actor(
                        proc(5301, "postgres", "/usr/lib/postgresql/16/bin/postgres", List.of(), 0),
                        List.of(postgres, SHIM, SYSTEMD),
                        PG,
                        db),
                new Actor(
                        proc(6100, "redis-server", "/usr/local/bin/redis-server", List.of("*:6379"), 0),
                        List.of(SHIM, SYSTEMD),
                        APP,
                        cache),
                new Actor(kubelet, List.of(SYSTEMD), ROOT, ContainerInfo.HOST),
                new Actor(
                        proc(640, "rsyslogd", "/usr/sbin/rsyslogd", List.of("-n"), 0),
                        List.of(SYSTEMD),
                        ROOT,
                        ContainerInfo.HOST));
        String[][] reads = {
            {"/usr/lib/x86_64-linux-gnu/libc.so.6"},
            {"/etc/ld.so.cache"},
            {"/etc/nsswitch.conf"},
            {"/etc/resolv.conf"},
            {"/etc/passwd"},
            {"/etc/hosts"},
            {"/proc/self/status"},
            {"/proc/meminfo"},
            {"/usr/share/zoneinfo/UTC"},
            {"/etc/nginx/nginx.conf"},
            {"/var/www/html/index.html"},
            {"/app/node_modules/express/lib/router/index.js"},
            {"/var/lib/postgresql/data/base/16384/2619"},
            {"/sys/fs/cgroup/memory.max"},
            {"/etc/ssl/certs/ca-certificates.crt"}
        };
        String[] writes = {
            "/var/log/nginx/access.log",
            "/var/lib/postgresql/data/pg_wal/000000010000000000000003",
            "/tmp/npm-7101/cache.json",
            "/var/log/syslog",
            "/data/appendonly.aof",
            "/var/lib/kubelet/pods/9f1e/volumes/status"
        };
        String[] missing = {
            "/usr/lib/python3/dist-packages/yaml/__init__.cpython-312.so",
            "/app/.env.local",
            "/var/run/secrets/token.tmp"
        };

        List<Actor> execers = List.of(
                new Actor(
                        proc(7150, "node", "/usr/local/bin/node", List.of("healthcheck.js"), 0),
                        List.of(node, SHIM, SYSTEMD),
                        APP,
                        api),
                new Actor(
                        proc(5350, "pg_isready", "/usr/lib/postgresql/16/bin/pg_isready", List.of("-U", "postgres"), 0),
                        List.of(SHIM, SYSTEMD),
                        PG,
                        db),
                new Actor(
                        proc(6150, "redis-cli", "/usr/local/bin/redis-cli", List.of("ping"), 0),
                        List.of(SHIM, SYSTEMD),
                        APP,
                        cache),
                new Actor(
                        proc(4060, "ls", "/usr/bin/ls", List.of("-la", "/var/log"), 34817),
                        List.of(bashAdmin, SSHD, SYSTEMD),
                        ADMIN,
                        ContainerInfo.HOST),
                new Actor(
                        proc(4061, "grep", "/usr/bin/grep", List.of("-c", "ERROR", "/var/log/syslog"), 34817),
                        List.of(bashAdmin, SSHD, SYSTEMD),
                        ADMIN,
                        ContainerInfo.HOST),
                new Actor(
                        proc(
                                4062,
                                "find",
                                "/usr/bin/find",
                                List.of("/var/log", "-name", "*.gz", "-mtime", "+7"),
                                34817),
                        List.of(bashAdmin, SSHD, SYSTEMD),
                        ADMIN,
                        ContainerInfo.HOST),
                new Actor(
                        proc(610, "sh", "/usr/bin/dash", List.of("-c", "run-parts --report /etc/cron.hourly"), 0),
                        List.of(cron, SYSTEMD),
                        ROOT,
                        ContainerInfo.HOST),
                new Actor(
                        proc(
                                720,
                                "runc",
                                "/usr/bin/runc",
                                List.of("--root", "/run/containerd/runc/k8s.io", "state"),
                                0),
                        List.of(SHIM, SYSTEMD),
                        ROOT,
                        ContainerInfo.HOST),
                new Actor(
                        proc(730, "iptables", "/usr/sbin/iptables", List.of("-w", "-t", "nat", "-S"), 0),
                        List.of(kubelet, SYSTEMD),
                        ROOT,
                        ContainerInfo.HOST));

        List<Actor> connectors = List.of(
                new Actor(
                        proc(7101, "node", "/usr/local/bin/node", List.of("worker.js"), 0),
                        List.of(node, SHIM, SYSTEMD),
                        APP,
                        api),
                new Actor(
                        proc(2301, "nginx", "/usr/sbin/nginx", List.of(), 0),
                        List.of(nginxMaster, SHIM, SYSTEMD),
                        WWW,
                        web),
                new Actor(
                        proc(4070, "ssh", "/usr/bin/ssh", List.of("admin@10.0.1.31"), 34817),
                        List.of(bashAdmin, SSHD, SYSTEMD),
                        ADMIN,
                        ContainerInfo.HOST),
                new Actor(
                        proc(4071, "curl", "/usr/bin/curl", List.of("-sS", "https://packages.example.org/"), 34817),
                        List.of(bashAdmin, SSHD, SYSTEMD),
                        ADMIN,
                        ContainerInfo.HOST),
                new Actor(kubelet, List.of(SYSTEMD), ROOT, ContainerInfo.HOST));
        String[][] peers = {
            {"10.244.3.7", "5432", "payments-db.payments.svc.cluster.local"},
            {"10.96.0.10", "53", "kube-dns.kube-system.svc.cluster.local"},
            {"10.244.1.12", "6379", "cache-redis.shop.svc.cluster.local"},
            {"10.0.1.31", "22", null},
            {"93.184.215.14", "443", "packages.example.org"},
            {"10.0.0.2", "443", null}
        };

        List<Event> out = new ArrayList<>(count);
        long ts = 1_764_028_800_000_000_000L;
        for (int i = 0; i < count; i++) {
            ts += 1_000 + rnd.nextInt(50_000);
            int kind = rnd.nextInt(100);
            Event.Builder b = Event.builder().ts(ts).num(i + 1);
            Actor a;
            if (kind < 60) {
                a = openers.get(rnd.nextInt(openers.size()));
                int flavour = rnd.nextInt(10);
                String path;
                String flags;
                long res;
                if (flavour < 7) {
                    path = reads[rnd.nextInt(reads.length)][0];
                    flags = "O_RDONLY|O_CLOEXEC";
                    res = 3 + rnd.nextInt(60);
                } else if (flavour < 9) {
                    path = writes[rnd.nextInt(writes.length)];
                    flags = "O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC";
                    res = 3 + rnd.nextInt(60);
                } else {
                    path = missing[rnd.nextInt(missing.length)];
                    flags = "O_RDONLY|O_CLOEXEC";
                    res = -2;
                }
                b.type("openat")
                        .rawres(res)
                        .args(args("dirfd", "-100(AT_FDCWD)", "name", path, "flags", flags, "mode", "0"))
                        .fd(FdInfo.builder()
                                .num(res < 0 ? -1 : res)
                                .type("file")
                                .name(path)
                                .build());
            } else if (kind < 85) {
                a = execers.get(rnd.nextInt(execers.size()));
                b.type("execve").rawres(0).args(args("flags", "EXE_LOWER_LAYER"));
            } else {
                a = connectors.get(rnd.nextInt(connectors.size()));
                // ssh stays on port 22 inside the VPC: anything else is what "Disallowed SSH Connection" is about.
                String[] peer = a.proc().name.equals("ssh") ? peers[3] : peers[rnd.nextInt(peers.length)];
                String local = a.container().isHost() ? "10.0.1.23" : "10.244.2." + (10 + rnd.nextInt(200));
                boolean udp = peer[1].equals("53");
                b.type("connect")
                        .rawres(rnd.nextInt(10) == 0 ? -115 : 0)
                        .args(args("fd", "7", "addr", peer[0] + ":" + peer[1]))
                        .fd(FdInfo.builder()
                                .num(7)
                                .type("ipv4")
                                .l4proto(udp ? "udp" : "tcp")
                                .client(local, 32768 + rnd.nextInt(28000))
                                .server(peer[0], Long.parseLong(peer[1]))
                                .sipName(peer[2])
                                .connected(true)
                                .nameChanged(true)
                                .build());
            }
            out.add(b.proc(a.proc())
                    .ancestors(a.ancestors())
                    .user(a.user())
                    .container(a.container())
                    .build());
        }
        Collections.shuffle(out, rnd);
        return out;
    }

    private static Map<String, String> args(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    private static ProcessInfo proc(long pid, String name, String exepath, List<String> args, long tty) {
        return ProcessInfo.builder()
                .pid(pid)
                .name(name)
                .exe(name)
                .exepath(exepath)
                .args(args)
                .tty(tty)
                .cwd("/")
                .startTs(1_764_000_000_000_000_000L)
                .build();
    }

    private static ContainerInfo container(String id, String name, String repo, String tag, String pod, String ns) {
        return ContainerInfo.builder()
                .id(id)
                .name(name)
                .imageRepository(repo)
                .imageTag(tag)
                .type("containerd")
                .startTs(1_763_990_000_000_000_000L)
                .podName(pod)
                .nsName(ns)
                .build();
    }
}
