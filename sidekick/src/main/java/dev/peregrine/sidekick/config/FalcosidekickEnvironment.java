package dev.peregrine.sidekick.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Understands Falcosidekick's environment variables (SLACK_WEBHOOKURL, WEBHOOK_ADDRESS,
 * *_MINIMUMPRIORITY, CUSTOMFIELDS, LISTENPORT, ...), so an existing deployment's settings carry
 * over. They map onto outputs named after their type ("slack", "webhook"). Added with the lowest
 * precedence: any {@code peregrine.*} setting given explicitly wins.
 */
public class FalcosidekickEnvironment implements EnvironmentPostProcessor {
    static final String SOURCE = "falcosidekickEnvironment";

    /** Falcosidekick variable suffix → our key, per output type. */
    private static final Map<String, Map<String, String>> OUTPUT_KEYS = Map.of(
            "SLACK", Map.of(
                    "WEBHOOKURL", "webhook-url",
                    "CHANNEL", "channel",
                    "USERNAME", "username",
                    "ICON", "icon",
                    "FOOTER", "footer",
                    "OUTPUTFORMAT", "output-format",
                    "MESSAGEFORMAT", "message-format",
                    "MINIMUMPRIORITY", "minimum-priority"),
            "WEBHOOK", Map.of(
                    "ADDRESS", "url",
                    "METHOD", "method",
                    "MINIMUMPRIORITY", "minimum-priority"));

    /** The variable whose presence enables the output, as in Falcosidekick. */
    private static final Map<String, String> ENABLED_BY = Map.of("SLACK", "WEBHOOKURL", "WEBHOOK", "ADDRESS");

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
        text(env, "CUSTOMFIELDS").ifPresent(v -> pairs(v).forEach((k, val) -> props.put("peregrine.customfields." + k, val)));
        OUTPUT_KEYS.forEach((type, keys) -> {
            if (text(env, type + "_" + ENABLED_BY.get(type)).isEmpty()) {
                return;
            }
            String prefix = "peregrine.outputs." + type.toLowerCase(java.util.Locale.ROOT) + ".";
            props.put(prefix + "type", type.toLowerCase(java.util.Locale.ROOT));
            keys.forEach((suffix, key) -> text(env, type + "_" + suffix).ifPresent(v -> props.put(prefix + key, v)));
        });
        text(env, "WEBHOOK_CUSTOMHEADERS").ifPresent(v -> {
            if (props.containsKey("peregrine.outputs.webhook.type")) {
                pairs(v).forEach((k, val) -> props.put("peregrine.outputs.webhook.headers." + k, val));
            }
        });
        return props;
    }

    private static java.util.Optional<String> text(Map<String, Object> env, String name) {
        Object v = env.get(name);
        return v == null || v.toString().isBlank() ? java.util.Optional.empty() : java.util.Optional.of(v.toString());
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
