package dev.peregrine.sidekick.output.slack;

import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.SlackMessage;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A Slack incoming webhook (or anything that speaks its payload: Mattermost, Rocket.Chat). The
 * message is the one Falcosidekick's slack output posts, so channels look the same after a switch.
 *
 * @param webhookUrl the incoming webhook's URL
 * @param channel overrides the webhook's channel, where Slack still allows it (legacy webhooks)
 * @param username the poster's name; blank: the webhook's own. Default: {@code Falcosidekick},
 *     or {@code Peregrine} with Peregrine\'s payloads
 * @param icon the poster's avatar URL; blank: the webhook's own
 * @param footer shown under the fields (all and fields formats); blank: none. Default: Falcosidekick's
 *     ({@code https://github.com/falcosecurity/falcosidekick}), or {@code Peregrine} with Peregrine's
 *     payloads
 * @param outputFormat all: Falco's output line and the fields; text: the line only; fields: the
 *     fields only
 * @param messageFormat a Pebble template for a text above the attachment, e.g.
 *     {@code Alert {{ rule }} on {{ hostname }}}; compiled at startup so a syntax error stops it
 * @param timeout per request, connecting included
 */
@OutputType("slack")
@FalcosidekickOutput(
        value = "slack",
        keys = {
            "webhookurl: webhook-url",
            "channel",
            "username",
            "icon",
            "footer",
            "outputformat: output-format",
            "messageformat: message-format"
        })
public record SlackConfig(
        @NotNull URI webhookUrl,
        String channel,
        String username,
        @DefaultValue(Chat.DEFAULT_ICON) String icon,
        String footer,

        @DefaultValue("all") @Pattern(regexp = "all|text|fields", message = "must be one of all, text, fields")
        String outputFormat,

        String messageFormat,
        @DefaultValue("10s") Duration timeout)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        AlertTemplate template = AlertTemplate.compileOptional(context.key() + ".message-format", messageFormat);
        SlackMessage message = new SlackMessage(
                Chat.orDefault(username, context, Chat.FALCOSIDEKICK),
                icon,
                channel,
                Chat.orDefault(footer, context, Chat.FALCOSIDEKICK_FOOTER),
                outputFormat,
                false);
        return new SlackOutput(context.name(), this, template, message);
    }
}
