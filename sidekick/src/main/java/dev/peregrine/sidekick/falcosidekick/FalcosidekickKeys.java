package dev.peregrine.sidekick.falcosidekick;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every setting Falcosidekick has, as {@code falcosidekick/settings.txt} lists them (taken from
 * its sources): its own, and each output's with the keys that enable it. Keys are lower-case
 * paths as in its {@code config.yaml} ({@code aws.s3.bucket}); a variable is the path upper-cased
 * with '_' for '.' ({@code AWS_S3_BUCKET}).
 */
public final class FalcosidekickKeys {
    /** What a key holds: a text, a list (comma-separated in a variable) or a map (name:value,...). */
    public enum Kind {
        TEXT,
        LIST,
        MAP
    }

    /**
     * One of Falcosidekick's outputs.
     *
     * @param section its section in config.yaml ({@code slack}, {@code aws.s3})
     * @param enabledBy the keys (within the section) that, all set, enable it in Falcosidekick
     * @param keys every key of the section, within it ({@code webhookurl}), with its kind
     */
    public record Output(String section, List<String> enabledBy, Map<String, Kind> keys) {}

    private static final FalcosidekickKeys INSTANCE = load();

    private final Map<String, Kind> settings;
    private final Map<String, Output> outputs;
    private final Map<String, String> byVariable;

    private FalcosidekickKeys(Map<String, Kind> settings, Map<String, Output> outputs) {
        this.settings = Collections.unmodifiableMap(settings);
        this.outputs = Collections.unmodifiableMap(outputs);
        Map<String, String> vars = new LinkedHashMap<>();
        settings.keySet().forEach(k -> vars.put(variable(k), k));
        outputs.values()
                .forEach(o -> o.keys()
                        .keySet()
                        .forEach(k -> vars.put(variable(o.section() + "." + k), o.section() + "." + k)));
        this.byVariable = Collections.unmodifiableMap(vars);
    }

    public static FalcosidekickKeys get() {
        return INSTANCE;
    }

    /** Falcosidekick's own settings and those several outputs share ({@code listenport}, {@code aws.region}). */
    public Map<String, Kind> settings() {
        return settings;
    }

    /** Its outputs by section. */
    public Map<String, Output> outputs() {
        return outputs;
    }

    /** The variable of a key: {@code aws.s3.bucket} is {@code AWS_S3_BUCKET}. */
    public static String variable(String key) {
        return key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** The key an environment variable sets, if it is one of Falcosidekick's. */
    public Optional<String> keyOfVariable(String name) {
        return Optional.ofNullable(byVariable.get(name));
    }

    /** The kind of a full key, if it is one of Falcosidekick's. */
    public Optional<Kind> kind(String key) {
        if (settings.containsKey(key)) {
            return Optional.of(settings.get(key));
        }
        return outputOf(key).map(o -> o.keys().get(key.substring(o.section().length() + 1)));
    }

    /** The output a full key belongs to ({@code aws.s3.bucket}: {@code aws.s3}). */
    public Optional<Output> outputOf(String key) {
        for (int dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
            Output o = outputs.get(key.substring(0, dot));
            if (o != null) {
                return o.keys().containsKey(key.substring(dot + 1)) ? Optional.of(o) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * The first path segments of all settings ({@code slack}, {@code aws}, {@code listenport}):
     * what a Falcosidekick config.yaml has at its top level.
     */
    public Set<String> topLevelNames() {
        Set<String> names = new TreeSet<>();
        settings.keySet().forEach(k -> names.add(k.split("\\.")[0]));
        outputs.keySet().forEach(k -> names.add(k.split("\\.")[0]));
        return names;
    }

    private static FalcosidekickKeys load() {
        Map<String, Kind> settings = new LinkedHashMap<>();
        Map<String, Output> outputs = new LinkedHashMap<>();
        try (InputStream in = FalcosidekickKeys.class.getResourceAsStream("/falcosidekick/settings.txt")) {
            if (in == null) {
                throw new IllegalStateException("falcosidekick/settings.txt is missing from the class path");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String head = line.substring(0, colon).strip();
                String[] keys = line.substring(colon + 1).strip().split("\\s+");
                if (head.equals("settings")) {
                    for (String k : keys) {
                        settings.put(bare(k), kindOfMark(k));
                    }
                } else {
                    String section = head.substring("output ".length()).strip();
                    Map<String, Kind> own = new LinkedHashMap<>();
                    List<String> enabledBy = new ArrayList<>();
                    for (String k : keys) {
                        own.put(bare(k), kindOfMark(k));
                        if (k.contains("*")) {
                            enabledBy.add(bare(k));
                        }
                    }
                    outputs.put(section, new Output(section, List.copyOf(enabledBy), Collections.unmodifiableMap(own)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FalcosidekickKeys(settings, outputs);
    }

    private static String bare(String k) {
        return k.replace("*", "").replace("{}", "").replace("[]", "");
    }

    private static Kind kindOfMark(String k) {
        return k.endsWith("{}") ? Kind.MAP : k.endsWith("[]") ? Kind.LIST : Kind.TEXT;
    }
}
