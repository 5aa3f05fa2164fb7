package dev.peregrine.sidekick.output.webhook;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A webhook: the alert's JSON to any HTTP endpoint (a SIEM, a SOAR, a function).
 *
 * @param url where to send; http or https
 * @param method POST or PUT
 * @param headers extra headers, e.g. an API key
 * @param username basic auth user (with password)
 * @param bearerToken sent as "Authorization: Bearer ..."
 */
@OutputType("webhook")
@FalcosidekickOutput(
        value = "webhook",
        keys = {"address: url", "method", "customheaders: headers.*"})
public record WebhookConfig(
        @NotNull URI url,

        @DefaultValue("POST") @Pattern(regexp = "POST|PUT", message = "must be POST or PUT")
        String method,

        @DefaultValue Map<String, String> headers,
        String username,
        String password,
        String bearerToken,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".url", url);
        HttpSender.checkHeaders(context.key() + ".headers", headers);
        if (username != null && bearerToken != null) {
            throw new ConfigException(
                    context.key() + ".bearer-token",
                    "give either username/password (basic auth) or bearer-token, not both");
        }
        return new WebhookOutput(this);
    }
}
