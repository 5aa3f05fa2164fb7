package dev.peregrine.sidekick.output.slack;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SlackMessage;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * Posts each alert to a Slack incoming webhook as Falcosidekick does ({@link SlackMessage}): one
 * attachment coloured by priority, with Falco's output line and/or fields, and an optional
 * templated text above it.
 */
final class SlackOutput implements Output {
    /** The time field as Falcosidekick shows it (Go's time.String()). */
    static final DateTimeFormatter SLACK_TIME = AlertTemplate.GO_TIME;

    private final String name;
    private final SlackConfig config;
    private final AlertTemplate template;
    private final SlackMessage message;
    private final HttpSender http;

    SlackOutput(String name, SlackConfig config, AlertTemplate template, SlackMessage message) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.message = message;
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                message.json(alert, Chat.text(name, template, alert)));
    }

    @Override
    public void close() {
        http.close();
    }
}
