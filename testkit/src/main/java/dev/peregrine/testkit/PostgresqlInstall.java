package dev.peregrine.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** Where Debian's PostgreSQL server programs are: /usr/lib/postgresql/VERSION/bin, the newest. */
final class PostgresqlInstall {
    private static final Path ROOT = Path.of("/usr/lib/postgresql");

    private PostgresqlInstall() {}

    static Optional<Path> binDir() {
        if (!Files.isDirectory(ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(ROOT)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> version(b.getParent())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int version(Path dir) {
        try {
            return Integer.parseInt(dir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
