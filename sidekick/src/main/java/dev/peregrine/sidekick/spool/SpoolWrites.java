package dev.peregrine.sidekick.spool;

import dev.peregrine.sidekick.spool.SpoolWrite.Append;
import dev.peregrine.sidekick.spool.SpoolWrite.Remove;
import dev.peregrine.sidekick.spool.SpoolWrite.Requeue;
import dev.peregrine.wal.GroupCommitWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL of the spool writer's batches, and what follows a commit: the counts, the new entries
 * handed to the outputs' readers, the writes' futures. Runs on the writer thread alone, on its
 * connection.
 */
final class SpoolWrites implements GroupCommitWriter.Store<SpoolWrite> {
    private static final Logger log = LoggerFactory.getLogger(SpoolWrites.class);

    private final Connection db;
    private final Clock clock;
    private final Duration dedupWindow;
    private final SpoolCounts counts;
    /** Per output, its readers' handoffs (shared with the spool, which adds and removes readers). */
    private final Map<String, List<Handoff>> handoffs;

    private final PreparedStatement accept;
    private final PreparedStatement enqueue;
    private final PreparedStatement delete;
    private final PreparedStatement bury;
    /** Per write of the batch being written: whether it changed anything. */
    private final List<Boolean> results = new ArrayList<>();
    /** The batch's new queue entries for outputs with a reader, offered to it once committed. */
    private final Map<String, List<SpoolEntry>> handed = new HashMap<>();

    private long lastPrune;
    /**
     * The queue's last id (AUTOINCREMENT: the next insert gets one more). Counted here rather than
     * read back per insert ({@code RETURNING} cost the writer ~20 µs per alert); only this thread
     * inserts, a rollback restores it and a requeue re-reads it.
     */
    private long lastId;

    private long lastIdBeforeBatch;

    SpoolWrites(
            Connection db, Clock clock, Duration dedupWindow, SpoolCounts counts, Map<String, List<Handoff>> handoffs)
            throws SQLException {
        this.db = db;
        this.clock = clock;
        this.dedupWindow = dedupWindow;
        this.counts = counts;
        this.handoffs = handoffs;
        accept = db.prepareStatement("INSERT OR IGNORE INTO accepted(uuid, at) VALUES(?, ?)");
        enqueue = db.prepareStatement("INSERT INTO queue(output, uuid, accepted_at, payload) VALUES(?, ?, ?, ?)");
        delete = db.prepareStatement("DELETE FROM queue WHERE id = ?");
        bury = db.prepareStatement(
                "INSERT OR REPLACE INTO dead(id, output, uuid, accepted_at, payload, reason, dead_at)"
                        + " VALUES(?, ?, ?, ?, ?, ?, ?)");
        lastId = sequence();
    }

    private long sequence() throws SQLException {
        try (Statement s = db.createStatement();
                ResultSet rs =
                        s.executeQuery("SELECT coalesce(max(seq), 0) FROM sqlite_sequence WHERE name = 'queue'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * Only a batch with appends is fsync'd. A batch of removals alone is written to the WAL without
     * one: it survives a killed sidekick like any write (the OS has it), and the next append's
     * fsync, or a checkpoint, makes it survive a lost machine too. What a lost machine can undo is
     * a removal, so an alert is delivered again, never lost; and a trickle of deliveries no longer
     * costs an fsync each (~0.2 ms of kernel CPU here).
     */
    @Override
    public boolean durable(SpoolWrite w) {
        return w instanceof Append;
    }

    @Override
    public void write(List<SpoolWrite> batch) throws SQLException {
        results.clear();
        handed.clear();
        lastIdBeforeBatch = lastId;
        for (SpoolWrite w : batch) {
            switch (w) {
                case Append a -> results.add(append(a));
                case Remove r -> results.add(remove(r));
                case Requeue q -> {
                    requeue(q);
                    results.add(q.moved()[0] > 0);
                }
            }
        }
    }

    private boolean append(Append a) throws SQLException {
        if (a.remember()) {
            accept.setString(1, a.uuid());
            accept.setLong(2, a.acceptedAt());
            if (accept.executeUpdate() != 1) {
                return false;
            }
        }
        for (String output : a.outputs()) {
            enqueue.setString(1, output);
            enqueue.setString(2, a.uuid());
            enqueue.setLong(3, a.acceptedAt());
            enqueue.setBytes(4, a.payload());
            enqueue.executeUpdate();
            hand(output, a, ++lastId);
        }
        return true;
    }

    private boolean remove(Remove r) throws SQLException {
        if (r.reason() != null) {
            SpoolEntry e = r.entry();
            bury.setLong(1, e.id());
            bury.setString(2, e.output());
            bury.setString(3, e.uuid());
            bury.setLong(4, e.acceptedAtMillis());
            bury.setBytes(5, e.payload());
            bury.setString(6, r.reason());
            bury.setLong(7, clock.millis());
            bury.executeUpdate();
        }
        delete.setLong(1, r.entry().id());
        return delete.executeUpdate() == 1;
    }

    /** Keeps the entry just inserted for the handoffs of its output's readers, if it has any. */
    private void hand(String output, Append a, long id) {
        if (!handoffs.getOrDefault(output, List.of()).isEmpty()) {
            handed.computeIfAbsent(output, k -> new ArrayList<>())
                    .add(new SpoolEntry(id, output, a.uuid(), a.acceptedAt(), a.payload()));
        }
    }

    @Override
    public void rolledBack(List<SpoolWrite> batch, Exception failure) {
        lastId = lastIdBeforeBatch;
    }

    @Override
    public void committed(List<SpoolWrite> batch) {
        // Before the appends complete: whoever was told an alert is queued finds it there.
        handed.forEach(
                (output, entries) -> handoffs.getOrDefault(output, List.of()).forEach(h -> h.offer(entries)));
        for (int i = 0; i < batch.size(); i++) {
            boolean changed = results.get(i);
            switch (batch.get(i)) {
                case Append a -> {
                    if (changed) {
                        for (String output : a.outputs()) {
                            counts.waiting(output, 1, a.payload().length);
                        }
                    }
                    a.done().complete(changed);
                }
                case Remove r -> {
                    if (changed) {
                        if (r.reason() != null) {
                            counts.dead(r.entry().output(), 1);
                        }
                        counts.waiting(r.entry().output(), -1, -r.entry().payload().length);
                    }
                    r.done().complete(changed);
                }
                case Requeue q -> {
                    counts.waiting(q.output(), q.moved()[0], q.moved()[1]);
                    counts.dead(q.output(), -q.moved()[0]);
                    if (changed) {
                        // its entries were not offered: the output's readers query for them
                        handoffs.getOrDefault(q.output(), List.of()).forEach(Handoff::invalidate);
                    }
                    q.done().complete(q.moved()[0]);
                }
            }
        }
        if (clock.millis() - lastPrune > 60_000) {
            pruneAccepted();
        }
    }

    @Override
    public void fail(SpoolWrite w, Exception reason) {
        w.fail(reason);
    }

    @Override
    public void idle() {
        pruneAccepted();
    }

    /** Rare (an operator's request): statements prepared on the spot. Ids stay ordered: appended at the queue's end. */
    private void requeue(Requeue q) throws SQLException {
        try (PreparedStatement size = db.prepareStatement(
                        "SELECT count(*), coalesce(sum(length(payload)), 0) FROM dead WHERE output = ?");
                PreparedStatement move = db.prepareStatement("INSERT INTO queue(output, uuid, accepted_at, payload)"
                        + " SELECT output, uuid, accepted_at, payload FROM dead WHERE output = ? ORDER BY id");
                PreparedStatement forget = db.prepareStatement("DELETE FROM dead WHERE output = ?")) {
            size.setString(1, q.output());
            try (ResultSet rs = size.executeQuery()) {
                rs.next();
                q.moved()[0] = rs.getLong(1);
                q.moved()[1] = rs.getLong(2);
            }
            move.setString(1, q.output());
            move.executeUpdate();
            forget.setString(1, q.output());
            forget.executeUpdate();
            lastId = sequence();
        }
    }

    private void pruneAccepted() {
        lastPrune = clock.millis();
        try (PreparedStatement p = db.prepareStatement("DELETE FROM accepted WHERE at < ?")) {
            p.setLong(1, clock.millis() - dedupWindow.toMillis());
            int n = p.executeUpdate();
            db.commit();
            if (n > 0) {
                log.debug("forgot {} accepted uuids older than {}", n, dedupWindow);
            }
        } catch (SQLException e) {
            log.warn("pruning accepted uuids failed: {}", e.getMessage());
        }
    }
}
