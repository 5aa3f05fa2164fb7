package dev.peregrine.sidekick.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.testing.Http;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.RecordingHttpServer;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every output type that can fail (all but stdout) is configured with credentials wherever its
 * settings take one (URL user info and query, tokens, passwords, keys, credential headers, client
 * properties, a chat webhook's secret path) and made to fail: half against a destination that
 * refuses (401: dead letters), half against a closed port (retries). Then the whole log, startup
 * included, and the dead letters' reasons are searched for every secret.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class SecretsInLogsTest {
    static final RecordingHttpServer refusing = new RecordingHttpServer();
    static final int closed = Loopback.closedPort();
    static final Map<String, String> secrets = new LinkedHashMap<>();

    @TempDir
    static Path spool;

    @LocalServerPort
    int port;

    /** A fresh secret, remembered under {@code what} for the search. */
    static String secret(String what) {
        byte[] random = new byte[12];
        ThreadLocalRandom.current().nextBytes(random);
        String s = "Sec" + what.replaceAll("[^A-Za-z0-9]", "") + HexFormat.of().formatHex(random);
        secrets.put(what, s);
        return s;
    }

    static String refusingUrl() {
        return "http://127.0.0.1:" + refusing.port();
    }

    static String closedUrl() {
        return "http://127.0.0.1:" + closed;
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        refusing.answer(401);
        r.add("peregrine.spool.dir", () -> spool.toString());
        r.add("spring.grpc.server.port", () -> "0");
        Map<String, String> p = new LinkedHashMap<>();
        String o = "peregrine.outputs.";

        p.put(o + "hook.type", "webhook");
        p.put(o + "hook.url", refusingUrl() + "/in?token=" + secret("webhook query") + "&team=sec");
        p.put(o + "hook.bearer-token", secret("webhook bearer"));
        p.put(o + "hook.headers.X-Api-Key", secret("webhook api key header"));
        p.put(o + "hook2.type", "webhook");
        p.put(
                o + "hook2.url",
                "http://" + secret("userinfo user") + ":" + secret("userinfo password") + "@127.0.0.1:" + closed
                        + "/in?sig=" + secret("webhook2 signature"));
        p.put(o + "hook2.username", "ops");
        p.put(o + "hook2.password", secret("webhook2 password"));

        p.put(o + "am.type", "alertmanager");
        p.put(o + "am.url", refusingUrl() + "/?access_token=" + secret("alertmanager query"));
        p.put(o + "am.headers.Authorization", "Bearer " + secret("alertmanager header"));

        p.put(o + "discord.type", "discord");
        p.put(o + "discord.webhook-url", closedUrl() + "/api/webhooks/123456789012345678/" + secret("discord token"));

        p.put(o + "es.type", "elasticsearch");
        p.put(o + "es.url", refusingUrl());
        p.put(o + "es.api-key", secret("elasticsearch api key"));

        p.put(o + "mail.type", "email");
        p.put(o + "mail.host", "127.0.0.1");
        p.put(o + "mail.port", String.valueOf(closed));
        p.put(o + "mail.starttls", "off");
        p.put(o + "mail.username", "alerts");
        p.put(o + "mail.password", secret("smtp password"));
        p.put(o + "mail.from", "alerts@example.com");
        p.put(o + "mail.to", "soc@example.com");
        p.put(o + "mail.timeout", "2s");

        p.put(o + "kafka.type", "kafka");
        p.put(o + "kafka.bootstrap-servers", "127.0.0.1:" + closed);
        p.put(o + "kafka.topic", "falco");
        p.put(o + "kafka.timeout", "2s");
        p.put(o + "kafka.properties.security.protocol", "SASL_PLAINTEXT");
        p.put(o + "kafka.properties.sasl.mechanism", "PLAIN");
        p.put(
                o + "kafka.properties.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\""
                        + secret("kafka sasl password") + "\";");

        p.put(o + "loki.type", "loki");
        p.put(o + "loki.url", refusingUrl());
        p.put(o + "loki.username", "loki");
        p.put(o + "loki.password", secret("loki password"));
        p.put(o + "loki.headers.X-Scope-Token", secret("loki header"));

        p.put(o + "mm.type", "mattermost");
        p.put(o + "mm.webhook-url", refusingUrl() + "/hooks/" + secret("mattermost key"));

        p.put(o + "nats.type", "nats");
        p.put(o + "nats.servers", "nats://" + secret("nats token in url") + "@127.0.0.1:" + closed);
        p.put(o + "nats.timeout", "1s");

        p.put(o + "pd.type", "pagerduty");
        p.put(o + "pd.routing-key", secret("pagerduty routing key"));
        p.put(o + "pd.url", refusingUrl() + "/v2/enqueue");

        p.put(o + "slack.type", "slack");
        p.put(o + "slack.webhook-url", refusingUrl() + "/services/T0000000/B0000000/" + secret("slack path"));

        p.put(o + "syslog.type", "syslog");
        p.put(o + "syslog.host", "127.0.0.1");
        p.put(o + "syslog.port", String.valueOf(closed));

        p.put(o + "teams.type", "teams");
        p.put(o + "teams.webhook-url", closedUrl() + "/webhookb2/" + secret("teams path") + "/IncomingWebhook/x");

        p.forEach((k, v) -> r.add(k, () -> v));
    }

    @AfterAll
    static void stop() {
        refusing.close();
    }

    static final List<String> OUTPUTS = List.of(
            "hook", "hook2", "am", "discord", "es", "mail", "kafka", "loki", "mm", "nats", "pd", "slack", "syslog",
            "teams");

    /** Every form a secret could be written in: as is, URL-encoded (same here), base64 of user:secret. */
    static List<String> forms(String secret) {
        List<String> forms = new ArrayList<>(List.of(secret));
        forms.add(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
        forms.add(Base64.getEncoder().encodeToString(("ops:" + secret).getBytes(StandardCharsets.UTF_8)));
        return forms;
    }

    @Test
    void noSecretOfAnyFailingOutputReachesTheLog(CapturedOutput output) throws Exception {
        assertThat(new Http(port).postJson("/", SampleAlerts.LINES.getFirst()).statusCode())
                .isEqualTo(200);
        for (String name : OUTPUTS) {
            await().atMost(Duration.ofSeconds(60))
                    .alias("output " + name + " failed and said so")
                    .until(() -> output.getAll().contains("output " + name + ": alert"));
        }
        String log = output.getAll();
        // The failures are logged with what a reader needs: where, and what answered.
        assertThat(log).contains("http://127.0.0.1:" + refusing.port() + "/in?token=***&team=***");
        assertThat(log).contains("/services/***/***/***");
        secrets.forEach((what, secret) -> {
            for (String form : forms(secret)) {
                assertThat(log).as("the %s is in the log", what).doesNotContain(form);
            }
        });
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + spool.resolve("spool.db"));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT output, reason FROM dead")) {
            int dead = 0;
            while (rs.next()) {
                dead++;
                String reason = rs.getString(2);
                secrets.forEach((what, secret) -> assertThat(reason)
                        .as("the %s is in a dead letter's reason", what)
                        .doesNotContain(secret));
            }
            assertThat(dead).as("the refusing destination made dead letters").isPositive();
        }
    }
}
