package dev.peregrine.sidekick.output;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.template.AlertTemplate;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the chat outputs (Slack, Mattermost, Discord, Teams) share: the poster's default avatar and
 * the text a {@code message-format} template gives an alert.
 */
public final class Chat {
    private static final Logger log = LoggerFactory.getLogger(Chat.class);

    /** Falcosidekick's default avatar: users moving over keep the picture they know. */
    public static final String DEFAULT_ICON =
            "https://raw.githubusercontent.com/falcosecurity/falcosidekick/master/imgs/falcosidekick_color.png";

    /** The poster's name and footer Falcosidekick gives its messages, which channels may filter on. */
    public static final String FALCOSIDEKICK = "Falcosidekick";

    public static final String FALCOSIDEKICK_FOOTER = "https://github.com/falcosecurity/falcosidekick";

    /** The name and footer of Peregrine's own payloads. */
    public static final String PEREGRINE = "Peregrine";

    private Chat() {}

    /**
     * A poster name, footer or title: the one configured, else Falcosidekick's or Peregrine's by
     * the payload style.
     */
    public static String orDefault(String configured, OutputContext context, String falcosidekick) {
        return configured != null ? configured : context.falcosidekick() ? falcosidekick : PEREGRINE;
    }

    /**
     * The message text, or null when there is no template. A template that fails on this alert
     * (a filter given the wrong type, say) costs the text, not the alert: it is posted without, as
     * Falcosidekick does.
     *
     * @param output the output's name, for the log
     */
    public static String text(String output, AlertTemplate template, Alert alert) {
        if (template == null) {
            return null;
        }
        try {
            return template.render(alert);
        } catch (AlertTemplate.RenderException e) {
            log.warn(
                    "output {}: message-format failed on alert {}, posting without text: {}",
                    output,
                    alert.uuid(),
                    e.getMessage());
            return null;
        }
    }

    /**
     * An output field's value as Go's {@code %v} prints it, as Falcosidekick's text templates
     * (Telegram, Webex) show it: whole numbers without a fraction, lists as {@code [a b]},
     * Falco's missing value as {@code <nil>}.
     */
    public static String goValue(Object value) {
        if (value == null) {
            return "<nil>";
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e21) {
            return Long.toString(d.longValue());
        }
        if (value instanceof List<?> list) {
            return "[" + String.join(" ", list.stream().map(String::valueOf).toList()) + "]";
        }
        return value.toString();
    }
}
