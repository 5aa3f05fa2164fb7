package dev.peregrine.sidekick.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.testing.Credentials;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HttpIntakeTest {
    static final RecordingHttpServer webhook = new RecordingHttpServer();
    static final JsonMapper json = JsonMapper.builder().build();
    static final HttpClient http = HttpClient.newHttpClient();
    static final String ADMIN_TOKEN = "admin-token-for-http-intake-test";

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("peregrine.intake.max-body-size", () -> "8KB");
        r.add("peregrine.customfields.cluster", () -> "prod-eu");
        r.add("peregrine.templatedfields.where", () -> "{{ output_fields[\"cluster\"] }}/{{ hostname }}");
        r.add("peregrine.templatedfields.shouty", () -> "{{ rule | upper }}");
        r.add("peregrine.outputs.siem.type", () -> "webhook");
        r.add("peregrine.outputs.siem.url", webhook::uri);
        r.add("peregrine.outputs.siem.minimum-priority", () -> "notice");
        r.add("peregrine.security.tokens.ops.sha256", () -> Credentials.sha256(ADMIN_TOKEN));
        r.add("peregrine.security.tokens.ops.roles", () -> "admin");
        r.add("spring.grpc.server.port", () -> "0");
    }

    @AfterAll
    static void stop() {
        webhook.close();
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, "application/json", body);
    }

    HttpResponse<String> post(String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everySampleFalcoAlertIsAcceptedAndRoutedByPriority() throws Exception {
        List<String> samples = SampleAlerts.LINES;
        List<String> uuids = new ArrayList<>();
        for (String sample : samples) {
            HttpResponse<String> r = post("/", sample);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            uuids.add(json.readTree(r.body()).get("uuid").stringValue());
        }
        long routed = samples.stream()
                .map(json::readTree)
                .filter(n -> !n.get("priority").stringValue().equals("Informational"))
                .count();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> webhook.requests().stream()
                                .filter(q -> uuids.contains(q.header("Idempotency-Key")))
                                .count()
                        == routed);

        // The webhook body is the Falco alert as sent, plus uuid and the custom field.
        JsonNode sent = json.readTree(samples.getFirst());
        JsonNode delivered = webhook.requests().stream()
                .map(q -> json.readTree(q.body()))
                .filter(n -> n.get("uuid").stringValue().equals(uuids.getFirst()))
                .findFirst()
                .orElseThrow();
        assertThat(delivered.get("rule")).isEqualTo(sent.get("rule"));
        assertThat(delivered.get("output")).isEqualTo(sent.get("output"));
        assertThat(delivered.get("time")).isEqualTo(sent.get("time"));
        assertThat(delivered.get("tags")).isEqualTo(sent.get("tags"));
        assertThat(delivered.get("output_fields").get("evt.time").longValue())
                .isEqualTo(sent.get("output_fields").get("evt.time").longValue());
        assertThat(delivered.get("output_fields").get("cluster").stringValue()).isEqualTo("prod-eu");
        // Templated fields are rendered over the alert as it is after the custom fields.
        assertThat(delivered.get("output_fields").get("where").stringValue())
                .isEqualTo("prod-eu/" + sent.get("hostname").stringValue());
        assertThat(delivered.get("output_fields").get("shouty").stringValue())
                .isEqualTo(sent.get("rule").stringValue().toUpperCase(Locale.ROOT));
    }

    @Test
    void isoTimeFormatIsUnderstood() throws Exception {
        String iso = SampleAlerts.LINES.stream()
                .filter(s -> s.contains("evt.time.iso8601"))
                .findFirst()
                .orElseThrow();
        String shifted = iso.replaceFirst("\"time\":\"([^\"]+)Z\"", "\"time\":\"$1+0000\"");
        HttpResponse<String> r = post("/", shifted);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    static Stream<Arguments> badBodies() {
        return Stream.of(
                Arguments.of("", 400, "empty_body", null),
                Arguments.of("{\"rule\":", 400, "malformed_json", null),
                Arguments.of("[1,2]", 400, "malformed_json", null),
                Arguments.of("{\"priority\":\"Warning\"}", 400, "missing_field", "rule"),
                Arguments.of("{\"rule\":\"r\"}", 400, "missing_field", "priority"),
                Arguments.of("{\"rule\":\"r\",\"priority\":\"Severe\"}", 400, "invalid_field", "priority"),
                Arguments.of("{\"rule\":42,\"priority\":\"Warning\"}", 400, "invalid_field", "rule"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"time\":\"yesterday\"}",
                        400,
                        "invalid_field",
                        "time"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"tags\":\"a,b\"}", 400, "invalid_field", "tags"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"output_fields\":[]}",
                        400,
                        "invalid_field",
                        "output_fields"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"output_fields\":{\"a\":{\"b\":1}}}",
                        400,
                        "invalid_field",
                        "output_fields.a"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"uuid\":\"not-a-uuid\"}",
                        400,
                        "invalid_field",
                        "uuid"),
                // The hardening issue's lenient cases.
                Arguments.of("{\"rule\":\"r\",\"priority\":\"Warning\",\"uuid\":7}", 400, "invalid_field", "uuid"),
                Arguments.of("{\"rule\":\"r\",\"priority\":\"Warning\",\"origin\":[]}", 400, "invalid_field", "origin"),
                Arguments.of("{\"rule\":\"\\u0000\",\"priority\":\"Warning\"}", 400, "invalid_field", "rule"),
                Arguments.of("{\"rule\":\"r\",\"priority\":\" Warning\"}", 400, "invalid_field", "priority"),
                Arguments.of("{\"rule\":\"r\",\"priority\":\"warning\\n\"}", 400, "invalid_field", "priority"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"time\":\"+999999999-01-01T00:00:00Z\"}",
                        400,
                        "invalid_field",
                        "time"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"output_fields\":{\"n\":1e400}}",
                        400,
                        "invalid_field",
                        "output_fields.n"),
                Arguments.of(
                        "{\"rule\":\"r\",\"priority\":\"Warning\",\"output\":\"" + "x".repeat(9000) + "\"}",
                        413,
                        "body_too_large",
                        null));
    }

    @ParameterizedTest
    @MethodSource("badBodies")
    void badInputGetsItsStatusAndReason(String body, int status, String reason, String field) throws Exception {
        HttpResponse<String> r = post("/", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode answer = json.readTree(r.body());
        assertThat(answer.get("reason").stringValue()).isEqualTo(reason);
        if (field != null) {
            assertThat(answer.get("field").stringValue()).isEqualTo(field);
            assertThat(answer.get("error").stringValue()).startsWith(field + ": ");
        }
        assertThat(get("/actuator/prometheus").body())
                .contains("peregrine_intake_rejections_total{input=\"http\",reason=\"" + reason + "\"}");
    }

    @Test
    void overlongUtf8IsRefusedNamingTheField() throws Exception {
        byte[] head = "{\"rule\":\"r\",\"priority\":\"Warning\",\"hostname\":\"a".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        body[head.length] = (byte) 0xC0; // C0 80: NUL in an overlong form
        body[head.length + 1] = (byte) 0x80;
        System.arraycopy(tail, 0, body, head.length + 2, tail.length);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json.readTree(r.body()).get("field").stringValue()).isEqualTo("hostname");
        assertThat(json.readTree(r.body()).get("error").stringValue()).contains("not well-formed UTF-8");
    }

    /** A web page can make a browser post these anywhere without asking; JSON needs a preflight. */
    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""})
    void onlyJsonIsRead(String contentType) throws Exception {
        HttpResponse<String> r = post("/", contentType.isEmpty() ? null : contentType, SampleAlerts.LINES.getFirst());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(415);
        assertThat(json.readTree(r.body()).get("reason").stringValue()).isEqualTo("unsupported_media_type");
        assertThat(post("/", "Application/JSON; charset=utf-8", SampleAlerts.LINES.getFirst())
                        .statusCode())
                .isEqualTo(200);
    }

    /** Spring MVC fails with a 500 on these when a handler reads the body; found by the fuzz suite. */
    @ParameterizedTest
    @ValueSource(strings = {"*/*", "application/*", "not a type", "application/json, text/plain"})
    void aContentTypeThatIsNotOneMediaTypeIs415Everywhere(String type) throws Exception {
        for (String method : new String[] {"GET", "HEAD"}) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                            .header("Content-Type", type)
                            .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(method + " " + type).isEqualTo(415);
        }
    }

    @Test
    void aResentUuidIsAcknowledgedButDeliveredOnce() throws Exception {
        String body =
                "{\"rule\":\"Resent\",\"priority\":\"Critical\",\"uuid\":\"5d1e3c4a-8f0b-4c1a-9a5e-2b7f6d0c9e11\"}";
        assertThat(json.readTree(post("/", body).body()).get("status").stringValue())
                .isEqualTo("accepted");
        assertThat(json.readTree(post("/", body).body()).get("status").stringValue())
                .isEqualTo("duplicate");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> webhook.requests().stream()
                        .anyMatch(q -> body.contains(Objects.requireNonNull(q.header("Idempotency-Key"), ""))));
        assertThat(webhook.requests().stream()
                        .filter(q -> "5d1e3c4a-8f0b-4c1a-9a5e-2b7f6d0c9e11".equals(q.header("Idempotency-Key"))))
                .hasSize(1);
    }

    @Test
    void falcosidekickCompanionEndpointsAnswer() throws Exception {
        assertThat(get("/ping").body()).isEqualTo("pong\n");
        assertThat(json.readTree(get("/healthz").body()).get("status").stringValue())
                .isEqualTo("ok");
        assertThat(post("/test", "").statusCode()).as("/test needs role admin").isEqualTo(401);
        HttpResponse<String> test = post("/test", null, "", "Authorization", Credentials.bearer(ADMIN_TOKEN));
        assertThat(test.statusCode()).as(test.body()).isEqualTo(200);
        String uuid = json.readTree(test.body()).get("uuid").stringValue();
        // Debug is below the output's minimum priority, yet /test reaches every output.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> webhook.requests().stream().anyMatch(q -> uuid.equals(q.header("Idempotency-Key"))));
        String metrics = get("/metrics").body();
        assertThat(metrics)
                .contains("falcosecurity_falcosidekick_inputs_total{source=\"requestbody\",status=\"accepted\"}");
        assertThat(metrics).contains("peregrine_spool_depth{output=\"siem\"}");
    }
}
