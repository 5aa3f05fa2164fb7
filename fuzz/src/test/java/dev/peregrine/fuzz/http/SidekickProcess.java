package dev.peregrine.fuzz.http;

import dev.peregrine.testkit.LoopbackHttp;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged sidekick jar as a real process: a crash shows as a dead process. Stopped by PID. */
final class SidekickProcess implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("peregrine.root", ".."));
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

    final int port;
    final Path log;
    private final Process process;

    SidekickProcess(Path dir, String... settings) throws Exception {
        Path jar = ROOT.resolve("sidekick/target/sidekick.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(
                    jar + " is missing: the fuzz module runs after the sidekick's package phase");
        }
        port = freePort();
        log = dir.resolve("sidekick.log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--server.port=" + port,
                "--server.address=127.0.0.1",
                "--spring.grpc.server.address=127.0.0.1:" + freePort(),
                // the dashboard's own port (2802 by default): any free one, the fuzzed port is the intake's
                "--peregrine.ui.port=0",
                "--peregrine.spool.dir=" + dir.resolve("spool")));
        cmd.addAll(List.of(settings));
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Instant deadline = Instant.now().plusSeconds(120);
        while (!get("/ping").contains("pong")) {
            if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                close();
                throw new AssertionError("the sidekick did not come up; log:\n" + logText());
            }
            Thread.sleep(200); // poll interval of a bounded wait
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    String get(String path) {
        return LoopbackHttp.get(port, path, HTTP_TIMEOUT);
    }

    /** A series' value on /metrics, -1 when absent. */
    double metric(String series) {
        return LoopbackHttp.metric(port, series, HTTP_TIMEOUT);
    }

    String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
