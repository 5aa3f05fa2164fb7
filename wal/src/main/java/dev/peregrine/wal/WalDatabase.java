package dev.peregrine.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * One SQLite database file in WAL mode: where it lives and how a connection to it is opened. A
 * store opens one connection for its {@link GroupCommitWriter} and one per reader; WAL lets the
 * readers run beside the writer.
 */
public final class WalDatabase {
    private final Path file;
    private final boolean fsync;

    private WalDatabase(Path file, boolean fsync) {
        this.file = file;
        this.fsync = fsync;
    }

    /**
     * The database {@code fileName} under {@code dir}, creating the directory when missing. The one
     * place that makes the store's directory and file: what they may be read by is decided here.
     *
     * @param fsync whether commits are fsync'd (power-safe) or only written to the WAL (they
     *     survive a killed process, not a lost machine)
     */
    public static WalDatabase open(Path dir, String fileName, boolean fsync) throws IOException {
        Files.createDirectories(dir);
        return new WalDatabase(dir.resolve(fileName), fsync);
    }

    /** Where the database lives, for logs and docs. */
    public Path file() {
        return file;
    }

    public boolean fsync() {
        return fsync;
    }

    /** A new connection in WAL mode, auto-commit on; the caller closes it. */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        // Otherwise the driver runs a query for the new rowid after every insert; a store that
        // needs it asks once per batch.
        props.setProperty("jdbc.get_generated_keys", "false");
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, props);
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            // FULL fsyncs the WAL on every commit (survives power loss); NORMAL survives a
            // killed process but not a lost machine.
            s.execute("PRAGMA synchronous=" + (fsync ? "FULL" : "NORMAL"));
            s.execute("PRAGMA busy_timeout=10000");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return c;
    }
}
