package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickKeys.Kind;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.TlsConfig;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns Falcosidekick settings (its variables, or its {@code config.yaml}) into Peregrine's. Each
 * output Falcosidekick would enable becomes {@code peregrine.outputs.<type>} when an output type
 * declares it ({@link Declared}); each setting that would change what Falcosidekick does but has
 * no counterpart here is refused, with the reason and what to do instead. Settings left at
 * Falcosidekick's default, and those of outputs it would not enable, change nothing: skipped.
 *
 * <p>{@link OutputSections} translates the outputs, {@link OutputSpecificKeys} the keys some of
 * them combine, {@link ServiceSettings} Falcosidekick's own settings; what became of each setting
 * is kept in a {@link TranslationRecord}.
 */
public final class FalcosidekickSettings {

    /**
     * A Falcosidekick setting as read.
     *
     * @param key its lower-case path, {@code slack.webhookurl}
     * @param origin where it came from, for messages: the variable, or the file's key
     * @param value a String, a {@code List<String>} or a {@code Map<String, String>}
     */
    public record Setting(String key, String origin, Object value) {}

    /** A setting that is not carried over: why, and what to write instead (or null). */
    public record Refusal(String key, String origin, String reason, String instead) {
        public String describe() {
            return origin + ": " + reason + (instead == null ? "" : "; instead: " + instead);
        }
    }

    /**
     * An output type that declares Falcosidekick's output of the same destination.
     *
     * @param type our type name, also the output's name
     * @param keys Falcosidekick key (within its section) → our key, as the declaration gives them
     * @param hasTls whether the output has {@code tls.*} (CA, client certificate)
     */
    public record Declared(String type, Map<String, String> keys, boolean hasTls) {}

    /**
     * @param properties Peregrine's properties, flat ({@code peregrine.outputs.slack.webhook-url})
     * @param used each Falcosidekick key carried over, with the properties it became
     * @param refused settings that would change what Falcosidekick does and have no counterpart
     * @param skipped settings that change nothing: defaults, outputs Falcosidekick would not enable
     */
    public record Translation(
            Map<String, Object> properties,
            Map<String, List<String>> used,
            List<Refusal> refused,
            List<Setting> skipped) {}

    /** The declarations of every output type there is ({@link FalcosidekickOutput}), by section. */
    public static Map<String, Declared> declared(OutputCatalog catalog) {
        Map<String, Declared> declared = new LinkedHashMap<>();
        for (String type : catalog.typeNames()) {
            Class<?> config = catalog.configOf(type);
            FalcosidekickOutput d = config.getAnnotation(FalcosidekickOutput.class);
            if (d == null) {
                continue;
            }
            Map<String, String> keys = new LinkedHashMap<>();
            for (String k : d.keys()) {
                int colon = k.indexOf(':');
                keys.put(
                        (colon < 0 ? k : k.substring(0, colon)).trim(),
                        (colon < 0 ? k : k.substring(colon + 1)).trim());
            }
            boolean tls = Arrays.stream(config.getRecordComponents()).anyMatch(c -> c.getType() == TlsConfig.class);
            Declared previous = declared.put(d.value(), new Declared(type, Map.copyOf(keys), tls));
            if (previous != null) {
                throw new IllegalStateException("two output types declare Falcosidekick's " + d.value() + ": "
                        + previous.type() + " and " + type);
            }
        }
        return declared;
    }

    /**
     * @param settings Falcosidekick settings; for one key the last wins
     * @param declared our output types by the Falcosidekick section they declare
     */
    public static Translation translate(Collection<Setting> settings, Map<String, Declared> declared) {
        TranslationRecord record = new TranslationRecord(settings);
        new OutputSections(declared, record).translate();
        new ServiceSettings(record).translate();
        return record.translation();
    }

    /** Falcosidekick's "name:value,name:value" lists; an item without a colon is skipped. */
    public static Map<String, String> pairs(String list) {
        return SettingValues.pairs(list);
    }

    /** The kind of a Falcosidekick key, TEXT for keys it does not have. */
    static Kind kindOf(String key) {
        return FalcosidekickKeys.get().kind(key).orElse(Kind.TEXT);
    }
}
