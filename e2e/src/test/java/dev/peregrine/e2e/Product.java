package dev.peregrine.e2e;

import dev.peregrine.testkit.LoopbackHttp;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Starts the packaged sidekick and detector jars as real processes, each with its own log file,
 * and stops them by PID. Readiness is polled over their HTTP ports with a bound.
 */
final class Product {
    static final Path ROOT = Path.of(System.getProperty("peregrine.root", ".."));
    static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(5);

    record Running(Process process, Path log, int port) {
        String logText() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor();
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    private Product() {}

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Running sidekick(Path dir, int httpPort, int grpcPort, String... extra) throws Exception {
        List<String> cmd = java("sidekick/target/sidekick.jar");
        cmd.addAll(List.of(
                "--server.port=" + httpPort,
                "--server.address=127.0.0.1",
                "--spring.grpc.server.address=127.0.0.1:" + grpcPort,
                "--peregrine.ui.port=0",
                "--peregrine.spool.dir=" + dir.resolve("sidekick-spool")));
        cmd.addAll(List.of(extra));
        Running r = start(cmd, dir.resolve("sidekick-" + System.nanoTime() + ".log"), httpPort);
        awaitUp(r, "/ping", "pong");
        return r;
    }

    static Running detector(Path dir, int metricsPort, String... extra) throws Exception {
        List<String> cmd = java("detector/target/detector.jar");
        cmd.addAll(List.of(
                "run",
                "--metrics-port",
                Integer.toString(metricsPort),
                "--spool-dir",
                dir.resolve("detector-spool").toString(),
                "--hostname",
                "e2e-node",
                "--node-name",
                "worker-7",
                "--cluster-name",
                "e2e"));
        cmd.addAll(List.of(extra));
        Running r = start(cmd, dir.resolve("detector-" + System.nanoTime() + ".log"), metricsPort);
        // The process gauge appears once the programs are attached and /proc is seeded.
        awaitUp(r, "/metrics", "peregrine_detector_processes");
        return r;
    }

    static String get(int port, String path) {
        return LoopbackHttp.get(port, path, HTTP_TIMEOUT);
    }

    /** A gauge or counter value from a Prometheus text page, -1 when absent. */
    static double metric(int port, String series) {
        return LoopbackHttp.metric(port, series, HTTP_TIMEOUT);
    }

    static void await(Duration max, BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(max);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + max + ": " + what.get());
            }
            Thread.sleep(100); // poll interval of a bounded wait
        }
    }

    private static void awaitUp(Running r, String path, String expect) throws Exception {
        Instant deadline = Instant.now().plusSeconds(180);
        while (!get(r.port, path).contains(expect)) {
            if (!r.process.isAlive() || Instant.now().isAfter(deadline)) {
                r.process.destroyForcibly();
                throw new AssertionError(
                        "process did not come up (alive=" + r.process.isAlive() + "); log:\n" + r.logText());
            }
            Thread.sleep(200); // poll interval of a bounded wait
        }
    }

    private static List<String> java(String jar) {
        Path j = ROOT.resolve(jar);
        if (!Files.exists(j)) {
            throw new IllegalStateException(
                    j + " is missing: the e2e module runs after the package phase of both modules");
        }
        return new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                j.toString()));
    }

    private static Running start(List<String> cmd, Path log, int port) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new Running(p, log, port);
    }
}
