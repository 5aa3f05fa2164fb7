package dev.peregrine.sidekick.output.opsgenie;

import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Opsgenie's Alert API ({@code POST /v2/alerts}): each alert an Opsgenie alert with Falcosidekick's
 * message, priority and details, and the alert's uuid as {@code alias}, so a redelivered alert
 * does not open a second one.
 *
 * @param apiKey an API integration's key, sent as {@code Authorization: GenieKey <key>}
 * @param region {@code us} or {@code eu}: which Opsgenie endpoint
 * @param url the endpoint, instead of the region's (a proxy, a test)
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a proxy with a private CA
 */
@OutputType("opsgenie")
@FalcosidekickOutput(
        value = "opsgenie",
        keys = {"apikey: api-key", "region"})
public record OpsgenieConfig(
        @NotBlank String apiKey,

        @DefaultValue("us") @Pattern(regexp = "(?i)us|eu", message = "must be us or eu")
        String region,

        URI url,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    static final URI US = URI.create("https://api.opsgenie.com/v2/alerts");
    static final URI EU = URI.create("https://api.eu.opsgenie.com/v2/alerts");

    @Override
    public Output create(OutputContext context) {
        if (url != null) {
            HttpSender.checkUrl(context.key() + ".url", url);
        }
        URI endpoint = url != null ? url : region.equalsIgnoreCase("eu") ? EU : US;
        return new OpsgenieOutput(this, endpoint, context.falcosidekick());
    }
}
