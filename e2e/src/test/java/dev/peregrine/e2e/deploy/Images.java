package dev.peregrine.e2e.deploy;

import dev.peregrine.testkit.Command;
import dev.peregrine.testkit.DockerDaemon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assertions;

/**
 * The product's images in the local Docker daemon, as scripts/build-images.sh makes them. Where
 * the reactor built them already (./test.sh passes -Pimages where Docker can run), they are only
 * loaded; where they are missing or older than the jars, they are built first.
 */
final class Images {
    static final String DETECTOR = "peregrine/detector:" + Repository.VERSION;
    static final String SIDEKICK = "peregrine/sidekick:" + Repository.VERSION;
    static final String PROMETHEUS = "peregrine/prometheus:bookworm";
    static final String ALERTMANAGER = "peregrine/alertmanager:bookworm";

    private static volatile boolean loaded;

    private Images() {}

    /** Makes sure the daemon has the four images of docker-compose.yml, built from this checkout. */
    static synchronized void ensureLoaded(DockerDaemon docker) {
        if (loaded) return;
        // Cheap when nothing changed (a few seconds); a new base makes the Jib images stale.
        Repository.run(
                Duration.ofMinutes(15),
                "bash",
                Repository.file("images/build-base.sh").toString());
        if (stale("detector") || stale("sidekick")) {
            Repository.run(
                    Duration.ofMinutes(20),
                    "bash",
                    Repository.file("scripts/build-images.sh").toString(),
                    "--no-load");
            Assertions.assertFalse(stale("detector") || stale("sidekick"), "images still stale after building them");
        }
        load(docker, DETECTOR, Repository.ROOT.resolve("detector/target/jib-image.tar"));
        load(docker, SIDEKICK, Repository.ROOT.resolve("sidekick/target/jib-image.tar"));
        load(docker, PROMETHEUS, Repository.ROOT.resolve("target/images/prometheus.tar"));
        load(docker, ALERTMANAGER, Repository.ROOT.resolve("target/images/alertmanager.tar"));
        loaded = true;
    }

    /** A module's image tar is missing, or older than its jar or than the base it was built on. */
    static boolean stale(String module) {
        Path tar = Repository.ROOT.resolve(module + "/target/jib-image.tar");
        Path thinJar = Repository.ROOT.resolve(module + "/target/" + module + ".jar.original");
        Path base = Repository.ROOT.resolve("target/images/java.tar");
        return !Files.exists(tar) || !Files.exists(thinJar) || older(tar, thinJar) || older(tar, base);
    }

    private static boolean older(Path a, Path b) {
        try {
            FileTime ta = Files.getLastModifiedTime(a);
            return ta.compareTo(Files.getLastModifiedTime(b)) < 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code docker load}; the image the tag named before, if another, is removed (when unused). */
    private static void load(DockerDaemon docker, String name, Path tar) {
        Command.Result before = docker.tryDocker("image", "inspect", "--format", "{{.Id}}", name);
        docker.docker("load", "-q", "-i", tar.toString());
        String now = docker.docker("image", "inspect", "--format", "{{.Id}}", name);
        if (before.code() == 0 && !before.out().strip().equals(now)) {
            docker.tryDocker("rmi", before.out().strip());
        }
    }

    /** Sizes as `docker images` shows them (uncompressed), for the report of a test run. */
    static List<String> sizes(DockerDaemon docker) {
        return List.of(DETECTOR, SIDEKICK, PROMETHEUS, ALERTMANAGER).stream()
                .map(n -> n + " " + docker.docker("image", "inspect", "--format", "{{.Size}}", n) + " bytes")
                .toList();
    }
}
