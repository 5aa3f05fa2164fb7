package dev.peregrine.sidekick.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path dir;

    private Spool open(long maxBytes) {
        return new Spool(dir, maxBytes, true, Duration.ofHours(1), Clock.systemUTC());
    }

    private static byte[] payload(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void appendedAlertsAreReadInOrderPerOutputAndSurviveReopen() throws Exception {
        List<String> uuids = new ArrayList<>();
        try (Spool spool = open(1 << 20)) {
            List<CompletableFuture<Boolean>> done = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String uuid = UUID.randomUUID().toString();
                uuids.add(uuid);
                done.add(spool.append(uuid, payload("alert-" + i), i % 2 == 0 ? List.of("a", "b") : List.of("a")));
            }
            for (CompletableFuture<Boolean> f : done) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(spool.depth("a")).isEqualTo(50);
            assertThat(spool.depth("b")).isEqualTo(25);
        }
        try (Spool spool = open(1 << 20);
                SpoolReader a = spool.reader("a");
                SpoolReader b = spool.reader("b")) {
            assertThat(spool.depth("a")).isEqualTo(50);
            List<SpoolEntry> all = a.next(100, Duration.ofSeconds(1));
            assertThat(all).extracting(SpoolEntry::uuid).containsExactlyElementsOf(uuids);
            assertThat(new String(all.get(7).payload(), StandardCharsets.UTF_8)).isEqualTo("alert-7");
            assertThat(b.next(100, Duration.ofSeconds(1))).hasSize(25);
            assertThat(a.next(100, Duration.ZERO))
                    .as("a reader does not return entries twice")
                    .isEmpty();
        }
    }

    @Test
    void readersThatCaughtUpAreWokenByTheCommitNotByTheirWaitRunningOut() throws Exception {
        var pool = Executors.newFixedThreadPool(2);
        try (Spool spool = open(1 << 20);
                SpoolReader a = spool.reader("a");
                SpoolReader b = spool.reader("a")) {
            spool.append(UUID.randomUUID().toString(), payload("first"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(a.next(64, Duration.ofSeconds(1))).hasSize(1);
            assertThat(b.next(64, Duration.ofSeconds(1))).hasSize(1);
            // Both caught up: each now waits for its handoff of the next commit, without a query. A wait of five
            // minutes that ended only when it ran out would fail the bounded gets below.
            Duration longWait = Duration.ofMinutes(5);
            var nextOfA = CompletableFuture.supplyAsync(() -> next(a, longWait), pool);
            var nextOfB = CompletableFuture.supplyAsync(() -> next(b, longWait), pool);
            spool.append(UUID.randomUUID().toString(), payload("second"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(nextOfA.get(30, TimeUnit.SECONDS))
                    .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("second");
            assertThat(nextOfB.get(30, TimeUnit.SECONDS))
                    .as("every reader of the output hears the commit, not only the first to wait")
                    .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("second");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aReaderThatCaughtUpStillReadsWhatWasCommittedBetweenItsCalls() throws Exception {
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            spool.append(UUID.randomUUID().toString(), payload("first"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.next(64, Duration.ofSeconds(1))).hasSize(1);
            assertThat(r.next(64, Duration.ZERO)).isEmpty();
            spool.append(UUID.randomUUID().toString(), payload("second"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            var pool = Executors.newSingleThreadExecutor();
            try {
                assertThat(CompletableFuture.supplyAsync(() -> next(r, Duration.ofMinutes(5)), pool)
                                .get(30, TimeUnit.SECONDS))
                        .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                        .containsExactly("second");
            } finally {
                pool.shutdownNow();
            }
            // A full read (as many as asked for) does not count as caught up: the rest comes at once.
            for (int i = 0; i < 3; i++) {
                spool.append(UUID.randomUUID().toString(), payload("more-" + i), List.of("a"))
                        .get(10, TimeUnit.SECONDS);
            }
            assertThat(r.next(2, Duration.ZERO)).hasSize(2);
            assertThat(r.next(2, Duration.ZERO))
                    .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("more-2");
        }
    }

    @Test
    void entriesHandedToACaughtUpReaderInMemoryStayInTheDatabaseUntilRemoved() throws Exception {
        List<String> uuids = new ArrayList<>();
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            assertThat(r.next(64, Duration.ZERO))
                    .as("caught up on an empty queue")
                    .isEmpty();
            for (int i = 0; i < 3; i++) {
                uuids.add(UUID.randomUUID().toString());
                spool.append(uuids.getLast(), payload("handed-" + i), List.of("a"))
                        .get(10, TimeUnit.SECONDS);
            }
            List<SpoolEntry> handed = r.next(64, Duration.ofSeconds(10));
            assertThat(handed).extracting(SpoolEntry::uuid).containsExactlyElementsOf(uuids);
            assertThat(new String(handed.get(1).payload(), StandardCharsets.UTF_8))
                    .isEqualTo("handed-1");
            assertThat(r.next(64, Duration.ZERO)).as("not handed twice").isEmpty();
            assertThat(spool.remove(handed.getFirst()).get(10, TimeUnit.SECONDS))
                    .as("the handed entry's id is its row's")
                    .isTrue();
            assertThat(spool.depth("a")).isEqualTo(2);
        }
        // The process ends with two entries handed but not delivered: the next one reads them.
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            assertThat(r.next(64, Duration.ofSeconds(1)))
                    .extracting(SpoolEntry::uuid)
                    .containsExactlyElementsOf(uuids.subList(1, 3));
            // Ids the writer counts after a reopen are the rows' ids too.
            spool.append(UUID.randomUUID().toString(), payload("after-reopen"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            SpoolEntry later = r.next(64, Duration.ofSeconds(10)).getFirst();
            assertThat(spool.remove(later).get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(spool.depth("a")).isEqualTo(2);
        }
    }

    @Test
    void aReaderGetsEveryEntryOnceInOrderWhenItsHandoffOverflows() throws Exception {
        List<String> appended = Collections.synchronizedList(new ArrayList<>());
        var pool = Executors.newSingleThreadExecutor();
        try (Spool spool = open(64L << 20);
                SpoolReader r = spool.reader("a")) {
            assertThat(r.next(64, Duration.ZERO))
                    .as("caught up: takes from its handoff next")
                    .isEmpty();
            // More than the handoff holds, committed while the reader is away: it overflows for sure.
            appendAll(spool, Handoff.CAPACITY + 10, appended);
            List<SpoolEntry> got = new ArrayList<>();
            for (int i = 0; i < 100 && got.size() < appended.size(); i++) {
                got.addAll(r.next(64, Duration.ofSeconds(1)));
            }
            assertThat(got).extracting(SpoolEntry::uuid).containsExactlyElementsOf(appended);

            // Then the reader takes while the writer commits: bursts larger than the handoff may
            // overflow it while the reader waits in it or between its calls, smaller ones fit.
            int total = appended.size() + 3 * Handoff.CAPACITY;
            var read = CompletableFuture.supplyAsync(
                    () -> {
                        List<SpoolEntry> more = new ArrayList<>();
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        while (got.size() + more.size() < total && System.nanoTime() < deadline) {
                            more.addAll(next(r, Duration.ofMillis(200)));
                        }
                        return more;
                    },
                    pool);
            for (int burst : new int[] {1, Handoff.CAPACITY + 10, 7, Handoff.CAPACITY * 2 - 18}) {
                appendAll(spool, burst, appended);
            }
            assertThat(appended).hasSize(total);
            got.addAll(read.get(90, TimeUnit.SECONDS));
            assertThat(got).extracting(SpoolEntry::uuid).containsExactlyElementsOf(appended);
            assertThat(got).extracting(SpoolEntry::id).isSorted();
        } finally {
            pool.shutdownNow();
        }
        // Nothing was removed: after a restart all of it is still there to be read.
        try (Spool spool = open(64L << 20)) {
            assertThat(spool.depth("a")).isEqualTo(appended.size());
        }
    }

    private static void appendAll(Spool spool, int count, List<String> uuids) throws Exception {
        List<CompletableFuture<Boolean>> done = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String uuid = UUID.randomUUID().toString();
            uuids.add(uuid);
            done.add(spool.append(uuid, payload("p"), List.of("a")));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    }

    @Test
    void requeuedDeadLettersReachACaughtUpReader() throws Exception {
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            spool.append(UUID.randomUUID().toString(), payload("dead"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            SpoolEntry e = r.next(64, Duration.ofSeconds(1)).getFirst();
            spool.bury(e, "404").get(10, TimeUnit.SECONDS);
            assertThat(r.next(64, Duration.ZERO)).isEmpty();
            assertThat(spool.requeueDead("a").get(10, TimeUnit.SECONDS)).isEqualTo(1);
            // Requeued rows are not offered in memory: the reader must notice and query.
            assertThat(r.next(64, Duration.ofSeconds(10)))
                    .extracting(x -> new String(x.payload(), StandardCharsets.UTF_8))
                    .containsExactly("dead");
        }
    }

    private static List<SpoolEntry> next(SpoolReader reader, Duration wait) {
        try {
            return reader.next(64, wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void removedEntriesAreGoneAfterReopen() throws Exception {
        try (Spool spool = open(1 << 20)) {
            for (int i = 0; i < 3; i++) {
                spool.append(UUID.randomUUID().toString(), payload("x" + i), List.of("a"))
                        .get(10, TimeUnit.SECONDS);
            }
            try (SpoolReader r = spool.reader("a")) {
                List<SpoolEntry> entries = r.next(10, Duration.ofSeconds(1));
                spool.remove(entries.get(0));
                assertThat(spool.bury(entries.get(1), "rejected by destination").get(10, TimeUnit.SECONDS))
                        .isTrue();
            }
            assertThat(spool.depth("a")).isEqualTo(1);
            assertThat(spool.deadCount()).isEqualTo(1);
        }
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            assertThat(r.next(10, Duration.ofSeconds(1)))
                    .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("x2");
            assertThat(spool.bytes("a")).isEqualTo(2);
        }
    }

    @Test
    void deadLettersGoBackToTheEndOfTheirQueueOnRequestAndOnlyTheirOutputs() throws Exception {
        try (Spool spool = open(1 << 20)) {
            for (int i = 0; i < 4; i++) {
                spool.append(UUID.randomUUID().toString(), payload("x" + i), List.of("a", "b"))
                        .get(10, TimeUnit.SECONDS);
            }
            try (SpoolReader a = spool.reader("a");
                    SpoolReader b = spool.reader("b")) {
                List<SpoolEntry> entries = a.next(10, Duration.ofSeconds(1));
                spool.bury(entries.get(0), "404").get(10, TimeUnit.SECONDS);
                spool.bury(entries.get(2), "404").get(10, TimeUnit.SECONDS);
                spool.bury(b.next(1, Duration.ofSeconds(1)).getFirst(), "400").get(10, TimeUnit.SECONDS);
            }
            assertThat(spool.deadByOutput()).containsExactly(Map.entry("a", 2L), Map.entry("b", 1L));
            assertThat(spool.depth("a")).isEqualTo(2);
            long bytesBefore = spool.totalBytes();

            assertThat(spool.requeueDead("a").get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(spool.requeueDead("a").get(10, TimeUnit.SECONDS))
                    .as("nothing left to move")
                    .isZero();
            assertThat(spool.depth("a")).isEqualTo(4);
            assertThat(spool.bytes("a")).isEqualTo(8);
            assertThat(spool.totalBytes()).isEqualTo(bytesBefore + 4);
            assertThat(spool.deadByOutput()).containsExactly(Map.entry("b", 1L));
        }
        try (Spool spool = open(1 << 20);
                SpoolReader a = spool.reader("a")) {
            assertThat(a.next(10, Duration.ofSeconds(1)))
                    .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .as("the requeued ones after what was still waiting, in their order")
                    .containsExactly("x1", "x3", "x0", "x2");
            assertThat(spool.depth("a")).isEqualTo(4);
            assertThat(spool.deadByOutput())
                    .as("counted again from the table on open")
                    .containsExactly(Map.entry("b", 1L));
        }
    }

    @Test
    void onlyCommitsWithAppendsAreFsyncedAndUnsyncedRemovalsAreVisibleToAnotherConnection() throws Exception {
        try (Spool spool = open(1 << 20)) {
            spool.append(UUID.randomUUID().toString(), payload("x"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            spool.append(UUID.randomUUID().toString(), payload("y"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(spool.commits()).as("{fsync'd, not fsync'd}").containsExactly(2, 0);
            try (SpoolReader r = spool.reader("a")) {
                List<SpoolEntry> entries = r.next(10, Duration.ofSeconds(1));
                assertThat(spool.remove(entries.get(0)).get(10, TimeUnit.SECONDS))
                        .isTrue();
                assertThat(spool.commits()).containsExactly(2, 1);
                // The next append is fsync'd again, and with it the removal before it.
                spool.append(UUID.randomUUID().toString(), payload("z"), List.of("a"))
                        .get(10, TimeUnit.SECONDS);
                assertThat(spool.commits()).containsExactly(3, 1);
                assertThat(spool.remove(entries.get(1)).get(10, TimeUnit.SECONDS))
                        .isTrue();
                // Not fsync'd but written: another connection (a reader of its own) no longer sees it.
                try (SpoolReader other = spool.reader("a")) {
                    assertThat(other.next(10, Duration.ZERO))
                            .extracting(SpoolEntry::uuid)
                            .doesNotContain(entries.get(1).uuid())
                            .hasSize(1);
                }
            }
        }
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            assertThat(r.next(10, Duration.ofSeconds(1)))
                    .extracting(e -> new String(e.payload(), StandardCharsets.UTF_8))
                    .containsExactly("z");
        }
    }

    @Test
    void aUuidSeenBeforeIsNotQueuedAgainEvenAfterReopen() throws Exception {
        String uuid = UUID.randomUUID().toString();
        try (Spool spool = open(1 << 20)) {
            assertThat(spool.append(uuid, payload("first"), List.of("a")).get(10, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(spool.append(uuid, payload("again"), List.of("a")).get(10, TimeUnit.SECONDS))
                    .isFalse();
        }
        try (Spool spool = open(1 << 20)) {
            assertThat(spool.append(uuid, payload("after restart"), List.of("a"))
                            .get(10, TimeUnit.SECONDS))
                    .isFalse();
            assertThat(spool.depth("a")).isEqualTo(1);
        }
    }

    @Test
    void withACommitLingerConcurrentAppendsShareCommitsAndAreAllDurable() throws Exception {
        int n = 300;
        try (Spool spool =
                new Spool(dir, 1 << 20, true, Duration.ofHours(1), Duration.ofMillis(1), Clock.systemUTC())) {
            List<CompletableFuture<Boolean>> done = Collections.synchronizedList(new ArrayList<>());
            try (var senders = Executors.newFixedThreadPool(8)) {
                for (int i = 0; i < n; i++) {
                    int k = i;
                    senders.execute(
                            () -> done.add(spool.append(UUID.randomUUID().toString(), payload("a" + k), List.of("a"))));
                }
            }
            for (CompletableFuture<Boolean> f : done) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
            }
        }
        try (Spool spool = open(1 << 20)) {
            assertThat(spool.depth("a")).isEqualTo(n);
        }
    }

    @Test
    void aUuidAssignedOnIntakeIsQueuedButNotRemembered() throws Exception {
        String uuid = UUID.randomUUID().toString();
        try (Spool spool = open(1 << 20)) {
            assertThat(spool.append(uuid, payload("assigned"), List.of("a"), false)
                            .get(10, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(spool.depth("a")).isEqualTo(1);
        }
        try (Spool spool = open(1 << 20)) {
            assertThat(spool.append(uuid, payload("sent"), List.of("a")).get(10, TimeUnit.SECONDS))
                    .as("no dedup row was written for it")
                    .isTrue();
            assertThat(spool.depth("a")).isEqualTo(2);
        }
    }

    @Test
    void aFullSpoolRefusesWithoutWritingAndAcceptsAgainOnceDrained() throws Exception {
        try (Spool spool = open(100)) {
            spool.append(UUID.randomUUID().toString(), new byte[60], List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> spool.append(UUID.randomUUID().toString(), new byte[60], List.of("a")))
                    .isInstanceOf(SpoolFullException.class)
                    .hasMessageContaining("peregrine.spool.max-bytes");
            assertThat(spool.depth("a")).isEqualTo(1);
            try (SpoolReader r = spool.reader("a")) {
                SpoolEntry e = r.next(1, Duration.ofSeconds(1)).getFirst();
                spool.bury(e, "make room").get(10, TimeUnit.SECONDS);
            }
            assertThat(spool.append(UUID.randomUUID().toString(), new byte[60], List.of("a"))
                            .get(10, TimeUnit.SECONDS))
                    .isTrue();
        }
    }

    @Test
    void aReaderWaitingForWorkWakesWhenAnAlertArrives() throws Exception {
        try (Spool spool = open(1 << 20);
                SpoolReader r = spool.reader("a")) {
            CompletableFuture<List<SpoolEntry>> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return r.next(10, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            spool.append(UUID.randomUUID().toString(), payload("late"), List.of("a"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(read.get(20, TimeUnit.SECONDS)).hasSize(1);
        }
    }
}
