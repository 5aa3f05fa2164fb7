package dev.peregrine.sidekick.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.dedup.DedupStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool and the dedup state hold full command lines: their directory is the owner's alone
 * and so is every file SQLite makes in it (the umask-independent part is WalDatabaseTest's).
 */
class PrivateFilesTest {
    @TempDir
    Path tmp;

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void spoolAndDedupFilesAreTheOwnersAlone() throws Exception {
        Path dir = tmp.resolve("var/spool");
        try (Spool spool = new Spool(dir, 1 << 20, false, Duration.ofHours(1), Clock.systemUTC());
                DedupStore dedup = new DedupStore(dir)) {
            spool.append(UUID.randomUUID().toString(), "{}".getBytes(StandardCharsets.UTF_8), List.of("siem"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(dedup.counts()).isEmpty();
            assertThat(mode(dir)).isEqualTo("rwx------");
            try (var files = Files.list(dir)) {
                List<Path> all = files.toList();
                assertThat(all)
                        .extracting(p -> p.getFileName().toString())
                        .contains(
                                "spool.db", "spool.db-wal", "spool.db-shm", "dedup.db", "dedup.db-wal", "dedup.db-shm");
                for (Path f : all) {
                    assertThat(mode(f)).as(f.getFileName().toString()).isEqualTo("rw-------");
                }
            }
        }
    }
}
