package dev.peregrine.sidekick.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.slack.SlackConfig;
import dev.peregrine.sidekick.output.webhook.WebhookConfig;
import org.junit.jupiter.api.Test;

class OutputCatalogTest {
    static final OutputCatalog CATALOG = OutputCatalog.scan();

    @Test
    void findsOutputsInTheirOwnPackagesByTheirTypeName() {
        assertThat(CATALOG.configOf("slack")).isEqualTo(SlackConfig.class);
        assertThat(CATALOG.configOf("webhook")).isEqualTo(WebhookConfig.class);
        assertThat(CATALOG.configOf("carrier-pigeon")).isNull();
    }

    @Test
    void everyTypeIsNamedByItsRecordsAnnotationAndLivesBelowTheOutputPackage() {
        assertThat(CATALOG.typeNames()).isNotEmpty().allSatisfy(name -> {
            Class<? extends OutputConfig> config = CATALOG.configOf(name);
            assertThat(config.getAnnotation(OutputType.class).value()).isEqualTo(name);
            assertThat(config.getPackageName()).startsWith(OutputType.class.getPackageName() + ".");
        });
    }
}
