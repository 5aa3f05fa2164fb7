package dev.peregrine.wal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/**
 * Run by {@link WalDatabaseTest} in a JVM of its own under another umask: opens a store under
 * {@code args[0]}, writes to it (so the -wal and -shm files exist), says "ready" and keeps the
 * connection open until its standard input closes.
 */
public final class PrivateFilesProbe {
    private PrivateFilesProbe() {}

    public static void main(String[] args) throws Exception {
        WalDatabase db = WalDatabase.open(Path.of(args[0]), "probe.db", true);
        try (Connection c = db.connect();
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(x BLOB)");
            s.execute("INSERT INTO t VALUES(x'00')");
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our input
            }
        }
    }
}
