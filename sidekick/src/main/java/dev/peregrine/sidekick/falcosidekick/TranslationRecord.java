package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Translation;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Falcosidekick settings being translated and what became of each: the properties it gave,
 * or a refusal, or skipped. The parts of the translation (outputs, their specific keys,
 * Falcosidekick's own settings) all write here, so that one setting's fate is in one place.
 */
final class TranslationRecord {
    private final Map<String, Setting> byKey = new LinkedHashMap<>();
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private final Map<String, List<String>> used = new LinkedHashMap<>();
    private final List<Refusal> refused = new ArrayList<>();
    private final List<Setting> skipped = new ArrayList<>();

    /** For one key the last setting wins. */
    TranslationRecord(Collection<Setting> settings) {
        settings.forEach(s -> byKey.put(s.key(), s));
    }

    Translation translation() {
        return new Translation(properties, used, refused, skipped);
    }

    Collection<Setting> settings() {
        return byKey.values();
    }

    /** The setting of {@code key}, or null. */
    Setting get(String key) {
        return byKey.get(key);
    }

    /** A setting's value, or {@code fallback} when it is not set. */
    String setting(String key, String fallback) {
        Setting s = byKey.get(key);
        return s == null || !SettingValues.set(s.value())
                ? fallback
                : SettingValues.text(s.value()).trim();
    }

    /** The properties so far, for the conversions that adjust what a declared key gave. */
    Map<String, Object> properties() {
        return properties;
    }

    /** Whether a conversion carried {@code key} over. */
    boolean used(String key) {
        return used.containsKey(key);
    }

    /**
     * Records {@code property = value} as coming from {@code from}; with a null property, only
     * that {@code from} was used (by another key's conversion).
     */
    void put(String property, Object value, Setting from) {
        if (from == null) {
            return;
        }
        List<String> targets = used.computeIfAbsent(from.key(), k -> new ArrayList<>());
        if (property != null) {
            properties.put(property, value);
            targets.add(property);
        }
    }

    void refuse(Refusal refusal) {
        refused.add(refusal);
    }

    void refuse(Setting s, String reason, String instead) {
        refused.add(new Refusal(s.key(), s.origin(), reason, instead));
    }

    void skip(Setting s) {
        skipped.add(s);
    }
}
