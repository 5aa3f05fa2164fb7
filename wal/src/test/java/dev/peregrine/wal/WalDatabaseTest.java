package dev.peregrine.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalDatabaseTest {
    @TempDir
    Path dir;

    private static String pragma(Connection c, String name) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void opensInAMissingDirectoryInWalModeWithFullSyncWhenFsyncIsOn() throws Exception {
        Path nested = dir.resolve("var/spool");
        WalDatabase db = WalDatabase.open(nested, "spool.db", true);
        assertThat(nested).isDirectory();
        assertThat(db.file()).isEqualTo(nested.resolve("spool.db"));
        try (Connection c = db.connect()) {
            assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
            assertThat(pragma(c, "synchronous")).as("FULL").isEqualTo("2");
            assertThat(pragma(c, "busy_timeout")).isEqualTo("10000");
            assertThat(c.getAutoCommit()).isTrue();
        }
        assertThat(Files.exists(db.file())).isTrue();
    }

    @Test
    void withoutFsyncConnectionsRunAtSynchronousNormal() throws Exception {
        WalDatabase db = WalDatabase.open(dir, "alerts.db", false);
        try (Connection c = db.connect()) {
            assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
            assertThat(pragma(c, "synchronous")).as("NORMAL").isEqualTo("1");
        }
        assertThat(db.fsync()).isFalse();
    }
}
