package dev.peregrine.sidekick.falcosidekick;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/migrating-from-falcosidekick.md goes key by key: every key of every Falcosidekick output a
 * Peregrine output declares is in that output's table (an output added later, its keys too).
 */
class MigrationGuideTest {
    @Test
    void theGuideHasEveryKeyOfEveryDeclaredOutput() throws Exception {
        String guide = Files.readString(Path.of("../docs/migrating-from-falcosidekick.md"));
        FalcosidekickSettings.declared(OutputCatalog.scan()).forEach((section, declared) -> {
            int start = guide.indexOf("`" + section + "` → [`type: " + declared.type() + "`]");
            assertThat(start)
                    .as("a heading for Falcosidekick's %s output", section)
                    .isPositive();
            int end = guide.indexOf("\n### ", start + 1);
            String table = guide.substring(start, end < 0 ? guide.length() : end);
            for (String key :
                    FalcosidekickKeys.get().outputs().get(section).keys().keySet()) {
                assertThat(table.contains("`" + key + "`") || table.contains("." + key + "`"))
                        .as("%s.%s in the guide", section, key)
                        .isTrue();
            }
        });
    }
}
