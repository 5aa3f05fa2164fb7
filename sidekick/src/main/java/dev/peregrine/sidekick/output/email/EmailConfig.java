package dev.peregrine.sidekick.output.email;

import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputConfig;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.OutputType;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Email over SMTP, one message per alert (or one per digest of alerts, see {@link Digest}): a subject, a plain-text body and (by default) an HTML
 * body, each from a Pebble template, with defaults that look like Falcosidekick's SMTP output.
 *
 * @param host the SMTP server
 * @param port 587 (submission) by default; 465 with {@code smtps}, 25 for a plain relay
 * @param username for SMTP AUTH; none: no authentication
 * @param password for SMTP AUTH
 * @param starttls {@code required} (default): refuse to send unless the server offers STARTTLS;
 *     {@code optional}: use it when offered; {@code off}: never (plain text on the wire)
 * @param smtps TLS from the first byte (SMTPS, usually port 465) instead of STARTTLS
 * @param from the sender, e.g. {@code Peregrine <falco@example.org>}
 * @param to the recipients
 * @param subject a Pebble template for the subject
 * @param outputFormat {@code html}: a text and an HTML body (multipart/alternative);
 *     {@code text}: the text body only
 * @param textTemplate a Pebble template for the text body; none: the built-in one
 * @param htmlTemplate a Pebble template for the HTML body, values HTML-escaped; none: the built-in one
 * @param timeout for connecting, and for each read and write
 * @param tls the CA to trust (and a client certificate) for STARTTLS and SMTPS
 * @param digest one mail listing many alerts instead of one mail per alert; off unless set
 */
@OutputType("email")
@FalcosidekickOutput(
        value = "smtp",
        keys = {"from", "to", "user: username", "password", "outputformat: output-format"})
public record EmailConfig(
        @NotBlank String host,
        @DefaultValue("587") @Min(1) @Max(65535) int port,
        String username,
        String password,

        @DefaultValue("required")
        @Pattern(regexp = "required|optional|off", message = "must be one of required, optional, off")
        String starttls,

        @DefaultValue("false") boolean smtps,
        @NotBlank String from,
        @NotEmpty List<String> to,
        @DefaultValue(EmailOutput.DEFAULT_SUBJECT) String subject,

        @DefaultValue("html") @Pattern(regexp = "html|text", message = "must be html or text")
        String outputFormat,

        String textTemplate,
        String htmlTemplate,
        @DefaultValue("30s") Duration timeout,
        @DefaultValue TlsConfig tls,
        @DefaultValue Digest digest)
        implements OutputConfig {

    /**
     * Digest mode: one mail for up to {@code maxAlerts} alerts, sent when that many are waiting or
     * {@code interval} after the first of them arrived. Each alert leaves the spool only once the
     * SMTP server accepted the mail listing it. Off when neither is set.
     *
     * @param maxAlerts alerts per mail at most, 1 to 1000; 100 when only {@code interval} is set
     * @param interval longest an alert waits for its mail, 100ms to 24h; 1m when only
     *     {@code maxAlerts} is set
     */
    public record Digest(Integer maxAlerts, Duration interval) {
        public static final Digest OFF = new Digest(null, null);

        boolean on() {
            return maxAlerts != null || interval != null;
        }

        int alerts() {
            return maxAlerts == null ? 100 : maxAlerts;
        }

        Duration longestWait() {
            return interval == null ? Duration.ofMinutes(1) : interval;
        }
    }

    @Override
    public Output create(OutputContext context) {
        String key = context.key();
        InternetAddress sender = address(key + ".from", from);
        List<InternetAddress> recipients = new ArrayList<>();
        for (int i = 0; i < to.size(); i++) {
            recipients.add(address(key + ".to[" + i + "]", to.get(i)));
        }
        if (password != null && username == null) {
            throw new ConfigException(key + ".password", "a password needs a username");
        }
        if (outputFormat.equals("text") && htmlTemplate != null) {
            throw new ConfigException(key + ".html-template", "output-format is text: no HTML body is sent");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new ConfigException(key + ".timeout", "must be positive, got " + timeout);
        }
        if (digest.maxAlerts() != null && (digest.maxAlerts() < 1 || digest.maxAlerts() > 1000)) {
            throw new ConfigException(key + ".digest.max-alerts", "must be 1 to 1000, got " + digest.maxAlerts());
        }
        if (digest.interval() != null
                && (digest.interval().toMillis() < 100 || digest.interval().compareTo(Duration.ofHours(24)) > 0)) {
            throw new ConfigException(key + ".digest.interval", "must be 100ms to 24h, got " + digest.interval());
        }
        AlertTemplate subjectTemplate = AlertTemplate.compile(key + ".subject", subject);
        AlertTemplate text = textTemplate == null ? null : AlertTemplate.compile(key + ".text-template", textTemplate);
        AlertTemplate html =
                htmlTemplate == null ? null : AlertTemplate.compileHtml(key + ".html-template", htmlTemplate);
        return new EmailOutput(
                context.name(), this, sender, recipients, subjectTemplate, text, html, context.falcosidekick());
    }

    private static InternetAddress address(String key, String value) {
        try {
            InternetAddress a = new InternetAddress(value, true);
            a.validate();
            return a;
        } catch (AddressException e) {
            throw new ConfigException(key, "not an email address: '" + value + "' (" + e.getMessage() + ")");
        }
    }
}
