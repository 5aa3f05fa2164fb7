package dev.peregrine.sidekick.output.redis;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores each alert in Redis: {@code RPUSH key json} (list), {@code HSET key uuid json} (hashmap:
 * a redelivered alert overwrites itself) or {@code XADD key * uuid <uuid> alert json} (stream).
 * One connection per output, shared by all sends (Lettuce's connections are thread-safe), opened
 * on the first send so that a server that is down does not stop startup; Lettuce reconnects it
 * after a loss. Commands are refused rather than queued while disconnected: the alert then waits
 * in the spool, not in the client.
 */
final class RedisOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(RedisOutput.class);

    /** Keys as text, values as the bytes of the Falco JSON. */
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final String name;
    private final RedisConfig config;
    private final RedisConfig.Storage storage;
    private final String where;
    private final ClientResources resources;
    private final RedisClient client;
    private StatefulRedisConnection<String, byte[]> connection; // guarded by this
    private boolean closed; // guarded by this

    RedisOutput(String name, RedisConfig config, RedisURI uri, RedisConfig.Storage storage) {
        this.name = name;
        this.config = config;
        this.storage = storage;
        this.where = "redis " + uri.getHost() + ":" + uri.getPort() + " key " + config.key();
        // Two I/O threads: one connection needs no more than that.
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .build();
        this.client = RedisClient.create(resources, uri);
        ClientOptions.Builder options = ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(
                        SocketOptions.builder().connectTimeout(config.timeout()).build())
                .timeoutOptions(TimeoutOptions.enabled(config.timeout()));
        if (config.tls().customized()) {
            SslOptions.Builder ssl = SslOptions.builder().jdkSslProvider();
            if (config.tls().caFile() != null) {
                ssl.trustManager(new File(config.tls().caFile()));
            }
            if (config.tls().certFile() != null) {
                ssl.keyManager(
                        new File(config.tls().certFile()), new File(config.tls().keyFile()), null);
            }
            options.sslOptions(ssl.build());
        }
        client.setOptions(options.build());
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        byte[] json = AlertJson.write(alert);
        RedisCommands<String, byte[]> redis = commands();
        try {
            switch (storage) {
                case LIST -> redis.rpush(config.key(), json);
                case HASHMAP -> redis.hset(config.key(), alert.uuid(), json);
                case STREAM -> {
                    Map<String, byte[]> entry = new LinkedHashMap<>();
                    entry.put("uuid", alert.uuid().getBytes(StandardCharsets.UTF_8));
                    entry.put("alert", json);
                    redis.xadd(config.key(), entry);
                }
            }
        } catch (RedisException e) {
            // Down, slow, refused (NOAUTH, WRONGTYPE, OOM, READONLY): each can be fixed on the
            // server's side without touching the alert, so it waits in the spool meanwhile.
            throw DeliveryException.retryable(where + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private synchronized RedisCommands<String, byte[]> commands() throws DeliveryException {
        if (closed) {
            throw DeliveryException.retryable("output " + name + " is closed", null);
        }
        if (connection == null) {
            try {
                connection = client.connect(CODEC);
                log.info("output {}: connected to {}", name, where);
            } catch (RedisException e) {
                Throwable root = e.getCause() == null ? e : e.getCause();
                throw DeliveryException.retryable(where + ": cannot connect: " + root.getMessage(), e);
            }
        }
        return connection.sync();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (connection != null) {
            connection.close();
            connection = null;
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
