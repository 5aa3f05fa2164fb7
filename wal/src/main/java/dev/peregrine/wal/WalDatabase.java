package dev.peregrine.wal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.Set;

/**
 * One SQLite database file in WAL mode: where it lives and how a connection to it is opened. A
 * store opens one connection for its {@link GroupCommitWriter} and one per reader; WAL lets the
 * readers run beside the writer.
 */
public final class WalDatabase {
    static final Set<PosixFilePermission> PRIVATE_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path file;
    private final boolean fsync;

    private WalDatabase(Path file, boolean fsync) {
        this.file = file;
        this.fsync = fsync;
    }

    /**
     * The database {@code fileName} under {@code dir}, creating the directory when missing. The one
     * place that makes a store's directory and files, so the one place that decides who may read
     * them: alerts hold full command lines, file names and user names. Whatever the process's
     * umask, the directory is made {@code 0700} and the database {@code 0600}; SQLite then gives its
     * {@code -wal} and {@code -shm} files the database file's mode. A store left readable by an
     * older version (its directory holding the database) is tightened the same way; a directory
     * that was there before without the database (say, one shared with other programs) keeps its
     * mode, the files in it are private anyway.
     *
     * @param fsync whether commits are fsync'd (power-safe) or only written to the WAL (they
     *     survive a killed process, not a lost machine)
     */
    public static WalDatabase open(Path dir, String fileName, boolean fsync) throws IOException {
        Path file = dir.resolve(fileName);
        boolean ours = !Files.exists(dir) || Files.exists(file);
        Files.createDirectories(dir);
        if (ours) {
            restrict(dir, PRIVATE_DIRECTORY);
        }
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile by another opener: restricted below all the same
            }
        }
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            Path f = dir.resolve(fileName + suffix);
            if (Files.exists(f)) {
                restrict(f, PRIVATE_FILE);
            }
        }
        return new WalDatabase(file, fsync);
    }

    /** Sets the mode itself: creating with a mode is masked by the umask. */
    private static void restrict(Path path, Set<PosixFilePermission> mode) throws IOException {
        if (!Files.getPosixFilePermissions(path).equals(mode)) {
            Files.setPosixFilePermissions(path, mode);
        }
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
