package dev.peregrine.sidekick.output.telegram;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.net.URI;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Sends each alert as a MarkdownV2 message. The Bot API answers 200 {@code {"ok":true}}; 400 (a
 * chat or text it refuses), 401 (a bad token), 403 (the bot removed from the chat) and 404 are
 * permanent, 429 (flood control) and 5xx retried.
 */
final class TelegramOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The Bot API's limit on a message's text, in characters after entity parsing; kept to before. */
    static final int MAX_TEXT = 4096;

    private final TelegramConfig config;
    private final URI endpoint;
    private final HttpSender http;

    TelegramOutput(TelegramConfig config, URI endpoint) {
        this.config = config;
        this.endpoint = endpoint;
        this.http = new HttpSender(config.timeout(), config.tls());
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                endpoint,
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(message(alert)));
    }

    /** Falcosidekick's newTelegramPayload. */
    ObjectNode message(Alert alert) {
        ObjectNode m = JSON.createObjectNode();
        m.put("text", text(alert, true));
        m.put("parse_mode", "MarkdownV2");
        m.put("disable_web_page_preview", true);
        m.put("chat_id", config.chatId());
        if (config.messageThreadId() != null && !config.messageThreadId().isBlank()) {
            m.put("message_thread_id", config.messageThreadId());
        }
        return m;
    }

    /**
     * Falcosidekick's telegramMarkdownV2Tmpl. A text over Telegram's limit (which it refuses for
     * good) loses its fields, then the end of the output line: the alert gets through.
     */
    static String text(Alert alert, boolean withFields) {
        StringBuilder t = new StringBuilder();
        t.append("*\\[Falco\\] \\[")
                .append(escape(alert.priority().falcoName()))
                .append("\\] ")
                .append(escape(alert.rule()))
                .append("*\n\n");
        t.append("• *Time*: ")
                .append(escape(AlertTemplate.GO_TIME.format(alert.time())))
                .append('\n');
        t.append("• *Source*: ").append(escape(alert.source())).append('\n');
        t.append("• *Hostname*: ").append(escape(alert.hostname())).append('\n');
        t.append("• *Tags*: ");
        alert.tags().forEach(tag -> t.append(escape(tag)).append(' '));
        t.append("\n• *Fields*:\n");
        if (withFields) {
            alert.outputFields()
                    .forEach((k, v) -> t.append("\t  • *")
                            .append(escape(k))
                            .append("*: ")
                            .append(escape(Chat.goValue(v)))
                            .append('\n'));
        }
        t.append("\n\n**Output**: ");
        String output = escape(alert.output());
        int room = MAX_TEXT - t.length() - 1;
        if (output.length() > room) {
            if (withFields) {
                return text(alert, false);
            }
            int end = Math.max(0, room - 1);
            // Not between a backslash and the character it escapes, nor inside a surrogate pair.
            while (end > 0 && (output.charAt(end - 1) == '\\' || Character.isHighSurrogate(output.charAt(end - 1)))) {
                end--;
            }
            output = output.substring(0, end) + "…";
        }
        return t.append(output).append('\n').toString();
    }

    /**
     * MarkdownV2's reserved characters escaped, as Falcosidekick's markdownV2EscapeText, and the
     * backslash too (Falcosidekick's leaves it, and Telegram then drops it from the text).
     */
    static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ("\\_*[]()~`>#+-=|{}.!".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    public void close() {
        http.close();
    }
}
