package dev.peregrine.sidekick.output.email;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mails each alert: one SMTP connection per alert (as Falcosidekick), so a server that was down
 * needs nothing to recover. The Message-ID is made from the alert's uuid: a redelivered alert
 * is the same message to the mail system.
 */
final class EmailOutput implements Output {
    private static final Logger log = LoggerFactory.getLogger(EmailOutput.class);

    /** Falcosidekick's subject. */
    static final String DEFAULT_SUBJECT = "[{{ priority }}] {{ output }}";

    /** Falcosidekick's text body, plus the hostname. */
    static final String DEFAULT_TEXT = """
            Priority: {{ priority }}
            Output: {{ output }}
            Rule: {{ rule }}
            Source: {{ source }}
            Hostname: {{ hostname }}
            Tags: {{ tags | join(", ") }}
            Time: {{ time }}

            --Fields--
            {% for field in output_fields %}{{ field.key }}: {{ field.value is null ? "<NA>" : field.value }}
            {% endfor %}""";

    /** Falcosidekick's HTML body: a bar in the priority's colour, the alert, then its fields. */
    static final String DEFAULT_HTML = """
            <!DOCTYPE html>
            <html>
            <head><meta charset="UTF-8"><title>{{ rule }}</title></head>
            <body style="font-family:arial,helvetica,sans-serif;">
            <table cellpadding="3" cellspacing="0" style="width:700px;">
              <tr><td style="background-color:{{ color }};text-align:center;font-size:13px;"><strong>{{ priority }}</strong></td></tr>
            </table>
            <table cellpadding="5" cellspacing="0" style="width:700px;font-size:13px;">
              <tr><td style="background-color:#858585;color:#fff;"><strong>Output</strong></td><td style="background-color:#d1d6da;">{{ output }}</td></tr>
              <tr><td style="background-color:#858585;color:#fff;"><strong>Rule</strong></td><td style="background-color:#d1d6da;">{{ rule }}</td></tr>
              <tr><td style="background-color:#858585;color:#fff;"><strong>Source</strong></td><td style="background-color:#d1d6da;">{{ source }}</td></tr>
              <tr><td style="background-color:#858585;color:#fff;"><strong>Hostname</strong></td><td style="background-color:#d1d6da;">{{ hostname }}</td></tr>
              <tr><td style="background-color:#858585;color:#fff;"><strong>Tags</strong></td><td style="background-color:#d1d6da;">{{ tags | join(", ") }}</td></tr>
              <tr><td style="background-color:#858585;color:#fff;"><strong>Time</strong></td><td style="background-color:#d1d6da;">{{ time }}</td></tr>
            </table>
            <br>
            <table cellpadding="3" cellspacing="0" style="width:700px;font-size:13px;">
              <tr><td colspan="2" style="background-color:#858585;color:#fff;text-align:center;"><strong>Fields</strong></td></tr>
            {% for field in output_fields %}  <tr><td style="background-color:#858585;color:#fff;"><strong>{{ field.key }}</strong></td><td style="background-color:#d1d6da;">{% if field.value is null %}&lt;NA&gt;{% else %}{{ field.value }}{% endif %}</td></tr>
            {% endfor %}</table>
            </body>
            </html>
            """;

    /** Falcosidekick's SMTP colours (not its Slack ones), as {@code color} in templates. */
    static final AlertTemplate.Palette COLORS = AlertTemplate.Palette.MAIL;

    private static final AlertTemplate DEFAULT_SUBJECT_TEMPLATE = AlertTemplate.compile("subject", DEFAULT_SUBJECT);
    private static final AlertTemplate DEFAULT_TEXT_TEMPLATE = AlertTemplate.compile("text-template", DEFAULT_TEXT);
    private static final AlertTemplate DEFAULT_HTML_TEMPLATE = AlertTemplate.compileHtml("html-template", DEFAULT_HTML);

    private final boolean dateIsAlertTime;
    private final String name;
    private final EmailConfig config;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final AlertTemplate subject;
    private final AlertTemplate text;
    private final AlertTemplate html;
    private final String messageIdDomain;
    private final Session session;

    EmailOutput(
            String name,
            EmailConfig config,
            InternetAddress from,
            List<InternetAddress> to,
            AlertTemplate subject,
            AlertTemplate text,
            AlertTemplate html,
            boolean dateIsAlertTime) {
        this.dateIsAlertTime = dateIsAlertTime;
        this.name = name;
        this.config = config;
        this.from = from;
        this.to = to.toArray(InternetAddress[]::new);
        this.subject = subject;
        this.text = text == null ? DEFAULT_TEXT_TEMPLATE : text;
        this.html = config.outputFormat().equals("html") ? (html == null ? DEFAULT_HTML_TEMPLATE : html) : null;
        String address = from.getAddress();
        this.messageIdDomain = address.substring(address.lastIndexOf('@') + 1);
        this.session = Session.getInstance(sessionProperties(config));
    }

    static Properties sessionProperties(EmailConfig config) {
        String protocol = config.smtps() ? "smtps" : "smtp";
        String p = "mail." + protocol + ".";
        String millis = String.valueOf(config.timeout().toMillis());
        Properties props = new Properties();
        props.put("mail.transport.protocol", protocol);
        props.put(p + "host", config.host());
        props.put(p + "port", String.valueOf(config.port()));
        props.put(p + "connectiontimeout", millis);
        props.put(p + "timeout", millis);
        props.put(p + "writetimeout", millis);
        props.put(p + "auth", String.valueOf(config.username() != null));
        // Some recipients refused: send to the others and say so, rather than to nobody.
        props.put(p + "sendpartial", "true");
        props.put(p + "ssl.checkserveridentity", "true");
        if (!config.smtps()) {
            props.put(p + "starttls.enable", String.valueOf(!config.starttls().equals("off")));
            props.put(p + "starttls.required", String.valueOf(config.starttls().equals("required")));
        }
        if (config.tls().customized()) {
            // Used for SMTPS and for the STARTTLS upgrade alike.
            props.put(p + "ssl.socketFactory", config.tls().sslContext().getSocketFactory());
        }
        return props;
    }

    @Override
    public void send(Alert alert) throws DeliveryException {
        String where = "smtp " + config.host() + ":" + config.port();
        MimeMessage message;
        try {
            message = message(alert);
        } catch (MessagingException e) {
            throw DeliveryException.permanent(where + ": cannot build the message: " + e.getMessage());
        }
        try (Transport transport = session.getTransport()) {
            transport.connect(config.host(), config.port(), config.username(), config.password());
            transport.sendMessage(message, message.getAllRecipients());
        } catch (SendFailedException e) {
            Address[] sent = e.getValidSentAddresses();
            if (sent != null && sent.length > 0) {
                log.warn(
                        "output {}: alert {} mailed to {} but refused for {}: {}",
                        name,
                        alert.uuid(),
                        Arrays.toString(sent),
                        Arrays.toString(e.getInvalidAddresses()),
                        e.getMessage());
                return;
            }
            throw failure(where, e);
        } catch (MessagingException e) {
            throw failure(where, e);
        }
    }

    /**
     * SMTP's own verdict where it gave one: a 5xx reply is permanent (this message will not be
     * taken as it is), a 4xx reply is transient. A connection that failed, timed out or was
     * refused TLS, and refused credentials, are the server's or the configuration's state, not
     * the alert's: retryable, so nothing is lost while they are fixed.
     */
    private static DeliveryException failure(String where, MessagingException e) {
        String message = where + ": " + describe(e);
        if (e instanceof AuthenticationFailedException) {
            return DeliveryException.retryable(message, e);
        }
        int code = replyCode(e);
        return code >= 500 && code < 600
                ? DeliveryException.permanent(message)
                : DeliveryException.retryable(message, e);
    }

    private static int replyCode(MessagingException e) {
        Exception x = e;
        while (x != null) {
            switch (x) {
                case SMTPSendFailedException s -> {
                    return s.getReturnCode();
                }
                case SMTPAddressFailedException a -> {
                    return a.getReturnCode();
                }
                case SMTPSenderFailedException s -> {
                    return s.getReturnCode();
                }
                default -> {}
            }
            x = x instanceof MessagingException m ? m.getNextException() : null;
        }
        return -1;
    }

    private static String describe(MessagingException e) {
        StringBuilder b =
                new StringBuilder(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && cause != e.getNextException() && cause.getMessage() != null) {
            b.append(" (")
                    .append(cause.getClass().getSimpleName())
                    .append(": ")
                    .append(cause.getMessage())
                    .append(')');
        }
        return b.toString().strip();
    }

    MimeMessage message(Alert alert) throws MessagingException {
        Map<String, Object> model = model(alert);
        MimeMessage message = new AlertMessage(session, "<" + alert.uuid() + "@" + messageIdDomain + ">");
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to);
        // A header is one line: a newline in an output line must not end it.
        String subjectLine = render(alert, "subject", subject, DEFAULT_SUBJECT_TEMPLATE, model)
                .replaceAll("[\\r\\n]+", " ")
                .strip();
        message.setSubject(subjectLine, "UTF-8");
        // Falcosidekick dates the message at the alert's time, so mail clients sort by when it
        // happened; Peregrine's payloads date it when it is sent (an alert may wait in the spool).
        message.setSentDate(dateIsAlertTime ? Date.from(alert.time()) : new Date());
        String body = render(alert, "text-template", text, DEFAULT_TEXT_TEMPLATE, model);
        if (html == null) {
            message.setText(body, "UTF-8", "plain");
        } else {
            MimeBodyPart plain = new MimeBodyPart();
            plain.setText(body, "UTF-8", "plain");
            MimeBodyPart rich = new MimeBodyPart();
            rich.setText(render(alert, "html-template", html, DEFAULT_HTML_TEMPLATE, model), "UTF-8", "html");
            message.setContent(new MimeMultipart("alternative", plain, rich));
        }
        message.saveChanges();
        return message;
    }

    /** What templates see: every alert field ({@link AlertTemplate#model}) and the priority's mail colour. */
    static Map<String, Object> model(Alert alert) {
        Map<String, Object> m = AlertTemplate.model(alert);
        m.put("color", COLORS.color(alert.priority()));
        return m;
    }

    /**
     * Renders a template; one that fails on this alert (a filter given the wrong type, say) is
     * logged and the built-in template is used instead: it costs the layout, not the alert.
     */
    private String render(
            Alert alert, String key, AlertTemplate template, AlertTemplate fallback, Map<String, Object> model) {
        try {
            return template.render(model);
        } catch (AlertTemplate.RenderException e) {
            log.warn(
                    "output {}: {} failed on alert {}, using the built-in one: {}",
                    name,
                    key,
                    alert.uuid(),
                    e.getMessage());
            try {
                return fallback.render(model);
            } catch (AlertTemplate.RenderException x) {
                throw new IllegalStateException("built-in " + key + " failed", x);
            }
        }
    }

    /** Keeps the Message-ID it was given instead of inventing one on saveChanges(). */
    private static final class AlertMessage extends MimeMessage {
        private final String messageId;

        AlertMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
