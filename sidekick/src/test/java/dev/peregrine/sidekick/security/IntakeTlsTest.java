package dev.peregrine.sidekick.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.testing.Credentials;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The HTTP intake over real TLS, posted to by curl: libcurl is what Falco's http_output uses, and
 * these are the options its {@code ca_cert}, {@code mtls}, {@code client_cert} and
 * {@code client_key} settings set. TLS asks for a client certificate ({@code want}); the intake
 * needs one or a token, other routes do not.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IntakeTlsTest {
    static final String TOKEN = "intake-token-for-tls-test";

    @TempDir
    static Path certs;

    @TempDir
    static Path otherCa;

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    @BeforeAll
    static void certificates() throws Exception {
        TestCertificates.make(certs);
        TestCertificates.make(otherCa);
        Files.writeString(certs.resolve("alert.json"), SampleAlerts.LINES.getFirst());
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) throws Exception {
        if (!Files.exists(certs.resolve("ca.crt"))) {
            certificates();
        }
        r.add("server.ssl.certificate", () -> "file:" + certs.resolve("server.crt"));
        r.add("server.ssl.certificate-private-key", () -> "file:" + certs.resolve("server.key"));
        r.add("server.ssl.trust-certificate", () -> "file:" + certs.resolve("ca.crt"));
        r.add("server.ssl.client-auth", () -> "want");
        r.add("peregrine.security.intake", () -> "authenticated");
        r.add("peregrine.security.tokens.falco.sha256", () -> Credentials.sha256(TOKEN));
        r.add("peregrine.security.tokens.falco.roles", () -> "intake");
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
    }

    /** curl's exit status and, when it got an answer, the HTTP status. */
    record Curl(int exit, String status) {}

    Curl curl(String url, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "curl",
                "-sS",
                "--max-time",
                "20",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--cacert",
                certs.resolve("ca.crt").toString(),
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                "@" + certs.resolve("alert.json")));
        command.addAll(List.of(options));
        command.add(url);
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Curl(p.exitValue(), out.trim());
    }

    String url() {
        return "https://127.0.0.1:" + port + "/";
    }

    @Test
    void aClientCertificateFromTheTrustedCaIsAnIntakeCredential() throws Exception {
        assertThat(curl(
                        url(),
                        "--cert",
                        certs.resolve("client.crt").toString(),
                        "--key",
                        certs.resolve("client.key").toString()))
                .isEqualTo(new Curl(0, "200"));
    }

    @Test
    void withoutACertificateTheIntakeAsksForACredential() throws Exception {
        assertThat(curl(url())).isEqualTo(new Curl(0, "401"));
        // Falco's http_output.url with the token as the password, which libcurl sends as basic auth.
        assertThat(curl("https://intake:" + TOKEN + "@127.0.0.1:" + port + "/")).isEqualTo(new Curl(0, "200"));
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        Curl refused = curl(
                url(),
                "--cert",
                otherCa.resolve("client.crt").toString(),
                "--key",
                otherCa.resolve("client.key").toString());
        assertThat(refused.exit()).as("curl fails: no HTTP answer").isNotZero();
        assertThat(refused.status()).isEqualTo("000");
    }
}
