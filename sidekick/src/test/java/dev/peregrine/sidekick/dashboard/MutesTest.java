package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * Muting: an exception made from an alert holds the next alike back from every output (counted,
 * stored, not delivered) until it expires or is deleted, and comes out as a Falco rules file.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MutesTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final Path spool = TempDirs.create("mutes");

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    Http ui;
    Http intake;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", spool::toString);
        r.add("spring.grpc.server.port", () -> "0");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
    }

    @BeforeEach
    void clients() {
        ui = Users.asAdmin(Http.local(dashboardPort.port()));
        intake = Http.local(intakePort);
    }

    @AfterAll
    static void clean() {
        webhook.close();
        TempDirs.delete(spool);
    }

    /** Sample 0 (a shell in nginx), as a new alert with its own uuid. */
    String shellInNginx() {
        return json(SampleAlerts.alert(0));
    }

    static String json(Alert a) {
        return new String(AlertJson.write(a), StandardCharsets.UTF_8);
    }

    static String uuid(String json) {
        return Http.JSON.readTree(json).get("uuid").stringValue();
    }

    boolean delivered(String uuid) {
        return webhook.requests().stream().anyMatch(r -> r.body().contains(uuid));
    }

    /** Posts a different alert and waits for its delivery: whatever was posted before has been routed. */
    void flush() {
        String sentinel = json(SampleAlerts.alert(2));
        assertThat(intake.post("/", sentinel).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> delivered(uuid(sentinel)));
    }

    String mute(Map<String, Object> body) {
        HttpResponse<String> r = ui.post("/api/mutes", Http.JSON.writeValueAsString(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Http.JSON.readTree(r.body()).get("id").stringValue();
    }

    @Test
    void aMutedAlertIsCountedAndStoredButNotDelivered() {
        Alert sample = SampleAlerts.alert(0);
        String id = mute(Map.of(
                "rule", sample.rule(),
                "fields", Map.of("proc.name", "bash", "container.image.repository", "docker.io/library/nginx"),
                "comment", "ops shells are expected",
                "expiresAt", Instant.now().plus(Duration.ofHours(1)).toString()));

        String held = shellInNginx();
        HttpResponse<String> accepted = intake.post("/", held);
        assertThat(accepted.statusCode()).isEqualTo(200);
        assertThat(accepted.body()).contains("\"accepted\"");
        flush();
        assertThat(delivered(uuid(held))).isFalse();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode stored = ui.json("/api/alerts/" + uuid(held));
            assertThat(stored.get("muted").stringValue()).isEqualTo(id);
            assertThat(stored.get("outputs")).isEmpty();
        });
        JsonNode m = null;
        for (JsonNode each : ui.json("/api/mutes")) {
            if (each.get("id").stringValue().equals(id)) {
                m = each;
            }
        }
        assertThat(m).isNotNull();
        assertThat(m.get("hits").asLong()).isEqualTo(1);
        assertThat(m.get("comment").stringValue()).isEqualTo("ops shells are expected");
        assertThat(ui.json("/api/alerts?muted=true&rule="
                                + java.net.URLEncoder.encode(sample.rule(), StandardCharsets.UTF_8))
                        .get("total")
                        .asLong())
                .isEqualTo(1);
        assertThat(intake.get("/actuator/prometheus").body())
                .containsPattern(
                        "peregrine_intake_alerts_total\\{input=\"http\",source=\"syscall\",status=\"muted\"} 1\\.0");

        // a different process in the same rule is not muted
        Alert other = SampleAlerts.alert(0).withOutputFields(Map.of("proc.name", "sh"));
        assertThat(intake.post("/", json(other)).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> delivered(other.uuid()));

        // deleted: the next alike is delivered again
        assertThat(ui.delete("/api/mutes/" + id).statusCode()).isEqualTo(204);
        String after = shellInNginx();
        intake.post("/", after);
        await().atMost(Duration.ofSeconds(20)).until(() -> delivered(uuid(after)));
        assertThat(ui.delete("/api/mutes/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void anExpiredMuteHoldsNothingBack() {
        Instant expiry = Instant.now().plus(Duration.ofSeconds(10));
        mute(Map.of(
                "rule", SampleAlerts.alert(1).rule(),
                "fields", Map.of("fd.name", "/etc/shadow"),
                "expiresAt", expiry.toString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(expiry));
        Alert a = SampleAlerts.alert(1);
        intake.post("/", json(a));
        await().atMost(Duration.ofSeconds(20)).until(() -> delivered(a.uuid()));
    }

    @Test
    void theMutesAreAFalcoRulesFile() {
        // a rule no alert here has: these mutes hold nothing back in the other tests
        String name = "Read sensitive file untrusted (rules file test)";
        mute(Map.of("rule", name, "fields", Map.of("proc.name", "cat", "k8s.ns.name", "shop")));
        mute(Map.of(
                "rule",
                name,
                "fields",
                Map.of("proc.name", "less", "k8s.ns.name", "shop"),
                "comment",
                "a \"quoted\" reason"));
        mute(Map.of("rule", name, "fields", Map.of("container.image.repository", "docker.io/library/nginx")));
        HttpResponse<String> file = ui.get("/api/mutes/falco-rules.yaml");
        assertThat(file.headers().firstValue("Content-Disposition").orElseThrow())
                .contains("peregrine-mutes.yaml");
        List<Map<String, Object>> items = new Yaml().load(file.body());
        Map<String, Object> rule = items.stream()
                .filter(i -> name.equals(i.get("rule")))
                .findFirst()
                .orElseThrow();
        assertThat(rule.get("override")).isEqualTo(Map.of("exceptions", "append"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> exceptions = (List<Map<String, Object>>) rule.get("exceptions");
        assertThat(exceptions).hasSize(2);
        Map<String, Object> byProcess = exceptions.stream()
                .filter(e -> ((List<?>) e.get("fields")).size() == 2)
                .findFirst()
                .orElseThrow();
        assertThat(byProcess.get("fields")).isEqualTo(List.of("k8s.ns.name", "proc.name"));
        assertThat(byProcess.get("comps")).isEqualTo(List.of("=", "="));
        assertThat(byProcess.get("values")).isEqualTo(List.of(List.of("shop", "cat"), List.of("shop", "less")));
        assertThat(file.body()).contains("a \"quoted\" reason");
    }

    @Test
    void aMuteNeedsARuleAndAtLeastOneField() {
        HttpResponse<String> noFields = ui.post("/api/mutes", "{\"rule\":\"Write below etc\",\"fields\":{}}");
        assertThat(noFields.statusCode()).isEqualTo(400);
        assertThat(noFields.body()).contains("fields");
        HttpResponse<String> past = ui.post(
                "/api/mutes",
                "{\"rule\":\"Write below etc\",\"fields\":{\"proc.name\":\"x\"},\"expiresAt\":\"2020-01-01T00:00:00Z\"}");
        assertThat(past.statusCode()).isEqualTo(400);
        assertThat(past.body()).contains("expiresAt");
        assertThat(ui.post("/api/mutes", "{\"fields\":{\"proc.name\":\"x\"}}").statusCode())
                .isEqualTo(400);
    }
}
