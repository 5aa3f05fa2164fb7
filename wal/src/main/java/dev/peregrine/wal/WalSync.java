package dev.peregrine.wal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Makes what a connection has committed power-safe: an {@code fsync} of the database's {@code
 * -wal} file, as SQLite does itself at {@code synchronous=FULL}, but only when the writer asks. The file is opened at the first sync (SQLite creates it with the first write) and kept
 * open: SQLite removes it only when its last connection closes, and the writer's connection lives
 * as long as the writer. The first sync also syncs the directory, which holds the file's name.
 */
interface WalSync {
    void sync() throws IOException;

    /** Syncs the WAL file of {@code connection}'s main database. */
    static WalSync of(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA database_list")) {
            while (rs.next()) {
                if ("main".equals(rs.getString("name"))) {
                    Path db = Path.of(rs.getString("file"));
                    return new File(db.resolveSibling(db.getFileName() + "-wal"));
                }
            }
        }
        throw new SQLException("no main database on this connection");
    }

    /** The {@code -wal} file at {@code path}; writer thread only. */
    final class File implements WalSync {
        private final Path path;
        /**
         * Kept open for its descriptor. Not a FileChannel: the writer's close() interrupts its
         * waits, and an interrupt closes a FileChannel, whether or not its sync got through.
         */
        private RandomAccessFile file;

        File(Path path) {
            this.path = path;
        }

        Path path() {
            return path;
        }

        @Override
        public void sync() throws IOException {
            if (file == null) {
                file = new RandomAccessFile(path.toFile(), "rw");
                syncDirectory(path.getParent());
            }
            file.getFD().sync();
        }

        /**
         * Once, for the file's name. A FileChannel is the only way to a directory's descriptor, and
         * a pending interrupt (the writer's close()) would close it: held back meanwhile.
         */
        private static void syncDirectory(Path dir) throws IOException {
            boolean interrupted = Thread.interrupted();
            try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
                channel.force(true);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
