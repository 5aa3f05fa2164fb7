package dev.peregrine.sidekick.output.nats;

import static dev.peregrine.sidekick.testing.ConfiguredOutputs.bind;
import static dev.peregrine.sidekick.testing.Outputs.sends;
import static dev.peregrine.sidekick.testing.SampleAlerts.falcoJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.SampleAlerts;
import io.nats.client.Connection;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Subscription;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

/** The NATS output against the real nats-server (Debian's), started and stopped by the test. */
class NatsOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("policy", "peregrine.outputs.policy");
    static final List<String> SAMPLES = SampleAlerts.LINES;

    @TempDir
    Path dir;

    final List<NatsServer> servers = new ArrayList<>();
    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
        servers.forEach(NatsServer::stop);
    }

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    // --- the server

    /** Debian's nats-server, or a clear failure: CI installs it (scripts/setup-host.sh). */
    static Path natsServerBinary() {
        for (String candidate : List.of("/usr/sbin/nats-server", "/usr/bin/nats-server")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        throw new AssertionError("nats-server is not installed (looked in /usr/sbin and /usr/bin): install the Debian"
                + " package nats-server, e.g. with scripts/setup-host.sh");
    }

    /** One nats-server process on a loopback port; stopped by its PID. */
    final class NatsServer {
        final int port;
        final List<String> extra;
        Process process;

        NatsServer(int port, String... extra) {
            this.port = port;
            this.extra = List.of(extra);
        }

        NatsServer start() throws Exception {
            List<String> command = new ArrayList<>(
                    List.of(natsServerBinary().toString(), "-a", "127.0.0.1", "-p", String.valueOf(port)));
            command.addAll(extra);
            Path log = dir.resolve("nats-" + port + "-" + System.nanoTime() + ".log");
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!servers.contains(this)) {
                servers.add(this);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                    return this;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new AssertionError("nats-server did not start: " + Files.readString(log));
                    }
                    Thread.sleep(20);
                }
            }
        }

        void stop() {
            if (process != null && process.isAlive()) {
                ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroy);
                try {
                    if (!process.waitFor(10, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        String url() {
            return "nats://127.0.0.1:" + port;
        }
    }

    NatsServer server(String... extra) throws Exception {
        return new NatsServer(Loopback.freePort(), extra).start();
    }

    Connection subscriberConnection(NatsServer server) throws Exception {
        Connection c = Nats.connect(server.url());
        closeables.add(c);
        return c;
    }

    /**
     * Subscribes and waits until the server has the subscription: SUB is sent asynchronously, and
     * a message published before the server processed it is not delivered to it.
     */
    Subscription subscribe(NatsServer server, String subject) throws Exception {
        Connection c = subscriberConnection(server);
        Subscription sub = c.subscribe(subject);
        c.flush(Duration.ofSeconds(5));
        return sub;
    }

    Output output(NatsConfig config) {
        Output out = config.create(CONTEXT);
        closeables.add(out);
        return out;
    }

    static NatsConfig config(String url, String subject, boolean jetstream) {
        return new NatsConfig(
                List.of(url), subject, jetstream, null, null, null, null, Duration.ofSeconds(3), TlsConfig.NONE);
    }

    /** For await(): a failed send is an assertion that is not met yet. */
    // --- the tests

    @Test
    void publishesFalcoJsonOnPriorityAndRuleSubjects() throws Exception {
        NatsServer server = server();
        Subscription sub = subscribe(server, "peregrine.>");
        subscriberConnection(server); // a second, idle client: nothing depends on who listens
        Output out = output(config(server.url(), NatsOutput.DEFAULT_SUBJECT, false));

        List<String> expectedSubjects = List.of(
                "peregrine.notice.terminal_shell_in_container",
                "peregrine.warning.read_sensitive_file_untrusted",
                "peregrine.error.write_below_etc",
                "peregrine.notice.contact_k8s_api_server_from_container",
                "peregrine.critical.drop_and_execute_new_binary_in_container",
                "peregrine.notice.redirect_stdout_stdin_to_network_connection_in_container",
                "peregrine.warning.netcat_remote_code_execution_in_container",
                "peregrine.warning.clear_log_activities",
                "peregrine.critical.fileless_execution_via_memfd_create",
                "peregrine.critical.detect_release_agent_file_container_escapes",
                "peregrine.warning.find_aws_credentials",
                "peregrine.informational.system_user_interactive");
        for (int i = 0; i < SAMPLES.size(); i++) {
            Alert alert = sample(i);
            out.send(alert);

            Message m = sub.nextMessage(Duration.ofSeconds(5));
            assertThat(m).as("message for sample %d", i).isNotNull();
            assertThat(m.getSubject()).isEqualTo(expectedSubjects.get(i));
            assertThat(m.getHeaders().get("Nats-Msg-Id")).containsExactly(alert.uuid());
            assertThat(m.getHeaders().size()).isEqualTo(1);
            assertThat(JSON.readTree(m.getData())).isEqualTo(falcoJson(i, alert));
        }
        assertThat(sub.nextMessage(Duration.ofMillis(200))).isNull();
    }

    /** As Delivery sends: several alerts in flight on the one connection. */
    @Test
    void concurrentSendsAllSucceedOnOneConnection() throws Exception {
        NatsServer server = server();
        Subscription sub = subscribe(server, "peregrine.>");
        NatsOutput out = (NatsOutput) output(config(server.url(), NatsOutput.DEFAULT_SUBJECT, false));
        int senders = 16;
        int each = 50;
        List<String> failures = new CopyOnWriteArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < senders; t++) {
                int base = t * each;
                pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        try {
                            out.send(sample((base + i) % SAMPLES.size()));
                        } catch (DeliveryException e) {
                            failures.add(e.getMessage());
                        }
                    }
                });
            }
        }
        assertThat(failures).isEmpty();
        assertThat(out.status()).isEqualTo(Connection.Status.CONNECTED);
        int received = 0;
        while (sub.nextMessage(Duration.ofSeconds(2)) != null && received < senders * each) {
            received++;
        }
        assertThat(received).isEqualTo(senders * each);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                "falco.<priority>.<rule> ; 5 ; falco.notice.redirect_stdout_stdin_to_network_connection_in_container",
                "alerts.{{ output_fields[\"k8s.ns.name\"] }}.{{ hostname }}.<rule> ; 3 ; alerts.payments.gke_prod_pool_1_8f3a2c1d_q7lm.contact_k8s_api_server_from_container",
                // No namespace on a host: an empty token would be invalid, so it is "_".
                "alerts.{{ output_fields[\"k8s.ns.name\"] }}.<priority> ; 2 ; alerts._.error",
                "alerts.{{ output_fields[\"no.such.field\"] }}.{{ source }} ; 0 ; alerts._.syscall",
                "alerts.{% if priority == \"critical\" %}page{% else %}ticket{% endif %}.{{ tags | first }} ; 4 ; alerts.page.pci_dss_11_5_1",
                "alerts.{{ output_fields[\"proc.cmdline\"] }} ; 1 ; alerts.cat_etc_shadow"
            })
    void subjectTemplateMakesEveryValueASubjectToken(String template, int sample, String expected) throws Exception {
        NatsServer server = server();
        Subscription sub = subscribe(server, ">");
        Output out = output(config(server.url(), template, false));

        out.send(sample(sample));

        Message m = sub.nextMessage(Duration.ofSeconds(5));
        assertThat(m).isNotNull();
        assertThat(m.getSubject()).isEqualTo(expected);
    }

    @Test
    void jetstreamWaitsForTheStreamAndDropsRedeliveredDuplicates() throws Exception {
        NatsServer server = server("-js", "-sd", dir.resolve("js").toString());
        Output out = output(config(server.url(), NatsOutput.DEFAULT_SUBJECT, true));
        Alert alert = sample(8);

        // No stream takes the subject yet: nothing stored it, so it is not delivered.
        assertThatThrownBy(() -> out.send(alert))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());

        JetStreamManagement jsm = subscriberConnection(server).jetStreamManagement();
        jsm.addStream(StreamConfiguration.builder()
                .name("FALCO")
                .subjects("peregrine.>")
                .storageType(StorageType.File)
                .build());
        out.send(alert);
        out.send(alert); // a redelivery after a lost acknowledgement: same uuid
        Alert other = sample(9);
        out.send(other);

        assertThat(jsm.getStreamInfo("FALCO").getStreamState().getMsgCount()).isEqualTo(2);
        var first = jsm.getMessage("FALCO", 1);
        assertThat(first.getSubject()).isEqualTo("peregrine.critical.fileless_execution_via_memfd_create");
        assertThat(first.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo(alert.uuid());
        assertThat(JSON.readTree(first.getData())).isEqualTo(falcoJson(8, alert));
        assertThat(jsm.getMessage("FALCO", 2).getHeaders().getFirst("Nats-Msg-Id"))
                .isEqualTo(other.uuid());
    }

    @Test
    void serverDownIsRetryableAndSendingResumesWhenItIsBack() throws Exception {
        NatsServer server = server();
        Output out = output(config(server.url(), NatsOutput.DEFAULT_SUBJECT, false));
        out.send(sample(0));

        server.stop();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThatThrownBy(() -> out.send(sample(1)))
                        .isInstanceOfSatisfying(
                                DeliveryException.class,
                                e -> assertThat(e.retryable()).isTrue()));

        server.start(); // same port
        Subscription sub = subscribe(server, "peregrine.>");
        Alert alert = sample(2);
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> sends(out, alert));
        Message m = sub.nextMessage(Duration.ofSeconds(5));
        assertThat(m.getHeaders().getFirst("Nats-Msg-Id")).isEqualTo(alert.uuid());
    }

    @Test
    void serverDownAtStartupDoesNotStopStartupAndIsRetryable() throws Exception {
        int closedPort = Loopback.closedPort();
        long start = System.nanoTime();
        Output out = output(config("nats://127.0.0.1:" + closedPort, NatsOutput.DEFAULT_SUBJECT, false));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

        assertThatThrownBy(() -> out.send(sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage())
                    .startsWith("nats nats://127.0.0.1:" + closedPort
                            + " subject peregrine.notice.terminal_shell_in_container: not connected (");
        });

        // And once a server is there, the output connects by itself.
        NatsServer late = new NatsServer(closedPort).start();
        Subscription sub = subscribe(late, "peregrine.>");
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> sends(out, sample(3)));
        assertThat(sub.nextMessage(Duration.ofSeconds(5)).getSubject())
                .isEqualTo("peregrine.notice.contact_k8s_api_server_from_container");
    }

    @Test
    void aMessageOverTheServersMaxPayloadIsPermanent() throws Exception {
        Path conf = dir.resolve("small.conf");
        Files.writeString(conf, "max_payload: 512\n");
        NatsServer server = server("-c", conf.toString());
        Output out = output(config(server.url(), NatsOutput.DEFAULT_SUBJECT, false));

        assertThatThrownBy(() -> out.send(sample(4))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage())
                    .startsWith("nats " + server.url()
                            + " subject peregrine.critical.drop_and_execute_new_binary_in_container: ");
        });
    }

    @Test
    void tokensAreFalcosidekickSlugs() {
        assertThat(NatsOutput.token("Redirect STDOUT/STDIN to Network Connection in Container"))
                .isEqualTo("redirect_stdout_stdin_to_network_connection_in_container");
        assertThat(NatsOutput.token("  --Weird.*>rule--  ")).isEqualTo("weird_rule");
        assertThat(NatsOutput.token("")).isEqualTo("_");
        assertThat(NatsOutput.token("*")).isEqualTo("_");
    }

    // --- configuration errors, through the binder as at startup.

    @ParameterizedTest
    @CsvSource(
            delimiter = ';',
            value = {
                // Text that is no URL is masked whole: it may be a URL with a password, mistyped.
                "servers[0] ; 127.0.0.1 4222 ; peregrine.outputs.policy.servers[0]: not a NATS server URL: '***'",
                "servers[1] ; http://nats:4222 ; peregrine.outputs.policy.servers[1]: not a NATS server URL: 'http://nats:4222'",
                "subject-template ; peregrine alerts.<rule> ; peregrine.outputs.policy.subject-template: a subject cannot contain whitespace",
                "subject-template ; peregrine.*.<rule> ; peregrine.outputs.policy.subject-template: a subject cannot contain whitespace, '*' or '>'",
                "subject-template ; peregrine.{% if priority %}\\n{{ rule } ; peregrine.outputs.policy.subject-template: template error at line 2: ",
                "token ; s3cret ; peregrine.outputs.policy.token: give one of username/password, token or credentials-file",
                "credentials-file ; /nonexistent/user.creds ; peregrine.outputs.policy.credentials-file: cannot read /nonexistent/user.creds"
            })
    void unusableSettingsStopStartupNamingTheKey(String key, String value, String expected) {
        Map<String, Object> props = new LinkedHashMap<>(Map.of(
                "peregrine.outputs.policy.type", "nats",
                "peregrine.outputs.policy.servers[0]", "nats://127.0.0.1:4222",
                "peregrine.outputs.policy.servers[1]", "nats://127.0.0.2:4222",
                "peregrine.outputs.policy.username", "falco"));
        if (key.equals("credentials-file")) {
            props.remove("peregrine.outputs.policy.username");
        }
        props.put("peregrine.outputs.policy." + key, value.replace("\\n", "\n"));
        ConfiguredOutput configured = bind(props).getFirst();

        assertThatThrownBy(() -> configured.config().create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }

    @Test
    void bindsFromKebabKeysWithDefaults() {
        List<ConfiguredOutput> outputs = bind(Map.of(
                "peregrine.outputs.policy.type", "nats",
                "peregrine.outputs.policy.servers", "nats://n1:4222,nats://n2:4222",
                "peregrine.outputs.policy.jetstream", "true"));

        assertThat(outputs)
                .singleElement()
                .extracting(ConfiguredOutput::config)
                .isEqualTo(new NatsConfig(
                        List.of("nats://n1:4222", "nats://n2:4222"),
                        "peregrine.<priority>.<rule>",
                        true,
                        null,
                        null,
                        null,
                        null,
                        Duration.ofSeconds(10),
                        new TlsConfig(null, null, null)));
    }

    @Test
    void missingServersAreReportedByTheBinder() {
        assertThatThrownBy(() -> bind(Map.of("peregrine.outputs.policy.type", "nats")))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .containsExactly("peregrine.outputs.policy.servers: must not be empty"));
    }

    /** Built once: the classpath scan and the validator take a while. */
}
