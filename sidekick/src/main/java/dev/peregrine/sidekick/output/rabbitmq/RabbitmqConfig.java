package dev.peregrine.sidekick.output.rabbitmq;

import com.rabbitmq.client.ConnectionFactory;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * RabbitMQ (AMQP 0-9-1): each alert's Falco JSON published to a queue through the default
 * exchange, as Falcosidekick publishes it, or to an exchange with the queue as routing key. The
 * broker must confirm each message (publisher confirms) and route it to a queue.
 *
 * @param url {@code amqp://user:password@host:5672/vhost}, or {@code amqps://} for TLS
 * @param queue the queue (the routing key)
 * @param exchange the exchange; empty: the default exchange, which routes to the queue named
 * @param timeout for connecting and for each alert's confirmation
 * @param tls the CA to trust and a client certificate, for {@code amqps://}
 */
@OutputType("rabbitmq")
@FalcosidekickOutput(
        value = "rabbitmq",
        keys = {"url", "queue"})
public record RabbitmqConfig(
        @NotBlank String url,
        @NotBlank String queue,
        @DefaultValue("") String exchange,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        return new RabbitmqOutput(context.name(), this, factory(context.key()));
    }

    /** Checks without connecting. */
    @Override
    public void check(OutputContext context) {
        factory(context.key());
    }

    /** The client's connection factory for these settings, each checked. */
    ConnectionFactory factory(String base) {
        ConnectionFactory f = new ConnectionFactory();
        String u = url.trim();
        if (!(u.startsWith("amqp://") || u.startsWith("amqps://"))) {
            throw new ConfigException(base + ".url", "must start with amqp:// or amqps://, got '" + redacted(u) + "'");
        }
        try {
            if (java.net.URI.create(u).getHost() == null) {
                throw new IllegalArgumentException("no host, or a port that is not a number");
            }
            f.setUri(u);
        } catch (Exception e) {
            throw new ConfigException(
                    base + ".url",
                    "not an AMQP URL: '" + redacted(u) + "' ("
                            + String.valueOf(e.getMessage()).replace(u, redacted(u)) + ")");
        }
        if (queue.length() > 255) {
            throw new ConfigException(base + ".queue", "at most 255 characters (an AMQP short string)");
        }
        if (timeout.isNegative() || timeout.toMillis() < 100) {
            throw new ConfigException(base + ".timeout", "must be at least 100ms, got " + timeout);
        }
        String problem = tls.problem();
        if (problem != null) {
            throw new ConfigException(base + ".tls", problem);
        }
        if (tls.customized()) {
            if (!u.startsWith("amqps://")) {
                throw new ConfigException(base + ".tls", "TLS files given for an amqp:// URL: use amqps://");
            }
            f.useSslProtocol(tls.sslContext());
            f.enableHostnameVerification();
        } else if (u.startsWith("amqps://")) {
            try {
                // The JVM's CAs, and the host name checked: never the client's trust-all default.
                f.useSslProtocol(javax.net.ssl.SSLContext.getDefault());
                f.enableHostnameVerification();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        f.setConnectionTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        f.setHandshakeTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        f.setAutomaticRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(1_000);
        return f;
    }

    /** The URL without its password, for messages. */
    static String redacted(String url) {
        return url.replaceAll("(://[^:/@]*:)[^@/]*@", "$1***@");
    }
}
