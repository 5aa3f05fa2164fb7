package dev.peregrine.sidekick.output.mqtt;

import static dev.peregrine.sidekick.testing.Outputs.sends;
import static dev.peregrine.sidekick.testing.SampleAlerts.falcoJson;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/** The MQTT output against the real mosquitto (Debian's), started and stopped by the test. */
class MqttOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("mqtt", "peregrine.outputs.mqtt");

    @TempDir
    Path dir;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    /** A mosquitto on loopback {@code port}; with a user, only that user may connect. */
    ServerProcess mosquitto(int port, String user, String password) throws Exception {
        Path binary = ServerProcess.binary("mosquitto", "/usr/sbin/mosquitto");
        // As root mosquitto would switch to its own user, who cannot read the test's files.
        StringBuilder conf = new StringBuilder("listener " + port + " 127.0.0.1\npersistence false\nuser root\n");
        if (user == null) {
            conf.append("allow_anonymous true\n");
        } else {
            Path passwords = dir.resolve("passwd-" + port);
            Process p = new ProcessBuilder(
                            "/usr/bin/mosquitto_passwd", "-b", "-c", passwords.toString(), user, password)
                    .redirectErrorStream(true)
                    .start();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue())
                    .as(new String(p.getInputStream().readAllBytes()))
                    .isZero();
            conf.append("allow_anonymous false\npassword_file ")
                    .append(passwords)
                    .append('\n');
        }
        Path file = dir.resolve("mosquitto-" + port + "-" + System.nanoTime() + ".conf");
        Files.writeString(file, conf);
        ServerProcess server = ServerProcess.start(
                List.of(binary.toString(), "-c", file.toString()),
                Map.of(),
                dir.resolve(file.getFileName() + ".log"),
                port,
                Duration.ofSeconds(20));
        closeables.add(server);
        return server;
    }

    /** A subscriber on {@code topic} whose messages arrive in the returned queue. */
    BlockingQueue<MqttMessage> subscribe(int port, String topic, String user, String password) throws Exception {
        MqttClient sub =
                new MqttClient("tcp://127.0.0.1:" + port, "test-sub-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        if (user != null) {
            o.setUserName(user);
            o.setPassword(password.toCharArray());
        }
        sub.connect(o);
        BlockingQueue<MqttMessage> received = new LinkedBlockingQueue<>();
        sub.subscribe(topic, 1, (t, m) -> received.add(m));
        closeables.add(() -> {
            sub.disconnectForcibly(0, 1_000); // no quiesce: by default 30 s when the broker is gone
            sub.close();
        });
        return received;
    }

    Output output(MqttConfig config) {
        Output out = config.create(CONTEXT);
        closeables.add(out);
        return out;
    }

    static MqttConfig config(String broker, int qos, boolean retained) {
        return new MqttConfig(
                broker, "falco/events", qos, retained, null, null, null, Duration.ofSeconds(3), TlsConfig.NONE);
    }

    @Test
    void publishesEachAlertsFalcoJsonOnFalcosidekicksTopic() throws Exception {
        int port = mosquitto(ServerProcess.freePort(), null, null).port();
        BlockingQueue<MqttMessage> received = subscribe(port, "falco/#", null, null);
        Output out = output(config("tcp://127.0.0.1:" + port, 1, false));
        for (int i = 0; i < SampleAlerts.LINES.size(); i++) {
            Alert alert = SampleAlerts.alert(i);
            out.send(alert);
            MqttMessage m = received.poll(5, TimeUnit.SECONDS);
            assertThat(m).as("message for sample %d", i).isNotNull();
            assertThat(JSON.readTree(m.getPayload())).isEqualTo(falcoJson(i, alert));
            assertThat(m.isRetained()).isFalse();
        }
        assertThat(received.poll(200, TimeUnit.MILLISECONDS)).isNull();
    }

    @Test
    void retainedMessagesReachSubscribersThatComeLater() throws Exception {
        int port = mosquitto(ServerProcess.freePort(), null, null).port();
        Output out = output(config("mqtt://127.0.0.1:" + port, 2, true));
        Alert alert = SampleAlerts.alert(3);
        out.send(alert);
        MqttMessage m = subscribe(port, "falco/events", null, null).poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(m.isRetained()).isTrue();
        assertThat(JSON.readTree(m.getPayload())).isEqualTo(falcoJson(3, alert));
    }

    @Test
    void aBrokerThatIsDownFailsRetryablyAndIsUsedOnceItIsUp() throws Exception {
        int port = ServerProcess.freePort();
        Output out = output(config("tcp://127.0.0.1:" + port, 1, false));
        assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("mqtt tcp://127.0.0.1:" + port);

        ServerProcess broker = mosquitto(port, null, null);
        BlockingQueue<MqttMessage> received = subscribe(port, "falco/events", null, null);
        out.send(SampleAlerts.alert(1));
        assertThat(received.poll(5, TimeUnit.SECONDS)).isNotNull();

        // Lost after connecting: fails while down, then Paho reconnects by itself.
        broker.close();
        assertThatThrownBy(() -> out.send(SampleAlerts.alert(2)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
        mosquitto(port, null, null);
        BlockingQueue<MqttMessage> again = subscribe(port, "falco/events", null, null);
        Alert last = SampleAlerts.alert(4);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> sends(out, last));
        MqttMessage m = again.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(JSON.readTree(m.getPayload()).get("uuid").stringValue()).isEqualTo(last.uuid());
    }

    @Test
    void falcosidekicksVariablesMakeTheOutputWithItsCredentials() throws Exception {
        int port = mosquitto(ServerProcess.freePort(), "falco", "pw").port();
        BlockingQueue<MqttMessage> received = subscribe(port, "security/#", "falco", "pw");
        Map<String, Object> env = Map.of(
                "MQTT_BROKER", "tcp://127.0.0.1:" + port,
                "MQTT_TOPIC", "security/falco",
                "MQTT_QOS", "1",
                "MQTT_USER", "falco",
                "MQTT_PASSWORD", "pw");
        var translation = FalcosidekickEnvironment.translation(env, OutputCatalog.scan());
        assertThat(translation.refused()).isEmpty();
        ConfiguredOutput configured =
                ConfiguredOutputs.bind(new HashMap<>(translation.properties())).getFirst();
        assertThat(configured.name()).isEqualTo("mqtt");
        Output out = configured.config().create(configured.context());
        closeables.add(out);
        Alert alert = SampleAlerts.alert(5);
        out.send(alert);
        MqttMessage m = received.poll(5, TimeUnit.SECONDS);
        assertThat(m).isNotNull();
        assertThat(JSON.readTree(m.getPayload())).isEqualTo(falcoJson(5, alert));

        Output wrong = output(new MqttConfig(
                "tcp://127.0.0.1:" + port,
                "security/falco",
                1,
                false,
                "falco",
                "nope",
                null,
                Duration.ofSeconds(3),
                TlsConfig.NONE));
        assertThatThrownBy(() -> wrong.send(alert))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("cannot connect");
    }

    @Test
    void badSettingsStopStartupNamingTheKey() {
        assertThatThrownBy(() -> config("http://broker:1883", 1, false).check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.mqtt.broker")
                .hasMessageContaining("tcp://");
        assertThatThrownBy(() -> new MqttConfig(
                                "tcp://b:1883",
                                "falco/#",
                                1,
                                false,
                                null,
                                null,
                                null,
                                Duration.ofSeconds(3),
                                TlsConfig.NONE)
                        .check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.mqtt.topic");
        assertThatThrownBy(() -> new MqttConfig(
                                "tcp://b:1883",
                                "falco",
                                1,
                                false,
                                null,
                                "pw",
                                null,
                                Duration.ofSeconds(3),
                                TlsConfig.NONE)
                        .check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.mqtt.password");
        assertThatThrownBy(() -> ConfiguredOutputs.bind(Map.of(
                        "peregrine.outputs.m.type", "mqtt",
                        "peregrine.outputs.m.broker", "tcp://b:1883",
                        "peregrine.outputs.m.qos", "3")))
                .hasMessageContaining("peregrine.outputs.m.qos");
    }
}
