package dev.peregrine.e2e.deploy;

import dev.peregrine.testkit.Command;
import dev.peregrine.testkit.NeedsCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The repository's deployment files (docker-compose.yml, k8s/, monitoring/) and the host tools
 * that check them (kubectl, promtool, docker-compose), for the deploy tests.
 */
final class Repository {
    static final Path ROOT =
            Path.of(System.getProperty("peregrine.root", "..")).toAbsolutePath().normalize();
    /** The Maven project's version: the tag the images are built with and the manifests name. */
    static final String VERSION = System.getProperty("peregrine.version", "0.1.0-SNAPSHOT");

    private Repository() {}

    static Path file(String relative) {
        Path p = ROOT.resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing");
        }
        return p;
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One YAML document of the repository, as maps and lists. */
    static Map<String, Object> yaml(String relative) {
        return new Yaml().load(read(relative));
    }

    /**
     * The path of a host tool; where it is missing the test is skipped with the reason, or fails in
     * strict mode (CI), as {@code @Needs} does for root and Docker.
     */
    static String tool(String name, String packageHint) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String why = "needs " + name + " (" + packageHint + ")";
        if ("1".equals(System.getenv(NeedsCondition.STRICT))) {
            Assertions.fail(why + " (" + NeedsCondition.STRICT + "=1: a test this host cannot run is a failure)");
        }
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }

    /** Runs a command in the repository's root; fails the test on a non-zero exit. Returns stdout. */
    static String run(Duration timeout, String... cmd) {
        Command.Result r = runAllowingFailure(timeout, cmd);
        if (r.code() != 0) {
            Assertions.fail(String.join(" ", cmd) + " exited " + r.code() + ":\n" + r.out() + r.err());
        }
        return r.out();
    }

    /** Runs a command (in the JVM's directory, e2e/: give absolute paths). */
    static Command.Result runAllowingFailure(Duration timeout, String... cmd) {
        return Command.run(timeout, List.of(cmd));
    }
}
