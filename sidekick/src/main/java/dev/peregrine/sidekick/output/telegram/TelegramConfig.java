package dev.peregrine.sidekick.output.telegram;

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
 * A Telegram chat, through a bot's {@code sendMessage}: the MarkdownV2 message Falcosidekick's
 * telegram output sends.
 *
 * @param token the bot's token, from BotFather ({@code 123456:ABC-DEF...})
 * @param chatId the chat: a group's or channel's id ({@code -1001234567890}) or {@code @channelname}
 * @param messageThreadId a forum topic of that chat; none: the chat itself
 * @param host the Bot API server, {@code https://api.telegram.org}, or a local one
 * @param timeout per request, connecting included
 * @param tls the CA to trust, for a local Bot API server or a proxy with a private CA
 */
@OutputType("telegram")
@FalcosidekickOutput(
        value = "telegram",
        keys = {"token", "chatid: chat-id", "messagethreadid: message-thread-id", "host"})
public record TelegramConfig(
        @NotBlank String token,
        @NotBlank String chatId,
        String messageThreadId,
        @DefaultValue("https://api.telegram.org") @NotNull URI host,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue TlsConfig tls)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".host", host);
        String h = host.toString().replaceAll("/+$", "");
        URI endpoint;
        try {
            endpoint = URI.create(h + "/bot" + token + "/sendMessage");
        } catch (IllegalArgumentException e) {
            throw new dev.peregrine.sidekick.config.ConfigException(
                    context.key() + ".token", "not a bot token: it must fit in a URL path");
        }
        return new TelegramOutput(this, endpoint);
    }
}
