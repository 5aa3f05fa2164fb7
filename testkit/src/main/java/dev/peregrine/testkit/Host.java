package dev.peregrine.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Facts about this host that decide whether a test can run, read from /proc and the file system
 * (no command is run). A record so that a test of the conditions can describe another host.
 */
public record Host(
        long euid,
        long effectiveCapabilities,
        boolean hasKernelBtf,
        boolean hasLibbpf,
        boolean tracefsMounted,
        boolean dockerSocketUsable,
        boolean dockerdInstalled,
        boolean containerdInstalled,
        boolean postgresqlInstalled,
        boolean chromiumInstalled) {
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;
    static final Path TRACEFS_SYSCALLS = Path.of("/sys/kernel/tracing/events/syscalls");
    static final Path DOCKER_SOCKET = Path.of("/var/run/docker.sock");

    /** This host, now. */
    public static Host current() {
        List<String> status = readLines(Path.of("/proc/self/status"));
        return new Host(
                field(status, "Uid:", 1, 10),
                field(status, "CapEff:", 0, 16),
                Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")),
                anyExists(
                        "/usr/lib/x86_64-linux-gnu/libbpf.so.1",
                        "/usr/lib/aarch64-linux-gnu/libbpf.so.1",
                        "/usr/lib64/libbpf.so.1",
                        "/usr/lib/libbpf.so.1"),
                Files.isDirectory(TRACEFS_SYSCALLS),
                Files.exists(DOCKER_SOCKET) && Files.isWritable(DOCKER_SOCKET),
                anyExists("/usr/bin/dockerd", "/usr/sbin/dockerd"),
                anyExists("/usr/bin/containerd") && anyExists("/usr/bin/ctr"),
                PostgresqlInstall.binDir().isPresent(),
                anyExists("/usr/bin/chromium") && anyExists("/usr/bin/chromedriver"));
    }

    /** CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN, in the effective set. */
    public boolean mayLoadBpf() {
        return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
    }

    private boolean has(int bit) {
        return (effectiveCapabilities & (1L << bit)) != 0;
    }

    private static boolean anyExists(String... paths) {
        for (String p : paths) {
            if (Files.exists(Path.of(p))) return true;
        }
        return false;
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Word {@code index} (0-based, after the key) of the line starting with {@code key}; -1 when absent. */
    private static long field(List<String> lines, String key, int index, int radix) {
        for (String line : lines) {
            if (line.startsWith(key)) {
                String[] words = line.substring(key.length()).trim().split("\\s+");
                return index < words.length ? Long.parseUnsignedLong(words[index], radix) : -1;
            }
        }
        return -1;
    }
}
