package dev.peregrine.detector.anomaly;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads the {@code anomaly:} section of the detector's configuration file over the defaults.
 * Every key is optional; an unknown key or a bad value stops start-up naming the full key
 * ({@code anomaly.window}) and the reason.
 *
 * <pre>
 * anomaly:
 *   learning: 1h            # per profile, then frozen
 *   learning-min-events: 1000
 *   window: 10s
 *   threshold: 0.70         # isolation-forest score of a window
 *   rate-factor: 3.0
 *   rate-slack: 10
 *   min-training-windows: 6
 *   max-training-windows: 512
 *   trees: 100
 *   sample-size: 256
 *   margin: 0.7
 *   max-profiles: 512
 *   max-items: 1000
 *   write-depth: 2
 *   sensitive-paths: [/etc/shadow, /root/.ssh/]
 *   alerts-per-minute: 5
 *   relearn: 24h            # or "off"
 *   key-by: workload        # or image
 *   directory: /var/lib/peregrine/profiles
 *   save-interval: 60s
 * </pre>
 */
public final class AnomalySettingsFile {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** A bad configuration value; the message names the key. */
    public static final class InvalidSettingException extends RuntimeException {
        public InvalidSettingException(String message) {
            super(message);
        }
    }

    private AnomalySettingsFile() {}

    public static AnomalySettings read(Path file, AnomalySettings defaults) throws IOException {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        if (root == null) return defaults;
        if (!(root instanceof Map<?, ?> top)) throw new InvalidSettingException(file + ": expected a mapping");
        Object section = top.get("anomaly");
        if (section == null) return defaults;
        if (!(section instanceof Map<?, ?> m)) throw new InvalidSettingException("anomaly: expected a mapping");
        return apply(m, defaults);
    }

    static AnomalySettings apply(Map<?, ?> m, AnomalySettings d) {
        for (Object k : m.keySet()) {
            if (!KEYS.contains(String.valueOf(k))) {
                throw new InvalidSettingException("anomaly." + k + ": unknown setting (known: " + KEYS + ")");
            }
        }
        return new AnomalySettings(
                duration(m, "learning", d.learning()),
                positive(m, "learning-min-events", d.learningMinEvents()),
                duration(m, "window", d.window()),
                fraction(m, "threshold", d.threshold()),
                number(m, "rate-factor", d.rateFactor(), 1.0),
                positive(m, "rate-slack", d.rateSlack()),
                (int) positive(m, "min-training-windows", d.minTrainingWindows()),
                (int) positive(m, "max-training-windows", d.maxTrainingWindows()),
                (int) positive(m, "trees", d.trees()),
                (int) positive(m, "sample-size", d.sampleSize()),
                number(m, "margin", d.margin(), 0.0),
                (int) positive(m, "max-profiles", d.maxProfiles()),
                (int) positive(m, "max-items", d.maxItems()),
                (int) positive(m, "write-depth", d.writeDepth()),
                paths(m, "sensitive-paths", d.sensitivePaths()),
                (int) positive(m, "alerts-per-minute", d.alertsPerMinute()),
                relearn(m, d.relearn()),
                keyBy(m, d.keyBy()),
                m.containsKey("directory") ? Path.of(String.valueOf(m.get("directory"))) : d.directory(),
                duration(m, "save-interval", d.saveInterval()));
    }

    private static final List<String> KEYS = List.of(
            "learning",
            "learning-min-events",
            "window",
            "threshold",
            "rate-factor",
            "rate-slack",
            "min-training-windows",
            "max-training-windows",
            "trees",
            "sample-size",
            "margin",
            "max-profiles",
            "max-items",
            "write-depth",
            "sensitive-paths",
            "alerts-per-minute",
            "relearn",
            "key-by",
            "directory",
            "save-interval");

    /** "90s", "5m", "2h", "1d", "500ms". */
    public static Duration parseDuration(String key, String text) {
        Matcher mt = DURATION.matcher(text.strip());
        if (!mt.matches()) {
            throw new InvalidSettingException(
                    key + ": expected a duration such as 60s, 5m, 2h or 1d, got '" + text + "'");
        }
        long n = Long.parseLong(mt.group(1));
        Duration v = switch (mt.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (v.isZero()) throw new InvalidSettingException(key + ": must be longer than 0");
        return v;
    }

    private static Duration duration(Map<?, ?> m, String key, Duration d) {
        return m.containsKey(key) ? parseDuration("anomaly." + key, String.valueOf(m.get(key))) : d;
    }

    private static Duration relearn(Map<?, ?> m, Duration d) {
        if (!m.containsKey("relearn")) return d;
        Object v = m.get("relearn");
        if (v == null || v.equals(Boolean.FALSE) || "off".equals(v)) return null;
        return parseDuration("anomaly.relearn", String.valueOf(v));
    }

    private static long positive(Map<?, ?> m, String key, long d) {
        if (!m.containsKey(key)) return d;
        if (!(m.get(key) instanceof Number n) || n.longValue() < 1 || n.doubleValue() != n.longValue()) {
            throw new InvalidSettingException(
                    "anomaly." + key + ": expected a whole number of at least 1, got '" + m.get(key) + "'");
        }
        return n.longValue();
    }

    private static double number(Map<?, ?> m, String key, double d, double min) {
        if (!m.containsKey(key)) return d;
        if (!(m.get(key) instanceof Number n) || n.doubleValue() < min) {
            throw new InvalidSettingException(
                    "anomaly." + key + ": expected a number of at least " + min + ", got '" + m.get(key) + "'");
        }
        return n.doubleValue();
    }

    private static double fraction(Map<?, ?> m, String key, double d) {
        if (!m.containsKey(key)) return d;
        if (!(m.get(key) instanceof Number n) || n.doubleValue() <= 0 || n.doubleValue() >= 1) {
            throw new InvalidSettingException(
                    "anomaly." + key + ": expected a score between 0 and 1 (exclusive), got '" + m.get(key) + "'");
        }
        return n.doubleValue();
    }

    private static List<String> paths(Map<?, ?> m, String key, List<String> d) {
        if (!m.containsKey(key)) return d;
        if (!(m.get(key) instanceof List<?> l)) {
            throw new InvalidSettingException("anomaly." + key + ": expected a list of absolute paths");
        }
        List<String> out = new ArrayList<>();
        for (Object o : l) {
            String s = String.valueOf(o);
            if (!s.startsWith("/")) {
                throw new InvalidSettingException("anomaly." + key + ": '" + s + "' is not an absolute path");
            }
            out.add(s);
        }
        return out;
    }

    private static WorkloadKey.KeyBy keyBy(Map<?, ?> m, WorkloadKey.KeyBy d) {
        if (!m.containsKey("key-by")) return d;
        String v = String.valueOf(m.get("key-by")).toUpperCase(Locale.ROOT);
        try {
            return WorkloadKey.KeyBy.valueOf(v);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(
                    "anomaly.key-by: expected workload or image, got '" + m.get("key-by") + "'");
        }
    }
}
