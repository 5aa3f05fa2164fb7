package dev.peregrine.sidekick.testing;

import dev.peregrine.testkit.NeedsCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;

/**
 * A real server from Debian (redis-server, mosquitto, rabbitmq-server, influxd) run by a test: a
 * process of its own on loopback, started with a bound on the time it may take to listen, and
 * stopped by its PID. A server that is not installed skips the test with the package to install,
 * as {@code @Needs} does; with {@code PEREGRINE_TESTS_STRICT=1} (CI, which installs them through
 * scripts/setup-host.sh) it fails it instead.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int port;

    private ServerProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * The first of {@code candidates} that is executable; otherwise the test is skipped (failed
     * in strict mode) naming the Debian package.
     */
    public static Path binary(String debianPackage, String... candidates) {
        for (String candidate : candidates) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        String reason = "needs " + String.join(" or ", candidates) + ": install the Debian package " + debianPackage
                + " (scripts/setup-host.sh does)";
        if ("1".equals(System.getenv(NeedsCondition.STRICT))) {
            throw new AssertionError(reason + " (" + NeedsCondition.STRICT + "=1)");
        }
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    /** A loopback port that was free a moment ago. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code command} (output to {@code log}) and returns once something listens on
     * loopback {@code port}; fails with the server's log when it exits or takes longer than
     * {@code within}.
     */
    public static ServerProcess start(
            List<String> command, Map<String, String> environment, Path log, int port, Duration within)
            throws IOException, InterruptedException {
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        ServerProcess server = new ServerProcess(builder.start(), log, port);
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return server;
            } catch (IOException notYet) {
                if (!server.process.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new AssertionError(command.getFirst() + " did not listen on port " + port + " within "
                            + within + ":\n" + server.log());
                }
                Thread.sleep(50);
            }
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    /** What the server has written so far, for failure messages. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the server by its PID (SIGTERM, then SIGKILL after 15 s) and waits for it to exit. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        // Its children too (rabbitmq-server's script runs the Erlang VM as a child): ours, by PID.
        List<ProcessHandle> children = process.descendants().toList();
        ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(10, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    child.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
