package dev.peregrine.wal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small real store for the writer's tests: each write inserts one key into a table. Records
 * what the writer did (batch sizes, the synchronous mode each batch ran at) and can hold the
 * writer thread in {@link #idle} so writes pile up while it waits.
 */
final class Ledger implements GroupCommitWriter.Store<Ledger.Put> {
    /** One key to insert; {@code failing} makes its batch throw, {@code poison} its commit notice. */
    record Put(int key, boolean durable, boolean failing, boolean poison, CompletableFuture<Void> done) {
        static Put of(int key) {
            return new Put(key, true, false, false, new CompletableFuture<>());
        }

        static Put removal(int key) {
            return new Put(key, false, false, false, new CompletableFuture<>());
        }

        static Put failing(int key) {
            return new Put(key, true, true, false, new CompletableFuture<>());
        }

        static Put poison(int key) {
            return new Put(key, true, false, true, new CompletableFuture<>());
        }
    }

    private final Connection connection;
    private final PreparedStatement insert;
    final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
    /** PRAGMA synchronous as each batch saw it: 2 FULL, 1 NORMAL. */
    final List<Integer> synchronous = Collections.synchronizedList(new ArrayList<>());

    final List<Integer> rolledBack = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger idles = new AtomicInteger();
    /** Batches still to fail before writes succeed again (retry tests). */
    final AtomicInteger failuresLeft = new AtomicInteger();

    private final CountDownLatch inIdle = new CountDownLatch(1);
    private final CountDownLatch gate = new CountDownLatch(1);
    private volatile boolean holdInIdle;

    Ledger(Connection connection) throws SQLException {
        this.connection = connection;
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS ledger(k INTEGER NOT NULL)");
        }
        this.insert = connection.prepareStatement("INSERT INTO ledger(k) VALUES(?)");
    }

    /** The next {@link #idle} holds the writer thread until {@link #release}. */
    void holdWriterWhenIdle() {
        holdInIdle = true;
    }

    boolean awaitWriterHeld() throws InterruptedException {
        return inIdle.await(10, TimeUnit.SECONDS);
    }

    void release() {
        gate.countDown();
    }

    @Override
    public boolean durable(Put write) {
        return write.durable();
    }

    @Override
    public void write(List<Put> batch) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA synchronous")) {
            rs.next();
            synchronous.add(rs.getInt(1));
        }
        if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new SQLException("disk says no");
        }
        for (Put p : batch) {
            insert.setInt(1, p.key());
            insert.executeUpdate();
            if (p.failing()) {
                throw new SQLException("key " + p.key() + " refused");
            }
        }
    }

    @Override
    public void committed(List<Put> batch) {
        batchSizes.add(batch.size());
        for (Put p : batch) {
            if (p.poison()) {
                throw new IllegalStateException("a bug in the store");
            }
            p.done().complete(null);
        }
    }

    @Override
    public void rolledBack(List<Put> batch, Exception failure) {
        rolledBack.add(batch.size());
    }

    @Override
    public void fail(Put write, Exception reason) {
        write.done().completeExceptionally(reason);
    }

    @Override
    public void idle() {
        idles.incrementAndGet();
        if (holdInIdle) {
            holdInIdle = false;
            inIdle.countDown();
            try {
                if (!gate.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the writer");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The keys on disk, read through a connection of their own. */
    static List<Integer> keys(WalDatabase db) throws SQLException {
        List<Integer> keys = new ArrayList<>();
        try (Connection c = db.connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT k FROM ledger ORDER BY rowid")) {
            while (rs.next()) {
                keys.add(rs.getInt(1));
            }
        }
        return keys;
    }
}
