package dev.peregrine.sidekick.output.teams;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Posts each alert to Microsoft Teams: a MessageCard as Falcosidekick's teams output posts it
 * (legacy Office 365 connectors), or the same content as an Adaptive Card in a message (what
 * Workflows webhooks take). Both carry Falco's output line and facts for rule, priority, source,
 * hostname, text output fields and tags; the card is coloured by priority.
 */
final class TeamsOutput implements Output {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final TeamsConfig config;
    private final boolean messageCard;
    private final boolean withText;
    private final boolean withFacts;
    private final HttpSender http;
    private final boolean falcosidekick;

    /** @param falcosidekick Falcosidekick's MessageCard exactly: its title, no @context, text always */
    TeamsOutput(TeamsConfig config, boolean messageCard, boolean falcosidekick) {
        this.config = config;
        this.messageCard = messageCard;
        this.falcosidekick = falcosidekick;
        this.withText = !config.outputFormat().equals("facts");
        this.withFacts = !config.outputFormat().equals("text");
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        ObjectNode payload = messageCard ? messageCard(alert) : adaptiveCard(alert);
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                JSON.writeValueAsBytes(payload));
    }

    /**
     * Falcosidekick's MessageCard; Peregrine's adds the {@code @context} Microsoft's reference asks
     * for and leaves out an empty text.
     */
    ObjectNode messageCard(Alert alert) {
        ObjectNode card = JSON.createObjectNode();
        card.put("@type", "MessageCard");
        if (!falcosidekick) {
            card.put("@context", "https://schema.org/extensions");
        }
        card.put("summary", alert.output());
        card.put(
                "themeColor", AlertTemplate.Palette.MAIL.color(alert.priority()).substring(1));
        ObjectNode section = card.putArray("sections").addObject();
        section.put("activityTitle", falcosidekick ? Chat.FALCOSIDEKICK : Chat.PEREGRINE);
        section.put("activitySubtitle", AlertTemplate.GO_TIME.format(alert.time()));
        if (config.activityImage() != null && !config.activityImage().isBlank()) {
            section.put("activityImage", config.activityImage());
        }
        if (withText || falcosidekick) {
            section.put("text", withText ? alert.output() : "");
        }
        if (withFacts) {
            facts(section.putArray("facts"), alert, "name");
        }
        return card;
    }

    /**
     * An Adaptive Card (1.4, what Teams renders) in a message: a banner in the priority's style
     * (Adaptive Cards have no free colours) with priority, rule and time, the output line, then
     * the facts.
     */
    ObjectNode adaptiveCard(Alert alert) {
        ObjectNode message = JSON.createObjectNode();
        message.put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject();
        attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
        attachment.putNull("contentUrl");
        ObjectNode card = attachment.putObject("content");
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        card.putObject("msteams").put("width", "Full");
        ArrayNode body = card.putArray("body");
        ObjectNode banner = body.addObject();
        banner.put("type", "Container");
        banner.put("style", style(alert.priority()));
        banner.put("bleed", true);
        ArrayNode items = banner.putArray("items");
        items.addObject()
                .put("type", "TextBlock")
                .put("text", alert.priority().falcoName() + ": " + alert.rule())
                .put("weight", "Bolder")
                .put("size", "Medium")
                .put("wrap", true);
        items.addObject()
                .put("type", "TextBlock")
                .put("text", AlertTemplate.GO_TIME.format(alert.time()))
                .put("isSubtle", true)
                .put("spacing", "None")
                .put("wrap", true);
        if (withText) {
            body.addObject()
                    .put("type", "TextBlock")
                    .put("text", alert.output())
                    .put("wrap", true);
        }
        if (withFacts) {
            ObjectNode factSet = body.addObject();
            factSet.put("type", "FactSet");
            facts(factSet.putArray("facts"), alert, "title");
        }
        return message;
    }

    /** Falcosidekick's facts: rule, priority, source, hostname, text output fields, tags. */
    private static void facts(ArrayNode facts, Alert alert, String nameKey) {
        fact(facts, nameKey, "rule", alert.rule());
        fact(facts, nameKey, "priority", alert.priority().falcoName());
        fact(facts, nameKey, "source", alert.source());
        if (!alert.hostname().isEmpty()) {
            fact(facts, nameKey, "hostname", alert.hostname());
        }
        alert.outputFields().forEach((key, value) -> {
            if (value instanceof String s) {
                fact(facts, nameKey, key, s);
            }
        });
        if (!alert.tags().isEmpty()) {
            fact(facts, nameKey, "tags", String.join(", ", alert.tags()));
        }
    }

    private static void fact(ArrayNode facts, String nameKey, String name, String value) {
        facts.addObject().put(nameKey, name).put("value", value);
    }

    /** Adaptive Cards' container styles, nearest to Falcosidekick's colours. */
    static String style(Priority priority) {
        return switch (priority) {
            case EMERGENCY, ALERT, CRITICAL, ERROR -> "attention";
            case WARNING -> "warning";
            case NOTICE -> "good";
            case INFORMATIONAL -> "accent";
            case DEBUG -> "default";
        };
    }

    @Override
    public void close() {
        http.close();
    }
}
