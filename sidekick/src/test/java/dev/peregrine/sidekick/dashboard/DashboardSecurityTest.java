package dev.peregrine.sidekick.dashboard;

import static dev.peregrine.sidekick.testing.Credentials.basic;
import static dev.peregrine.sidekick.testing.Credentials.bearer;
import static dev.peregrine.sidekick.testing.Credentials.sha256;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Who may use the dashboard and its API: nothing that shows alerts or changes anything without a
 * credential (401 for the API, the login form for a page), viewers read but get 403 on changes,
 * admins change; scripts with HTTP basic or a bearer token, people with the login form, a session
 * cookie with its flags, and a CSRF token on every change a session makes. The dashboard's
 * session is worth nothing on the intake's port.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardSecurityTest {
    static final Path spool = TempDirs.create("dashboard-security");
    static final String VIEWER_TOKEN = "viewer-token-0123456789";
    static final String MUTE = "{\"rule\":\"Terminal shell in container\",\"fields\":{\"proc.name\":\"bash\"}}";

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    Http ui;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        Users.register(r);
        r.add("peregrine.security.tokens.grafana.sha256", () -> sha256(VIEWER_TOKEN));
        r.add("peregrine.security.tokens.grafana.roles", () -> "viewer");
        // Falcosidekick-UI's one admin, its password as it takes it
        r.add("peregrine.ui.user", () -> "falco:ui password");
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    @BeforeEach
    void client() {
        ui = Http.local(dashboardPort.port());
    }

    static String reason(HttpResponse<String> r) {
        return Http.JSON.readTree(r.body()).get("reason").stringValue();
    }

    @Test
    void withoutACredentialTheApiAnswers401AndPagesSendToTheLogin() throws Exception {
        for (String path : List.of(
                "/api/alerts",
                "/api/alerts/counts",
                "/api/alerts/live",
                "/api/mutes",
                "/api/mutes/falco-rules.yaml",
                "/api/outputs",
                "/api/detectors",
                "/api/store",
                "/api/me",
                "/api/v1/events/search",
                "/api/v1/events/count",
                "/api/v1/events/count/priority",
                "/api/v1/outputs")) {
            HttpResponse<String> r = ui.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(401);
            assertThat(reason(r)).as(path).isEqualTo("unauthenticated");
            // never Basic: a browser would ask for a password and then send it on its own
            assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow()).startsWith("Bearer");
        }
        for (String page : List.of("/", "/outputs", "/detectors", "/mutes")) {
            HttpResponse<String> r = ui.get(page);
            assertThat(r.statusCode()).as(page).isEqualTo(302);
            assertThat(r.headers().firstValue("Location").orElseThrow()).endsWith("/login");
        }
        HttpResponse<String> login = ui.get("/login");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("name=\"username\"").contains("name=\"_csrf\"");
        // the liveness check says nothing and stays open, as Falcosidekick-UI's
        assertThat(ui.get("/api/v1/healthz").statusCode()).isEqualTo(200);
        // changes: refused, and nothing changed
        int mutes = muteCount();
        HttpResponse<String> post = ui.postJson("/api/mutes", MUTE);
        assertThat(post.statusCode()).as(post.body()).isIn(401, 403);
        assertThat(ui.send("DELETE", "/api/mutes/1", null).statusCode()).isIn(401, 403);
        assertThat(muteCount()).isEqualTo(mutes);
    }

    @Test
    void aViewerReadsButChangesNothing() throws Exception {
        for (String credential : List.of(Users.viewer(), bearer(VIEWER_TOKEN), basic("x", VIEWER_TOKEN))) {
            assertThat(ui.get("/api/alerts", "Authorization", credential).statusCode())
                    .isEqualTo(200);
            assertThat(ui.get("/api/v1/events/search?since=1h", "Authorization", credential)
                            .statusCode())
                    .isEqualTo(200);
            assertThat(ui.get("/", "Authorization", credential).statusCode()).isEqualTo(200);
            HttpResponse<String> post = ui.postJson("/api/mutes", MUTE, "Authorization", credential);
            assertThat(post.statusCode()).as(post.body()).isEqualTo(403);
            assertThat(reason(post)).isEqualTo("forbidden");
            HttpResponse<String> delete = ui.send("DELETE", "/api/mutes/1", null, "Authorization", credential);
            assertThat(delete.statusCode()).isEqualTo(403);
        }
        JsonNode me = Http.JSON.readTree(
                ui.get("/api/me", "Authorization", Users.viewer()).body());
        assertThat(me.get("name").stringValue()).isEqualTo(Users.VIEWER);
        assertThat(me.get("roles").valueStream().map(JsonNode::stringValue))
                .contains("viewer")
                .doesNotContain("admin");
    }

    @Test
    void wrongCredentialsAre401() throws Exception {
        for (String credential :
                List.of(basic(Users.ADMIN, "wrong"), basic("nobody", "wrong"), bearer("not-a-token"), "Digest x")) {
            HttpResponse<String> r = ui.get("/api/alerts", "Authorization", credential);
            assertThat(r.statusCode()).as(credential).isEqualTo(401);
            assertThat(reason(r)).isEqualTo("bad_credentials");
        }
    }

    @Test
    void anAdminScriptChangesWithoutACsrfToken() throws Exception {
        for (String credential : List.of(Users.admin(), basic("falco", "ui password"))) {
            HttpResponse<String> made = ui.postJson("/api/mutes", MUTE, "Authorization", credential);
            assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
            String id = Http.JSON.readTree(made.body()).get("id").stringValue();
            assertThat(ui.send("DELETE", "/api/mutes/" + id, null, "Authorization", credential)
                            .statusCode())
                    .isEqualTo(204);
        }
        JsonNode me = Http.JSON.readTree(ui.get("/api/me", "Authorization", basic("falco", "ui password"))
                .body());
        assertThat(me.get("roles").valueStream().map(JsonNode::stringValue)).contains("admin", "viewer");
    }

    @Test
    void aBrowserLogsInWithTheFormAndItsChangesNeedTheCsrfToken() throws Exception {
        Session admin = login(Users.ADMIN, Users.ADMIN_PASSWORD);
        // the session cookie: not readable by scripts, not sent with other sites' POSTs
        assertThat(admin.setCookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Lax");
        assertThat(ui.get("/api/alerts", "Cookie", admin.cookie()).statusCode()).isEqualTo(200);
        // the page hands over the CSRF token in a cookie the page's script reads
        HttpResponse<String> page = ui.get("/", "Cookie", admin.cookie());
        assertThat(page.statusCode()).isEqualTo(200);
        String xsrf = cookie(page, "XSRF-TOKEN").orElseThrow();

        int mutes = muteCount();
        HttpResponse<String> forged = ui.postJson("/api/mutes", MUTE, "Cookie", admin.cookie());
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(403);
        assertThat(ui.postJson("/api/mutes", MUTE, "Cookie", admin.cookie(), "X-XSRF-TOKEN", "wrong")
                        .statusCode())
                .isEqualTo(403);
        assertThat(muteCount()).isEqualTo(mutes);
        HttpResponse<String> made = ui.postJson(
                "/api/mutes", MUTE, "Cookie", admin.cookie() + "; XSRF-TOKEN=" + xsrf, "X-XSRF-TOKEN", xsrf);
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String id = Http.JSON.readTree(made.body()).get("id").stringValue();
        assertThat(Http.JSON.readTree(made.body()).get("createdBy").stringValue())
                .isEqualTo(Users.ADMIN);

        // a viewer's session with a valid CSRF token still may not change anything
        Session viewer = login(Users.VIEWER, Users.VIEWER_PASSWORD);
        String viewerXsrf =
                cookie(ui.get("/", "Cookie", viewer.cookie()), "XSRF-TOKEN").orElseThrow();
        HttpResponse<String> delete = ui.send(
                "DELETE",
                "/api/mutes/" + id,
                null,
                "Cookie",
                viewer.cookie() + "; XSRF-TOKEN=" + viewerXsrf,
                "X-XSRF-TOKEN",
                viewerXsrf);
        assertThat(delete.statusCode()).isEqualTo(403);

        // the dashboard's session is worth nothing on the intake's port
        Http intake = Http.local(intakePort);
        assertThat(intake.send("POST", "/test", null, "Cookie", admin.cookie()).statusCode())
                .isEqualTo(401);

        // logging out ends the session
        HttpResponse<String> out = ui.send(
                "POST", "/logout", null, "Cookie", admin.cookie() + "; XSRF-TOKEN=" + xsrf, "X-XSRF-TOKEN", xsrf);
        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(out.headers().firstValue("Location").orElseThrow()).endsWith("/login?logout");
        assertThat(ui.get("/api/alerts", "Cookie", admin.cookie()).statusCode()).isEqualTo(401);
    }

    @Test
    void aWrongPasswordInTheFormIsRefused() throws Exception {
        HttpResponse<String> form = ui.get("/login");
        HttpResponse<String> r = postLogin(form, Users.ADMIN, "wrong");
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location").orElseThrow()).endsWith("/login?error");
        // no session that could read anything
        assertThat(ui.get("/api/alerts", "Cookie", cookies(r) + "; " + cookies(form))
                        .statusCode())
                .isEqualTo(401);
    }

    int muteCount() {
        return Users.asAdmin(ui).json("/api/mutes").size();
    }

    record Session(String id, String setCookie) {
        String cookie() {
            return "JSESSIONID=" + id;
        }
    }

    Session login(String user, String password) throws Exception {
        HttpResponse<String> form = ui.get("/login");
        String before = cookie(form, "JSESSIONID").orElse("");
        HttpResponse<String> r = postLogin(form, user, password);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location").orElseThrow()).doesNotContain("error");
        String setCookie = r.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("JSESSIONID="))
                .findFirst()
                .orElseThrow();
        String id = cookie(r, "JSESSIONID").orElseThrow();
        // a new session at login: one planted before it is worth nothing
        assertThat(id).isNotEqualTo(before);
        return new Session(id, setCookie);
    }

    HttpResponse<String> postLogin(HttpResponse<String> form, String user, String password) throws Exception {
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(form.body());
        assertThat(csrf.find()).as(form.body()).isTrue();
        String body = "username=" + enc(user) + "&password=" + enc(password) + "&_csrf=" + enc(csrf.group(1));
        return ui.send(
                "POST", "/login", body, "Content-Type", "application/x-www-form-urlencoded", "Cookie", cookies(form));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The cookies {@code r} set, as a Cookie header sends them back. */
    static String cookies(HttpResponse<String> r) {
        return String.join(
                "; ",
                r.headers().allValues("Set-Cookie").stream()
                        .map(c -> c.split(";", 2)[0])
                        .toList());
    }

    static Optional<String> cookie(HttpResponse<String> r, String name) {
        return r.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith(name + "="))
                .map(c -> c.substring(name.length() + 1).split(";", 2)[0])
                .filter(v -> !v.isEmpty())
                .findFirst();
    }
}
