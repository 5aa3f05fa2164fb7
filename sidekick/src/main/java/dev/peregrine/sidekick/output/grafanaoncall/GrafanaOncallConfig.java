package dev.peregrine.sidekick.output.grafanaoncall;

import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Grafana OnCall's formatted webhook integration: each alert an alert group keyed by the alert's
 * uuid, as Falcosidekick's grafanaoncall output sends it.
 *
 * @param webhookUrl the integration's URL, {@code https://oncall.example.com/integrations/v1/formatted_webhook/<token>/}
 * @param headers extra headers
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a self-hosted OnCall with a private CA
 */
@OutputType("grafanaoncall")
@FalcosidekickOutput(
        value = "grafanaoncall",
        keys = {"webhookurl: webhook-url", "customheaders: headers.*"})
public record GrafanaOncallConfig(
        @NotNull URI webhookUrl,
        @DefaultValue Map<String, String> headers,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        HttpSender.checkHeaders(context.key() + ".headers", headers);
        return new GrafanaOncallOutput(this, context.falcosidekick());
    }
}
