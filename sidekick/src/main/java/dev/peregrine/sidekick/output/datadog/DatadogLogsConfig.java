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
 * Datadog logs ({@code POST /api/v2/logs}): each alert one log whose message is Falco's JSON,
 * as Falcosidekick's datadoglogs output sends it.
 *
 * @param apiKey a Datadog API key, sent as {@code DD-API-KEY}
 * @param host the site's log intake, {@code https://http-intake.logs.datadoghq.com} (US1);
 *     {@code https://http-intake.logs.datadoghq.eu}, ... for the others
 * @param service the logs' {@code service}; none: left out
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a proxy with a private CA
 */
@OutputType("datadog-logs")
@FalcosidekickOutput(
        value = "datadoglogs",
        keys = {"apikey: api-key", "host", "service"})
public record DatadogLogsConfig(
        @NotBlank String apiKey,

        @DefaultValue("https://http-intake.logs.datadoghq.com") @NotNull
        URI host,

        String service,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    static final String PATH = "/api/v2/logs";

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".host", host);
        return new DatadogLogsOutput(this, endpoint(host, PATH), context.falcosidekick());
    }

    /** The API's path below the host, with or without its trailing '/'. */
    static URI endpoint(URI host, String path) {
        String h = host.toString();
        return URI.create((h.endsWith("/") ? h.substring(0, h.length() - 1) : h) + path);
    }
}
