package dev.peregrine.sidekick.output.mattermost;

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
 * A Mattermost incoming webhook. The message is the one Falcosidekick's mattermost output posts
 * (Slack-style attachment coloured by priority), so channels look the same after a switch.
 *
 * @param webhookUrl the incoming webhook's URL, {@code https://mattermost.example.com/hooks/<key>}
 * @param channel overrides the webhook's channel (a channel name, {@code town-square}, or
 *     {@code @user}); none: the webhook's own. Refused by webhooks locked to their channel
 * @param username the poster's name; blank: the webhook's own. Default: {@code Falcosidekick},
 *     or {@code Peregrine} with Peregrine\'s payloads. Mattermost honours it only when
 *     "Enable integrations to override usernames" is on
 * @param icon the poster's avatar URL; blank: the webhook's own (same server setting, for pictures)
 * @param footer shown under the fields (all and fields formats); blank: none. Default: Falcosidekick's
 *     ({@code https://github.com/falcosecurity/falcosidekick}), or {@code Peregrine} with Peregrine's
 *     payloads
 * @param outputFormat all: Falco's output line and the fields; text: the line only; fields: the
 *     fields only
 * @param messageFormat a Pebble template for a text above the attachment; compiled at startup
 * @param timeout per request, connecting included
 */
@OutputType("mattermost")
@FalcosidekickOutput(
        value = "mattermost",
        keys = {
            "webhookurl: webhook-url",
            "username",
            "icon",
            "footer",
            "outputformat: output-format",
            "messageformat: message-format"
        })
public record MattermostConfig(
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
                true);
        return new MattermostOutput(context.name(), this, template, message);
    }
}
