package dev.peregrine.sidekick.output.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.TestCertificates;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The webhook output against real HTTP and HTTPS (mutual TLS) endpoints. */
class WebhookOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("siem", "peregrine.outputs.siem");
    static final List<String> SAMPLES = SampleAlerts.LINES;

    @TempDir
    static Path certs;

    final RecordingHttpServer receiver = new RecordingHttpServer();

    @AfterEach
    void stop() {
        receiver.close();
    }

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    static WebhookConfig config(
            URI url,
            String method,
            Map<String, String> headers,
            String username,
            String password,
            String bearerToken,
            TlsConfig tls) {
        return new WebhookConfig(url, method, headers, username, password, bearerToken, Duration.ofSeconds(5), tls);
    }

    WebhookConfig plain() {
        return config(receiver.uri(), "POST", Map.of(), null, null, null, TlsConfig.NONE);
    }

    static void send(WebhookConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
    }

    @Test
    void postsEachAlertAsFalcoJsonWithItsUuid() throws Exception {
        try (Output out = plain().create(CONTEXT)) {
            for (int i = 0; i < SAMPLES.size(); i++) {
                Alert alert = sample(i);
                out.send(alert);

                RecordingHttpServer.Request r = receiver.requests().getLast();
                assertThat(r.method()).isEqualTo("POST");
                assertThat(r.path()).isEqualTo("/hook");
                assertThat(r.header("Content-Type")).isEqualTo("application/json");
                assertThat(r.header("Idempotency-Key")).isEqualTo(alert.uuid());
                assertThat(r.header("Authorization")).isNull();
                // What Falco sent, field for field, plus the uuid Falcosidekick adds too.
                ObjectNode falco = (ObjectNode) JSON.readTree(SAMPLES.get(i));
                falco.put("uuid", alert.uuid());
                assertThat(JSON.readTree(r.body())).isEqualTo(falco);
            }
        }
        assertThat(receiver.requests()).hasSize(SAMPLES.size());
    }

    @Test
    void sendsCustomHeadersAndBasicAuth() throws Exception {
        send(
                config(
                        receiver.uri(),
                        "POST",
                        Map.of("X-Api-Key", "k-123", "X-Team", "secops"),
                        "falco",
                        "s3cr:et",
                        null,
                        TlsConfig.NONE),
                sample(0));

        RecordingHttpServer.Request r = receiver.requests().getFirst();
        assertThat(r.header("X-Api-Key")).isEqualTo("k-123");
        assertThat(r.header("X-Team")).isEqualTo("secops");
        assertThat(r.header("Authorization"))
                .isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("falco:s3cr:et".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void sendsBearerTokenWithPut() throws Exception {
        Alert alert = sample(4);
        send(config(receiver.uri(), "PUT", Map.of(), null, null, "tok-456", TlsConfig.NONE), alert);

        RecordingHttpServer.Request r = receiver.requests().getFirst();
        assertThat(r.method()).isEqualTo("PUT");
        assertThat(r.header("Authorization")).isEqualTo("Bearer tok-456");
        assertThat(r.header("Idempotency-Key")).isEqualTo(alert.uuid());
        assertThat(r.body()).isEqualTo(new String(AlertJson.write(alert), StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource({
        "500, true", "503, true", "429, true", "408, true",
        "400, false", "401, false", "404, false", "413, false",
    })
    void statusDecidesWhetherRetryingCanHelp(int status, boolean retryable) {
        receiver.answer(status);

        assertThatThrownBy(() -> send(plain(), sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isEqualTo(retryable);
            assertThat(e.getMessage()).contains("answered " + status);
        });
    }

    @Test
    void connectionRefusedIsRetryable() throws Exception {
        int closedPort = Loopback.closedPort();
        WebhookConfig config = config(
                URI.create("http://127.0.0.1:" + closedPort + "/hook"),
                "POST",
                Map.of(),
                null,
                null,
                null,
                TlsConfig.NONE);

        assertThatThrownBy(() -> send(config, sample(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
    }

    // --- mutual TLS: a CA, a server certificate for 127.0.0.1 and a client certificate, made by openssl.

    @BeforeAll
    static void makeCertificates() throws Exception {
        TestCertificates.make(certs);
    }

    static String cert(String file) {
        return certs.resolve(file).toString();
    }

    /** An HTTPS endpoint that requires a client certificate signed by the test CA. */
    static RecordingHttpServer mutualTlsServer() {
        SSLContext ssl = new TlsConfig(cert("ca.crt"), cert("server.crt"), cert("server.key")).sslContext();
        return RecordingHttpServer.https(ssl, true);
    }

    @Test
    void mutualTlsWithClientCertificateIsAccepted() throws Exception {
        try (RecordingHttpServer server = mutualTlsServer()) {
            TlsConfig tls = new TlsConfig(cert("ca.crt"), cert("client.crt"), cert("client.key"));
            assertThat(tls.problem()).isNull();

            send(config(server.uri(), "POST", Map.of(), null, null, null, tls), sample(0));

            assertThat(server.received())
                    .extracting(RecordingHttpServer.Request::client)
                    .containsExactly("CN=peregrine-sidekick");
        }
    }

    @Test
    void mutualTlsWithoutClientCertificateFails() throws Exception {
        try (RecordingHttpServer server = mutualTlsServer()) {
            WebhookConfig config =
                    config(server.uri(), "POST", Map.of(), null, null, null, new TlsConfig(cert("ca.crt"), null, null));

            assertThatThrownBy(() -> send(config, sample(0)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            assertThat(server.received()).isEmpty();
        }
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "siem.example.com/ingest | | | peregrine.outputs.siem.url: must be an http or https URL",
                "ftp://siem.example.com/x | | | peregrine.outputs.siem.url: must be an http or https URL",
                "http://siem.example.com/x | Host | | peregrine.outputs.siem.headers.Host: this header is set by the HTTP client",
                "http://siem.example.com/x | | both | peregrine.outputs.siem.bearer-token: give either username/password"
            })
    void unusableSettingsStopStartupNamingTheKey(String url, String header, String auth, String expected) {
        WebhookConfig config = config(
                URI.create(url),
                "POST",
                header == null ? Map.of() : Map.of(header, "x"),
                auth == null ? null : "user",
                auth == null ? null : "pw",
                auth == null ? null : "token",
                TlsConfig.NONE);
        assertThatThrownBy(() -> config.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }

    @Test
    void aRedirectIsNotFollowedSoTheBodyIsNeverLost() throws Exception {
        try (RecordingHttpServer redirecting = new RecordingHttpServer()) {
            redirecting.respond(r -> new RecordingHttpServer.Answer(
                    302, Map.of("Location", receiver.uri().toString()), ""));
            URI url = URI.create(redirecting.base() + "/old");
            assertThatThrownBy(() -> send(config(url, "POST", Map.of(), null, null, null, TlsConfig.NONE), sample(0)))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.getMessage()).contains("answered 302").contains("redirects are not followed");
                    });
            assertThat(receiver.attempts()).isZero();
        }
    }
}
