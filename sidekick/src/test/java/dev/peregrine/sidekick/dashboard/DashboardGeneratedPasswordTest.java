package dev.peregrine.sidekick.dashboard;

import static dev.peregrine.sidekick.testing.Credentials.basic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.TempDirs;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * No user configured: no default password, but one generated at startup and printed once, with
 * which an admin logs in to the dashboard (and only to it: the intake's port keeps its admin
 * operations off).
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardGeneratedPasswordTest {
    static final Path spool = TempDirs.create("dashboard-generated");
    static final Pattern PRINTED = Pattern.compile("log in as 'admin' with the generated password (\\S+) ");

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    @Test
    void theGeneratedPasswordLogsInToTheDashboardOnly(CapturedOutput output) throws Exception {
        Matcher printed = PRINTED.matcher(output.getAll());
        assertThat(printed.find()).as("the generated password in the log").isTrue();
        String password = printed.group(1);
        assertThat(password).hasSizeGreaterThanOrEqualTo(20);
        assertThat(printed.find()).as("printed once").isFalse();

        Http ui = Http.local(dashboardPort.port());
        assertThat(ui.get("/api/alerts").statusCode()).isEqualTo(401);
        assertThat(ui.get("/api/alerts", "Authorization", basic("admin", "admin"))
                        .statusCode())
                .isEqualTo(401);
        assertThat(ui.get("/api/alerts", "Authorization", basic("admin", password))
                        .statusCode())
                .isEqualTo(200);
        assertThat(ui.postJson(
                                "/api/mutes",
                                "{\"rule\":\"r\",\"fields\":{\"proc.name\":\"x\"}}",
                                "Authorization",
                                basic("admin", password))
                        .statusCode())
                .isEqualTo(201);
        // not a user of the intake's port, whose admin operations stay off without configured users
        assertThat(Http.local(intakePort)
                        .send("POST", "/test", null, "Authorization", basic("admin", password))
                        .statusCode())
                .isEqualTo(401);
    }
}
