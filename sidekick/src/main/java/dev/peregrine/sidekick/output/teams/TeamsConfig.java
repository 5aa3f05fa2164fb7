package dev.peregrine.sidekick.output.teams;

import dev.peregrine.sidekick.output.Chat;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.HttpSender;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A Microsoft Teams channel webhook: a Workflows ("Send webhook alerts to a channel") webhook,
 * which takes an Adaptive Card, or a legacy Office 365 connector ("Incoming Webhook"), which
 * takes the MessageCard Falcosidekick's teams output posts.
 *
 * @param webhookUrl the webhook's URL
 * @param card {@code adaptive-card} (Workflows), {@code message-card} (legacy connectors, as
 *     Falcosidekick), or {@code auto}: {@code message-card} for a connector's address
 *     ({@code *.webhook.office.com}, {@code outlook.office.com}), {@code adaptive-card} otherwise
 * @param activityImage the image beside the title (MessageCard only); blank: none
 * @param outputFormat all: Falco's output line and the facts; text: the line only; facts: the
 *     facts only
 * @param timeout per request, connecting included
 */
@OutputType("teams")
@FalcosidekickOutput(
        value = "teams",
        keys = {"webhookurl: webhook-url", "activityimage: activity-image", "outputformat: output-format"})
public record TeamsConfig(
        @NotNull URI webhookUrl,

        @DefaultValue("auto")
        @Pattern(
                regexp = "auto|adaptive-card|message-card",
                message = "must be one of auto, adaptive-card, message-card")
        String card,

        @DefaultValue(Chat.DEFAULT_ICON) String activityImage,

        @DefaultValue("all") @Pattern(regexp = "all|text|facts", message = "must be one of all, text, facts")
        String outputFormat,

        @DefaultValue("10s") Duration timeout)
        implements OutputConfig {

    @Override
    public Output create(OutputContext context) {
        HttpSender.checkUrl(context.key() + ".webhook-url", webhookUrl);
        return new TeamsOutput(this, messageCard(), context.falcosidekick());
    }

    /** Whether this webhook gets a MessageCard rather than an Adaptive Card. */
    boolean messageCard() {
        return switch (card) {
            case "message-card" -> true;
            case "adaptive-card" -> false;
            default -> {
                String host = webhookUrl.getHost().toLowerCase(Locale.ROOT);
                yield host.endsWith(".webhook.office.com")
                        || host.equals("outlook.office.com")
                        || host.equals("outlook.office365.com");
            }
        };
    }
}
