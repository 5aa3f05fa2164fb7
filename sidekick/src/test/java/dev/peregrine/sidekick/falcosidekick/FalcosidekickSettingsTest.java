package dev.peregrine.sidekick.falcosidekick;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Declared;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Translation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FalcosidekickSettingsTest {
    static final OutputCatalog CATALOG = OutputCatalog.scan();

    static Translation env(String... nameValue) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            env.put(nameValue[i], nameValue[i + 1]);
        }
        return FalcosidekickEnvironment.translation(env, CATALOG);
    }

    @Test
    void variablesOfOutputsPeregrineLacksAreRefusedNamingTheOutput() {
        Translation t = env(
                "ZINCSEARCH_HOSTPORT", "http://zinc:4080",
                "GOTIFY_HOSTPORT", "http://gotify:80",
                "CLIQ_WEBHOOKURL", "https://cliq.zoho.eu/x",
                "AWS_SQS_URL", "https://sqs.eu-west-1.amazonaws.com/1/q");
        assertThat(t.properties()).isEmpty();
        assertThat(t.refused())
                .extracting(Refusal::origin, Refusal::key)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("ZINCSEARCH_HOSTPORT", "zincsearch"),
                        org.assertj.core.groups.Tuple.tuple("GOTIFY_HOSTPORT", "gotify"),
                        org.assertj.core.groups.Tuple.tuple("CLIQ_WEBHOOKURL", "cliq"),
                        org.assertj.core.groups.Tuple.tuple("AWS_SQS_URL", "aws.sqs"));
        assertThat(t.refused().getFirst().describe())
                .contains("which Peregrine does not have")
                .contains("instead: ");
    }

    /** Which outputs are lacking follows the declarations: nothing is listed by hand. */
    @Test
    void anOutputNoTypeDeclaresIsRefused() {
        Map<String, Declared> declared = new LinkedHashMap<>(FalcosidekickSettings.declared(CATALOG));
        assertThat(declared).containsKey("slack");
        List<FalcosidekickSettings.Setting> slack =
                FalcosidekickEnvironment.settings(Map.of("SLACK_WEBHOOKURL", "https://hooks.slack.com/x"));
        assertThat(FalcosidekickSettings.translate(slack, declared).refused()).isEmpty();
        declared.remove("slack");
        assertThat(FalcosidekickSettings.translate(slack, declared).refused())
                .singleElement()
                .satisfies(r -> assertThat(r.describe()).startsWith("SLACK_WEBHOOKURL: Falcosidekick's slack output"));
    }

    @Test
    void settingsOfAnOutputFalcosidekickWouldNotEnableChangeNothing() {
        Translation t = env("GOTIFY_TOKEN", "t", "CLIQ_ICON", "https://img.example/falco.png");
        assertThat(t.refused()).isEmpty();
        assertThat(t.skipped()).hasSize(2);
    }

    @Test
    void keysWithoutCounterpartAreRefusedUnlessAtTheirDefault() {
        Translation t = env(
                "ELASTICSEARCH_HOSTPORT", "http://es:9200",
                "ELASTICSEARCH_NUMBEROFSHARDS", "5",
                "ELASTICSEARCH_NUMBEROFREPLICAS", "3",
                "SLACK_WEBHOOKURL", "https://hooks.slack.com/x",
                "SLACK_CHECKCERT", "false",
                "SLACK_MUTUALTLS", "false",
                "KAFKA_HOSTPORT", "k:9092",
                "KAFKA_TOPIC", "falco",
                "KAFKA_REQUIREDACKS", "ONE");
        assertThat(t.refused())
                .extracting(Refusal::origin)
                .containsExactlyInAnyOrder("ELASTICSEARCH_NUMBEROFSHARDS", "SLACK_CHECKCERT", "KAFKA_REQUIREDACKS");
        assertThat(t.skipped())
                .extracting(FalcosidekickSettings.Setting::origin)
                .contains("ELASTICSEARCH_NUMBEROFREPLICAS", "SLACK_MUTUALTLS");
    }

    @Test
    void globalSettingsWithoutCounterpartAreRefused() {
        Translation t = env(
                "CUSTOMTAGS", "a,b",
                "OUTPUTFIELDFORMAT", "<timestamp>: <output>",
                "DEBUG", "true",
                "AWS_REGION", "eu-west-1");
        // DEBUG is Spring Boot's own switch first; AWS_REGION alone configures no output.
        assertThat(t.refused())
                .extracting(Refusal::origin)
                .containsExactlyInAnyOrder("CUSTOMTAGS", "OUTPUTFIELDFORMAT");
        assertThat(t.properties()).isEmpty();
    }

    @Test
    void customFieldsReadOtherVariablesAsFalcosidekickDoes() {
        assertThat(env("CUSTOMFIELDS", "cluster:%CLUSTER_NAME,env:prod").properties())
                .containsEntry("peregrine.customfields.cluster", "${CLUSTER_NAME}")
                .containsEntry("peregrine.customfields.env", "prod");
    }

    @Test
    void mutualTlsTakesFalcosidekicksClientFiles() {
        assertThat(env(
                                "WEBHOOK_ADDRESS", "https://siem:8443/",
                                "WEBHOOK_MUTUALTLS", "true",
                                "MUTUALTLSFILESPATH", "/certs",
                                "MUTUALTLSCLIENT_CERTFILE", "/own/client.pem")
                        .properties())
                .containsEntry("peregrine.outputs.webhook.tls.cert-file", "/own/client.pem")
                .containsEntry("peregrine.outputs.webhook.tls.key-file", "/certs/client.key")
                .containsEntry("peregrine.outputs.webhook.tls.ca-file", "/certs/ca.crt");
        assertThat(env("SLACK_WEBHOOKURL", "https://hooks.slack.com/x", "SLACK_MUTUALTLS", "true")
                        .refused())
                .extracting(Refusal::origin)
                .containsExactly("SLACK_MUTUALTLS");
    }

    @Test
    void serverTlsBecomesSpringBootsServerSsl() {
        assertThat(env(
                                "TLSSERVER_DEPLOY", "true",
                                "TLSSERVER_CERTFILE", "/tls/server.crt",
                                "TLSSERVER_MUTUALTLS", "true")
                        .properties())
                .containsEntry("server.ssl.certificate", "/tls/server.crt")
                .containsEntry("server.ssl.certificate-private-key", "/etc/certs/server/server.key")
                .containsEntry("server.ssl.client-auth", "need")
                .containsEntry("server.ssl.trust-certificate", "/etc/certs/server/ca.crt");
    }

    @Test
    void severalAlertmanagersAskForOneOutputEach() {
        Translation t = env("ALERTMANAGER_HOSTPORT", "http://am1:9093,http://am2:9093");
        assertThat(t.properties()).containsEntry("peregrine.outputs.alertmanager.url", "http://am1:9093");
        assertThat(t.refused())
                .singleElement()
                .satisfies(r -> assertThat(r.instead()).contains("peregrine.outputs.alertmanager-2"));
    }

    @Test
    void everySettingIsEitherUsedRefusedOrSkipped() {
        Translation t = env(FalcosidekickEnvironmentTest.DATA_OUTPUTS.entrySet().stream()
                .flatMap(
                        e -> java.util.stream.Stream.of(e.getKey(), e.getValue().toString()))
                .toArray(String[]::new));
        assertThat(t.refused()).isEmpty();
        assertThat(t.used().size() + t.skipped().size()).isEqualTo(FalcosidekickEnvironmentTest.DATA_OUTPUTS.size());
    }

    @Test
    void alertmanagersDropThresholdsCarryOver() {
        assertThat(env(
                                "ALERTMANAGER_HOSTPORT", "http://am:9093",
                                "ALERTMANAGER_DROPEVENTTHRESHOLDS", "10000:critical, 10:warning",
                                "ALERTMANAGER_DROPEVENTDEFAULTPRIORITY", "error")
                        .properties())
                .containsEntry("peregrine.outputs.alertmanager.drop-event-thresholds.10000", "critical")
                .containsEntry("peregrine.outputs.alertmanager.drop-event-thresholds.10", "warning")
                .containsEntry("peregrine.outputs.alertmanager.drop-event-default-priority", "error");
    }
}
