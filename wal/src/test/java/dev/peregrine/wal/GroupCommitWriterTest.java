package dev.peregrine.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peregrine.wal.Ledger.Put;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitWriterTest {
    @TempDir
    Path dir;

    private WalDatabase db;
    private Connection connection;
    private Ledger ledger;
    private GroupCommitWriter<Put> writer;

    private GroupCommitWriter<Put> start(boolean fsync, UnaryOperator<GroupCommitWriter.Builder<Put>> settings)
            throws Exception {
        db = WalDatabase.open(dir, "ledger.db", fsync);
        connection = db.connect();
        ledger = new Ledger(connection);
        writer = settings.apply(GroupCommitWriter.on(connection, ledger)
                        .name("ledger")
                        .fsync(fsync)
                        .idleEvery(Duration.ofMillis(10)))
                .start();
        return writer;
    }

    @AfterEach
    void closeAll() throws SQLException {
        if (writer != null) {
            ledger.release();
            writer.close();
            connection.close();
        }
    }

    private static void awaitAll(List<Put> puts) throws Exception {
        for (Put p : puts) {
            p.done().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void writesThatQueueUpWhileTheWriterIsBusyShareOneCommit() throws Exception {
        start(true, b -> b);
        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        List<Put> puts = Collections.synchronizedList(new ArrayList<>());
        try (var senders = Executors.newFixedThreadPool(4)) {
            for (int i = 0; i < 1000; i++) {
                int k = i;
                senders.execute(() -> {
                    Put p = Put.of(k);
                    puts.add(p);
                    writer.submit(p);
                });
            }
        }
        ledger.release();
        awaitAll(puts);

        assertThat(ledger.batchSizes).containsExactly(1000);
        assertThat(writer.syncedCommits() + writer.unsyncedCommits()).isEqualTo(1);
        assertThat(Ledger.keys(db))
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.range(0, 1000).boxed().toList());
    }

    @Test
    void aBatchHoldsAtMostMaxBatchWritesInSubmissionOrder() throws Exception {
        start(true, b -> b.batches(100, 0, Duration.ZERO));
        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        List<Put> puts = IntStream.range(0, 250).mapToObj(Put::of).toList();
        puts.forEach(writer::submit);
        ledger.release();
        awaitAll(puts);

        assertThat(ledger.batchSizes).containsExactly(100, 100, 50);
        assertThat(Ledger.keys(db))
                .containsExactlyElementsOf(IntStream.range(0, 250).boxed().toList());
    }

    @Test
    void aSmallBatchLingersForCompany() throws Exception {
        // A linger nothing in this test outlasts: only close() ends it.
        start(true, b -> b.batches(2048, 64, Duration.ofHours(1)));
        Put first = Put.of(0);
        writer.submit(first);
        await().atMost(Duration.ofSeconds(10)).until(() -> writer.queued() == 0);
        List<Put> later = IntStream.range(1, 10).mapToObj(Put::of).toList();
        later.forEach(writer::submit);
        assertThat(first.done()).as("still lingering").isNotDone();

        writer.close();
        awaitAll(later);
        assertThat(first.done()).isCompleted();
        assertThat(ledger.batchSizes)
                .as("the first write waited and took the later ones along")
                .containsExactly(10);
    }

    @Test
    void aBatchOfLingerBelowOrMoreCommitsWithoutLingering() throws Exception {
        start(true, b -> b.batches(2048, 64, Duration.ofHours(1)));
        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        List<Put> puts = IntStream.range(0, 64).mapToObj(Put::of).toList();
        puts.forEach(writer::submit);
        ledger.release();
        awaitAll(puts);
        assertThat(ledger.batchSizes).containsExactly(64);
    }

    @Test
    void withFsyncOnlyBatchesWithADurableWriteRunAtSynchronousFull() throws Exception {
        start(true, b -> b);
        writer.submit(Put.of(1));
        assertThat(writer.awaitSettled(10_000)).isTrue();
        assertThat(new long[] {writer.syncedCommits(), writer.unsyncedCommits()})
                .containsExactly(1, 0);
        writer.submit(Put.removal(2));
        assertThat(writer.awaitSettled(10_000)).isTrue();
        assertThat(new long[] {writer.syncedCommits(), writer.unsyncedCommits()})
                .containsExactly(1, 1);
        writer.submit(Put.of(3));
        assertThat(writer.awaitSettled(10_000)).isTrue();
        assertThat(new long[] {writer.syncedCommits(), writer.unsyncedCommits()})
                .containsExactly(2, 1);
        assertThat(ledger.synchronous).as("FULL, NORMAL, FULL").containsExactly(2, 1, 2);
        assertThat(Ledger.keys(db)).containsExactly(1, 2, 3);
    }

    @Test
    void aBatchRightAfterASwitchOfSynchronousStillRollsBackWhole() throws Exception {
        start(true, b -> b);
        Put removal = Put.removal(1);
        writer.submit(removal);
        removal.done().get(10, TimeUnit.SECONDS);
        // The next batch switches back to FULL, inserts key 2 and fails on key 3: had the switch
        // left the connection outside a transaction, key 2 would have been committed on its own.
        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        List<Put> failing = List.of(Put.of(2), Put.failing(3));
        failing.forEach(writer::submit);
        ledger.release();
        for (Put p : failing) {
            assertThatThrownBy(() -> p.done().get(10, TimeUnit.SECONDS)).cause().hasMessage("key 3 refused");
        }
        Put after = Put.removal(4);
        writer.submit(after);
        after.done().get(10, TimeUnit.SECONDS);
        Put last = Put.of(5);
        writer.submit(last);
        last.done().get(10, TimeUnit.SECONDS);

        assertThat(Ledger.keys(db)).as("the failed batch was rolled back").containsExactly(1, 4, 5);
        assertThat(ledger.synchronous).as("NORMAL, FULL (failed), NORMAL, FULL").containsExactly(1, 2, 1, 2);
    }

    @Test
    void withoutFsyncNoBatchIsFsynced() throws Exception {
        start(false, b -> b);
        writer.submit(Put.of(1));
        writer.submit(Put.removal(2));
        assertThat(writer.awaitSettled(10_000)).isTrue();
        writer.submit(Put.of(3));
        assertThat(writer.awaitSettled(10_000)).isTrue();
        assertThat(writer.syncedCommits()).isZero();
        assertThat(writer.unsyncedCommits()).isPositive();
        assertThat(ledger.synchronous).isNotEmpty().containsOnly(1);
    }

    @Test
    void closeCommitsWhatIsQueuedAndThenRefusesWrites() throws Exception {
        start(true, b -> b.batches(10, 0, Duration.ZERO));
        List<Put> puts = IntStream.range(0, 50).mapToObj(Put::of).toList();
        puts.forEach(writer::submit);
        writer.close();
        for (Put p : puts) {
            assertThat(p.done()).isCompleted();
        }
        assertThat(Ledger.keys(db)).hasSize(50);

        Put late = Put.of(99);
        writer.submit(late);
        assertThatThrownBy(() -> late.done().get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("ledger is closed");
        assertThat(writer.awaitSettled(10_000)).isTrue();
    }

    @Test
    void aFailingWriteFailsItsWholeBatchAndTheWriterGoesOn() throws Exception {
        start(true, b -> b);
        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        List<Put> batch = List.of(Put.of(1), Put.failing(2), Put.of(3));
        batch.forEach(writer::submit);
        ledger.release();
        for (Put p : batch) {
            assertThatThrownBy(() -> p.done().get(10, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(SQLException.class)
                    .hasMessage("key 2 refused");
        }
        assertThat(ledger.rolledBack).containsExactly(3);

        Put after = Put.of(4);
        writer.submit(after);
        after.done().get(10, TimeUnit.SECONDS);
        assertThat(Ledger.keys(db)).as("the failed batch was rolled back").containsExactly(4);
        assertThat(writer.syncedCommits()).isEqualTo(1);
    }

    @Test
    void withRetryAFailedBatchIsWrittenOnceTheFailurePasses() throws Exception {
        start(true, b -> b.retryFailedBatchesAfter(Duration.ofMillis(10)));
        ledger.failuresLeft.set(2);
        Put p = Put.of(7);
        writer.submit(p);
        assertThat(writer.awaitSettled(10_000)).isTrue();
        assertThat(p.done()).isCompleted();
        assertThat(ledger.rolledBack).containsExactly(1, 1);
        assertThat(Ledger.keys(db)).containsExactly(7);
    }

    @Test
    void aBatchThatKeepsFailingIsNotSettledAndIsFailedOnClose() throws Exception {
        start(true, b -> b.retryFailedBatchesAfter(Duration.ofMillis(10)));
        ledger.failuresLeft.set(Integer.MAX_VALUE);
        Put p = Put.of(7);
        writer.submit(p);
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.rolledBack.size() >= 2);
        assertThat(writer.awaitSettled(100)).isFalse();
        assertThat(p.done()).isNotDone();

        writer.close();
        assertThatThrownBy(() -> p.done().get(10, TimeUnit.SECONDS))
                .as("a closing writer retries no more")
                .cause()
                .isInstanceOf(SQLException.class)
                .hasMessage("disk says no");
        assertThat(writer.awaitSettled(10_000)).isTrue();
        assertThat(Ledger.keys(db)).isEmpty();
    }

    @Test
    void aWriterThatStopsFailsWhatIsQueuedAndRefusesWhatComesAfter() throws Exception {
        start(true, b -> b.batches(1, 0, Duration.ZERO));
        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        Put poison = Put.poison(1);
        Put queued = Put.of(2);
        writer.submit(poison);
        writer.submit(queued);
        ledger.release();
        assertThatThrownBy(() -> queued.done().get(10, TimeUnit.SECONDS))
                .cause()
                .hasMessage("the ledger writer has stopped");
        assertThat(poison.done()).isCompletedExceptionally();

        Put after = Put.of(3);
        writer.submit(after);
        assertThatThrownBy(() -> after.done().get(10, TimeUnit.SECONDS)).cause().hasMessage("ledger is closed");
        assertThat(writer.awaitSettled(10_000)).isTrue();
    }

    @Test
    void theStoreHearsWhenTheWriterIsIdle() throws Exception {
        start(true, b -> b);
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.idles.get() >= 2);
    }

    @Test
    void aSmallBatchAfterAQuietSpellCommitsWithoutLingering() throws Exception {
        start(true, b -> b.batches(2048, 64, Duration.ofMillis(20)));
        // seven idle calls 10 ms apart: the last commit (none, the start) is over three lingers ago
        await().atMost(Duration.ofSeconds(10)).until(() -> ledger.idles.get() >= 7);
        Put p = Put.of(1);
        writer.submit(p);
        p.done().get(10, TimeUnit.SECONDS);
        assertThat(writer.lingered()).as("nothing came close to it: no linger").isZero();

        ledger.holdWriterWhenIdle();
        assertThat(ledger.awaitWriterHeld()).isTrue();
        List<Put> company = List.of(Put.of(2), Put.of(3));
        company.forEach(writer::submit);
        ledger.release();
        awaitAll(company);
        assertThat(writer.lingered())
                .as("a batch that found company lingers for more")
                .isEqualTo(1);
        assertThat(ledger.batchSizes).containsExactly(1, 2);
    }
}
