package dev.peregrine.sidekick.output.otlp;

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
 * OpenTelemetry logs over OTLP/HTTP with JSON encoding: each alert one log record of an
 * {@code ExportLogsServiceRequest}, with the attributes Falcosidekick's otlp.logs output gives it.
 *
 * @param url the collector's logs endpoint, {@code http://otel-collector:4318/v1/logs}
 * @param headers extra headers (an API key)
 * @param timeout per request, connecting included
 * @param tls the CA to trust, a client certificate
 */
@OutputType("otlp-logs")
@FalcosidekickOutput(
        value = "otlp.logs",
        keys = {"endpoint: url"})
public record OtlpLogsConfig(
        @NotNull URI url,
        @DefaultValue Map<String, String> headers,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".url", url);
        HttpSender.checkHeaders(context.key() + ".headers", headers);
        return new OtlpLogsOutput(this, context.falcosidekick());
    }
}
