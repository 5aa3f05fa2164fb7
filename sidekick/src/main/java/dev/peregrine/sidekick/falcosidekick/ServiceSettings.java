package dev.peregrine.sidekick.falcosidekick;

import static dev.peregrine.sidekick.falcosidekick.FalcosidekickDefaults.DEFAULTS;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.entry;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.envReference;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.map;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.set;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.text;

import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;

/**
 * Falcosidekick's own settings (its listening address and TLS server, the fields it adds to
 * alerts) and those several outputs share; read after the outputs, which may have used some.
 */
final class ServiceSettings {
    private final FalcosidekickKeys keys = FalcosidekickKeys.get();
    private final TranslationRecord record;

    ServiceSettings(TranslationRecord record) {
        this.record = record;
    }

    void translate() {
        for (Setting s : record.settings()) {
            if (!keys.settings().containsKey(s.key())) {
                continue;
            }
            String key = s.key();
            if (!set(s.value()) || FalcosidekickDefaults.isDefault(key, s)) {
                record.skip(s);
                continue;
            }
            switch (key) {
                case "listenport" -> record.put("server.port", text(s.value()).trim(), s);
                case "listenaddress" ->
                    record.put("server.address", text(s.value()).trim(), s);
                case "customfields" ->
                    map(s).forEach((k, v) -> record.put(entry("peregrine.customfields", k), envReference(v), s));
                // Go templates do not compile as Pebble: startup then stops naming the key and
                // showing the Pebble spelling, which beats silently dropping the fields.
                case "templatedfields" ->
                    map(s).forEach((k, v) -> record.put(entry("peregrine.templatedfields", k), v, s));
                case "tlsserver.deploy" -> tlsServer(s);
                case "customtags" ->
                    record.refuse(s, "Peregrine adds no tags to alerts", "tag the rules in the rules file");
                case "outputfieldformat", "bracketreplacer" ->
                    record.refuse(s, "Peregrine does not rewrite Falco's output line or field names", "remove it");
                case "prometheus.extralabels" ->
                    record.refuse(
                            s,
                            "the alert counter falcosecurity_falcosidekick_falco_events_total has the custom fields as labels, not other output fields",
                            "make them custom fields (peregrine.customfields)");
                case "debug" ->
                    record.refuse(
                            s,
                            "Peregrine does not print what outputs send",
                            "add an output of type stdout: it prints every alert");
                case "tlsclient.cacertfile" ->
                    record.refuse(
                            s,
                            "no CA for all outputs at once",
                            "set tls.ca-file on each output whose server that CA signed");
                case "tlsserver.notlspaths" -> {
                    if (Boolean.parseBoolean(record.setting("tlsserver.deploy", "false"))) {
                        record.refuse(s, "Peregrine serves one HTTP port", "remove it");
                    } else {
                        record.skip(s);
                    }
                }
                default -> {
                    // The files of mutual TLS (see mutualtls), a cloud's credentials, ...: unless
                    // an output took them (aws.* for the S3 output), they change nothing.
                    if (!record.used(key)) {
                        record.skip(s);
                    }
                }
            }
        }
    }

    /** TLSSERVER_DEPLOY: Spring Boot's server.ssl.* with the same files. */
    private void tlsServer(Setting deploy) {
        if (!Boolean.parseBoolean(text(deploy.value()).trim())) {
            record.skip(deploy);
            return;
        }
        record.put(
                "server.ssl.certificate",
                record.setting("tlsserver.certfile", DEFAULTS.get("tlsserver.certfile")),
                deploy);
        record.put(
                "server.ssl.certificate-private-key",
                record.setting("tlsserver.keyfile", DEFAULTS.get("tlsserver.keyfile")),
                deploy);
        if (Boolean.parseBoolean(record.setting("tlsserver.mutualtls", "false"))) {
            record.put("server.ssl.client-auth", "need", deploy);
            record.put(
                    "server.ssl.trust-certificate",
                    record.setting("tlsserver.cacertfile", DEFAULTS.get("tlsserver.cacertfile")),
                    deploy);
        }
    }
}
