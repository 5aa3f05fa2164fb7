package dev.peregrine.sidekick.output.rocketchat;

import dev.peregrine.sidekick.output.Chat;
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
 * A Rocket.Chat incoming webhook: the message Falcosidekick's rocketchat output posts (Slack's
 * attachment format, which Rocket.Chat speaks).
 *
 * @param webhookUrl the integration's URL, {@code https://chat.example.com/hooks/<id>/<token>}
 * @param username the poster's name; default {@code Falcosidekick}, or {@code Peregrine} with
 *     Peregrine's payloads
 * @param icon the poster's avatar URL
 * @param outputFormat all: Falco's output line and the fields; text: the text only; fields: the
 *     fields only
 * @param messageFormat a Pebble template for a text above the attachment; compiled at startup
 * @param timeout per request, connecting included
 */
@OutputType("rocketchat")
@FalcosidekickOutput(
        value = "rocketchat",
        keys = {
            "webhookurl: webhook-url",
            "username",
            "icon",
            "outputformat: output-format",
            "messageformat: message-format"
        })
public record RocketchatConfig(
        @NotNull URI webhookUrl,
        String username,
        @DefaultValue(Chat.DEFAULT_ICON) String icon,

        @DefaultValue("all") @Pattern(regexp = "all|text|fields", message = "must be one of all, text, fields")
        String outputFormat,

        String messageFormat,
        @DefaultValue("10s") Duration timeout)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        AlertTemplate template = AlertTemplate.compileOptional(context.key() + ".message-format", messageFormat);
        return new RocketchatOutput(
                context.name(),
                this,
                template,
                Chat.orDefault(username, context, Chat.FALCOSIDEKICK),
                context.falcosidekick());
    }
}
