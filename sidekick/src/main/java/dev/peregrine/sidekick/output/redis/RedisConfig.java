package dev.peregrine.sidekick.output.redis;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Redis: each alert's Falco JSON stored under one key, as Falcosidekick stores it: appended to a
 * list ({@code RPUSH}, its default), set in a hash by uuid ({@code HSET}), or, beyond
 * Falcosidekick, added to a stream ({@code XADD}) for consumer groups.
 *
 * @param address {@code host:port} as in Falcosidekick, or a {@code redis://} / {@code rediss://}
 *     (TLS) URI
 * @param username with {@code password} (Redis 6 ACLs); a password alone is the default user's
 * @param database the database number ({@code SELECT})
 * @param storageType {@code list}, {@code hashmap} or {@code stream}
 * @param key the list, hash or stream
 * @param timeout for connecting and for each command
 * @param tls the CA to trust and a client certificate; with any of them set, TLS is used
 */
@OutputType("redis")
@FalcosidekickOutput(
        value = "redis",
        keys = {
            "address",
            "username",
            "password",
            "database",
            "storagetype: storage-type",
            "key",
            "cacertfile: tls.ca-file",
            "certfile: tls.cert-file",
            "keyfile: tls.key-file"
        })
public record RedisConfig(
        @NotBlank String address,
        String username,
        String password,
        @DefaultValue("0") @Min(0) int database,
        @DefaultValue("list") @NotBlank String storageType,
        @DefaultValue("falco") @NotBlank String key,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    /** What each alert becomes in Redis. */
    enum Storage {
        LIST,
        HASHMAP,
        STREAM
    }

    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[^\\s:/\\[\\]]+):(\\d{1,5})");

    @Override
    public Output create(OutputContext context) {
        return new RedisOutput(context.name(), this, uri(context.key()), storage(context.key()));
    }

    /** Checks without connecting (creating does not connect either, but starts Lettuce's threads). */
    @Override
    public void check(OutputContext context) {
        uri(context.key());
        storage(context.key());
    }

    Storage storage(String base) {
        try {
            return Storage.valueOf(storageType.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    base + ".storage-type", "must be list, hashmap or stream, got '" + storageType + "'");
        }
    }

    /** The server's URI with the credentials, database, TLS and timeout set. */
    RedisURI uri(String base) {
        String a = address.trim();
        RedisURI uri;
        try {
            if (a.contains("://")) {
                uri = RedisURI.create(a);
                if (!a.startsWith("redis://") && !a.startsWith("rediss://")) {
                    throw new IllegalArgumentException("expected redis:// or rediss://");
                }
            } else {
                var m = HOST_PORT.matcher(a);
                if (!m.matches()) {
                    throw new IllegalArgumentException("expected host:port");
                }
                uri = RedisURI.create(m.group(1).replaceAll("^\\[|]$", ""), Integer.parseInt(m.group(2)));
            }
        } catch (RuntimeException e) {
            throw new ConfigException(base + ".address", "not a Redis address: '" + a + "' (" + e.getMessage() + ")");
        }
        if (password != null && !password.isEmpty()) {
            String user = username == null || username.isEmpty() ? null : username;
            uri.setCredentialsProvider(RedisCredentialsProvider.from(() -> RedisCredentials.just(user, password)));
        } else if (username != null && !username.isEmpty()) {
            throw new ConfigException(base + ".username", "a username needs a password");
        }
        uri.setDatabase(database);
        if (timeout.isNegative() || timeout.toMillis() < 100) {
            throw new ConfigException(base + ".timeout", "must be at least 100ms, got " + timeout);
        }
        uri.setTimeout(timeout);
        String problem = tls.problem();
        if (problem != null) {
            throw new ConfigException(base + ".tls", problem);
        }
        if (tls.customized()) {
            uri.setSsl(true);
        }
        return uri;
    }
}
