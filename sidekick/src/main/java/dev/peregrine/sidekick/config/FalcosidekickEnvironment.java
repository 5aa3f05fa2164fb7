package dev.peregrine.sidekick.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Understands Falcosidekick's environment variables (SLACK_WEBHOOKURL, WEBHOOK_ADDRESS,
 * SMTP_HOSTPORT, KAFKA_HOSTPORT, NATS_HOSTPORT, ALERTMANAGER_HOSTPORT, TEAMS_WEBHOOKURL,
 * DISCORD_WEBHOOKURL, MATTERMOST_WEBHOOKURL, SYSLOG_HOST, ELASTICSEARCH_HOSTPORT, LOKI_HOSTPORT,
 * PAGERDUTY_ROUTINGKEY, *_MINIMUMPRIORITY, CUSTOMFIELDS, LISTENPORT, ...),
 * so an existing deployment's settings carry over. They map onto outputs named after their type
 * ("slack", "webhook", "email" for SMTP_*). Added with the lowest
 * precedence: any {@code peregrine.*} setting given explicitly wins.
 */
public class FalcosidekickEnvironment implements EnvironmentPostProcessor {
    static final String SOURCE = "falcosidekickEnvironment";

    /** Falcosidekick variable suffix → our key, per output (variable prefix). */
    private static final Map<String, Map<String, String>> OUTPUT_KEYS = Map.ofEntries(
            Map.entry(
                    "SLACK",
                    Map.of(
                            "WEBHOOKURL", "webhook-url",
                            "CHANNEL", "channel",
                            "USERNAME", "username",
                            "ICON", "icon",
                            "FOOTER", "footer",
                            "OUTPUTFORMAT", "output-format",
                            "MESSAGEFORMAT", "message-format",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "WEBHOOK",
                    Map.of(
                            "ADDRESS", "url",
                            "METHOD", "method",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "TEAMS",
                    Map.of(
                            "WEBHOOKURL", "webhook-url",
                            "ACTIVITYIMAGE", "activity-image",
                            "OUTPUTFORMAT", "output-format",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "DISCORD",
                    Map.of(
                            "WEBHOOKURL", "webhook-url",
                            "ICON", "icon",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "MATTERMOST",
                    Map.of(
                            "WEBHOOKURL", "webhook-url",
                            "USERNAME", "username",
                            "ICON", "icon",
                            "FOOTER", "footer",
                            "OUTPUTFORMAT", "output-format",
                            "MESSAGEFORMAT", "message-format",
                            "MINIMUMPRIORITY", "minimum-priority")),
            // SMTP_HOSTPORT, SMTP_TLS, SMTP_AUTHMECHANISM: see smtp()
            Map.entry(
                    "SMTP",
                    Map.of(
                            "FROM", "from",
                            "TO", "to",
                            "USER", "username",
                            "PASSWORD", "password",
                            "OUTPUTFORMAT", "output-format",
                            "MINIMUMPRIORITY", "minimum-priority")),
            // KAFKA_TLS, KAFKA_SASL, KAFKA_USERNAME, KAFKA_PASSWORD, KAFKA_COMPRESSION: see kafka()
            Map.entry(
                    "KAFKA",
                    Map.of(
                            "HOSTPORT", "bootstrap-servers",
                            "TOPIC", "topic",
                            "CLIENTID", "client-id",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "NATS",
                    Map.of(
                            "HOSTPORT", "servers",
                            "SUBJECTTEMPLATE", "subject-template",
                            "MINIMUMPRIORITY", "minimum-priority")),
            // ALERTMANAGER_HOSTPORT, _ENDPOINT and the key:value lists: see alertmanager()
            Map.entry(
                    "ALERTMANAGER",
                    Map.of(
                            "EXPIRESAFTER", "expires-after",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "SYSLOG",
                    Map.of(
                            "HOST", "host",
                            "PORT", "port",
                            "PROTOCOL", "protocol",
                            "FORMAT", "format",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "ELASTICSEARCH",
                    Map.of(
                            "HOSTPORT", "url",
                            "INDEX", "index",
                            "SUFFIX", "suffix",
                            "USERNAME", "username",
                            "PASSWORD", "password",
                            "APIKEY", "api-key",
                            "PIPELINE", "pipeline",
                            "FLATTENFIELDS", "flatten-fields",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "LOKI",
                    Map.of(
                            "HOSTPORT", "url",
                            "ENDPOINT", "endpoint",
                            "USER", "username",
                            "APIKEY", "password",
                            "TENANT", "tenant",
                            "FORMAT", "format",
                            "EXTRALABELS", "output-fields",
                            "MINIMUMPRIORITY", "minimum-priority")),
            Map.entry(
                    "PAGERDUTY",
                    Map.of(
                            "ROUTINGKEY", "routing-key",
                            "REGION", "region",
                            "MINIMUMPRIORITY", "minimum-priority")));

    /** The variable whose presence enables the output, as in Falcosidekick. */
    private static final Map<String, String> ENABLED_BY = Map.ofEntries(
            Map.entry("SLACK", "WEBHOOKURL"),
            Map.entry("WEBHOOK", "ADDRESS"),
            Map.entry("TEAMS", "WEBHOOKURL"),
            Map.entry("DISCORD", "WEBHOOKURL"),
            Map.entry("MATTERMOST", "WEBHOOKURL"),
            Map.entry("SMTP", "HOSTPORT"),
            Map.entry("KAFKA", "HOSTPORT"),
            Map.entry("NATS", "HOSTPORT"),
            Map.entry("ALERTMANAGER", "HOSTPORT"),
            Map.entry("SYSLOG", "HOST"),
            Map.entry("ELASTICSEARCH", "HOSTPORT"),
            Map.entry("LOKI", "HOSTPORT"),
            Map.entry("PAGERDUTY", "ROUTINGKEY"));

    /** Outputs whose {@code <TYPE>_CUSTOMHEADERS} ("name:value,name:value") become {@code headers.<name>}. */
    private static final List<String> WITH_CUSTOM_HEADERS = List.of("WEBHOOK", "ELASTICSEARCH", "LOKI");

    /** Our output type where its name is not Falcosidekick's (lower-cased); also the output's name. */
    private static final Map<String, String> TYPE = Map.of("SMTP", "email");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> props = map(environment.getSystemEnvironment());
        if (!props.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource(SOURCE, props));
        }
    }

    static Map<String, Object> map(Map<String, Object> env) {
        Map<String, Object> props = new LinkedHashMap<>();
        text(env, "LISTENPORT").ifPresent(v -> props.put("server.port", v));
        text(env, "LISTENADDRESS").ifPresent(v -> props.put("server.address", v));
        text(env, "CUSTOMFIELDS")
                .ifPresent(v -> pairs(v).forEach((k, val) -> props.put("peregrine.customfields." + k, val)));
        // Go templates do not compile as Pebble: startup then stops naming the key and showing
        // the Pebble spelling, which beats silently dropping the fields.
        text(env, "TEMPLATEDFIELDS")
                .ifPresent(v -> pairs(v).forEach((k, val) -> props.put("peregrine.templatedfields." + k, val)));
        OUTPUT_KEYS.forEach((type, keys) -> {
            if (text(env, type + "_" + ENABLED_BY.get(type)).isEmpty()) {
                return;
            }
            String ours = TYPE.getOrDefault(type, type.toLowerCase(Locale.ROOT));
            String prefix = "peregrine.outputs." + ours + ".";
            props.put(prefix + "type", ours);
            keys.forEach((suffix, key) -> text(env, type + "_" + suffix).ifPresent(v -> props.put(prefix + key, v)));
        });
        for (String type : WITH_CUSTOM_HEADERS) {
            String prefix = "peregrine.outputs." + type.toLowerCase(Locale.ROOT) + ".";
            text(env, type + "_CUSTOMHEADERS").ifPresent(v -> {
                if (props.containsKey(prefix + "type")) {
                    pairs(v).forEach((k, val) -> props.put(prefix + "headers." + k, val));
                }
            });
        }
        smtp(env, props);
        kafka(env, props);
        nats(env, props);
        alertmanager(env, props);
        return props;
    }

    /** SMTP_HOSTPORT is host and port; SMTP_TLS=true (its default) is STARTTLS, required. */
    private static void smtp(Map<String, Object> env, Map<String, Object> props) {
        String prefix = "peregrine.outputs.email.";
        if (!props.containsKey(prefix + "type")) {
            return;
        }
        String hostPort = text(env, "SMTP_HOSTPORT").orElseThrow().trim();
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && hostPort.indexOf(']') < colon) {
            props.put(prefix + "host", hostPort.substring(0, colon).replaceAll("^\\[|]$", ""));
            props.put(prefix + "port", hostPort.substring(colon + 1));
        } else {
            props.put(prefix + "host", hostPort);
        }
        props.computeIfPresent(prefix + "to", (k, v) -> v.toString().replace(" ", ""));
        text(env, "SMTP_TLS")
                .ifPresent(
                        tls -> props.put(prefix + "starttls", Boolean.parseBoolean(tls.trim()) ? "required" : "off"));
        if (text(env, "SMTP_AUTHMECHANISM")
                .map(m -> m.trim().equalsIgnoreCase("none"))
                .orElse(false)) {
            props.remove(prefix + "username");
            props.remove(prefix + "password");
        }
    }

    /** KAFKA_TLS, KAFKA_SASL with KAFKA_USERNAME/PASSWORD, KAFKA_COMPRESSION become producer properties. */
    private static void kafka(Map<String, Object> env, Map<String, Object> props) {
        String prefix = "peregrine.outputs.kafka.properties.";
        if (!props.containsKey("peregrine.outputs.kafka.type")) {
            return;
        }
        boolean tls =
                text(env, "KAFKA_TLS").map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
        Optional<String> sasl = text(env, "KAFKA_SASL").map(v -> v.trim().toUpperCase(Locale.ROOT));
        if (sasl.isPresent()) {
            String mechanism = switch (sasl.get()) {
                case "SCRAM_SHA256" -> "SCRAM-SHA-256";
                case "SCRAM_SHA512" -> "SCRAM-SHA-512";
                default -> sasl.get(); // PLAIN; anything else Kafka itself names at startup
            };
            String module = mechanism.startsWith("SCRAM")
                    ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            props.put(prefix + "security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT");
            props.put(prefix + "sasl.mechanism", mechanism);
            props.put(
                    prefix + "sasl.jaas.config",
                    module + " required username=\""
                            + jaasQuote(text(env, "KAFKA_USERNAME").orElse("")) + "\" password=\""
                            + jaasQuote(text(env, "KAFKA_PASSWORD").orElse("")) + "\";");
        } else if (tls) {
            props.put(prefix + "security.protocol", "SSL");
        }
        text(env, "KAFKA_COMPRESSION")
                .ifPresent(c -> props.put(prefix + "compression.type", c.trim().toLowerCase(Locale.ROOT)));
    }

    private static String jaasQuote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Falcosidekick's subject is falco.<priority>.<rule>: keep it, so subscribers keep matching. */
    private static void nats(Map<String, Object> env, Map<String, Object> props) {
        if (props.containsKey("peregrine.outputs.nats.type")) {
            props.putIfAbsent("peregrine.outputs.nats.subject-template", "falco.<priority>.<rule>");
        }
    }

    /** ALERTMANAGER_HOSTPORT + ALERTMANAGER_ENDPOINT is the URL; the key:value lists become maps. */
    private static void alertmanager(Map<String, Object> env, Map<String, Object> props) {
        String prefix = "peregrine.outputs.alertmanager.";
        if (!props.containsKey(prefix + "type")) {
            return;
        }
        String url = text(env, "ALERTMANAGER_HOSTPORT").orElseThrow().trim();
        String endpoint = text(env, "ALERTMANAGER_ENDPOINT").map(String::trim).orElse("");
        if (!endpoint.isEmpty()) {
            url = url.replaceAll("/+$", "") + (endpoint.startsWith("/") ? "" : "/") + endpoint;
        }
        props.put(prefix + "url", url);
        Map.of(
                        "EXTRALABELS",
                        "extra-labels",
                        "EXTRAANNOTATIONS",
                        "extra-annotations",
                        "CUSTOMSEVERITYMAP",
                        "severity",
                        "CUSTOMHEADERS",
                        "headers")
                .forEach((suffix, key) -> text(env, "ALERTMANAGER_" + suffix)
                        .ifPresent(v -> pairs(v).forEach((k, val) -> props.put(prefix + key + "." + k, val))));
    }

    private static Optional<String> text(Map<String, Object> env, String name) {
        Object v = env.get(name);
        return v == null || v.toString().isBlank() ? Optional.empty() : Optional.of(v.toString());
    }

    /** Falcosidekick's "key:value,key:value" lists. */
    static Map<String, String> pairs(String list) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String item : list.split(",")) {
            int colon = item.indexOf(':');
            if (colon > 0) {
                m.put(item.substring(0, colon).trim(), item.substring(colon + 1).trim());
            }
        }
        return m;
    }
}
