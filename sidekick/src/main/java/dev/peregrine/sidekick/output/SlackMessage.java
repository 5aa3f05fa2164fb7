package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.template.AlertTemplate;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Slack webhook message Falcosidekick posts (to Slack, and in Slack's format to Mattermost):
 * one attachment coloured by priority with Falco's output line and/or a field per rule, priority,
 * source, hostname, tags, text output field and time, and an optional text above it.
 *
 * @param username poster name; blank: left out
 * @param icon poster avatar URL ({@code icon_url}); blank: left out
 * @param channel channel override; blank: left out
 * @param footer attachment footer with fields; blank: left out
 * @param outputFormat {@code all}, {@code text} (output line only) or {@code fields} (fields only)
 * @param hostnameAfterRule Falcosidekick's Mattermost order (rule, hostname, priority, source)
 *     rather than its Slack order (rule, priority, source, hostname)
 */
public record SlackMessage(
        String username, String icon, String channel, String footer, String outputFormat, boolean hostnameAfterRule) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Fields shorter than this (in characters) are laid out two per row, as Falcosidekick does. */
    private static final int SHORT_FIELD = 36;

    /** @param text the top-level text (a rendered message-format), or null */
    public byte[] json(Alert alert, String text) {
        return JSON.writeValueAsBytes(build(alert, text));
    }

    ObjectNode build(Alert alert, String text) {
        boolean withFields = !outputFormat.equals("text");
        ObjectNode attachment = JSON.createObjectNode();
        attachment.put("fallback", alert.output());
        attachment.put("color", AlertTemplate.Palette.CHAT.color(alert.priority()));
        if (!outputFormat.equals("fields")) {
            attachment.put("text", alert.output());
        }
        if (withFields) {
            ArrayNode fields = attachment.putArray("fields");
            field(fields, "rule", alert.rule(), true);
            if (hostnameAfterRule) {
                hostname(fields, alert);
            }
            field(fields, "priority", alert.priority().falcoName(), true);
            field(fields, "source", alert.source(), true);
            if (!hostnameAfterRule) {
                hostname(fields, alert);
            }
            if (!alert.tags().isEmpty()) {
                field(fields, "tags", String.join(", ", alert.tags()), true);
            }
            // Only text values, as Falcosidekick: numbers, lists and <NA> are in the output line.
            alert.outputFields().forEach((key, value) -> {
                if (value instanceof String s) {
                    field(fields, key, s, s.codePointCount(0, s.length()) < SHORT_FIELD);
                }
            });
            field(fields, "time", AlertTemplate.GO_TIME.format(alert.time()), false);
            putIfPresent(attachment, "footer", footer);
        }

        ObjectNode payload = JSON.createObjectNode();
        putIfPresent(payload, "text", text);
        putIfPresent(payload, "username", username);
        putIfPresent(payload, "icon_url", icon);
        putIfPresent(payload, "channel", channel);
        payload.putArray("attachments").add(attachment);
        return payload;
    }

    private static void hostname(ArrayNode fields, Alert alert) {
        if (!alert.hostname().isEmpty()) {
            field(fields, "hostname", alert.hostname(), true);
        }
    }

    private static void field(ArrayNode fields, String title, String value, boolean isShort) {
        fields.addObject().put("title", title).put("value", value).put("short", isShort);
    }

    private static void putIfPresent(ObjectNode node, String name, String value) {
        if (value != null && !value.isBlank()) {
            node.put(name, value);
        }
    }
}
