package dev.peregrine.detector.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.Priority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSpoolTest {

    static Alert alert(int i) {
        return Alert.newBuilder()
                .setUuid(UUID.randomUUID().toString())
                .setRule("r" + i)
                .setPriority(Priority.WARNING)
                .build();
    }

    /** Alerts hold full command lines: the node spool is root's alone (whatever the umask: WalDatabaseTest). */
    @Test
    void theSpoolDirectoryAndItsFilesAreTheOwnersAlone(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("var/node-spool");
        try (NodeSpool spool = new NodeSpool(dir, 1 << 20, false)) {
            spool.append(alert(1));
            assertThat(spool.awaitWritten(10_000)).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
                    .isEqualTo("rwx------");
            try (var files = Files.list(dir)) {
                List<Path> all = files.toList();
                assertThat(all)
                        .extracting(p -> p.getFileName().toString())
                        .contains("alerts.db", "alerts.db-wal", "alerts.db-shm");
                for (Path f : all) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
                            .as(f.getFileName().toString())
                            .isEqualTo("rw-------");
                }
            }
        }
    }

    @Test
    void removalsOutOfOrderAndWithGapsDeleteExactlyThoseAlerts(@TempDir Path dir) throws Exception {
        try (NodeSpool spool = new NodeSpool(dir, 1 << 20, true)) {
            for (int i = 0; i < 8; i++) {
                spool.append(alert(i));
            }
            assertThat(spool.awaitWritten(10_000)).isTrue();
            List<Long> seqs =
                    spool.next(0, 100, 0).stream().map(NodeSpool.Entry::seq).toList();
            long bytesBefore = spool.bytes();
            // acks as they may come back: out of order, with holes between runs
            for (int i : new int[] {5, 0, 1, 7, 3, 4}) {
                spool.remove(seqs.get(i));
            }
            spool.remove(seqs.get(1)); // a duplicate ack deletes nothing twice
            assertThat(spool.awaitWritten(10_000)).isTrue();
            assertThat(spool.next(0, 100, 0))
                    .extracting(e -> e.alert().getRule())
                    .containsExactly("r2", "r6");
            assertThat(spool.count()).isEqualTo(2);
            assertThat(spool.bytes()).isEqualTo(bytesBefore - 6 * alert(0).getSerializedSize());
        }
    }

    @Test
    void onlyCommitsWithAppendsAreFsynced(@TempDir Path dir) throws Exception {
        try (NodeSpool spool = new NodeSpool(dir, 1 << 20, true)) {
            spool.append(alert(1));
            assertThat(spool.awaitWritten(10_000)).isTrue();
            assertThat(spool.commits()).as("{fsync'd, not fsync'd}").containsExactly(1, 0);
            List<Long> seqs =
                    spool.next(0, 10, 0).stream().map(NodeSpool.Entry::seq).toList();
            spool.remove(seqs.get(0));
            assertThat(spool.awaitWritten(10_000)).isTrue();
            assertThat(spool.commits()).containsExactly(1, 1);
            // Written though not fsync'd: the reader's own connection no longer sees it.
            assertThat(spool.next(0, 10, 0)).isEmpty();
            spool.append(alert(2));
            assertThat(spool.awaitWritten(10_000)).isTrue();
            assertThat(spool.commits()).containsExactly(2, 1);
        }
    }

    @Test
    void aWaitingReaderWakesWhenAnAlertIsCommitted(@TempDir Path dir) throws Exception {
        try (NodeSpool spool = new NodeSpool(dir, 1 << 20, true)) {
            Thread producer = Thread.ofPlatform().start(() -> spool.append(alert(1)));
            List<NodeSpool.Entry> got = List.of();
            long deadline = System.currentTimeMillis() + 30_000;
            while (got.isEmpty() && System.currentTimeMillis() < deadline) {
                got = spool.next(0, 10, 1_000);
            }
            producer.join();
            assertThat(got).extracting(e -> e.alert().getRule()).containsExactly("r1");
        }
    }

    @Test
    void removalsAreQueuedAndSurviveAClose(@TempDir Path dir) throws Exception {
        List<Long> seqs;
        try (NodeSpool spool = new NodeSpool(dir, 1 << 20, true)) {
            for (int i = 0; i < 10; i++) {
                spool.append(alert(i));
            }
            assertThat(spool.awaitWritten(10_000)).isTrue();
            seqs = spool.next(0, 100, 0).stream().map(NodeSpool.Entry::seq).toList();
            assertThat(seqs).hasSize(10);
            for (long seq : seqs.subList(0, 6)) {
                spool.remove(seq);
            }
            assertThat(spool.awaitWritten(10_000)).isTrue();
            assertThat(spool.count()).isEqualTo(4);
            spool.remove(seqs.get(6)); // still queued when closing: close flushes it
        }
        try (NodeSpool reopened = new NodeSpool(dir, 1 << 20, true)) {
            assertThat(reopened.count()).isEqualTo(3);
            assertThat(reopened.next(0, 100, 0))
                    .extracting(NodeSpool.Entry::seq)
                    .containsExactlyElementsOf(seqs.subList(7, 10));
            assertThat(reopened.next(0, 100, 0))
                    .extracting(e -> e.alert().getRule())
                    .containsExactly("r7", "r8", "r9");
        }
    }
}
