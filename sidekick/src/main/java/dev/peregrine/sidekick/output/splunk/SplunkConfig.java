package dev.peregrine.sidekick.output.splunk;

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
import java.util.Map;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Splunk's HTTP Event Collector (HEC): each alert one event, Falco's JSON as the event, as
 * Falcosidekick's splunk output sends it.
 *
 * @param url the collector's event endpoint, {@code https://splunk.example.com:8088/services/collector/event}
 * @param token the HEC token, sent as {@code Authorization: Splunk <token>}; none: no such header
 *     (a proxy that adds it)
 * @param sourceType the event's {@code sourcetype}
 * @param index the index to write to; none: the token's default index
 * @param source the event's {@code source}; none: the token's
 * @param headers extra headers
 * @param timeout per request, connecting included
 * @param tls the CA to trust, a client certificate
 */
@OutputType("splunk")
@FalcosidekickOutput(
        value = "splunk",
        keys = {"host: url", "token", "customheaders: headers.*"})
public record SplunkConfig(
        @NotNull URI url,
        String token,
        @DefaultValue("falcosidekick") @NotBlank String sourceType,
        String index,
        String source,
        @DefaultValue Map<String, String> headers,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".url", url);
        HttpSender.checkHeaders(context.key() + ".headers", headers);
        return new SplunkOutput(this, context.falcosidekick());
    }
}
