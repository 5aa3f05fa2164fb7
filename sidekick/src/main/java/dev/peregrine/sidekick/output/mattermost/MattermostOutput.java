package dev.peregrine.sidekick.output.mattermost;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.IdempotencyKey;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SlackMessage;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.util.Map;

/**
 * Posts each alert to a Mattermost incoming webhook as Falcosidekick does: Slack's attachment
 * format ({@link SlackMessage}, which Mattermost speaks), fields in Falcosidekick's Mattermost
 * order (rule, hostname, priority, source, ...), and an optional templated text above it.
 */
final class MattermostOutput implements Output {
    private final String name;
    private final MattermostConfig config;
    private final AlertTemplate template;
    private final SlackMessage message;
    private final HttpSender http;

    MattermostOutput(String name, MattermostConfig config, AlertTemplate template, SlackMessage message) {
        this.name = name;
        this.config = config;
        this.template = template;
        this.message = message;
        this.http = new HttpSender(config.timeout(), TlsConfig.NONE);
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        // A template that fails on this alert costs the text, not the alert, as for Slack.
        String text = Chat.text(name, template, alert);
        http.send(
                "POST",
                config.webhookUrl(),
                Map.of(IdempotencyKey.HEADER, alert.uuid()),
                "application/json",
                message.json(alert, text));
    }

    @Override
    public void close() {
        http.close();
    }
}
