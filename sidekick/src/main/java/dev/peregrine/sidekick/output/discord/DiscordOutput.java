package dev.peregrine.sidekick.output.discord;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to a Discord webhook as Falcosidekick does: one embed with Falco's output
 * line as description, the priority's colour (an integer, as Discord wants it) and inline fields.
 * Unlike Falcosidekick, it keeps within Discord's limits (which Discord enforces by refusing the
 * message with a 400): long texts are cut, and output fields past 25 fields or 6000 characters
 * are left out (they are in the output line).
 */
final class DiscordOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Discord's limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits */
    static final int MAX_CONTENT = 2000;

    static final int MAX_DESCRIPTION = 4096;
    static final int MAX_FIELDS = 25;
    static final int MAX_FIELD_NAME = 256;
    static final int MAX_FIELD_VALUE = 1024;
    static final int MAX_EMBED = 6000;

    private final String name;
    private final DiscordConfig config;
    private final AlertTemplate template;
    private final HttpSender http;
    private final String username;
    private final boolean falcosidekick;

    /**
     * @param username the poster's name, or null for the webhook's own
     * @param falcosidekick Falcosidekick's payload exactly: content, title and url always (empty),
     *     the colour as a string
     */
    DiscordOutput(String name, DiscordConfig config, AlertTemplate template, String username, boolean falcosidekick) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.username = username;
        this.falcosidekick = falcosidekick;
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(payload(alert)));
    }

    ObjectNode payload(Alert alert) {
        ObjectNode payload = JSON.createObjectNode();
        // A template that fails on this alert costs the content, not the alert, as for Slack.
        String content = Chat.text(name, template, alert);
        boolean withContent = content != null && !content.isBlank();
        if (withContent || falcosidekick) {
            payload.put("content", withContent ? cut(content, MAX_CONTENT) : "");
        }
        putIfPresent(payload, "username", username);
        putIfPresent(payload, "avatar_url", config.icon());
        // Mentions only notify from the content; Falcosidekick's has none.
        if (withContent || !falcosidekick) {
            ArrayNode parse = payload.putObject("allowed_mentions")
                    .putArray("parse")
                    .add("users")
                    .add("roles");
            if (config.mentionEveryone()) {
                parse.add("everyone");
            }
        }

        ObjectNode embed = payload.putArray("embeds").addObject();
        String description = cut(alert.output(), MAX_DESCRIPTION);
        String color = AlertTemplate.Palette.DISCORD.color(alert.priority());
        if (falcosidekick) {
            // Falcosidekick sends these empty, and the colour as a string (Discord takes both).
            embed.put("title", "");
            embed.put("url", "");
            embed.put("description", description);
            embed.put("color", color);
        } else {
            embed.put("description", description);
            embed.put("color", Integer.parseInt(color));
        }

        List<String[]> head = new ArrayList<>();
        head.add(new String[] {"rule", alert.rule()});
        head.add(new String[] {"priority", alert.priority().falcoName()});
        head.add(new String[] {"source", alert.source()});
        head.add(new String[] {"hostname", alert.hostname()});
        List<String[]> tail = new ArrayList<>();
        if (!alert.tags().isEmpty()) {
            tail.add(new String[] {"tags", String.join(", ", alert.tags())});
        }
        tail.add(new String[] {"time", AlertTemplate.GO_TIME.format(alert.time())});
        head.removeIf(f -> f[1].isEmpty()); // Discord refuses an empty field value

        int budget = MAX_EMBED - description.length();
        int slots = MAX_FIELDS - head.size() - tail.size();
        for (String[] f : head) {
            budget -= size(f);
        }
        for (String[] f : tail) {
            budget -= size(f);
        }
        ArrayNode fields = embed.putArray("fields");
        head.forEach(f -> field(fields, f));
        // Text values only, each in a code block, as Falcosidekick.
        for (Map.Entry<String, Object> e : alert.outputFields().entrySet()) {
            if (e.getValue() instanceof String s) {
                String[] f = {e.getKey(), "```" + s + "```"};
                if (slots == 0 || size(f) > budget) {
                    break;
                }
                field(fields, f);
                slots--;
                budget -= size(f);
            }
        }
        tail.forEach(f -> field(fields, f));
        return payload;
    }

    private static int size(String[] field) {
        return Math.min(field[0].length(), MAX_FIELD_NAME) + Math.min(field[1].length(), MAX_FIELD_VALUE);
    }

    private static void field(ArrayNode fields, String[] f) {
        String value = f[1];
        if (value.length() > MAX_FIELD_VALUE && value.startsWith("```")) {
            value = cut(value.substring(0, value.length() - 3), MAX_FIELD_VALUE - 3) + "```";
        }
        fields.addObject()
                .put("name", cut(f[0], MAX_FIELD_NAME))
                .put("value", cut(value, MAX_FIELD_VALUE))
                .put("inline", true);
    }

    /** At most {@code max} UTF-16 units (Discord's count), the last one an ellipsis when cut. */
    static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "\u2026";
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
