package dev.peregrine.sidekick.output.webex;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert as {@code {"markdown": ...}}. Webex answers 204 (or 200); 400 (a message it
 * refuses) and 404 (a deleted webhook) are permanent, 429 and 5xx retried.
 */
final class WebexOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Webex's limit on a message's markdown, in bytes; it refuses a longer one for good. */
    static final int MAX_BYTES = 7439;

    private final WebexConfig config;
    private final HttpSender http;

    WebexOutput(WebexConfig config) {
        this.config = config;
        this.http = new HttpSender(config.timeout(), null);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        ObjectNode m = JSON.createObjectNode().put("markdown", markdown(alert));
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(m));
    }

    /**
     * Falcosidekick's Markdown template, whitespace included; over Webex's limit, the fields are
     * left out, then the output line is cut: the alert gets through.
     */
    static String markdown(Alert alert) {
        String full = markdown(alert, alert.output(), true);
        if (bytes(full) <= MAX_BYTES) {
            return full;
        }
        String noFields = markdown(alert, alert.output(), false);
        int excess = bytes(noFields) - MAX_BYTES;
        if (excess <= 0) {
            return noFields;
        }
        // The line's bytes that fit beside the rest and the ellipsis (3 bytes), cut on a character.
        int room = MAX_BYTES - (bytes(noFields) - bytes(alert.output())) - 3;
        String line = alert.output();
        int end = 0;
        int used = 0;
        while (end < line.length()) {
            int cp = line.codePointAt(end);
            int size = bytes(new String(Character.toChars(cp)));
            if (used + size > room) {
                break;
            }
            used += size;
            end += Character.charCount(cp);
        }
        return markdown(alert, line.substring(0, end) + "…", false);
    }

    private static String markdown(Alert alert, String output, boolean withFields) {
        StringBuilder m = new StringBuilder();
        m.append("# Falco Rule '")
                .append(alert.rule())
                .append("'\n\n### ")
                .append(output)
                .append("\n\n");
        m.append("Additional informations:\n");
        m.append("  * Hostname: ").append(alert.hostname()).append('\n');
        m.append("  * Source:   ").append(alert.source()).append("  \n");
        m.append("  * Priority: ").append(alert.priority().falcoName()).append('\n');
        m.append("  * Tags:\n    ");
        alert.tags().forEach(t -> m.append("\n    * ").append(t).append("\n    "));
        m.append("\n  * Fields:\n\t");
        if (withFields) {
            alert.outputFields()
                    .forEach((k, v) -> m.append("\n\t* ")
                            .append(k)
                            .append(": ")
                            .append(Chat.goValue(v))
                            .append("\n\t"));
        }
        return m.append('\n').toString();
    }

    private static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    @Override
    public void close() {
        http.close();
    }
}
