package dev.peregrine.sidekick.output.discord;

import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A Discord channel webhook. The message is the embed Falcosidekick's discord output posts:
 * Falco's output line, coloured by priority, with a field per rule, priority, source, hostname,
 * text output field, tags and time.
 *
 * @param webhookUrl the webhook's URL, {@code https://discord.com/api/webhooks/<id>/<token>}
 * @param username the poster's name; blank: the webhook's own. Default: the webhook's own (as
 *     Falcosidekick), or {@code Peregrine} with Peregrine's payloads
 * @param icon the poster's avatar URL ({@code avatar_url}); blank: the webhook's own
 * @param messageFormat a Pebble template for the message's {@code content} (the text above the
 *     embed, where mentions such as {@code <@&role-id>} notify); none: no content
 * @param mentionEveryone let {@code @everyone} and {@code @here} in the content notify. Off by
 *     default: Falco's output line carries text an attacker chose (command lines, file names)
 * @param timeout per request, connecting included
 */
@OutputType("discord")
@FalcosidekickOutput(
        value = "discord",
        keys = {"webhookurl: webhook-url", "icon"})
public record DiscordConfig(
        @NotNull URI webhookUrl,
        String username,
        @DefaultValue(Chat.DEFAULT_ICON) String icon,
        String messageFormat,
        @DefaultValue("false") boolean mentionEveryone,
        @DefaultValue("10s") Duration timeout)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        AlertTemplate template = AlertTemplate.compileOptional(context.key() + ".message-format", messageFormat);
        String poster = username != null ? username : context.falcosidekick() ? null : Chat.PEREGRINE;
        return new DiscordOutput(context.name(), this, template, poster, context.falcosidekick());
    }
}
