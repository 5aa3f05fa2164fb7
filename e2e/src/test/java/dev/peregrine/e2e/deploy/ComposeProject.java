package dev.peregrine.e2e.deploy;

import dev.peregrine.testkit.Command;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;

/**
 * The repository's docker-compose.yml, run by Debian's docker-compose under a project name of
 * its own (containers, network and volumes are all prefixed with it), with every published port
 * left to Docker to choose. {@link #close()} takes the project down with its volumes.
 */
final class ComposeProject implements AutoCloseable {
    final String name = "peregrine-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    private final String compose = Repository.tool("docker-compose", "Debian package docker-compose");
    private final Map<String, String> env = new HashMap<>();

    ComposeProject(Map<String, String> settings) {
        // Empty host ports: Docker picks free ones (other tests and helpers share this host).
        for (String port :
                List.of("PEREGRINE_HTTP_PORT", "PEREGRINE_GRPC_PORT", "PROMETHEUS_PORT", "ALERTMANAGER_PORT")) {
            env.put(port, "");
        }
        // The alerts' hostname: tells this project's alerts from any other's in Alertmanager.
        env.put("PEREGRINE_HOSTNAME", name);
        env.putAll(settings);
    }

    void up() {
        run(Duration.ofMinutes(5), "up", "-d", "--no-build");
    }

    /** "127.0.0.1:PORT" where the service's container port is published. */
    String address(String service, int containerPort) {
        String out = run(Duration.ofMinutes(1), "port", service, Integer.toString(containerPort))
                .strip();
        Assertions.assertTrue(out.matches("[0-9.]+:[0-9]+"), "docker-compose port " + service + ": " + out);
        return out;
    }

    String containerId(String service) {
        return run(Duration.ofMinutes(1), "ps", "-q", service).strip();
    }

    String logs(String... services) {
        List<String> args = new ArrayList<>(List.of("logs", "--no-color", "--tail", "60"));
        args.addAll(List.of(services));
        return exec(Duration.ofMinutes(1), args).out();
    }

    String run(Duration timeout, String... args) {
        Command.Result r = exec(timeout, List.of(args));
        if (r.code() != 0) {
            Assertions.fail(
                    "docker-compose " + String.join(" ", args) + " exited " + r.code() + ":\n" + r.out() + r.err());
        }
        return r.out();
    }

    @Override
    public void close() {
        exec(Duration.ofMinutes(3), List.of("down", "--volumes", "--timeout", "5"));
    }

    /** Like testkit's Command, with the project's environment (Command passes none). */
    private Command.Result exec(Duration timeout, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                compose,
                "--project-name",
                name,
                "--file",
                Repository.file("docker-compose.yml").toString()));
        cmd.addAll(args);
        try {
            Path out = Files.createTempFile("peregrine-compose", ".out");
            Path err = Files.createTempFile("peregrine-compose", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd)
                        .directory(Repository.ROOT.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return new Command.Result(-1, Files.readString(out), "timed out after " + timeout);
                }
                return new Command.Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Command.Result(-1, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Command.Result(-1, "", "interrupted");
        }
    }
}
