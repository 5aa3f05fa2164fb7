package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.store.AlertStore;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** peregrine.ui.enabled=false: the sidekick starts and delivers, with no store, page or API. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardDisabledTest {
    static final Path spool = TempDirs.create("dashboard-off");

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.ui.enabled", () -> "false");
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    @Test
    void theSidekickRunsWithoutTheDashboard() {
        Http http = Http.local(port);
        assertThat(http.post("/", SampleAlerts.LINES.getFirst()).statusCode()).isEqualTo(200);
        assertThat(http.get("/api/alerts").statusCode()).isEqualTo(404);
        assertThat(context.getBeanProvider(AlertStore.class).getIfAvailable()).isNull();
        assertThat(context.getBeanProvider(DashboardPort.class).getIfAvailable())
                .isNull();
        assertThat(Files.exists(spool.resolve("alerts.db"))).isFalse();
    }
}
