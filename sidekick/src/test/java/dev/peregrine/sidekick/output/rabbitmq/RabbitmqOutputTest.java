package dev.peregrine.sidekick.output.rabbitmq;

import static dev.peregrine.sidekick.testing.Outputs.sends;
import static dev.peregrine.sidekick.testing.SampleAlerts.falcoJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickEnvironment;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.ConfiguredOutputs;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The RabbitMQ output against the real rabbitmq-server (Debian's), one broker for the class (it
 * takes 10 to 20 s to start), with its own epmd, both stopped by PID.
 */
class RabbitmqOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("rabbitmq", "peregrine.outputs.rabbitmq");
    static final Path SERVER = Path.of("/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/sbin/rabbitmq-server");

    @TempDir
    static Path dir;

    static ServerProcess epmd;
    static ServerProcess broker;
    static Map<String, String> env;
    static Connection admin;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        Path server = ServerProcess.binary("rabbitmq-server", SERVER.toString());
        Path epmdBinary = ServerProcess.binary("erlang-base (with rabbitmq-server)", "/usr/bin/epmd");
        int epmdPort = ServerProcess.freePort();
        epmd = ServerProcess.start(
                List.of(epmdBinary.toString(), "-port", String.valueOf(epmdPort), "-address", "127.0.0.1"),
                Map.of(),
                dir.resolve("epmd.log"),
                epmdPort,
                Duration.ofSeconds(10));
        int port = ServerProcess.freePort();
        Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
        env = Map.of(
                "HOME", dir.toString(),
                "ERL_EPMD_PORT", String.valueOf(epmdPort),
                "ERL_EPMD_ADDRESS", "127.0.0.1",
                "RABBITMQ_NODENAME", "peregrine-test-" + port + "@localhost",
                "RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1",
                "RABBITMQ_NODE_PORT", String.valueOf(port),
                "RABBITMQ_DIST_PORT", String.valueOf(ServerProcess.freePort()),
                "RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString(),
                "RABBITMQ_LOG_BASE", dir.resolve("log").toString(),
                "RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString());
        broker = ServerProcess.start(
                List.of(server.toString()), env, dir.resolve("rabbitmq.log"), port, Duration.ofSeconds(90));
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(url());
        admin = f.newConnection("test-admin");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (admin != null) {
            admin.close(2_000);
        }
        if (broker != null) {
            broker.close();
        }
        if (epmd != null) {
            epmd.close();
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    static String url() {
        return "amqp://guest:guest@127.0.0.1:" + broker.port() + "/%2F";
    }

    static String declareQueue() throws Exception {
        String name = "falco-" + System.nanoTime();
        try (Channel ch = admin.createChannel()) {
            ch.queueDeclare(name, true, false, false, null);
        }
        return name;
    }

    static List<GetResponse> drain(String queue) throws Exception {
        List<GetResponse> got = new ArrayList<>();
        try (Channel ch = admin.createChannel()) {
            for (GetResponse r; got.size() < 10_000 && (r = ch.basicGet(queue, true)) != null; ) {
                got.add(r);
            }
        }
        return got;
    }

    Output output(RabbitmqConfig config) {
        Output out = config.create(CONTEXT);
        closeables.add(out);
        return out;
    }

    static RabbitmqConfig config(String url, String queue, String exchange) {
        return new RabbitmqConfig(url, queue, exchange, Duration.ofSeconds(5), TlsConfig.NONE);
    }

    @Test
    void publishesEachAlertsFalcoJsonToTheQueueAsFalcosidekick() throws Exception {
        String queue = declareQueue();
        Output out = output(config(url(), queue, ""));
        List<Alert> sent = new ArrayList<>();
        for (int i = 0; i < SampleAlerts.LINES.size(); i++) {
            Alert alert = SampleAlerts.alert(i);
            out.send(alert);
            sent.add(alert);
        }
        List<GetResponse> got = drain(queue);
        assertThat(got).hasSize(sent.size());
        for (int i = 0; i < got.size(); i++) {
            GetResponse r = got.get(i);
            assertThat(JSON.readTree(r.getBody())).isEqualTo(falcoJson(i, sent.get(i)));
            assertThat(r.getProps().getContentType()).isEqualTo("text/plain");
            assertThat(r.getProps().getMessageId()).isEqualTo(sent.get(i).uuid());
            assertThat(r.getProps().getDeliveryMode()).isEqualTo(2);
            assertThat(r.getEnvelope().getExchange()).isEmpty();
            assertThat(r.getEnvelope().getRoutingKey()).isEqualTo(queue);
        }
    }

    @Test
    void anAlertNoQueueTakesFailsRetryablyUntilTheQueueExists() throws Exception {
        String queue = "falco-missing-" + System.nanoTime();
        Output out = output(config(url(), queue, ""));
        Alert alert = SampleAlerts.alert(2);
        assertThatThrownBy(() -> out.send(alert))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("no queue took the alert")
                .hasMessageContaining("declare queue " + queue);
        try (Channel ch = admin.createChannel()) {
            ch.queueDeclare(queue, true, false, false, null);
        }
        out.send(alert);
        assertThat(drain(queue))
                .singleElement()
                .satisfies(r -> assertThat(r.getProps().getMessageId()).isEqualTo(alert.uuid()));
    }

    @Test
    void anExchangeRoutesWithTheQueueAsRoutingKey() throws Exception {
        String queue = declareQueue();
        String exchange = "falco-x-" + System.nanoTime();
        try (Channel ch = admin.createChannel()) {
            ch.exchangeDeclare(exchange, "direct", true);
            ch.queueBind(queue, exchange, "alerts");
        }
        Output out = output(config(url(), "alerts", exchange));
        Alert alert = SampleAlerts.alert(1);
        out.send(alert);
        assertThat(drain(queue)).singleElement().satisfies(r -> {
            assertThat(r.getEnvelope().getExchange()).isEqualTo(exchange);
            assertThat(JSON.readTree(r.getBody())).isEqualTo(falcoJson(1, alert));
        });
    }

    /** As Delivery sends: several alerts in flight, each on a channel of its own. */
    @Test
    void concurrentSendsAreEachConfirmed() throws Exception {
        String queue = declareQueue();
        Output out = output(config(url(), queue, ""));
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> uuids = java.util.concurrent.ConcurrentHashMap.newKeySet();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int t = 0; t < 8; t++) {
                pool.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        Alert alert = SampleAlerts.alert(i % SampleAlerts.LINES.size());
                        try {
                            out.send(alert);
                            uuids.add(alert.uuid());
                        } catch (DeliveryException e) {
                            failures.add(e.getMessage());
                        }
                    }
                });
            }
        }
        assertThat(failures).isEmpty();
        Set<String> got = new HashSet<>();
        drain(queue).forEach(r -> got.add(r.getProps().getMessageId()));
        assertThat(got).hasSize(200).isEqualTo(uuids);
    }

    @Test
    void aLostConnectionIsRecoveredAndABrokerThatIsDownFailsRetryably() throws Exception {
        int closed = ServerProcess.freePort();
        Output down = output(config("amqp://127.0.0.1:" + closed, "q", ""));
        assertThatThrownBy(() -> down.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("cannot connect");

        String queue = declareQueue();
        Output out = output(config(url(), queue, ""));
        out.send(SampleAlerts.alert(0));
        // The broker closes every client connection (the test's admin one recovers as well).
        ProcessBuilder closeAll = new ProcessBuilder(
                        SERVER.resolveSibling("rabbitmqctl").toString(),
                        "-n",
                        env.get("RABBITMQ_NODENAME"),
                        "close_all_connections",
                        "closed by the test")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("rabbitmqctl.log").toFile());
        closeAll.environment().putAll(env);
        Process ctl = closeAll.start();
        assertThat(ctl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ctl.exitValue())
                .as(Files.readString(dir.resolve("rabbitmqctl.log")))
                .isZero();
        Alert after = SampleAlerts.alert(3);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> sends(out, after));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.isOpen()
                        && drain(queue).stream()
                                .anyMatch(r -> after.uuid().equals(r.getProps().getMessageId())));
    }

    @Test
    void falcosidekicksVariablesMakeTheOutput() throws Exception {
        String queue = declareQueue();
        var translation = FalcosidekickEnvironment.translation(
                Map.of("RABBITMQ_URL", url(), "RABBITMQ_QUEUE", queue), OutputCatalog.scan());
        assertThat(translation.refused()).isEmpty();
        ConfiguredOutput configured =
                ConfiguredOutputs.bind(new HashMap<>(translation.properties())).getFirst();
        assertThat(configured.name()).isEqualTo("rabbitmq");
        Output out = configured.config().create(configured.context());
        closeables.add(out);
        Alert alert = SampleAlerts.alert(6);
        out.send(alert);
        assertThat(drain(queue))
                .singleElement()
                .satisfies(r -> assertThat(JSON.readTree(r.getBody())).isEqualTo(falcoJson(6, alert)));
    }

    @Test
    void badSettingsStopStartupNamingTheKeyWithoutThePassword() {
        assertThatThrownBy(() -> config("http://u:secret@h:5672", "q", "").check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.rabbitmq.url")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> config("amqp://u:secret@h:notaport", "q", "").check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.rabbitmq.url")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> ConfiguredOutputs.bind(
                        Map.of("peregrine.outputs.r.type", "rabbitmq", "peregrine.outputs.r.url", "amqp://h")))
                .hasMessageContaining("peregrine.outputs.r.queue");
    }
}
