package dev.peregrine.e2e.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.testkit.LoopbackHttp;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detector with exactly the capabilities k8s/ grants it (CAP_BPF, CAP_PERFMON,
 * CAP_SYS_PTRACE: the capability bounding set of a uid-0 process, as a container's), on this
 * kernel: it captures and alerts; without CAP_BPF it refuses to start and says why. Docker 20.10
 * cannot grant CAP_BPF by name, so this is where the least-privilege set is proven.
 */
@Needs({Need.ROOT, Need.BPF})
class DetectorPrivilegesTest {
    @TempDir
    Path dir;

    final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        }
    }

    Process detector(Set<String> capabilities, Path out, int metricsPort) throws IOException {
        String bounding =
                "-all," + capabilities.stream().map(c -> "+" + c.toLowerCase()).collect(Collectors.joining(","));
        List<String> cmd = List.of(
                "setpriv",
                "--bounding-set",
                bounding,
                "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                Repository.file("detector/target/detector.jar").toString(),
                "run",
                "--metrics-port",
                Integer.toString(metricsPort),
                "--hostname",
                "least-privilege");
        Process p = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile())
                .redirectError(dir.resolve("detector.err").toFile())
                .start();
        started.add(p);
        return p;
    }

    @Test
    void withOnlyTheGrantedCapabilitiesItCapturesAndAlerts() throws Exception {
        int port = freePort();
        Path alerts = dir.resolve("alerts.jsonl");
        Process p = detector(KubernetesManifestsTest.DETECTOR_CAPABILITIES, alerts, port);
        await(Duration.ofMinutes(3), () -> metrics(port).contains("peregrine_detector_processes"), p);

        // The running JVM holds these three capabilities and no other.
        long bpf = 1L << 39, perfmon = 1L << 38, ptrace = 1L << 19;
        assertThat(effectiveCapabilities(p.pid())).isEqualTo(bpf | perfmon | ptrace);

        String marker = "caps-" + UUID.randomUUID();
        await(
                Duration.ofMinutes(2),
                () -> {
                    DetectorPrivilegesTest.readShadow(marker);
                    return read(alerts).contains(marker);
                },
                p);
        String line =
                read(alerts).lines().filter(l -> l.contains(marker)).findFirst().orElseThrow();
        assertThat(line)
                .contains("\"rule\":\"Read sensitive file untrusted\"")
                .contains("\"fd.name\":\"/etc/shadow\"")
                .contains("\"user.name\":\"root\"")
                .contains("\"hostname\":\"least-privilege\"");
        // /proc of the host's processes was readable: their open files are in the fd table.
        assertThat(gauge(metrics(port), "peregrine_detector_fds")).isGreaterThan(0);
    }

    @Test
    void withoutCapBpfItRefusesToStartAndSaysWhy() throws Exception {
        Process p = detector(Set.of("PERFMON", "SYS_PTRACE"), dir.resolve("alerts.jsonl"), freePort());
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(read(dir.resolve("detector.err"))).contains("not privileged").contains("CAP_BPF");
    }

    static long effectiveCapabilities(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("CapEff:"))
                return Long.parseUnsignedLong(l.substring(7).strip(), 16);
        }
        throw new AssertionError("no CapEff for " + pid);
    }

    static void readShadow(String marker) {
        ComposeTest.readShadow(marker);
    }

    static String metrics(int port) {
        return LoopbackHttp.get(port, "/metrics", Duration.ofSeconds(5));
    }

    static double gauge(String page, String name) {
        return page.lines()
                .filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    void await(Duration max, BooleanSupplier condition, Process p) throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        while (!condition.getAsBoolean()) {
            if (!p.isAlive() || Instant.now().isAfter(deadline)) {
                throw new AssertionError("detector alive=" + p.isAlive() + " after " + max + "; stderr:\n"
                        + read(dir.resolve("detector.err")));
            }
            Thread.sleep(500); // poll interval of a bounded wait
        }
    }
}
