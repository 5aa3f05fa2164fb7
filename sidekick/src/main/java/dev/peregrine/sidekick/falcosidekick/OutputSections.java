package dev.peregrine.sidekick.falcosidekick;

import static dev.peregrine.sidekick.falcosidekick.SettingValues.entry;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.list;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.map;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.set;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.text;

import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Declared;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Falcosidekick's output sections: which outputs it would enable, and each enabled one's keys as
 * its declaration maps them, plus the HTTP client keys its outputs share. The keys one output
 * combines in its own way are {@link OutputSpecificKeys}'.
 */
final class OutputSections {
    private static final String OUTPUTS = "peregrine.outputs.";

    private final FalcosidekickKeys keys = FalcosidekickKeys.get();
    private final Map<String, Declared> declared;
    private final TranslationRecord record;
    private final OutputSpecificKeys specific;

    OutputSections(Map<String, Declared> declared, TranslationRecord record) {
        this.declared = declared;
        this.record = record;
        this.specific = new OutputSpecificKeys(record);
    }

    void translate() {
        for (FalcosidekickKeys.Output out : keys.outputs().values()) {
            Map<String, Setting> own = new LinkedHashMap<>();
            record.settings().stream()
                    .filter(s -> s.key().startsWith(out.section() + "."))
                    .filter(s -> out.keys()
                            .containsKey(s.key().substring(out.section().length() + 1)))
                    .forEach(s -> own.put(s.key().substring(out.section().length() + 1), s));
            if (own.isEmpty()) {
                continue;
            }
            List<Setting> enabling = out.enabledBy().stream()
                    .map(own::get)
                    .filter(s -> s != null
                            && set(s.value())
                            && !text(s.value()).trim().equalsIgnoreCase("false"))
                    .toList();
            if (enabling.isEmpty()) {
                own.values().forEach(record::skip); // Falcosidekick would not enable it either
                continue;
            }
            Declared d = declared.get(out.section());
            if (d == null) {
                record.refuse(new Refusal(
                        out.section(),
                        String.join(", ", enabling.stream().map(Setting::origin).toList()),
                        "Falcosidekick's " + out.section() + " output, which Peregrine does not have",
                        "remove it; meanwhile a webhook output (type: webhook) can post each alert's Falco JSON"
                                + " to a service that forwards it"));
                own.values().stream().filter(s -> !enabling.contains(s)).forEach(record::skip);
                continue;
            }
            output(out.section(), d, own, enabling);
        }
    }

    private void output(String section, Declared d, Map<String, Setting> own, List<Setting> enabling) {
        String prefix = OUTPUTS + d.type() + ".";
        record.put(prefix + "type", d.type(), enabling.getFirst());
        Set<String> special = switch (section) {
            case "smtp" -> Set.of("hostport", "tls", "authmechanism");
            case "kafka" -> Set.of("tls", "sasl", "username", "password", "compression");
            case "alertmanager" -> Set.of("hostport", "endpoint");
            case "redis" -> Set.of("tls", "version");
            default -> Set.of();
        };
        own.forEach((key, s) -> {
            String target = key.equals("minimumpriority")
                    ? "minimum-priority"
                    : d.keys().get(key);
            if (!set(s.value())) {
                record.skip(s);
            } else if (target != null) {
                carry(prefix + target, s);
            } else if (special.contains(key)) {
                return; // below
            } else if (key.equals("checkcert") || key.equals("mutualtls") || key.equals("maxconcurrentrequests")) {
                http(prefix, d, key, s);
            } else if (FalcosidekickDefaults.isDefault(section + "." + key, s)
                    || FalcosidekickDefaults.isDefault(key, s)) {
                record.skip(s);
            } else {
                String[] why = FalcosidekickDefaults.UNMAPPED.get(section + "." + key);
                record.refuse(
                        s,
                        why != null
                                ? why[0]
                                : "Peregrine's " + d.type() + " output has no counterpart of Falcosidekick's " + key,
                        why != null ? why[1] : "remove it; see docs/outputs/" + d.type() + ".md for what it has");
            }
        });
        switch (section) {
            case "smtp" -> specific.smtp(prefix, own);
            case "kafka" -> specific.kafka(prefix, own);
            case "nats" -> record.properties().putIfAbsent(prefix + "subject-template", "falco.<priority>.<rule>");
            case "alertmanager" -> specific.alertmanager(prefix, d, own);
            case "redis" -> specific.redis(prefix, d, own);
            case "aws.s3" -> specific.awsS3(prefix);
            default -> {}
        }
    }

    /** checkcert, mutualtls and maxconcurrentrequests, which Falcosidekick's HTTP outputs share. */
    private void http(String prefix, Declared d, String key, Setting s) {
        String v = text(s.value()).trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case "checkcert" -> {
                if (v.equals("false")) {
                    record.refuse(
                            s,
                            "Peregrine always checks the server's certificate",
                            d.hasTls()
                                    ? "give the CA that signed it as tls.ca-file"
                                    : "remove it (this output talks to a public service)");
                } else {
                    record.skip(s);
                }
            }
            case "mutualtls" -> {
                if (!v.equals("true")) {
                    record.skip(s);
                } else if (!d.hasTls()) {
                    record.refuse(s, "Peregrine's " + d.type() + " output has no client certificate", null);
                } else {
                    String dir = record.setting("mutualtlsfilespath", "/etc/certs");
                    record.put(
                            prefix + "tls.cert-file",
                            record.setting("mutualtlsclient.certfile", dir + "/client.crt"),
                            s);
                    record.put(
                            prefix + "tls.key-file", record.setting("mutualtlsclient.keyfile", dir + "/client.key"), s);
                    record.put(
                            prefix + "tls.ca-file", record.setting("mutualtlsclient.cacertfile", dir + "/ca.crt"), s);
                }
            }
            default -> {
                int n = v.matches("\\d{1,6}") ? Integer.parseInt(v) : -1;
                if (n >= 1 && n <= 256) {
                    record.put(prefix + "parallelism", String.valueOf(n), s);
                } else {
                    record.refuse(
                            s, "'" + v + "' concurrent requests: Peregrine sends 1 to 256 at once", "parallelism: 256");
                }
            }
        }
    }

    /** A declared key: "our-key" takes the value, "our-key.*" one entry per name:value pair. */
    private void carry(String target, Setting s) {
        if (target.endsWith(".*")) {
            String base = target.substring(0, target.length() - 2);
            map(s).forEach((k, v) -> record.put(entry(base, k), v, s));
        } else {
            record.put(target, s.value() instanceof List<?> l ? String.join(",", list(l)) : text(s.value()), s);
        }
    }
}
