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
    private final Doorbell bell;
    private final Connection connection;
    private final PreparedStatement next;
    private long after;
    /** The last read returned less than asked for: it saw everything committed before it. */
    private boolean caughtUp;
    /** The doorbell's rings just before the last read. */
    private long seen = -1;

    SpoolReader(Spool spool, String output, Doorbell bell, Connection connection) throws SQLException {
        this.spool = spool;
        this.output = output;
        this.bell = bell;
        this.connection = connection;
        this.next = connection.prepareStatement(
                "SELECT id, uuid, accepted_at, payload FROM queue WHERE output = ? AND id > ? ORDER BY id LIMIT ?");
    }

    /**
     * Up to {@code max} entries not yet returned by this reader, waiting up to {@code wait} for
     * the first one to arrive.
     *
     * <p>A reader that caught up (its last read got less than it asked for) and has not heard
     * the doorbell since waits for it before querying: at everyday rates a delivery's next
     * call would otherwise run a query that finds nothing after every batch, and each query
     * after another connection's commit starts from an emptied page cache (WAL mode). The
     * wait ends at the commit's ring, not at a poll interval; without a ring it queries once
     * more after {@code wait}, as before.
     */
    @Override
    public List<SpoolEntry> next(int max, Duration wait) throws InterruptedException {
        if (caughtUp && bell.rings() == seen) {
            bell.await(seen, wait.toMillis());
            return read(max);
        }
        List<SpoolEntry> entries = read(max);
        if (entries.isEmpty()) {
            bell.await(seen, wait.toMillis());
            entries = read(max);
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

    private List<SpoolEntry> read(int max) {
        // Before the query: a commit it does not see rings after this.
        seen = bell.rings();
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
        try {
            next.close();
            connection.close();
        } catch (SQLException e) {
            log.warn("closing a spool reader: {}", e.getMessage());
        }
    }
}
