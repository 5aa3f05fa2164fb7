package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Under server.servlet.context-path (a proxy that passes its prefix on), and with the dashboard on
 * the intake's own port (peregrine.ui.port = server.port).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class DashboardSubPathTest {
    static final Path spool = TempDirs.create("dashboard-subpath");
    static final int port = freePort();

    @Autowired
    DashboardPort dashboardPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("server.port", () -> port);
        r.add("peregrine.ui.port", () -> port);
        r.add("server.servlet.context-path", () -> "/peregrine");
    }

    static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    @Test
    void everythingLivesUnderTheContextPathOnOnePort() {
        assertThat(dashboardPort.separate()).isFalse();
        Http http = Users.asAdmin(Http.local(port));
        assertThat(http.get("/peregrine/").body()).contains("<base href=\"/peregrine/\">");
        assertThat(http.get("/peregrine/detectors").body()).contains("<base href=\"/peregrine/\">");
        assertThat(http.get("/api/alerts").statusCode()).isEqualTo(404);
        String json = new String(
                AlertJson.write(GeneratedAlerts.generate(5, 1, Instant.now(), Duration.ZERO)
                        .getFirst()),
                StandardCharsets.UTF_8);
        assertThat(http.post("/peregrine/", json).statusCode()).isEqualTo(200);
        assertThat(http.get("/peregrine/ping").body()).isEqualTo("pong\n");
        await().atMost(Duration.ofSeconds(15))
                .until(() -> http.json("/peregrine/api/alerts").get("total").asLong() == 1);
        // a proxy's prefix is what the browser sees: it stands for the context path the proxy maps it to
        assertThat(http.send(http.request("/peregrine/").header("X-Forwarded-Prefix", "/edge"))
                        .body())
                .contains("<base href=\"/edge/\">");
    }
}
