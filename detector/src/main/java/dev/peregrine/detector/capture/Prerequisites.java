package dev.peregrine.detector.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What live capture needs from the host, checked before loading anything so that each missing
 * piece gets its own message and exit code instead of a libbpf error. Tracefs is not needed: the
 * programs attach to BTF-enabled raw tracepoints (the one that needs it is optional, see Capture).
 */
public final class Prerequisites {
    public static final int EXIT_NOT_PRIVILEGED = 3;
    public static final int EXIT_NO_BTF = 4;
    public static final int EXIT_NO_LIBBPF = 5;

    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;

    public record Problem(int exitCode, String message) {}

    private Prerequisites() {}

    /** Every unmet prerequisite, most fundamental first; empty when capture can start. */
    public static List<Problem> check() {
        List<Problem> problems = new ArrayList<>();
        long caps = effectiveCapabilities();
        boolean bpf = has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON));
        if (!bpf) {
            problems.add(new Problem(
                    EXIT_NOT_PRIVILEGED, "not privileged: run the detector as root (or with CAP_BPF and CAP_PERFMON)"));
        }
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            problems.add(
                    new Problem(
                            EXIT_NO_BTF,
                            "the kernel has no BTF (/sys/kernel/btf/vmlinux): a kernel built with CONFIG_DEBUG_INFO_BTF=y is needed"));
        }
        if (!Libbpf.available()) {
            problems.add(new Problem(
                    EXIT_NO_LIBBPF, "libbpf.so.1 is missing: install it (Debian: apt-get install libbpf1)"));
        }
        return problems;
    }

    private static boolean has(long caps, int bit) {
        return (caps & (1L << bit)) != 0;
    }

    static long effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // treated as no capabilities
        }
        return 0;
    }
}
