package dev.peregrine.sidekick.output.nats;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.Secrets;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import io.nats.client.Options;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * NATS: each alert published as Falco JSON on a subject made from the alert, for a policy engine
 * or any subscriber to react on. Core NATS by default (done when the server has the message);
 * with {@code jetstream} a stream must store it and acknowledge.
 *
 * @param servers {@code nats://host:port} (or {@code tls://}) of one or more servers
 * @param subjectTemplate the subject: Falcosidekick's {@code <priority>} and {@code <rule>} tokens
 *     and Pebble expressions; every value is made a valid subject token (see {@link NatsOutput})
 * @param jetstream publish through JetStream and wait for the stream's acknowledgement; the
 *     alert's uuid is the message id, so the stream drops redelivered duplicates
 * @param username with {@code password}
 * @param token a server token, instead of username and password
 * @param credentialsFile a {@code .creds} file (JWT and NKey), instead of the above
 * @param timeout for connecting, and for each alert's flush or acknowledgement
 * @param tls the CA to trust and a client certificate; with any of them set, TLS is used
 */
@OutputType("nats")
public record NatsConfig(
        @NotEmpty List<String> servers,
        @DefaultValue(NatsOutput.DEFAULT_SUBJECT) @NotBlank String subjectTemplate,
        @DefaultValue("false") boolean jetstream,
        String username,
        String password,
        String token,
        String credentialsFile,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        for (int i = 0; i < servers.size(); i++) {
            String server = servers.get(i).trim();
            try {
                new Options.Builder().server(server).build();
                if (!server.matches("(?i)(nats|tls|opentls|ws|wss)://[^\\s]+")) {
                    throw new IllegalArgumentException("expected nats://host:port");
                }
            } catch (RuntimeException e) {
                throw new ConfigException(
                        key + ".servers[" + i + "]", "not a NATS server URL: '" + Secrets.url(server) + "'");
            }
        }
        int ways = (username != null ? 1 : 0) + (token != null ? 1 : 0) + (credentialsFile != null ? 1 : 0);
        if (ways > 1) {
            throw new ConfigException(
                    key + (token != null ? ".token" : ".credentials-file"),
                    "give one of username/password, token or credentials-file");
        }
        if (password != null && username == null) {
            throw new ConfigException(key + ".password", "a password needs a username");
        }
        if (credentialsFile != null && !Files.isReadable(Path.of(credentialsFile))) {
            throw new ConfigException(key + ".credentials-file", "cannot read " + credentialsFile);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException(key + ".timeout", "must be positive, got " + timeout);
        }
        AlertTemplate subject = NatsOutput.compile(key + ".subject-template", subjectTemplate);
        return new NatsOutput(context.name(), this, subject);
    }

    /** The servers as they may appear in a message: without user info (a token or a password). */
    String shownServers() {
        return String.join(",", servers.stream().map(Secrets::url).toList());
    }
}
