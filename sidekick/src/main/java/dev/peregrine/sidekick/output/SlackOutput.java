package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each alert to a Slack incoming webhook as Falcosidekick does ({@link SlackMessage}): one
 * attachment coloured by priority, with Falco's output line and/or fields, and an optional
 * templated text above it.
 */
final class SlackOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(SlackOutput.class);

    /** The time field as Falcosidekick shows it (Go's time.String()). */
    static final DateTimeFormatter SLACK_TIME = AlertTemplate.GO_TIME;

    private final String name;
    private final SlackConfig config;
    private final AlertTemplate template;
    private final SlackMessage message;
    private final HttpSender http;

    SlackOutput(String name, SlackConfig config, AlertTemplate template) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.message = new SlackMessage(
                config.username(), config.icon(), config.channel(), config.footer(), config.outputFormat(), false);
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(),
                "application/json",
                message.json(alert, render(name, template, alert)));
    }

    /**
     * The message text, or null. A template that fails on this alert (a filter given the wrong
     * type, say) costs the text, not the alert: it is posted without, as Falcosidekick does.
     */
    static String render(String name, AlertTemplate template, Alert alert) {
        if (template == null) {
            return null;
        }
        try {
            return template.render(alert);
        } catch (AlertTemplate.RenderException e) {
            log.warn(
                    "output {}: message-format failed on alert {}, posting without text: {}",
                    name,
                    alert.uuid(),
                    e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
