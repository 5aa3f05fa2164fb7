package dev.peregrine.sidekick.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.TempDirs;
import dev.peregrine.sidekick.testing.Users;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Falcosidekick-UI's API on the dashboard's port, in its parameter forms and JSON shapes, over
 * alerts posted to the intake as Falco posts them; every expectation is computed here from the
 * alerts sent.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FalcosidekickUiApiTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();

    static final Path spool = TempDirs.create("fsui-api");

    @LocalServerPort
    int intakePort;

    @Autowired
    DashboardPort dashboardPort;

    Http ui;
    List<Alert> sent;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        Users.register(r);
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("spring.grpc.server.port", () -> "0");
    }

    @BeforeAll
    void postAlerts() {
        ui = Users.asAdmin(Http.local(dashboardPort.port()));
        Http intake = Http.local(intakePort);
        // every 5 minutes from 2.5 minutes ago: no alert sits near a "since" boundary
        sent = GeneratedAlerts.generate(1, 60, Instant.now().minus(Duration.ofSeconds(150)), Duration.ofMinutes(5));
        for (Alert a : sent) {
            assertThat(intake.post("/", new String(AlertJson.write(a), StandardCharsets.UTF_8))
                            .statusCode())
                    .isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> ui.json("/api/v1/events/count")
                                .get("statistics")
                                .get("all")
                                .asLong()
                        == sent.size());
    }

    @AfterAll
    void stop() {
        webhook.close();
    }

    @AfterAll
    static void clean() {
        TempDirs.delete(spool);
    }

    List<String> expected(Predicate<Alert> filter) {
        return sent.stream()
                .filter(filter)
                .sorted(Comparator.comparing(Alert::time).reversed())
                .map(Alert::uuid)
                .toList();
    }

    static List<String> uuids(JsonNode search) {
        List<String> out = new ArrayList<>();
        search.get("results").forEach(e -> out.add(e.get("uuid").stringValue()));
        return out;
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void searchReturnsFalcoEventsNewestFirstWithStatistics() {
        JsonNode r = ui.json("/api/v1/events/search");
        assertThat(uuids(r)).isEqualTo(expected(a -> true));
        assertThat(r.get("statistics").get("all").asLong()).isEqualTo(60);
        assertThat(r.get("statistics").get("returned").asLong()).isEqualTo(60);
        JsonNode first = r.get("results").get(0);
        for (String field :
                List.of("uuid", "output", "priority", "rule", "time", "source", "output_fields", "hostname", "tags")) {
            assertThat(first.has(field)).as(field).isTrue();
        }
        Alert newest = sent.getLast();
        assertThat(first.get("output").stringValue()).isEqualTo(newest.output());
        assertThat(first.get("priority").stringValue())
                .isEqualTo(newest.priority().falcoName());
        assertThat(first.get("output_fields").get("proc.name").stringValue()).isEqualTo(newest.fieldText("proc.name"));
    }

    @Test
    void limitAndOneBasedPagesSliceTheSameOrder() {
        List<String> all = expected(a -> true);
        assertThat(uuids(ui.json("/api/v1/events/search?limit=10&page=2"))).isEqualTo(all.subList(10, 20));
        assertThat(uuids(ui.json("/api/v1/events/search?limit=10"))).isEqualTo(all.subList(0, 10));
        assertThat(uuids(ui.json("/api/v1/events/search?limit=25&page=3"))).isEqualTo(all.subList(50, 60));
        JsonNode beyond = ui.json("/api/v1/events/search?limit=10&page=9");
        assertThat(uuids(beyond)).isEmpty();
        assertThat(beyond.get("statistics").has("returned")).isFalse(); // omitted when zero, as in Go
        assertThat(beyond.get("statistics").get("all").asLong()).isEqualTo(60);
    }

    @Test
    void commaSeparatedFiltersMatchAnyOfTheirValues() {
        assertThat(uuids(ui.json("/api/v1/events/search?priority=warning,ERROR,Critical")))
                .isEqualTo(expected(a -> Set.of(Priority.WARNING, Priority.ERROR, Priority.CRITICAL)
                        .contains(a.priority())));
        String rules = GeneratedAlerts.RULES.get(0) + "," + GeneratedAlerts.RULES.get(2);
        assertThat(uuids(ui.json("/api/v1/events/search?rule=" + q(rules))))
                .isEqualTo(expected(a -> a.rule().equals(GeneratedAlerts.RULES.get(0))
                        || a.rule().equals(GeneratedAlerts.RULES.get(2))));
        assertThat(uuids(ui.json("/api/v1/events/search?source=k8s_audit")))
                .isEqualTo(expected(a -> a.source().equals("k8s_audit")));
        assertThat(uuids(ui.json("/api/v1/events/search?hostname=node-a,bastion-01")))
                .isEqualTo(expected(a -> Set.of("node-a", "bastion-01").contains(a.hostname())));
        assertThat(uuids(ui.json("/api/v1/events/search?tags=shell,T1059")))
                .isEqualTo(expected(a -> a.tags().contains("shell") || a.tags().contains("T1059")));
        assertThat(uuids(ui.json("/api/v1/events/search?priority=warning&hostname=node-b")))
                .isEqualTo(expected(
                        a -> a.priority() == Priority.WARNING && a.hostname().equals("node-b")));
        // Falcosidekick-UI's page sends "null" for an unset filter
        assertThat(uuids(ui.json("/api/v1/events/search?priority=null&rule=null&tags=null")))
                .isEqualTo(expected(a -> true));
    }

    @Test
    void filterIsFullTextOverOutputAndFields() {
        assertThat(uuids(ui.json("/api/v1/events/search?filter=" + q("/etc/shadow"))))
                .isNotEmpty()
                .isEqualTo(expected(a -> a.fieldText("fd.name").equals("/etc/shadow")));
        assertThat(uuids(ui.json("/api/v1/events/search?filter=pyth")))
                .isEqualTo(expected(a -> a.fieldText("proc.name").equals("python3")));
    }

    @Test
    void sinceTakesFalcosidekickUiForms() {
        Instant now = Instant.now();
        Map<String, Duration> forms = Map.of(
                "5min", Duration.ofMinutes(5),
                "1h", Duration.ofHours(1),
                "90m", Duration.ofMinutes(90),
                "2hours", Duration.ofHours(2),
                "1800", Duration.ofSeconds(1800),
                "1d", Duration.ofDays(1));
        forms.forEach((form, d) -> {
            long want =
                    sent.stream().filter(a -> a.time().isAfter(now.minus(d))).count();
            assertThat(ui.json("/api/v1/events/count?since=" + form)
                            .get("statistics")
                            .get("all")
                            .asLong())
                    .as(form)
                    .isEqualTo(want);
        });
        assertThat(ui.get("/api/v1/events/count?since=soon").statusCode()).isEqualTo(400);
        assertThat(ui.get("/api/v1/events/count?since=soon").body())
                .contains("\"message\"")
                .contains("since");
    }

    @Test
    void countByGroupsEachDimensionLikeFalcosidekickUi() {
        for (String by : List.of("priority", "rule", "source", "hostname", "tags")) {
            Map<String, Long> want = new HashMap<>();
            for (Alert a : sent) {
                List<String> keys = switch (by) {
                    case "priority" -> List.of(a.priority().falcoName());
                    case "rule" -> List.of(a.rule());
                    case "source" -> List.of(a.source());
                    case "hostname" -> List.of(a.hostname());
                    default -> a.tags();
                };
                keys.forEach(k -> want.merge(k, 1L, Long::sum));
            }
            JsonNode r = ui.json("/api/v1/events/count/" + by);
            Map<String, Long> got = new HashMap<>();
            r.get("results")
                    .properties()
                    .forEach(e -> got.put(e.getKey(), e.getValue().asLong()));
            assertThat(got).as(by).isEqualTo(want);
            assertThat(r.get("statistics").get("distincts").asLong()).isEqualTo(want.size());
            assertThat(r.get("statistics").get("all").asLong())
                    .isEqualTo(want.values().stream().mapToLong(Long::longValue).sum());
        }
        JsonNode filtered = ui.json("/api/v1/events/count/rule?priority=notice&since=3h");
        Instant cutoff = Instant.now().minus(Duration.ofHours(3));
        assertThat(filtered.get("statistics").get("all").asLong())
                .isEqualTo(sent.stream()
                        .filter(a -> a.priority() == Priority.NOTICE && a.time().isAfter(cutoff))
                        .count());
        assertThat(ui.get("/api/v1/events/count/nothing").statusCode()).isEqualTo(400);
    }

    @Test
    void prettyOutputsAndHealth() {
        String pretty = ui.get("/api/v1/events/count?pretty=true").body();
        assertThat(pretty).contains("\n").contains("  \"statistics\"");
        assertThat(ui.get("/api/v1/events/count").body()).doesNotContain("\n");
        assertThat(ui.json("/api/v1/outputs").get(0).stringValue()).isEqualTo("siem");
        assertThat(ui.json("/api/v1/healthz").get("status").stringValue()).isEqualTo("ok");
    }
}
