package dev.peregrine.sidekick.output.rocketchat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to the webhook. Rocket.Chat answers 200 {@code {"success":true}}; 400 (a
 * payload or script error) and 404 (a deleted integration) are permanent, 429 and 5xx retried.
 */
final class RocketchatOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Fields shorter than this (in characters) are laid out two per row, as Falcosidekick does. */
    private static final int SHORT_FIELD = 36;

    private final String name;
    private final RocketchatConfig config;
    private final AlertTemplate template;
    private final String username;
    private final HttpSender http;
    private final boolean falcosidekick;

    /** @param falcosidekick Falcosidekick's message; Peregrine's names the poster as Rocket.Chat reads it too */
    RocketchatOutput(
            String name, RocketchatConfig config, AlertTemplate template, String username, boolean falcosidekick) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.username = username;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), null);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(message(alert)));
    }

    /** Falcosidekick's newRocketchatPayload. */
    ObjectNode message(Alert alert) {
        String format = config.outputFormat();
        String text = Chat.text(name, template, alert);
        ObjectNode m = JSON.createObjectNode();
        if (format.equals("text") && (text == null || text.isEmpty())) {
            // Falcosidekick posts no text at all here, which Rocket.Chat refuses.
            text = alert.output();
        }
        if (text != null && !text.isEmpty()) {
            m.put("text", text);
        }
        putIfPresent(m, "username", username);
        putIfPresent(m, "icon_url", config.icon());
        if (!falcosidekick) {
            // Rocket.Chat's own names for them; it reads username and icon_url only through a script.
            putIfPresent(m, "alias", username);
            putIfPresent(m, "avatar", config.icon());
        }
        if (!format.equals("text")) {
            ObjectNode a = m.putArray("attachments").addObject();
            a.put("fallback", alert.output());
            a.put("color", AlertTemplate.Palette.CHAT.color(alert.priority()));
            if (format.equals("all")) {
                a.put("text", alert.output());
            }
            ArrayNode fields = a.putArray("fields");
            field(fields, "rule", alert.rule(), true);
            field(fields, "priority", alert.priority().falcoName(), true);
            field(fields, "source", alert.source(), true);
            if (!alert.tags().isEmpty()) {
                field(fields, "tags", String.join(", ", alert.tags()), true);
            }
            alert.outputFields().forEach((k, v) -> {
                if (v instanceof String s) {
                    field(fields, k, s, s.codePointCount(0, s.length()) < SHORT_FIELD);
                }
            });
            field(fields, "time", AlertTemplate.GO_TIME.format(alert.time()), false);
            if (!alert.hostname().isEmpty()) {
                field(fields, "hostname", alert.hostname(), true);
            }
        }
        return m;
    }

    private static void field(ArrayNode fields, String title, String value, boolean isShort) {
        fields.addObject().put("title", title).put("value", value).put("short", isShort);
    }

    private static void putIfPresent(ObjectNode node, String name, String value) {
        if (value != null && !value.isBlank()) {
            node.put(name, value);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
