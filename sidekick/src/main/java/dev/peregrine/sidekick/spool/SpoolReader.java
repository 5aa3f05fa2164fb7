package dev.peregrine.sidekick.spool;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads one output's queue in order, starting after the last entry it returned. */
public final class SpoolReader implements OutputQueue {
    private static final Logger log = LoggerFactory.getLogger(Spool.class); // its messages stay under the spool

    private final Spool spool;
    private final String output;
    private final Handoff handoff;
    private final Connection connection;
    private final PreparedStatement next;
    private long after;
    /**
     * The last query returned less than asked for: it saw everything committed before it, and
     * the handoff has what was committed since (unless it says it overflowed).
     */
    private boolean caughtUp;

    SpoolReader(Spool spool, String output, Handoff handoff, Connection connection) throws SQLException {
        this.spool = spool;
        this.output = output;
        this.handoff = handoff;
        this.connection = connection;
        this.next = connection.prepareStatement(
                "SELECT id, uuid, accepted_at, payload FROM queue WHERE output = ? AND id > ? ORDER BY id LIMIT ?");
    }

    /**
     * Up to {@code max} entries not yet returned by this reader, waiting up to {@code wait} for
     * the first one to arrive.
     *
     * <p>A reader that caught up takes what is committed next from its {@link Handoff}, in
     * memory, and waits there for the next commit: at everyday rates a query per batch (one
     * alert) cost more than the alert's delivery, and every other query found nothing. It
     * queries the database at its start, while a backlog lasts (a full read), and when the
     * handoff overflowed.
     */
    @Override
    public List<SpoolEntry> next(int max, Duration wait) throws InterruptedException {
        if (caughtUp) {
            List<SpoolEntry> handed = taken(handoff.take(after, max, wait.toMillis()));
            if (handed != null) {
                return handed;
            }
        }
        List<SpoolEntry> entries = read(max);
        if (entries.isEmpty() && caughtUp) {
            List<SpoolEntry> handed = taken(handoff.take(after, max, wait.toMillis()));
            // null: the handoff overflowed while this reader waited
            return handed != null ? handed : read(max);
        }
        return entries;
    }

    @Override
    public CompletableFuture<Boolean> remove(SpoolEntry entry) {
        return spool.remove(entry);
    }

    @Override
    public CompletableFuture<Boolean> bury(SpoolEntry entry, String reason) {
        return spool.bury(entry, reason);
    }

    @Override
    public CompletableFuture<Boolean> append(String uuid, byte[] payload) {
        return spool.append(uuid, payload, List.of(output));
    }

    /** Reads again from the start of the queue: entries returned before but still there come back. */
    public void rewind() {
        after = 0;
        caughtUp = false;
    }

    private List<SpoolEntry> taken(List<SpoolEntry> handed) {
        if (handed != null && !handed.isEmpty()) {
            after = handed.getLast().id();
        }
        return handed;
    }

    private List<SpoolEntry> read(int max) {
        // Before the query: a commit it does not see is offered to the handoff after this.
        handoff.resume();
        List<SpoolEntry> entries = new ArrayList<>();
        try {
            next.setString(1, output);
            next.setLong(2, after);
            next.setInt(3, max);
            try (ResultSet rs = next.executeQuery()) {
                while (rs.next()) {
                    entries.add(new SpoolEntry(rs.getLong(1), output, rs.getString(2), rs.getLong(3), rs.getBytes(4)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading the spool for output " + output + ": " + e.getMessage(), e);
        }
        if (!entries.isEmpty()) {
            after = entries.getLast().id();
        }
        caughtUp = entries.size() < max;
        return entries;
    }

    @Override
    public void close() {
        spool.release(output, handoff);
        try {
            next.close();
            connection.close();
        } catch (SQLException e) {
            log.warn("closing a spool reader: {}", e.getMessage());
        }
    }
}
