package dev.peregrine.sidekick.falcosidekick;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.delivery.OutputsBinder;
import dev.peregrine.sidekick.output.alertmanager.AlertmanagerConfig;
import dev.peregrine.sidekick.output.email.EmailConfig;
import dev.peregrine.sidekick.output.slack.SlackConfig;
import jakarta.validation.Validation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

/** {@code sidekick.jar migrate}: real Falcosidekick files in, an application.yml the sidekick takes out. */
class MigrationTest {
    static final OutputCatalog CATALOG = OutputCatalog.scan();

    static String resource(String name) throws IOException {
        try (InputStream in = MigrationTest.class.getResourceAsStream("/falcosidekick/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The converted file read as the sidekick reads an application.yml, and its outputs bound. */
    static List<ConfiguredOutput> outputsOf(String applicationYml) throws IOException {
        return outputsOf(applicationYml, List.of());
    }

    /** As above, expecting exactly these problems from the outputs' own checks. */
    static List<ConfiguredOutput> outputsOf(String applicationYml, List<String> problems) throws IOException {
        StandardEnvironment env = new StandardEnvironment();
        for (PropertySource<?> ps : new YamlPropertySourceLoader()
                .load("application.yml", new ByteArrayResource(applicationYml.getBytes(StandardCharsets.UTF_8)))) {
            env.getPropertySources().addFirst(ps);
        }
        try (var validation = Validation.buildDefaultValidatorFactory()) {
            List<ConfiguredOutput> outputs = new OutputsBinder(CATALOG, validation.getValidator()).bind(env);
            assertThat(OutputsBinder.check(outputs))
                    .zipSatisfy(
                            problems, (actual, expected) -> assertThat(actual).startsWith(expected))
                    .hasSameSizeAs(problems);
            return outputs;
        }
    }

    /** Falcosidekick's own example lists every setting, nearly all at their default. */
    @Test
    void falcosidekicksExampleConfig() throws IOException {
        Migration.Result r = Migration.convert(resource("config_example.yaml"), CATALOG);
        assertThat(r.yaml()).containsOnlyKeys("peregrine");
        assertThat(Migration.report(r))
                .extracting(line -> line.substring(0, line.indexOf(':')))
                .containsExactlyInAnyOrder("customtags", "outputfieldformat", "tlsclient.cacertfile");
        String yml = Migration.write(r, "config_example.yaml");
        assertThat(yml).contains("#   customtags: Peregrine adds no tags to alerts");
        assertThat(outputsOf(yml)).isEmpty();
        assertThat(yml).contains("customfields:\n    Akey: AValue\n    Bkey: BValue\n    Ckey: CValue\n");
    }

    /** The Helm chart's values: its config section, with the chart's own keys. */
    @Test
    void falcosidekicksHelmValues() throws IOException {
        String values = resource("helm-values.yaml")
                .replaceFirst(
                        "(?m)(^  slack:\n(?:    #.*\n)*    webhookurl: )\"\"",
                        "$1\"https://hooks.slack.com/services/T/B/X\"");
        assertThat(values).contains("https://hooks.slack.com/services/T/B/X");
        Migration.Result r = Migration.convert(values, CATALOG);
        assertThat(Migration.report(r)).isEmpty();
        List<ConfiguredOutput> outputs = outputsOf(Migration.write(r, "values.yaml"));
        assertThat(outputs).extracting(ConfiguredOutput::name).containsExactly("slack");
        SlackConfig slack = (SlackConfig) outputs.getFirst().config();
        assertThat(slack.webhookUrl()).hasToString("https://hooks.slack.com/services/T/B/X");
        assertThat(outputs.getFirst().settings().minimumPriority()).isEqualTo("debug");
    }

    @Test
    void aConfigWithSeveralOutputs() throws IOException {
        Migration.Result r = Migration.convert("""
                listenport: 2901
                customfields:
                  cluster: prod-eu
                  owner: "%TEAM"
                slack:
                  webhookurl: https://hooks.slack.com/services/T/B/X
                  minimumpriority: warning
                  messageformat: 'Alert : rule *{{ .Rule }}*'
                alertmanager:
                  hostport: [http://am1:9093, http://am2:9093]
                  expiresafter: 900
                  extralabels: "team:sec, env:prod"
                  customseveritymap: {critical: page}
                SMTP:
                  hostport: mail.example.org:587
                  from: falco@example.org
                  to: "soc@example.org, oncall@example.org"
                  user: falco
                  password: s3cret
                zincsearch:
                  hostport: http://zinc:4080
                elasticsearch:
                  hostport: https://es:9200
                  numberofshards: 5
                aws:
                  region: eu-west-1
                  s3:
                    prefix: falco
                """, CATALOG);
        assertThat(Migration.report(r))
                .extracting(line -> line.substring(0, line.indexOf(':')))
                .containsExactlyInAnyOrder(
                        "alertmanager.hostport", "zincsearch.hostport", "elasticsearch.numberofshards");
        String yml = Migration.write(r, "config.yaml");
        Map<String, ConfiguredOutput> outputs =
                outputsOf(yml, List.of("peregrine.outputs.slack.message-format: template error")).stream()
                        .collect(Collectors.toMap(ConfiguredOutput::name, o -> o));
        assertThat(outputs).containsOnlyKeys("slack", "alertmanager", "email", "elasticsearch");
        assertThat(outputs.get("slack").settings().minimumPriority()).isEqualTo("warning");
        // A Go template does not compile as Pebble: carried over, so startup names it.
        assertThat(((SlackConfig) outputs.get("slack").config()).messageFormat())
                .isEqualTo("Alert : rule *{{ .Rule }}*");
        AlertmanagerConfig am = (AlertmanagerConfig) outputs.get("alertmanager").config();
        assertThat(am.url()).hasToString("http://am1:9093");
        assertThat(am.extraLabels()).containsEntry("team", "sec").containsEntry("env", "prod");
        assertThat(am.severity()).containsEntry("critical", "page");
        assertThat(am.expiresAfter()).hasSeconds(900);
        EmailConfig email = (EmailConfig) outputs.get("email").config();
        assertThat(email.host()).isEqualTo("mail.example.org");
        assertThat(email.port()).isEqualTo(587);
        assertThat(email.to()).containsExactly("soc@example.org", "oncall@example.org");
        assertThat(yml)
                .contains("server:\n  port: '2901'")
                .contains("owner: ${TEAM}")
                .contains("#   zincsearch.hostport: Falcosidekick's zincsearch output, which Peregrine does not have");
    }
}
