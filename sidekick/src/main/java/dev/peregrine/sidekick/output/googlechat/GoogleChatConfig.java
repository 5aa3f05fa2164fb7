package dev.peregrine.sidekick.output.googlechat;

import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A Google Chat space's incoming webhook: Falcosidekick's googlechat message (a card of the
 * alert's fields), or with Peregrine's payloads a card (cardsV2) headed by the rule.
 *
 * @param webhookUrl the webhook's URL, {@code https://chat.googleapis.com/v1/spaces/.../messages?key=...&token=...}
 * @param outputFormat all: the card (and the text, when message-format gives one); text: the
 *     text only
 * @param messageFormat a Pebble template for a text above the card; compiled at startup
 * @param timeout per request, connecting included
 */
@OutputType("googlechat")
@FalcosidekickOutput(
        value = "googlechat",
        keys = {"webhookurl: webhook-url", "outputformat: output-format", "messageformat: message-format"})
public record GoogleChatConfig(
        @NotNull URI webhookUrl,

        @DefaultValue("all") @Pattern(regexp = "all|text", message = "must be all or text")
        String outputFormat,

        String messageFormat,
        @DefaultValue("10s") Duration timeout)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        AlertTemplate template = AlertTemplate.compileOptional(context.key() + ".message-format", messageFormat);
        return new GoogleChatOutput(context.name(), this, template, context.falcosidekick());
    }
}
