package dev.peregrine.sidekick.falcosidekick;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import dev.peregrine.sidekick.output.elasticsearch.ElasticsearchConfig;
import dev.peregrine.sidekick.output.email.EmailConfig;
import dev.peregrine.sidekick.output.loki.LokiConfig;
import dev.peregrine.sidekick.output.pagerduty.PagerdutyConfig;
import dev.peregrine.sidekick.output.syslog.SyslogConfig;
import jakarta.validation.Validation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

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
        assertThat(props)
                .containsEntry("peregrine.outputs.slack.type", "slack")
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

    @Test
    void chatOutputs() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of(
                "TEAMS_WEBHOOKURL", "https://contoso.webhook.office.com/webhookb2/x",
                "TEAMS_ACTIVITYIMAGE", "https://img.example/falco.png",
                "TEAMS_OUTPUTFORMAT", "facts",
                "TEAMS_MINIMUMPRIORITY", "error",
                "DISCORD_WEBHOOKURL", "https://discord.com/api/webhooks/1/t",
                "DISCORD_ICON", "https://img.example/d.png",
                "MATTERMOST_WEBHOOKURL", "https://chat.example/hooks/k",
                "MATTERMOST_USERNAME", "falco",
                "MATTERMOST_FOOTER", "prod",
                "MATTERMOST_OUTPUTFORMAT", "text"));
        assertThat(props)
                .containsOnly(
                        Map.entry("peregrine.outputs.teams.type", "teams"),
                        Map.entry(
                                "peregrine.outputs.teams.webhook-url",
                                "https://contoso.webhook.office.com/webhookb2/x"),
                        Map.entry("peregrine.outputs.teams.activity-image", "https://img.example/falco.png"),
                        Map.entry("peregrine.outputs.teams.output-format", "facts"),
                        Map.entry("peregrine.outputs.teams.minimum-priority", "error"),
                        Map.entry("peregrine.outputs.discord.type", "discord"),
                        Map.entry("peregrine.outputs.discord.webhook-url", "https://discord.com/api/webhooks/1/t"),
                        Map.entry("peregrine.outputs.discord.icon", "https://img.example/d.png"),
                        Map.entry("peregrine.outputs.mattermost.type", "mattermost"),
                        Map.entry("peregrine.outputs.mattermost.webhook-url", "https://chat.example/hooks/k"),
                        Map.entry("peregrine.outputs.mattermost.username", "falco"),
                        Map.entry("peregrine.outputs.mattermost.footer", "prod"),
                        Map.entry("peregrine.outputs.mattermost.output-format", "text"));
    }

    @Test
    void smtpBecomesTheEmailOutput() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of(
                "SMTP_HOSTPORT", "smtp.example.org:2525",
                "SMTP_FROM", "falco@example.org",
                "SMTP_TO", "soc@example.org, oncall@example.org",
                "SMTP_USER", "falco",
                "SMTP_PASSWORD", "s3cret",
                "SMTP_TLS", "false",
                "SMTP_OUTPUTFORMAT", "text",
                "SMTP_MINIMUMPRIORITY", "critical"));
        assertThat(props)
                .containsOnly(
                        Map.entry("peregrine.outputs.email.type", "email"),
                        Map.entry("peregrine.outputs.email.host", "smtp.example.org"),
                        Map.entry("peregrine.outputs.email.port", "2525"),
                        Map.entry("peregrine.outputs.email.from", "falco@example.org"),
                        Map.entry("peregrine.outputs.email.to", "soc@example.org,oncall@example.org"),
                        Map.entry("peregrine.outputs.email.username", "falco"),
                        Map.entry("peregrine.outputs.email.password", "s3cret"),
                        Map.entry("peregrine.outputs.email.starttls", "off"),
                        Map.entry("peregrine.outputs.email.output-format", "text"),
                        Map.entry("peregrine.outputs.email.minimum-priority", "critical"));
    }

    @Test
    void smtpWithoutPortOrAuthentication() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of(
                "SMTP_HOSTPORT", "[2001:db8::25]:25",
                "SMTP_AUTHMECHANISM", "none",
                "SMTP_USER", "ignored",
                "SMTP_TLS", "true"));
        assertThat(props)
                .containsEntry("peregrine.outputs.email.host", "2001:db8::25")
                .containsEntry("peregrine.outputs.email.port", "25")
                .containsEntry("peregrine.outputs.email.starttls", "required")
                .doesNotContainKey("peregrine.outputs.email.username");
        assertThat(FalcosidekickEnvironment.map(Map.of("SMTP_HOSTPORT", "mail.local")))
                .containsEntry("peregrine.outputs.email.host", "mail.local")
                .doesNotContainKey("peregrine.outputs.email.port");
    }

    @Test
    void kafkaSaslAndTlsBecomeProducerProperties() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of(
                "KAFKA_HOSTPORT", "b1:9093,b2:9093",
                "KAFKA_TOPIC", "falco",
                "KAFKA_CLIENTID", "sidekick",
                "KAFKA_TLS", "true",
                "KAFKA_SASL", "SCRAM_SHA512",
                "KAFKA_USERNAME", "falco",
                "KAFKA_PASSWORD", "p\"w",
                "KAFKA_COMPRESSION", "LZ4"));
        assertThat(props)
                .containsOnly(
                        Map.entry("peregrine.outputs.kafka.type", "kafka"),
                        Map.entry("peregrine.outputs.kafka.bootstrap-servers", "b1:9093,b2:9093"),
                        Map.entry("peregrine.outputs.kafka.topic", "falco"),
                        Map.entry("peregrine.outputs.kafka.client-id", "sidekick"),
                        Map.entry("peregrine.outputs.kafka.properties.security.protocol", "SASL_SSL"),
                        Map.entry("peregrine.outputs.kafka.properties.sasl.mechanism", "SCRAM-SHA-512"),
                        Map.entry(
                                "peregrine.outputs.kafka.properties.sasl.jaas.config",
                                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"falco\" password=\"p\\\"w\";"),
                        Map.entry("peregrine.outputs.kafka.properties.compression.type", "lz4"));
        assertThat(FalcosidekickEnvironment.map(Map.of("KAFKA_HOSTPORT", "b1:9092", "KAFKA_TLS", "true")))
                .containsEntry("peregrine.outputs.kafka.properties.security.protocol", "SSL");
    }

    @Test
    void natsKeepsFalcosidekicksSubject() {
        assertThat(FalcosidekickEnvironment.map(
                        Map.of("NATS_HOSTPORT", "nats://nats:4222", "NATS_MINIMUMPRIORITY", "notice")))
                .containsOnly(
                        Map.entry("peregrine.outputs.nats.type", "nats"),
                        Map.entry("peregrine.outputs.nats.servers", "nats://nats:4222"),
                        Map.entry("peregrine.outputs.nats.minimum-priority", "notice"),
                        Map.entry("peregrine.outputs.nats.subject-template", "falco.<priority>.<rule>"));
        assertThat(FalcosidekickEnvironment.map(
                        Map.of("NATS_HOSTPORT", "nats://nats:4222", "NATS_SUBJECTTEMPLATE", "sec.<rule>")))
                .containsEntry("peregrine.outputs.nats.subject-template", "sec.<rule>");
    }

    @Test
    void alertmanagerUrlAndLists() {
        Map<String, Object> props = FalcosidekickEnvironment.map(Map.of(
                "ALERTMANAGER_HOSTPORT", "http://am:9093/",
                "ALERTMANAGER_ENDPOINT", "/api/v2/alerts",
                "ALERTMANAGER_EXPIRESAFTER", "900",
                "ALERTMANAGER_EXTRALABELS", "cluster:prod,team:sec",
                "ALERTMANAGER_EXTRAANNOTATIONS", "runbook:https://wiki/falco",
                "ALERTMANAGER_CUSTOMSEVERITYMAP", "critical:page",
                "ALERTMANAGER_CUSTOMHEADERS", "X-Scope-OrgID:t1"));
        assertThat(props)
                .containsOnly(
                        Map.entry("peregrine.outputs.alertmanager.type", "alertmanager"),
                        Map.entry("peregrine.outputs.alertmanager.url", "http://am:9093/api/v2/alerts"),
                        Map.entry("peregrine.outputs.alertmanager.expires-after", "900"),
                        Map.entry("peregrine.outputs.alertmanager.extra-labels.cluster", "prod"),
                        Map.entry("peregrine.outputs.alertmanager.extra-labels.team", "sec"),
                        Map.entry("peregrine.outputs.alertmanager.extra-annotations.runbook", "https://wiki/falco"),
                        Map.entry("peregrine.outputs.alertmanager.severity.critical", "page"),
                        Map.entry("peregrine.outputs.alertmanager.headers.X-Scope-OrgID", "t1"));
    }

    @Test
    void mappedVariablesBindToWorkingOutputs() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources()
                .addFirst(new MapPropertySource(
                        "fsk",
                        FalcosidekickEnvironment.map(env(
                                "SMTP_HOSTPORT",
                                "smtp.example.org:587",
                                "SMTP_FROM",
                                "a@example.org",
                                "SMTP_TO",
                                "b@example.org, c@example.org",
                                "KAFKA_HOSTPORT",
                                "b1:9092",
                                "KAFKA_TOPIC",
                                "falco",
                                "KAFKA_SASL",
                                "PLAIN",
                                "KAFKA_USERNAME",
                                "u",
                                "NATS_HOSTPORT",
                                "nats://127.0.0.1:4222",
                                "ALERTMANAGER_HOSTPORT",
                                "http://am:9093",
                                "ALERTMANAGER_EXTRALABELS",
                                "cluster:prod",
                                "TEAMS_WEBHOOKURL",
                                "https://x.webhook.office.com/a",
                                "DISCORD_WEBHOOKURL",
                                "https://discord.com/api/webhooks/1/t",
                                "MATTERMOST_WEBHOOKURL",
                                "https://chat.example/hooks/k"))));
        try (var validation = Validation.buildDefaultValidatorFactory()) {
            var outputs = new OutputsBinder(OutputCatalog.scan(), validation.getValidator()).bind(env);
            assertThat(outputs)
                    .extracting(ConfiguredOutput::name)
                    .containsExactlyInAnyOrder(
                            "email", "kafka", "nats", "alertmanager", "teams", "discord", "mattermost");
            var email = (EmailConfig) outputs.stream()
                    .filter(o -> o.name().equals("email"))
                    .findFirst()
                    .orElseThrow()
                    .config();
            assertThat(email.to()).containsExactly("b@example.org", "c@example.org");
        }
    }

    static Map<String, Object> env(String... nameValue) {
        Map<String, Object> env = new HashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            env.put(nameValue[i], nameValue[i + 1]);
        }
        return env;
    }

    static final Map<String, Object> DATA_OUTPUTS = Map.ofEntries(
            Map.entry("SYSLOG_HOST", "syslog.example"),
            Map.entry("SYSLOG_PORT", "1514"),
            Map.entry("SYSLOG_PROTOCOL", "udp"),
            Map.entry("SYSLOG_FORMAT", "cef"),
            Map.entry("SYSLOG_MINIMUMPRIORITY", "error"),
            Map.entry("ELASTICSEARCH_HOSTPORT", "https://es.example:9200"),
            Map.entry("ELASTICSEARCH_INDEX", "falco-prod"),
            Map.entry("ELASTICSEARCH_SUFFIX", "monthly"),
            Map.entry("ELASTICSEARCH_APIKEY", "a2V5OnNlY3JldA=="),
            Map.entry("ELASTICSEARCH_PIPELINE", "falco"),
            Map.entry("ELASTICSEARCH_FLATTENFIELDS", "true"),
            Map.entry("ELASTICSEARCH_CUSTOMHEADERS", "X-Tenant:blue"),
            Map.entry("LOKI_HOSTPORT", "http://loki:3100"),
            Map.entry("LOKI_USER", "12345"),
            Map.entry("LOKI_APIKEY", "glc_token"),
            Map.entry("LOKI_TENANT", "sec"),
            Map.entry("LOKI_FORMAT", "json"),
            Map.entry("LOKI_ENDPOINT", "/api/prom/push"),
            Map.entry("LOKI_EXTRALABELS", "k8s.ns.name,container.name"),
            Map.entry("LOKI_CUSTOMHEADERS", "X-Team:secops"),
            Map.entry("PAGERDUTY_ROUTINGKEY", "R0123456789abcdef0123456789abcde"),
            Map.entry("PAGERDUTY_REGION", "eu"),
            Map.entry("PAGERDUTY_MINIMUMPRIORITY", "critical"));

    @Test
    void dataOutputVariablesBecomeOutputs() {
        Map<String, Object> props = FalcosidekickEnvironment.map(DATA_OUTPUTS);
        assertThat(props)
                .containsEntry("peregrine.outputs.syslog.type", "syslog")
                .containsEntry("peregrine.outputs.syslog.host", "syslog.example")
                .containsEntry("peregrine.outputs.syslog.port", "1514")
                .containsEntry("peregrine.outputs.syslog.protocol", "udp")
                .containsEntry("peregrine.outputs.syslog.format", "cef")
                .containsEntry("peregrine.outputs.syslog.minimum-priority", "error")
                .containsEntry("peregrine.outputs.elasticsearch.type", "elasticsearch")
                .containsEntry("peregrine.outputs.elasticsearch.url", "https://es.example:9200")
                .containsEntry("peregrine.outputs.elasticsearch.api-key", "a2V5OnNlY3JldA==")
                .containsEntry("peregrine.outputs.elasticsearch.headers.X-Tenant", "blue")
                .containsEntry("peregrine.outputs.loki.type", "loki")
                .containsEntry("peregrine.outputs.loki.username", "12345")
                .containsEntry("peregrine.outputs.loki.password", "glc_token")
                .containsEntry("peregrine.outputs.loki.output-fields", "k8s.ns.name,container.name")
                .containsEntry("peregrine.outputs.loki.headers.X-Team", "secops")
                .containsEntry("peregrine.outputs.pagerduty.type", "pagerduty")
                .containsEntry("peregrine.outputs.pagerduty.routing-key", "R0123456789abcdef0123456789abcde")
                .containsEntry("peregrine.outputs.pagerduty.region", "eu");
    }

    /** Every key the variables map to is one the output has: bound and validated as startup does. */
    @Test
    void dataOutputVariablesBindToValidOutputs() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("env", FalcosidekickEnvironment.map(DATA_OUTPUTS)));
        List<ConfiguredOutput> outputs = new OutputsBinder(
                        OutputCatalog.scan(),
                        Validation.buildDefaultValidatorFactory().getValidator())
                .bind(env);
        Map<String, ConfiguredOutput> byName =
                outputs.stream().collect(Collectors.toMap(ConfiguredOutput::name, o -> o));
        assertThat(byName).containsOnlyKeys("elasticsearch", "loki", "pagerduty", "syslog");

        SyslogConfig syslog = (SyslogConfig) byName.get("syslog").config();
        assertThat(syslog.port()).isEqualTo(1514);
        assertThat(syslog.format()).isEqualTo("cef");
        assertThat(byName.get("syslog").settings().minimumPriority()).isEqualTo("error");
        ElasticsearchConfig es =
                (ElasticsearchConfig) byName.get("elasticsearch").config();
        assertThat(es.index()).isEqualTo("falco-prod");
        assertThat(es.suffix()).isEqualTo("monthly");
        assertThat(es.flattenFields()).isTrue();
        assertThat(es.pipeline()).isEqualTo("falco");
        LokiConfig loki = (LokiConfig) byName.get("loki").config();
        assertThat(loki.outputFields()).containsExactly("k8s.ns.name", "container.name");
        assertThat(loki.endpoint()).isEqualTo("/api/prom/push");
        assertThat(loki.tenant()).isEqualTo("sec");
        PagerdutyConfig pd = (PagerdutyConfig) byName.get("pagerduty").config();
        assertThat(pd.region()).isEqualTo("eu");
        assertThat(byName.get("pagerduty").settings().minimumPriority()).isEqualTo("critical");
    }

    @Test
    void dataOutputsAreOnlyEnabledByTheirAddressVariable() {
        assertThat(FalcosidekickEnvironment.map(Map.of(
                        "SYSLOG_PORT",
                        "514",
                        "ELASTICSEARCH_INDEX",
                        "x",
                        "LOKI_TENANT",
                        "t",
                        "PAGERDUTY_REGION",
                        "eu",
                        "LOKI_CUSTOMHEADERS",
                        "a:b")))
                .isEmpty();
    }
}
