package dev.peregrine.sidekick.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AlertTemplateTest {
    static final String KEY = "peregrine.outputs.chat.message-format";

    static Alert withPriority(Alert a, Priority p) {
        return new Alert(
                a.uuid(),
                a.time(),
                a.rule(),
                p,
                a.source(),
                a.output(),
                a.outputFields(),
                a.tags(),
                a.hostname(),
                a.message(),
                a.origin());
    }

    @Test
    void modelGivesEveryAlertFieldUnderItsFalcoName() throws Exception {
        Alert alert = SampleAlerts.alert(1);
        AlertTemplate t = AlertTemplate.compile(KEY, """
                {{ uuid }}|{{ time }}|{{ rule }}|{{ priority }}|{{ source }}|{{ hostname }}
                {{ tags | join(",") }}|{{ output_fields["fd.name"] }}|{{ output_fields["user.uid"] + 1 }}
                {{ output }}""");

        assertThat(t.render(alert))
                .isEqualTo(alert.uuid() + "|2025-11-20T09:14:37.502981066Z|Read sensitive file untrusted"
                        + "|Warning|syscall|ip-10-0-1-23.eu-west-1.compute.internal\n"
                        + "T1555,container,filesystem,host,maturity_stable,mitre_credential_access|/etc/shadow|1\n"
                        + alert.output());
        assertThat(AlertTemplate.model(alert))
                .containsOnlyKeys(
                        "uuid", "time", "rule", "priority", "source", "hostname", "output", "tags", "output_fields");
    }

    @Test
    void syntaxErrorIsAConfigErrorNamingTheKeyAndLine() {
        assertThatThrownBy(() -> AlertTemplate.compile(KEY, "{{ rule }}\n\n{% for t in tags %}{{ t }}"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith(KEY + ": template error at line 3: ")
                                .contains("endfor"));
    }

    @Test
    void goTemplateGetsAHintWhateverTheOutput() {
        assertThatThrownBy(() -> AlertTemplate.compile("peregrine.outputs.mail.subject", "{{ .Priority }}"))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .singleElement()
                                .asString()
                                .startsWith("peregrine.outputs.mail.subject: template error at line 1: ")
                                .contains("write {{ rule }} for {{ .Rule }}"));
    }

    @ParameterizedTest
    @CsvSource({
        "Emergency,     #e20b0b, #e20b0b, 15158332, \uD83D\uDEA8",
        "Alert,         #ff5400, #ff5400, 11027200, \uD83D\uDFE0",
        "Critical,      #ff5400, #ff9000, 15105570, \uD83D\uDFE0",
        "Error,         #e20b0b, #ffc700, 15844367, \uD83D\uDEA8",
        "Warning,       #ffc700, #ffff00, 12745742, \uD83D\uDFE1",
        "Notice,        #5bffb5, #5bffb5, 3066993,  \uD83D\uDD35",
        "Informational, #68c2ff, #68c2ff, 3447003,  \uD83D\uDFE2",
        "Debug,         #ccfff2, #ccfff2, 12370112, \u26AA",
    })
    void colourAndEmojiFiltersFollowThePriority(String priority, String chat, String mail, String discord, String emoji)
            throws Exception {
        AlertTemplate t = AlertTemplate.compile(
                KEY,
                "{{ priority | color }} {{ priority | color(\"mail\") }} {{ priority | color(\"discord\") }} {{ priority | emoji }}");

        assertThat(t.render(withPriority(SampleAlerts.alert(0), Priority.parse(priority))))
                .isEqualTo(chat + " " + mail + " " + discord + " " + emoji);
    }

    @Test
    void jsonFilterWritesJsonLiterals() throws Exception {
        AlertTemplate t = AlertTemplate.compile(
                KEY,
                "{\"text\": {{ text | json }}, \"n\": {{ n | json }}, \"tags\": {{ tags | json }}, \"none\": {{ nothing | json }}}");

        String out = t.render(Map.of("text", "say \"hi\"\n\\", "n", 3, "tags", List.of("a", "b")));

        assertThat(out)
                .isEqualTo("{\"text\": \"say \\\"hi\\\"\\n\\\\\", \"n\": 3, \"tags\": [\"a\",\"b\"], \"none\": null}");
    }

    @Test
    void htmlTemplatesEscapeValuesPlainOnesDoNot() throws Exception {
        Map<String, Object> model = Map.of("output", "<b>&</b>");

        assertThat(AlertTemplate.compileHtml(KEY, "<p>{{ output }}</p>").render(model))
                .isEqualTo("<p>&lt;b&gt;&amp;&lt;/b&gt;</p>");
        assertThat(AlertTemplate.compile(KEY, "{{ output }}").render(model)).isEqualTo("<b>&</b>");
    }

    @Test
    void failureOnOneAlertIsARenderException() {
        AlertTemplate t = AlertTemplate.compile(KEY, "{{ rule | abs }}");

        assertThatThrownBy(() -> t.render(SampleAlerts.alert(0))).isInstanceOf(AlertTemplate.RenderException.class);
        AlertTemplate palette = AlertTemplate.compile(KEY, "{{ priority | color(\"rainbow\") }}");
        assertThatThrownBy(() -> palette.render(SampleAlerts.alert(0)))
                .isInstanceOf(AlertTemplate.RenderException.class)
                .hasMessageContaining("unknown palette 'rainbow'");
    }

    @Test
    void theExampleInTemplatesMdRenders() throws Exception {
        AlertTemplate t = AlertTemplate.compile(KEY, """
                {{ priority | emoji }} *{{ rule }}* on `{{ hostname | default("?") }}`
                {% for f in output_fields %}{% if f.key.startsWith("k8s.") %}{{ f.key }}={{ f.value }} {% endif %}{% endfor %}""");

        assertThat(t.render(SampleAlerts.alert(3)))
                .isEqualTo(
                        "\uD83D\uDD35 *Contact K8S API Server From Container* on"
                                + " `gke-prod-pool-1-8f3a2c1d-q7lm`\nk8s.ns.name=payments k8s.pod.name=payments-api-5b7f9d9c8-4hzsw ");
    }
}
