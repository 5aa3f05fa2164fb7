package dev.peregrine.sidekick.falcosidekick;

import static dev.peregrine.sidekick.falcosidekick.SettingValues.list;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.set;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.text;
import static dev.peregrine.sidekick.falcosidekick.SettingValues.value;

import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Declared;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Refusal;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The keys of the outputs that Falcosidekick combines or spells otherwise (SMTP, Kafka,
 * Alertmanager, Redis, AWS S3): they do not map one to one onto a declared key, so each output's
 * are converted here, after its declared keys are carried over.
 */
final class OutputSpecificKeys {
    private final TranslationRecord record;

    OutputSpecificKeys(TranslationRecord record) {
        this.record = record;
    }

    /** SMTP_HOSTPORT is host and port; SMTP_TLS=true (its default) is STARTTLS, required. */
    void smtp(String prefix, Map<String, Setting> own) {
        Setting hostPort = own.get("hostport");
        if (hostPort != null && set(hostPort.value())) {
            String hp = text(hostPort.value()).trim();
            int colon = hp.lastIndexOf(':');
            if (colon > 0 && hp.indexOf(']') < colon) {
                record.put(prefix + "host", hp.substring(0, colon).replaceAll("^\\[|]$", ""), hostPort);
                record.put(prefix + "port", hp.substring(colon + 1), hostPort);
            } else {
                record.put(prefix + "host", hp, hostPort);
            }
        }
        record.properties()
                .computeIfPresent(prefix + "to", (k, v) -> v.toString().replace(" ", ""));
        Setting tls = own.get("tls");
        if (tls != null && set(tls.value())) {
            record.put(
                    prefix + "starttls", Boolean.parseBoolean(text(tls.value()).trim()) ? "required" : "off", tls);
        }
        Setting auth = own.get("authmechanism");
        String mechanism = auth == null ? "plain" : text(auth.value()).trim().toLowerCase(Locale.ROOT);
        switch (mechanism) {
            case "none", "anonymous" -> {
                record.properties().remove(prefix + "username");
                record.properties().remove(prefix + "password");
                record.put(null, null, auth);
            }
            case "plain", "" -> {
                if (auth != null) {
                    record.skip(auth);
                }
            }
            default -> {
                String[] smtpAuth = FalcosidekickDefaults.smtpAuth();
                record.refuse(new Refusal(auth.key(), auth.origin(), smtpAuth[0] + ", not " + mechanism, smtpAuth[1]));
            }
        }
    }

    /** KAFKA_TLS, KAFKA_SASL with KAFKA_USERNAME/PASSWORD, KAFKA_COMPRESSION become producer properties. */
    void kafka(String prefix, Map<String, Setting> own) {
        String props = prefix + "properties.";
        boolean tls = Boolean.parseBoolean(text(value(own, "tls")).trim());
        String sasl = text(value(own, "sasl")).trim().toUpperCase(Locale.ROOT);
        if (!sasl.isEmpty()) {
            String mechanism = switch (sasl) {
                case "SCRAM_SHA256" -> "SCRAM-SHA-256";
                case "SCRAM_SHA512" -> "SCRAM-SHA-512";
                default -> sasl; // PLAIN; anything else Kafka itself names at startup
            };
            String module = mechanism.startsWith("SCRAM")
                    ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            Setting s = own.get("sasl");
            record.put(props + "security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT", s);
            record.put(props + "sasl.mechanism", mechanism, s);
            record.put(
                    props + "sasl.jaas.config",
                    module + " required username=\"" + jaasQuote(text(value(own, "username"))) + "\" password=\""
                            + jaasQuote(text(value(own, "password"))) + "\";",
                    s);
            record.put(null, null, own.get("username"));
            record.put(null, null, own.get("password"));
            if (tls) {
                record.put(null, null, own.get("tls"));
            }
        } else if (tls) {
            record.put(props + "security.protocol", "SSL", own.get("tls"));
        }
        if (!tls && own.containsKey("tls")) {
            record.skip(own.get("tls"));
        }
        Setting compression = own.get("compression");
        if (compression != null && set(compression.value())) {
            record.put(
                    props + "compression.type", text(compression.value()).trim().toLowerCase(Locale.ROOT), compression);
        }
    }

    private static String jaasQuote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Falcosidekick's addresses (a list) with its endpoint are the URL; one output per address. */
    void alertmanager(String prefix, Declared d, Map<String, Setting> own) {
        Setting hostPorts = own.get("hostport");
        List<String> urls = list(hostPorts.value());
        String endpoint = text(value(own, "endpoint")).trim();
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i).trim();
            if (!endpoint.isEmpty()) {
                url = url.replaceAll("/+$", "") + (endpoint.startsWith("/") ? "" : "/") + endpoint;
            }
            if (i == 0) {
                record.put(prefix + "url", url, hostPorts);
                if (own.containsKey("endpoint")) {
                    record.put(null, null, own.get("endpoint"));
                }
            } else {
                record.refuse(
                        hostPorts,
                        "several Alertmanagers: Peregrine's alertmanager output has one URL ("
                                + urls.get(i).trim() + " is not used)",
                        "declare one output per Alertmanager, e.g. peregrine.outputs." + d.type() + "-" + (i + 1)
                                + " with type: alertmanager and url: " + url);
            }
        }
    }

    /**
     * REDIS_TLS=true is a {@code rediss://} address; REDIS_CERTFILE, KEYFILE and CACERTFILE win
     * over the shared client files of REDIS_MUTUALTLS, as there. REDIS_VERSION is read by nothing
     * in Falcosidekick.
     */
    void redis(String prefix, Declared d, Map<String, Setting> own) {
        Setting tls = own.get("tls");
        if (tls != null && Boolean.parseBoolean(text(tls.value()).trim())) {
            Object address = record.properties().get(prefix + "address");
            if (address != null && !address.toString().contains("://")) {
                record.put(prefix + "address", "rediss://" + address.toString().trim(), tls);
            }
        } else if (tls != null) {
            record.skip(tls);
        }
        for (String file : List.of("certfile", "keyfile", "cacertfile")) {
            Setting s = own.get(file);
            if (s != null && set(s.value())) {
                record.put(prefix + d.keys().get(file), text(s.value()), s);
            }
        }
        if (own.containsKey("version")) {
            record.skip(own.get("version"));
        }
    }

    /**
     * The AWS settings Falcosidekick's outputs share: the region and static keys go to the S3
     * output; an assumed role has no counterpart (the SDK's chain reads AWS_ROLE_ARN with a web
     * identity token, or a profile, instead).
     */
    void awsS3(String prefix) {
        Map<String, String> shared = Map.of(
                "aws.region", "region", "aws.accesskeyid", "access-key-id", "aws.secretaccesskey", "secret-access-key");
        shared.forEach((key, target) -> {
            Setting s = record.get(key);
            if (s != null && set(s.value())) {
                record.put(prefix + target, text(s.value()).trim(), s);
            }
        });
        for (String key : List.of("aws.rolearn", "aws.externalid")) {
            Setting s = record.get(key);
            if (s != null && set(s.value()) && !record.used(key)) {
                record.refuse(
                        s,
                        "Peregrine's s3 output does not assume a role itself",
                        "give the role to the sidekick's environment (a web identity token with AWS_ROLE_ARN, an"
                                + " instance or container role, or a profile): the AWS SDK's chain uses it");
                record.put(null, null, s);
            }
        }
    }
}
