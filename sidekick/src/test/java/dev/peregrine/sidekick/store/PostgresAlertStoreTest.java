package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import dev.peregrine.testkit.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store against a real PostgreSQL server (Debian's), each test in a schema of its own. */
@Needs(Need.POSTGRESQL)
class PostgresAlertStoreTest extends AlertStoreContract {
    @TempDir
    static Path dir;

    static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start(dir);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    AlertStore open() throws Exception {
        String schema = "t" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = java.sql.DriverManager.getConnection(server.jdbcUrl(), PostgresServer.USER, "");
                Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        url = server.jdbcUrl() + "?currentSchema=" + schema;
        return AlertStore.postgres(url, PostgresServer.USER, "", 2);
    }

    String url;

    @Override
    AlertStore reopen() {
        return AlertStore.postgres(url, PostgresServer.USER, "", 2);
    }

    @Test
    void twoSidekicksSharingTheDatabaseGetDistinctIds() throws Exception {
        // each sidekick has its own store and writer (a writer keeps its connection)
        try (AlertStore otherSidekick = AlertStore.postgres(url, PostgresServer.USER, "", 1);
                StoreWriter other = otherSidekick.writer()) {
            var a = GeneratedAlerts.generate(3, 2, NOW, Duration.ofSeconds(1));
            long[] first = writer.insert(
                    List.of(new StoreWriter.NewAlert(a.get(0), AlertJson.write(a.get(0)), List.of(), null)));
            long[] second = other.insert(
                    List.of(new StoreWriter.NewAlert(a.get(1), AlertJson.write(a.get(1)), List.of(), null)));
            assertThat(first[0]).isNotEqualTo(second[0]);
            assertThat(store.count(AlertQuery.ALL)).isEqualTo(alerts.size() + 2);
        }
    }
}
