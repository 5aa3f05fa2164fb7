package dev.peregrine.sidekick.output.webex;

import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A Webex space's incoming webhook: the Markdown message Falcosidekick's webex output posts.
 *
 * @param webhookUrl the webhook's URL, {@code https://webexapis.com/v1/webhooks/incoming/<id>}
 * @param timeout per request, connecting included
 */
@OutputType("webex")
@FalcosidekickOutput(
        value = "webex",
        keys = {"webhookurl: webhook-url"})
public record WebexConfig(
        @NotNull URI webhookUrl, @DefaultValue("10s") Duration timeout) implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        return new WebexOutput(this);
    }
}
