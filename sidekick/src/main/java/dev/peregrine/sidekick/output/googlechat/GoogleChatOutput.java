package dev.peregrine.sidekick.output.googlechat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to the webhook. Google Chat answers 200 with the message; 400 (a message it
 * refuses), 403 and 404 (a deleted webhook) are permanent, 429 (a space's 1 message a second) and
 * 5xx retried.
 */
final class GoogleChatOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final String name;
    private final GoogleChatConfig config;
    private final AlertTemplate template;
    private final HttpSender http;
    private final boolean falcosidekick;

    GoogleChatOutput(String name, GoogleChatConfig config, AlertTemplate template, boolean falcosidekick) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), null);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json; charset=UTF-8",
                JSON.writeValueAsBytes(message(alert)));
    }

    ObjectNode message(Alert alert) {
        ObjectNode m = JSON.createObjectNode();
        String text = Chat.text(name, template, alert);
        if (config.outputFormat().equals("text")) {
            // Falcosidekick posts an empty message here without a template, which Google refuses.
            m.put("text", text == null || text.isEmpty() ? alert.output() : text);
            return m;
        }
        if (text != null && !text.isEmpty()) {
            m.put("text", text);
        }
        List<String[]> fields = fields(alert);
        if (falcosidekick) {
            ObjectNode card = m.putArray("cards").addObject();
            card.putObject("header").put("title", "").put("subtitle", "");
            ArrayNode widgets = card.putArray("sections").addObject().putArray("widgets");
            fields.forEach(f -> widgets.addObject()
                    .putObject("keyValue")
                    .put("topLabel", f[0])
                    .put("content", f[1]));
            return m;
        }
        ObjectNode card =
                m.putArray("cardsV2").addObject().put("cardId", alert.uuid()).putObject("card");
        card.putObject("header")
                .put("title", alert.rule())
                .put(
                        "subtitle",
                        alert.priority().falcoName() + (alert.hostname().isEmpty() ? "" : " on " + alert.hostname()));
        ArrayNode widgets = card.putArray("sections").addObject().putArray("widgets");
        widgets.addObject().putObject("textParagraph").put("text", escape(alert.output()));
        fields.forEach(f -> widgets.addObject()
                .putObject("decoratedText")
                .put("topLabel", f[0])
                .put("text", escape(f[1]))
                .put("wrapText", true));
        return m;
    }

    /** Falcosidekick's widgets: rule, priority, source, hostname, text output fields, tags, time. */
    static List<String[]> fields(Alert alert) {
        List<String[]> f = new ArrayList<>();
        f.add(new String[] {"rule", alert.rule()});
        f.add(new String[] {"priority", alert.priority().falcoName()});
        f.add(new String[] {"source", alert.source()});
        if (!alert.hostname().isEmpty()) {
            f.add(new String[] {"hostname", alert.hostname()});
        }
        alert.outputFields().forEach((k, v) -> {
            if (v instanceof String s) {
                f.add(new String[] {k, s});
            }
        });
        if (!alert.tags().isEmpty()) {
            f.add(new String[] {"tags", String.join(", ", alert.tags())});
        }
        f.add(new String[] {"time", AlertTemplate.GO_TIME.format(alert.time())});
        return f;
    }

    /** Card texts are Google's small HTML: an alert's {@code <} or {@code &} are shown, not parsed. */
    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    @Override
    public void close() {
        http.close();
    }
}
