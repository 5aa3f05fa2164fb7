package dev.peregrine.sidekick.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FalcosidekickEnvironmentTest {

    @Test
    void falcosidekickVariablesBecomeOutputs() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of(
                "SLACK_WEBHOOKURL", "https://hooks.slack.com/services/T/B/X",
                "SLACK_MINIMUMPRIORITY", "warning",
                "SLACK_OUTPUTFORMAT", "text",
                "WEBHOOK_ADDRESS", "http://siem.local/ingest",
                "WEBHOOK_CUSTOMHEADERS", "Authorization:Bearer abc, X-Tenant:blue",
                "CUSTOMFIELDS", "env:prod,team:sec",
                "LISTENPORT", "2901"));
        assertThat(props).containsEntry("peregrine.outputs.slack.type", "slack")
                .containsEntry("peregrine.outputs.slack.webhook-url", "https://hooks.slack.com/services/T/B/X")
                .containsEntry("peregrine.outputs.slack.minimum-priority", "warning")
                .containsEntry("peregrine.outputs.slack.output-format", "text")
                .containsEntry("peregrine.outputs.webhook.type", "webhook")
                .containsEntry("peregrine.outputs.webhook.url", "http://siem.local/ingest")
                .containsEntry("peregrine.outputs.webhook.headers.Authorization", "Bearer abc")
                .containsEntry("peregrine.outputs.webhook.headers.X-Tenant", "blue")
                .containsEntry("peregrine.customfields.env", "prod")
                .containsEntry("peregrine.customfields.team", "sec")
                .containsEntry("server.port", "2901");
    }

    @Test
    void anOutputIsOnlyEnabledByItsAddressVariable() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of("SLACK_MINIMUMPRIORITY", "warning"));
        assertThat(props).isEmpty();
    }
}
