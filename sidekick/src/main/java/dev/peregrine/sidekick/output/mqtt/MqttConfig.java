package dev.peregrine.sidekick.output.mqtt;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * MQTT: each alert's Falco JSON published on one topic of a broker, as Falcosidekick publishes it
 * (topic {@code falco/events}), over one lasting connection.
 *
 * @param broker {@code tcp://host:port} or {@code ssl://host:port} (also Falcosidekick's
 *     {@code mqtt://} and {@code mqtts://}, and {@code ws://}, {@code wss://})
 * @param topic the topic; no wildcards ({@code +}, {@code #})
 * @param qos 0, 1 or 2; at 1 and 2 an alert counts as delivered once the broker acknowledged it,
 *     at 0 once it is written to the connection
 * @param retained whether the broker keeps the last alert for subscribers that come later
 * @param username with {@code password}
 * @param clientId the client id; default {@code peregrine-<output name>-<6 random characters>}
 * @param timeout for connecting and for each alert's acknowledgement
 * @param tls the CA to trust and a client certificate, for {@code ssl://}
 */
@OutputType("mqtt")
@FalcosidekickOutput(
        value = "mqtt",
        keys = {"broker", "topic", "qos", "retained", "user: username", "password"})
public record MqttConfig(
        @NotBlank String broker,
        @DefaultValue("falco/events") @NotBlank String topic,
        @DefaultValue("1") @Min(0) @Max(2) int qos,
        @DefaultValue("false") boolean retained,
        String username,
        String password,
        String clientId,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        return new MqttOutput(context.name(), this, serverUri(context.key()));
    }

    /** Checks without connecting. */
    @Override
    public void check(OutputContext context) {
        serverUri(context.key());
    }

    /** The broker as Paho takes it; every other setting is checked too. */
    String serverUri(String base) {
        String b = broker.trim();
        String uri;
        try {
            URI parsed = URI.create(b);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            String rest = b.substring(b.indexOf("://") + 3);
            uri = switch (scheme) {
                case "tcp", "ssl", "ws", "wss" -> b;
                case "mqtt" -> "tcp://" + rest;
                case "mqtts", "tls" -> "ssl://" + rest;
                default -> throw new IllegalArgumentException("expected tcp:// or ssl://");
            };
            if (parsed.getHost() == null) {
                throw new IllegalArgumentException("no host");
            }
        } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
            throw new ConfigException(
                    base + ".broker",
                    "not an MQTT broker URL: '" + b + "' (" + e.getMessage() + "; e.g. tcp://host:1883)");
        }
        if (topic.contains("+") || topic.contains("#") || topic.contains("\u0000")) {
            throw new ConfigException(
                    base + ".topic",
                    "wildcards (+, #) are for subscribers, not in a topic to publish on: '" + topic + "'");
        }
        if (password != null && !password.isEmpty() && (username == null || username.isEmpty())) {
            throw new ConfigException(base + ".password", "a password needs a username");
        }
        if (timeout.isNegative() || timeout.toMillis() < 100) {
            throw new ConfigException(base + ".timeout", "must be at least 100ms, got " + timeout);
        }
        String problem = tls.problem();
        if (problem != null) {
            throw new ConfigException(base + ".tls", problem);
        }
        if (tls.customized() && !(uri.startsWith("ssl://") || uri.startsWith("wss://"))) {
            throw new ConfigException(
                    base + ".tls",
                    "TLS files given for a broker without TLS: use ssl://" + uri.substring(uri.indexOf("://") + 3));
        }
        return uri;
    }
}
