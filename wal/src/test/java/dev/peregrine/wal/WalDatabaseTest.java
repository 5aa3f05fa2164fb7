package dev.peregrine.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
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

    /** The mode of each of {@code paths}, as "rwx------". */
    static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void directoryAndFilesArePrivateWhateverTheUmask() throws Exception {
        Path store = dir.resolve("var/spool");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // umask 000 would leave everything world-writable if modes were left to it.
        Process p = new ProcessBuilder(
                        "sh",
                        "-c",
                        "umask 000 && exec \"$0\" -cp \"$1\" dev.peregrine.wal.PrivateFilesProbe \"$2\"",
                        java,
                        System.getProperty("java.class.path"),
                        store.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("ready");
            assertThat(mode(store)).isEqualTo("rwx------");
            assertThat(mode(store.getParent()))
                    .as("parents follow the umask, as for any program")
                    .isEqualTo("rwxrwxrwx");
            for (String f : new String[] {"probe.db", "probe.db-wal", "probe.db-shm"}) {
                assertThat(mode(store.resolve(f))).as(f).isEqualTo("rw-------");
            }
        } finally {
            p.getOutputStream().close();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).isZero();
    }

    @Test
    void aStoreLeftReadableByAnOlderVersionIsTightened() throws Exception {
        Path store = Files.createDirectories(dir.resolve("old"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = Files.createFile(store.resolve("spool.db"));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        WalDatabase.open(store, "spool.db", false).connect().close();
        assertThat(mode(store)).isEqualTo("rwx------");
        assertThat(mode(file)).isEqualTo("rw-------");
    }

    @Test
    void aDirectoryThatWasThereWithoutTheStoreKeepsItsMode() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        WalDatabase db = WalDatabase.open(shared, "spool.db", false);
        db.connect().close();
        assertThat(mode(shared)).isEqualTo("rwxr-xr-x");
        assertThat(mode(db.file())).isEqualTo("rw-------");
    }
}
