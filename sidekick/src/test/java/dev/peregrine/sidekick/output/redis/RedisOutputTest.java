package dev.peregrine.sidekick.output.redis;

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
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The Redis output against the real redis-server (Debian's), started and stopped by the test. */
class RedisOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("redis", "peregrine.outputs.redis");

    @TempDir
    Path dir;

    final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    ServerProcess redis(int port, String... extra) throws Exception {
        Path binary = ServerProcess.binary("redis-server", "/usr/bin/redis-server");
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--port",
                String.valueOf(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString()));
        command.addAll(List.of(extra));
        ServerProcess server = ServerProcess.start(
                command, Map.of(), dir.resolve("redis-" + System.nanoTime() + ".log"), port, Duration.ofSeconds(20));
        closeables.add(server);
        return server;
    }

    RedisCommands<String, String> reader(int port, String password) {
        RedisClient client =
                RedisClient.create("redis://" + (password == null ? "" : password + "@") + "127.0.0.1:" + port);
        StatefulRedisConnection<String, String> c = client.connect();
        closeables.add(client::shutdown);
        closeables.add(c);
        return c.sync();
    }

    Output output(RedisConfig config) {
        Output out = config.create(CONTEXT);
        closeables.add(out);
        return out;
    }

    static RedisConfig config(String address, String storage) {
        return new RedisConfig(address, null, null, 0, storage, "falco", Duration.ofSeconds(2), TlsConfig.NONE);
    }

    @Test
    void listAppendsEachAlertsFalcoJsonInOrderAsFalcosidekick() throws Exception {
        int port = redis(ServerProcess.freePort()).port();
        Output out = output(config("127.0.0.1:" + port, "list"));
        List<ObjectNode> expected = new ArrayList<>();
        for (int i = 0; i < SampleAlerts.LINES.size(); i++) {
            Alert alert = SampleAlerts.alert(i);
            out.send(alert);
            expected.add(falcoJson(i, alert));
        }
        List<String> stored = reader(port, null).lrange("falco", 0, -1);
        assertThat(stored).hasSize(expected.size());
        for (int i = 0; i < stored.size(); i++) {
            assertThat(JSON.readTree(stored.get(i))).as("entry %d", i).isEqualTo(expected.get(i));
        }
    }

    @Test
    void hashmapKeepsOneEntryPerUuidSoARedeliveryOverwritesItself() throws Exception {
        int port = redis(ServerProcess.freePort()).port();
        Output out = output(new RedisConfig(
                "redis://127.0.0.1:" + port,
                null,
                null,
                3,
                "hashmap",
                "alerts",
                Duration.ofSeconds(2),
                TlsConfig.NONE));
        Alert first = SampleAlerts.alert(0);
        Alert second = SampleAlerts.alert(1);
        out.send(first);
        out.send(second);
        out.send(first);
        RedisCommands<String, String> r = reader(port, null);
        r.select(3);
        Map<String, String> hash = r.hgetall("alerts");
        assertThat(hash).containsOnlyKeys(first.uuid(), second.uuid());
        assertThat(JSON.readTree(hash.get(first.uuid()))).isEqualTo(falcoJson(0, first));
        r.select(0);
        assertThat(r.exists("alerts")).as("database 3, not 0").isZero();
    }

    @Test
    void streamAddsOneEntryWithUuidAndAlert() throws Exception {
        int port = redis(ServerProcess.freePort()).port();
        Output out = output(config("127.0.0.1:" + port, "stream"));
        Alert alert = SampleAlerts.alert(4);
        out.send(alert);
        List<StreamMessage<String, String>> entries =
                reader(port, null).xrange("falco", io.lettuce.core.Range.create("-", "+"));
        assertThat(entries).singleElement().satisfies(m -> {
            assertThat(m.getBody()).containsOnlyKeys("uuid", "alert");
            assertThat(m.getBody().get("uuid")).isEqualTo(alert.uuid());
            assertThat(JSON.readTree(m.getBody().get("alert"))).isEqualTo(falcoJson(4, alert));
        });
    }

    @Test
    void aServerThatIsDownFailsRetryablyAndIsUsedOnceItIsUp() throws Exception {
        int port = ServerProcess.freePort();
        Output out = output(config("127.0.0.1:" + port, "list"));
        assertThatThrownBy(() -> out.send(SampleAlerts.alert(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("redis 127.0.0.1:" + port);

        ServerProcess server = redis(port);
        out.send(SampleAlerts.alert(1));
        assertThat(reader(port, null).llen("falco")).isEqualTo(1);

        // Lost after connecting: refused while down (not queued in the client), then reconnected.
        server.close();
        assertThatThrownBy(() -> out.send(SampleAlerts.alert(2)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
        redis(port);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> sends(out, SampleAlerts.alert(3)));
        assertThat(reader(port, null).lrange("falco", 0, -1))
                .singleElement()
                .satisfies(json -> assertThat(JSON.readTree(json).get("rule").stringValue())
                        .isEqualTo(SampleAlerts.alert(3).rule()));
    }

    @Test
    void aPasswordIsSentAndAWrongOneFailsRetryably() throws Exception {
        int port = redis(ServerProcess.freePort(), "--requirepass", "s3cret").port();
        Output good = output(new RedisConfig(
                "127.0.0.1:" + port, null, "s3cret", 0, "list", "falco", Duration.ofSeconds(2), TlsConfig.NONE));
        good.send(SampleAlerts.alert(0));
        assertThat(reader(port, "s3cret").llen("falco")).isEqualTo(1);

        Output bad = output(new RedisConfig(
                "127.0.0.1:" + port, null, "wrong", 0, "list", "falco", Duration.ofSeconds(2), TlsConfig.NONE));
        assertThatThrownBy(() -> bad.send(SampleAlerts.alert(1)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageContaining("cannot connect");
    }

    @Test
    void falcosidekicksVariablesMakeTheOutput() throws Exception {
        int port = redis(ServerProcess.freePort()).port();
        Map<String, Object> env = Map.of(
                "REDIS_ADDRESS", "127.0.0.1:" + port,
                "REDIS_STORAGETYPE", "hashmap",
                "REDIS_KEY", "falco-events",
                "REDIS_DATABASE", "2",
                "REDIS_MINIMUMPRIORITY", "warning");
        var translation = FalcosidekickEnvironment.translation(env, OutputCatalog.scan());
        assertThat(translation.refused()).isEmpty();
        ConfiguredOutput configured =
                ConfiguredOutputs.bind(new HashMap<>(translation.properties())).getFirst();
        assertThat(configured.name()).isEqualTo("redis");
        assertThat(configured.settings().minimumPriority()).isEqualTo("warning");
        Output out = configured.config().create(configured.context());
        closeables.add(out);
        Alert alert = SampleAlerts.alert(2);
        out.send(alert);
        RedisCommands<String, String> r = reader(port, null);
        r.select(2);
        assertThat(JSON.readTree(r.hget("falco-events", alert.uuid()))).isEqualTo(falcoJson(2, alert));
    }

    @Test
    void falcosidekicksTlsSwitchAndFilesBecomeARedissAddressAndTlsFiles() {
        var translation = FalcosidekickEnvironment.translation(
                Map.of(
                        "REDIS_ADDRESS", "redis.example:6380",
                        "REDIS_TLS", "true",
                        "REDIS_MUTUALTLS", "true",
                        "REDIS_CERTFILE", "/etc/redis/client.crt",
                        "REDIS_VERSION", "7"),
                OutputCatalog.scan());
        assertThat(translation.refused()).isEmpty();
        assertThat(translation.properties())
                .containsEntry("peregrine.outputs.redis.address", "rediss://redis.example:6380")
                .containsEntry("peregrine.outputs.redis.tls.cert-file", "/etc/redis/client.crt")
                .containsEntry("peregrine.outputs.redis.tls.key-file", "/etc/certs/client.key");
    }

    @Test
    void badSettingsStopStartupNamingTheKey() {
        assertThatThrownBy(() -> config("redis-host", "list").check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.redis.address")
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> config("http://x:6379", "list").check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.redis.address");
        assertThatThrownBy(() -> config("127.0.0.1:6379", "set").check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.redis.storage-type")
                .hasMessageContaining("list, hashmap or stream");
        assertThatThrownBy(() -> new RedisConfig(
                                "127.0.0.1:6379",
                                "alice",
                                null,
                                0,
                                "list",
                                "falco",
                                Duration.ofSeconds(2),
                                TlsConfig.NONE)
                        .check(CONTEXT))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("peregrine.outputs.redis.username");
        assertThatThrownBy(() -> ConfiguredOutputs.bind(Map.of(
                        "peregrine.outputs.r.type", "redis",
                        "peregrine.outputs.r.address", "127.0.0.1:6379",
                        "peregrine.outputs.r.database", "-1")))
                .hasMessageContaining("peregrine.outputs.r.database");
    }
}
