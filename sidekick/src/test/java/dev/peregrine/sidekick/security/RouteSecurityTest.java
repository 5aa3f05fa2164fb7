package dev.peregrine.sidekick.security;

import static dev.peregrine.sidekick.testing.Credentials.basic;
import static dev.peregrine.sidekick.testing.Credentials.bcrypt;
import static dev.peregrine.sidekick.testing.Credentials.bearer;
import static dev.peregrine.sidekick.testing.Credentials.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every kind of route with everything locked: intake and metrics need credentials, users and
 * tokens with each role. Who gets through where, and how the others are answered.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RouteSecurityTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final JsonMapper json = JsonMapper.builder().build();
    static final String ADMIN = "admin-token-0123456789";
    static final String VIEWER = "viewer-token-0123456789";
    static final String METRICS = "metrics-token-0123456789";
    static final String INTAKE = "intake-token-0123456789";
    static final String ALERT = SampleAlerts.LINES.getFirst();

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    Http http;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("peregrine.security.intake", () -> "authenticated");
        r.add("peregrine.security.metrics", () -> "authenticated");
        r.add("peregrine.security.users.alice.password", () -> bcrypt("alice's password"));
        r.add("peregrine.security.users.alice.roles", () -> "admin");
        r.add("peregrine.security.users.victor.password", () -> bcrypt("victor's password"));
        r.add("peregrine.security.users.victor.roles", () -> "viewer");
        token(r, "ops", ADMIN, "admin");
        token(r, "dashboard", VIEWER, "viewer");
        token(r, "prometheus", METRICS, "metrics");
        token(r, "falco", INTAKE, "intake");
        r.add("management.endpoints.web.exposure.include", () -> "health,info,prometheus,deadletters,env");
        r.add("spring.grpc.server.port", () -> "0");
    }

    static void token(DynamicPropertyRegistry r, String name, String token, String role) {
        r.add("peregrine.security.tokens." + name + ".sha256", () -> sha256(token));
        r.add("peregrine.security.tokens." + name + ".roles", () -> role);
    }

    @AfterAll
    static void stop() {
        webhook.close();
    }

    @BeforeEach
    void client() {
        http = new Http(port);
    }

    String reason(HttpResponse<String> r) {
        return json.readTree(r.body()).get("reason").stringValue();
    }

    @Test
    void theIntakeTakesAlertsFromIntakeCredentialsOnly() throws Exception {
        HttpResponse<String> anonymous = http.postJson("/", ALERT);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(reason(anonymous)).isEqualTo("unauthenticated");
        // A Bearer challenge: a Basic one would make browsers prompt and then keep the password.
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"peregrine\"");

        assertThat(http.postJson("/", ALERT, "Authorization", bearer(INTAKE)).statusCode())
                .isEqualTo(200);
        // The token as a basic-auth password with any name: what a Falco with
        // http_output.url: http://intake:TOKEN@host:2801/ sends.
        assertThat(http.postJson("/", ALERT, "Authorization", basic("intake", INTAKE))
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.postJson("/", ALERT, "Authorization", bearer(ADMIN)).statusCode())
                .as("admin includes intake")
                .isEqualTo(200);

        HttpResponse<String> wrong = http.postJson("/", ALERT, "Authorization", bearer("guess"));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(reason(wrong)).isEqualTo("bad_credentials");
        HttpResponse<String> viewer = http.postJson("/", ALERT, "Authorization", bearer(VIEWER));
        assertThat(viewer.statusCode()).isEqualTo(403);
        assertThat(reason(viewer)).isEqualTo("forbidden");
    }

    @Test
    void changingStateNeedsAnAdmin() throws Exception {
        assertThat(http.send("POST", "/actuator/deadletters/siem", null).statusCode())
                .isEqualTo(401);
        assertThat(http.send("POST", "/actuator/deadletters/siem", null, "Authorization", bearer(VIEWER))
                        .statusCode())
                .isEqualTo(403);
        assertThat(http.send("POST", "/actuator/deadletters/siem", null, "Authorization", bearer(INTAKE))
                        .statusCode())
                .isEqualTo(403);
        assertThat(http.send("POST", "/actuator/deadletters/siem", null, "Authorization", bearer(ADMIN))
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.send(
                                "POST",
                                "/actuator/deadletters/siem",
                                null,
                                "Authorization",
                                basic("alice", "alice's password"))
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> wrongPassword =
                http.send("POST", "/actuator/deadletters/siem", null, "Authorization", basic("alice", "guess"));
        assertThat(wrongPassword.statusCode()).isEqualTo(401);
        assertThat(reason(wrongPassword)).isEqualTo("bad_credentials");

        assertThat(http.postJson("/test", "", "Authorization", bearer(INTAKE)).statusCode())
                .isEqualTo(403);
        assertThat(http.postJson("/test", "", "Authorization", basic("alice", "alice's password"))
                        .statusCode())
                .isEqualTo(200);
        // Not a known route, still a write: admin first, then a 404.
        assertThat(http.send("DELETE", "/anything", null).statusCode()).isEqualTo(401);
    }

    @Test
    void aWebPageCannotMakeABrowserChangeState() throws Exception {
        HttpResponse<String> forged = http.send(
                "POST",
                "/actuator/deadletters/siem",
                null,
                "Authorization",
                bearer(ADMIN),
                "Origin",
                "https://evil.example");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(reason(forged)).isEqualTo("cross_origin");
        HttpResponse<String> intake =
                http.postJson("/", ALERT, "Authorization", bearer(INTAKE), "Sec-Fetch-Site", "cross-site");
        assertThat(intake.statusCode()).isEqualTo(403);
        // No CORS: a preflight gets no Access-Control-Allow-Origin.
        HttpResponse<String> preflight = http.send(
                "OPTIONS",
                "/",
                null,
                "Origin",
                "https://evil.example",
                "Access-Control-Request-Method",
                "POST",
                "Access-Control-Request-Headers",
                "content-type");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin"))
                .isEmpty();
    }

    @Test
    void metricsNeedRoleMetricsWhileProbesStayOpen() throws Exception {
        for (String path : new String[] {"/metrics", "/actuator/prometheus"}) {
            assertThat(http.get(path).statusCode()).as(path).isEqualTo(401);
            assertThat(http.get(path, "Authorization", bearer(INTAKE)).statusCode())
                    .as(path)
                    .isEqualTo(403);
            HttpResponse<String> scraped = http.get(path, "Authorization", bearer(METRICS));
            assertThat(scraped.statusCode()).as(path).isEqualTo(200);
            assertThat(scraped.body()).contains("peregrine_spool_used_bytes");
            assertThat(http.get(path, "Authorization", basic("victor", "victor's password"))
                            .statusCode())
                    .as("viewer includes metrics")
                    .isEqualTo(200);
        }
        assertThat(http.get("/ping").statusCode()).isEqualTo(200);
        assertThat(http.get("/healthz").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/health").statusCode()).isEqualTo(200);
        assertThat(http.get("/actuator/deadletters").statusCode()).isEqualTo(200);
        // Other actuator endpoints an operator exposes may hold secrets: admin only.
        assertThat(http.get("/actuator/env").statusCode()).isEqualTo(401);
        assertThat(http.get("/actuator/env", "Authorization", bearer(VIEWER)).statusCode())
                .isEqualTo(403);
        assertThat(http.get("/actuator/env", "Authorization", bearer(ADMIN)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void refusalsAreCountedByReason() throws Exception {
        http.postJson("/", ALERT, "Authorization", bearer("guess"));
        assertThat(http.get("/metrics", "Authorization", bearer(METRICS)).body())
                .contains("peregrine_http_refusals_total{reason=\"bad_credentials\"}");
    }
}
