package dev.peregrine.sidekick.output.datadog;

import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Datadog events ({@code POST /api/v1/events}): each alert an event titled by its rule, tagged
 * with its output fields, as Falcosidekick's datadog output sends it. For Datadog's logs, see
 * {@link DatadogLogsConfig}.
 *
 * @param apiKey a Datadog API key, sent as {@code DD-API-KEY}
 * @param host the site's API, {@code https://api.datadoghq.com} (US1); {@code https://api.datadoghq.eu},
 *     {@code https://api.us5.datadoghq.com}, ... for the others
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a proxy with a private CA
 */
@OutputType("datadog")
@FalcosidekickOutput(
        value = "datadog",
        keys = {"apikey: api-key", "host"})
public record DatadogConfig(
        @NotBlank String apiKey,
        @DefaultValue("https://api.datadoghq.com") @NotNull URI host,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    static final String PATH = "/api/v1/events";

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".host", host);
        return new DatadogOutput(this, DatadogLogsConfig.endpoint(host, PATH), context.falcosidekick());
    }
}
