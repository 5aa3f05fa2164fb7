package dev.peregrine.sidekick.output.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.Deliveries;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.spool.Spool;
import dev.peregrine.sidekick.testing.ConfiguredOutputs;
import dev.peregrine.sidekick.testing.SampleAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Digest mode and kept connections, through a real spool and delivery to a real SMTP server
 * (GreenMail), the output configured by its keys as a user writes them.
 */
class EmailDigestTest {
    static final Pattern UUID_LINE = Pattern.compile("(?m)^uuid: (\\S+)$");

    @TempDir
    Path dir;

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static GreenMail smtp(int port) {
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(15_000);
        GreenMail mail = new GreenMail(setup);
        mail.start();
        return mail;
    }

    static ConfiguredOutput output(int port, Map<String, Object> extra) {
        Map<String, Object> p = new HashMap<>(Map.of(
                "peregrine.outputs.mail.type", "email",
                "peregrine.outputs.mail.host", "127.0.0.1",
                "peregrine.outputs.mail.port", port,
                "peregrine.outputs.mail.starttls", "off",
                "peregrine.outputs.mail.from", "falco@example.org",
                "peregrine.outputs.mail.to", "soc@example.org",
                "peregrine.outputs.mail.timeout", "2s",
                "peregrine.outputs.mail.retry.max-backoff", "300ms",
                "peregrine.outputs.mail.circuit-breaker.open-duration", "300ms"));
        p.putAll(extra);
        return ConfiguredOutputs.bind(p).getFirst();
    }

    static List<String> append(Spool spool, int n) throws Exception {
        List<String> sent = new ArrayList<>();
        List<CompletableFuture<Boolean>> written = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Alert alert = SampleAlerts.alert(i % SampleAlerts.LINES.size());
            sent.add(alert.uuid());
            written.add(spool.append(alert.uuid(), AlertJson.write(alert), List.of("mail")));
        }
        CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        return sent;
    }

    /** The uuids each received mail lists, one list per mail. */
    static List<List<String>> listed(GreenMail mail) throws Exception {
        List<List<String>> mails = new ArrayList<>();
        for (MimeMessage m : mail.getReceivedMessages()) {
            Matcher uuids = UUID_LINE.matcher(m.getContent().toString().replace("\r\n", "\n"));
            List<String> found = new ArrayList<>();
            while (uuids.find()) {
                found.add(uuids.group(1));
            }
            mails.add(found);
        }
        return mails;
    }

    @Test
    void fullDigestsAreMailedAndListEveryAlertOnce() throws Exception {
        int port = freePort();
        GreenMail mail = smtp(port);
        try (Spool spool = new Spool(dir, 1 << 24, true, Duration.ofHours(1), Clock.systemUTC())) {
            List<String> sent = append(spool, 30);
            Deliveries deliveries = new Deliveries(
                    List.of(output(
                            port,
                            Map.of(
                                    "peregrine.outputs.mail.digest.max-alerts", "10",
                                    "peregrine.outputs.mail.digest.interval", "1h"))),
                    spool,
                    new SimpleMeterRegistry(),
                    Clock.systemUTC());
            deliveries.start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth("mail") == 0);
            } finally {
                deliveries.stop();
            }
            assertThat(mail.getReceivedMessages()).hasSize(3);
            List<List<String>> mails = listed(mail);
            assertThat(mails).allSatisfy(uuids -> assertThat(uuids).hasSize(10));
            assertThat(mails.stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(mail.getReceivedMessages()[0].getSubject()).matches("\\[[A-Za-z]+] 10 alerts");
        } finally {
            mail.stop();
        }
    }

    @Test
    void aDigestWaitingForTheServerKeepsItsAlertsInTheSpoolUntilAMailIsAccepted() throws Exception {
        int port = freePort();
        try (Spool spool = new Spool(dir, 1 << 24, true, Duration.ofHours(1), Clock.systemUTC())) {
            List<String> sent = append(spool, 7);
            Deliveries deliveries = new Deliveries(
                    List.of(output(
                            port,
                            Map.of(
                                    "peregrine.outputs.mail.digest.max-alerts", "100",
                                    "peregrine.outputs.mail.digest.interval", "300ms"))),
                    spool,
                    new SimpleMeterRegistry(),
                    Clock.systemUTC());
            deliveries.start();
            GreenMail mail = null;
            try {
                // No server yet: the digest's mail fails, every alert stays.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> deliveries.health().getFirst().failed() > 0);
                assertThat(spool.depth("mail")).isEqualTo(7);

                mail = smtp(port);
                await().atMost(Duration.ofSeconds(60)).until(() -> spool.depth("mail") == 0);
            } finally {
                deliveries.stop();
            }
            // However the retry rounds grouped them into digests: every alert in a mail, once.
            assertThat(listed(mail).stream().flatMap(List::stream)).containsExactlyInAnyOrderElementsOf(sent);
            mail.stop();
        }
    }

    @Test
    void aKeptConnectionTheServerClosedIsReplacedWithoutLosingTheMail() throws Exception {
        int port = freePort();
        ConfiguredOutput configured = output(port, Map.of());
        GreenMail first = smtp(port);
        try (Output out = configured.config().create(configured.context())) {
            out.send(SampleAlerts.alert(0));
            assertThat(first.getReceivedMessages()).hasSize(1);
            first.stop(); // closes the connection the output kept

            GreenMail second = smtp(port);
            try {
                Alert alert = SampleAlerts.alert(1);
                out.send(alert);
                assertThat(second.getReceivedMessages()).hasSize(1);
                assertThat(second.getReceivedMessages()[0].getMessageID()).startsWith("<" + alert.uuid() + "@");
            } finally {
                second.stop();
            }
        }
    }

    @Test
    void digestSettingsOutOfRangeStopStartupNamingTheKey() {
        for (var bad : List.of(
                Map.entry("max-alerts", "0"),
                Map.entry("max-alerts", "1001"),
                Map.entry("interval", "50ms"),
                Map.entry("interval", "25h"))) {
            ConfiguredOutput configured =
                    output(25, Map.of("peregrine.outputs.mail.digest." + bad.getKey(), bad.getValue()));
            assertThatThrownBy(() -> configured.config().create(configured.context()))
                    .isInstanceOfSatisfying(
                            ConfigException.class,
                            e -> assertThat(e.problems())
                                    .singleElement()
                                    .asString()
                                    .startsWith("peregrine.outputs.mail.digest." + bad.getKey() + ": must be "));
        }
    }
}
