package dev.peregrine.sidekick.output.email;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.SampleAlerts;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The email output against a real SMTP server in the JVM (GreenMail), asserting the MIME message received. */
class EmailOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("mail", "peregrine.outputs.mail");
    static final List<String> SAMPLES = SampleAlerts.LINES;

    @RegisterExtension
    static final GreenMailExtension smtp = new GreenMailExtension(patient(ServerSetupTest.SMTP))
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("falco@example.org", "falco", "s3cret"));

    /** A free port, and time to start on a busy machine (GreenMail's default is 2 s). */
    static ServerSetup patient(ServerSetup setup) {
        ServerSetup s = setup.dynamicPort();
        s.setServerStartupTimeout(15_000);
        return s;
    }

    @TempDir
    static Path certs;

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    static JsonNode falco(int i) {
        return JSON.readTree(SAMPLES.get(i));
    }

    /** Plain SMTP with authentication, STARTTLS off (GreenMail does not offer it). */
    EmailConfig config(String subject, String format, String text, String html) {
        return new EmailConfig(
                "127.0.0.1",
                smtp.getSmtp().getPort(),
                "falco",
                "s3cret",
                "off",
                false,
                "Peregrine <falco@example.org>",
                List.of("soc@example.org", "oncall@example.com"),
                subject,
                format,
                text,
                html,
                Duration.ofSeconds(5),
                TlsConfig.NONE,
                EmailConfig.Digest.OFF);
    }

    static void send(EmailConfig config, Alert alert) throws DeliveryException {
        try (Output out = config.create(CONTEXT)) {
            out.send(alert);
        }
    }

    /** The one message received, as the first recipient's copy. */
    MimeMessage received(int copies) throws Exception {
        assertThat(smtp.waitForIncomingEmail(5_000, copies)).isTrue();
        MimeMessage[] messages = smtp.getReceivedMessages();
        assertThat(messages).hasSize(copies); // one copy per recipient
        return messages[0];
    }

    static String body(Object content) throws Exception {
        return content.toString().replace("\r\n", "\n");
    }

    /** The default text body, built from Falco's JSON independently of the output. */
    static String expectedText(int i, Alert alert) {
        JsonNode f = falco(i);
        StringBuilder b = new StringBuilder()
                .append("Priority: ")
                .append(f.get("priority").stringValue())
                .append('\n')
                .append("Output: ")
                .append(f.get("output").stringValue())
                .append('\n')
                .append("Rule: ")
                .append(f.get("rule").stringValue())
                .append('\n')
                .append("Source: ")
                .append(f.get("source").stringValue())
                .append('\n')
                .append("Hostname: ")
                .append(f.get("hostname").stringValue())
                .append('\n')
                .append("Tags: ")
                .append(String.join(
                        ", ",
                        f.get("tags").valueStream().map(JsonNode::stringValue).toList()))
                .append('\n')
                .append("Time: ")
                .append(f.get("time").stringValue())
                .append('\n')
                .append('\n')
                .append("--Fields--\n");
        f.get("output_fields").properties().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> b.append(e.getKey())
                        .append(": ")
                        .append(e.getValue().isNull() ? "<NA>" : e.getValue().asString())
                        .append('\n'));
        return b.toString();
    }

    @Test
    void mailsSubjectTextAndHtmlBodiesLikeFalcosidekick() throws Exception {
        // Sample 2: an Error with quotes, '|', empty and null fields, numbers.
        Alert alert = sample(2);
        send(config(EmailOutput.DEFAULT_SUBJECT, "html", null, null), alert);

        MimeMessage m = received(2);
        assertThat(m.getSubject()).isEqualTo("[Error] " + falco(2).get("output").stringValue());
        assertThat(Arrays.stream(m.getFrom()).map(Address::toString)).containsExactly("Peregrine <falco@example.org>");
        assertThat(Arrays.stream(m.getRecipients(Message.RecipientType.TO)).map(Address::toString))
                .containsExactly("soc@example.org", "oncall@example.com");
        assertThat(m.getMessageID()).isEqualTo("<" + alert.uuid() + "@example.org>");
        assertThat(m.getContentType()).startsWith("multipart/alternative;");

        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        BodyPart text = parts.getBodyPart(0);
        assertThat(text.getContentType()).isEqualTo("text/plain; charset=UTF-8");
        assertThat(body(text.getContent())).isEqualTo(expectedText(2, alert));

        BodyPart html = parts.getBodyPart(1);
        assertThat(html.getContentType()).isEqualTo("text/html; charset=UTF-8");
        String h = body(html.getContent());
        assertThat(h)
                .startsWith(
                        "<!DOCTYPE html>\n<html>\n<head><meta charset=\"UTF-8\"><title>Write below etc</title></head>")
                // Falcosidekick's mail colour for Error.
                .contains(
                        "<td style=\"background-color:#ffc700;text-align:center;font-size:13px;\"><strong>Error</strong></td>")
                // Values are HTML-escaped.
                .contains("<td style=\"background-color:#d1d6da;\">"
                        + falco(2).get("output")
                                .stringValue()
                                .replace("&", "&amp;")
                                .replace("<", "&lt;")
                                .replace(">", "&gt;")
                                .replace("\"", "&quot;")
                                .replace("'", "&#39;")
                        + "</td>")
                .contains(
                        "<strong>Tags</strong></td><td style=\"background-color:#d1d6da;\">T1098, container, filesystem, host, maturity_sandbox, mitre_persistence</td>")
                .contains("<strong>k8s.ns.name</strong></td><td style=\"background-color:#d1d6da;\">&lt;NA&gt;</td>")
                .contains(
                        "<strong>proc.cmdline</strong></td><td style=\"background-color:#d1d6da;\">python3 -c open(&#39;/etc/cron.d/sysupdate&#39;,&#39;w&#39;).write(payload)</td>")
                .contains("<strong>user.uid</strong></td><td style=\"background-color:#d1d6da;\">0</td>")
                .endsWith("</table>\n</body>\n</html>\n");
        // Every field has its row.
        assertThat(h.split("<tr><td style=\"background-color:#858585;color:#fff;\"><strong>", -1))
                .hasSize(1 + 6 + falco(2).get("output_fields").size());
    }

    @Test
    void subjectAndBodiesComeFromTheConfiguredTemplates() throws Exception {
        Alert alert = sample(3);
        send(
                config(
                        "{{ priority | upper }}: {{ rule }} in {{ output_fields[\"k8s.ns.name\"] }}/{{ output_fields[\"k8s.pod.name\"] }}",
                        "html",
                        "{{ rule }}\n{% for t in tags %}#{{ t }} {% endfor %}\nuuid={{ uuid }}",
                        "<p style=\"color:{{ color }}\">{{ output_fields[\"proc.cmdline\"] }}</p>"),
                alert);

        MimeMessage m = received(2);
        assertThat(m.getSubject())
                .isEqualTo("NOTICE: Contact K8S API Server From Container in payments/payments-api-5b7f9d9c8-4hzsw");
        MimeMultipart parts = (MimeMultipart) m.getContent();
        assertThat(body(parts.getBodyPart(0).getContent()))
                .isEqualTo("Contact K8S API Server From Container\n"
                        + "#T1565 #container #k8s #maturity_stable #mitre_discovery #network \nuuid=" + alert.uuid());
        assertThat(body(parts.getBodyPart(1).getContent()))
                .isEqualTo(
                        "<p style=\"color:#5bffb5\">curl -sk https://kubernetes.default.svc/api/v1/namespaces/payments/secrets</p>");
    }

    @Test
    void textFormatSendsOnlyTheTextBody() throws Exception {
        Alert alert = sample(7);
        send(config(EmailOutput.DEFAULT_SUBJECT, "text", null, null), alert);

        MimeMessage m = received(2);
        assertThat(m.getContentType()).isEqualTo("text/plain; charset=UTF-8");
        // A single-part body loses its last line break to SMTP's end-of-data line.
        assertThat(body(m.getContent())).isEqualTo(expectedText(7, alert).stripTrailing());
    }

    @Test
    void templateThatFailsOnAnAlertFallsBackToTheBuiltInOne() throws Exception {
        Alert alert = sample(0);
        send(config("{{ rule | abs }}", "text", "{{ output_fields | abs }}", null), alert);

        MimeMessage m = received(2);
        assertThat(m.getSubject())
                .isEqualTo("[Notice] " + falco(0).get("output").stringValue());
        assertThat(body(m.getContent())).isEqualTo(expectedText(0, alert).stripTrailing());
    }

    @Test
    void aNewlineInTheSubjectDoesNotEndTheHeader() throws Exception {
        send(config("{{ rule }}\r\n\nBcc: evil@example.net", "text", null, null), sample(0));

        MimeMessage m = received(2);
        assertThat(m.getSubject()).isEqualTo("Terminal shell in container Bcc: evil@example.net");
        assertThat(m.getHeader("Bcc")).isNull();
    }

    @Test
    void wrongPasswordIsRetryable() {
        EmailConfig c = config(EmailOutput.DEFAULT_SUBJECT, "html", null, null);
        EmailConfig wrong = new EmailConfig(
                c.host(),
                c.port(),
                "falco",
                "wrong",
                "off",
                false,
                c.from(),
                c.to(),
                c.subject(),
                c.outputFormat(),
                null,
                null,
                c.timeout(),
                c.tls(),
                c.digest());

        assertThatThrownBy(() -> send(wrong, sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).startsWith("smtp 127.0.0.1:" + c.port() + ": AuthenticationFailedException");
        });
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    @Test
    void requiredStarttlsIsNeverSkipped() {
        EmailConfig c = config(EmailOutput.DEFAULT_SUBJECT, "html", null, null);
        EmailConfig starttls = new EmailConfig(
                c.host(),
                c.port(),
                "falco",
                "s3cret",
                "required",
                false,
                c.from(),
                c.to(),
                c.subject(),
                c.outputFormat(),
                null,
                null,
                c.timeout(),
                c.tls(),
                c.digest());

        assertThatThrownBy(() -> send(starttls, sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("STARTTLS is required but host does not support STARTTLS");
        });
        assertThat(smtp.getReceivedMessages()).isEmpty();
    }

    @Test
    void serverDownIsRetryable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        EmailConfig down = new EmailConfig(
                "127.0.0.1",
                closedPort,
                null,
                null,
                "off",
                false,
                "falco@example.org",
                List.of("soc@example.org"),
                EmailOutput.DEFAULT_SUBJECT,
                "html",
                null,
                null,
                Duration.ofSeconds(2),
                TlsConfig.NONE,
                EmailConfig.Digest.OFF);

        assertThatThrownBy(() -> send(down, sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).startsWith("smtp 127.0.0.1:" + closedPort + ": MailConnectException");
        });
    }

    // --- SMTPS with a private CA: a certificate for 127.0.0.1 made by openssl, served by GreenMail.

    @BeforeAll
    static void makeCertificates() throws Exception {
        openssl(
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=Peregrine Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign");
        Files.writeString(certs.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        openssl(
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1");
        openssl(
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                "server.ext",
                "-out",
                "server.crt");
        openssl(
                "pkcs12",
                "-export",
                "-in",
                "server.crt",
                "-inkey",
                "server.key",
                "-name",
                "greenmail",
                "-passout",
                "pass:changeit",
                "-out",
                "server.p12");
        // GreenMail's TLS servers read their key store from here when they start.
        System.setProperty(
                "greenmail.tls.keystore.file", certs.resolve("server.p12").toString());
    }

    static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(certs.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("openssl %s: %s", String.join(" ", args), output)
                .isZero();
    }

    @Test
    void smtpsWithAPrivateCaChecksTheServerCertificate() throws Exception {
        GreenMail smtps = new GreenMail(patient(ServerSetupTest.SMTPS));
        smtps.start();
        try {
            int port = smtps.getSmtps().getPort();
            TlsConfig ca = new TlsConfig(certs.resolve("ca.crt").toString(), null, null);
            send(
                    new EmailConfig(
                            "127.0.0.1",
                            port,
                            null,
                            null,
                            "required",
                            true,
                            "falco@example.org",
                            List.of("soc@example.org"),
                            "{{ rule }}",
                            "text",
                            null,
                            null,
                            Duration.ofSeconds(5),
                            ca,
                            EmailConfig.Digest.OFF),
                    sample(1));

            assertThat(smtps.waitForIncomingEmail(5_000, 1)).isTrue();
            assertThat(smtps.getReceivedMessages()[0].getSubject()).isEqualTo("Read sensitive file untrusted");

            // Without the CA the server is not trusted: nothing is sent in the clear instead.
            EmailConfig untrusted = new EmailConfig(
                    "127.0.0.1",
                    port,
                    null,
                    null,
                    "required",
                    true,
                    "falco@example.org",
                    List.of("soc@example.org"),
                    "{{ rule }}",
                    "text",
                    null,
                    null,
                    Duration.ofSeconds(5),
                    TlsConfig.NONE,
                    EmailConfig.Digest.OFF);
            assertThatThrownBy(() -> send(untrusted, sample(1)))
                    .isInstanceOfSatisfying(
                            DeliveryException.class,
                            e -> assertThat(e.retryable()).isTrue());
            assertThat(smtps.getReceivedMessages()).hasSize(1);
        } finally {
            smtps.stop();
        }
    }

    @Test
    void sessionPropertiesFollowTheSecuritySettings() {
        EmailConfig c = new EmailConfig(
                "smtp.example.org",
                587,
                "falco",
                "pw",
                "required",
                false,
                "falco@example.org",
                List.of("soc@example.org"),
                "x",
                "html",
                null,
                null,
                Duration.ofSeconds(7),
                TlsConfig.NONE,
                EmailConfig.Digest.OFF);
        assertThat(EmailOutput.sessionProperties(c))
                .containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                        Map.entry("mail.transport.protocol", "smtp"),
                        Map.entry("mail.smtp.host", "smtp.example.org"),
                        Map.entry("mail.smtp.port", "587"),
                        Map.entry("mail.smtp.connectiontimeout", "7000"),
                        Map.entry("mail.smtp.timeout", "7000"),
                        Map.entry("mail.smtp.writetimeout", "7000"),
                        Map.entry("mail.smtp.auth", "true"),
                        Map.entry("mail.smtp.sendpartial", "true"),
                        Map.entry("mail.smtp.ssl.checkserveridentity", "true"),
                        Map.entry("mail.smtp.starttls.enable", "true"),
                        Map.entry("mail.smtp.starttls.required", "true")));
    }

    // --- configuration errors, through the binder as at startup.

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "text-template ; Priority: {{ priority }}\\n{% for f in output_fields %}{{ f.key }} ; peregrine.outputs.mail.text-template: template error at line 2: ",
                "html-template ; <p>{{ rule }</p> ; peregrine.outputs.mail.html-template: template error at line 1: ",
                "subject ; {{ rule ; peregrine.outputs.mail.subject: template error at line 1: ",
                "to[1] ; not an address ; peregrine.outputs.mail.to[1]: not an email address: 'not an address'",
                "from ; falco@ ; peregrine.outputs.mail.from: not an email address: 'falco@'",
                "password ; pw ; peregrine.outputs.mail.password: a password needs a username"
            })
    void unusableSettingsStopStartupNamingTheKey(String key, String value, String expected) {
        Map<String, Object> props = base();
        props.put("peregrine.outputs.mail." + key, value.replace("\\n", "\n"));
        ConfiguredOutput configured = bind(props).getFirst();

        assertThatThrownBy(() -> configured.config().create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }

    @Test
    void htmlTemplateWithTextFormatIsAMistake() {
        Map<String, Object> props = base();
        props.put("peregrine.outputs.mail.output-format", "text");
        props.put("peregrine.outputs.mail.html-template", "<p>{{ rule }}</p>");

        assertThatThrownBy(() -> bind(props).getFirst().config().create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly(
                                        "peregrine.outputs.mail.html-template: output-format is text: no HTML body is sent"));
    }

    @Test
    void badValuesAreReportedByTheBinderNamingTheKey() {
        Map<String, Object> props = base();
        props.put("peregrine.outputs.mail.starttls", "yes");
        props.remove("peregrine.outputs.mail.to[0]");
        props.remove("peregrine.outputs.mail.to[1]");

        assertThatThrownBy(() -> bind(props))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactlyInAnyOrder(
                                        "peregrine.outputs.mail.starttls: must be one of required, optional, off",
                                        "peregrine.outputs.mail.to: must not be empty"));
    }

    @Test
    void bindsFromKebabKeysWithDefaults() {
        Map<String, Object> props = new LinkedHashMap<>(Map.of(
                "peregrine.outputs.mail.type", "email",
                "peregrine.outputs.mail.host", "smtp.example.org",
                "peregrine.outputs.mail.from", "falco@example.org",
                "peregrine.outputs.mail.to", "soc@example.org, oncall@example.com"));

        assertThat(bind(props))
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new EmailConfig(
                        "smtp.example.org",
                        587,
                        null,
                        null,
                        "required",
                        false,
                        "falco@example.org",
                        List.of("soc@example.org", "oncall@example.com"),
                        "[{{ priority }}] {{ output }}",
                        "html",
                        null,
                        null,
                        Duration.ofSeconds(30),
                        new TlsConfig(null, null, null),
                        EmailConfig.Digest.OFF));
    }

    static Map<String, Object> base() {
        return new LinkedHashMap<>(Map.of(
                "peregrine.outputs.mail.type", "email",
                "peregrine.outputs.mail.host", "127.0.0.1",
                "peregrine.outputs.mail.from", "falco@example.org",
                "peregrine.outputs.mail.to[0]", "soc@example.org",
                "peregrine.outputs.mail.to[1]", "oncall@example.com"));
    }

    /** Built once: the classpath scan and the validator take a while. */
}
