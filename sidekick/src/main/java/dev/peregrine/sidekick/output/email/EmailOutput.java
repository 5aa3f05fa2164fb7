package dev.peregrine.sidekick.output.email;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.template.AlertTemplate;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mails each alert, or (in digest mode) a list of alerts per mail. Connections are kept between
 * mails ({@link SmtpConnections}); one that failed is dropped, so a server that was down needs
 * nothing to recover. The Message-ID is made from the alert's uuid: a redelivered alert is the
 * same message to the mail system. Bodies are handed to Jakarta Mail in their wire form
 * ({@link MailBody}).
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
    private final SmtpConnections connections;
    /** Null unless digest mode is on. */
    private final Digest digest;

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
        this.connections = new SmtpConnections(session, config);
        EmailConfig.Digest d = config.digest();
        this.digest = d.on() ? new Digest(name, d.alerts(), d.longestWait(), this::mailDigest) : null;
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
        MimeMessage message;
        try {
            message = message(alert);
        } catch (MessagingException e) {
            throw DeliveryException.permanent(where() + ": cannot build the message: " + e.getMessage());
        }
        transmit(message, "alert " + alert.uuid());
    }

    /** In digest mode, up to two digests' alerts: one being mailed while the next fills. */
    @Override
    public int alertsInFlight() {
        return digest == null ? 0 : 2 * digest.maxAlerts();
    }

    /** Digest mode: the alert joins the digest being collected; its stage completes when that mail was accepted. */
    @Override
    public CompletionStage<Void> submit(SpooledAlert alert) {
        try {
            return digest.add(alert.alert());
        } catch (DeliveryException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void mailDigest(List<Alert> alerts) throws DeliveryException {
        MimeMessage message;
        try {
            message = digestMessage(alerts);
        } catch (MessagingException e) {
            throw DeliveryException.permanent(where() + ": cannot build the digest: " + e.getMessage());
        }
        transmit(
                message,
                "digest of " + alerts.size() + " alerts from "
                        + alerts.getFirst().uuid());
    }

    private String where() {
        return "smtp " + config.host() + ":" + config.port();
    }

    /**
     * Sends on a kept connection when there is one, else on a new one. A kept connection the
     * server may have closed meanwhile fails without a reply: then the mail is sent once more on
     * a new connection. Only a connection whose mail went through is kept.
     */
    private void transmit(MimeMessage message, String what) throws DeliveryException {
        Address[] recipients;
        try {
            recipients = message.getAllRecipients();
        } catch (MessagingException e) {
            throw DeliveryException.permanent(where() + ": cannot build the message: " + e.getMessage());
        }
        Transport kept = connections.kept();
        if (kept != null) {
            try {
                kept.sendMessage(message, recipients);
                connections.keep(kept);
                return;
            } catch (SendFailedException e) {
                connections.discard(kept);
                refused(what, e);
                return;
            } catch (MessagingException e) {
                connections.discard(kept); // no reply: most likely closed while idle; try a new one
            }
        }
        Transport fresh = null;
        try {
            fresh = connections.open();
            fresh.sendMessage(message, recipients);
            connections.keep(fresh);
        } catch (SendFailedException e) {
            connections.discard(fresh);
            refused(what, e);
        } catch (MessagingException e) {
            if (fresh != null) {
                connections.discard(fresh);
            }
            throw failure(where(), e);
        }
    }

    /** Some recipients refused: delivered when any took it (logged), else the server's verdict. */
    private void refused(String what, SendFailedException e) throws DeliveryException {
        Address[] sent = e.getValidSentAddresses();
        if (sent != null && sent.length > 0) {
            log.warn(
                    "output {}: {} mailed to {} but refused for {}: {}",
                    name,
                    what,
                    Arrays.toString(sent),
                    Arrays.toString(e.getInvalidAddresses()),
                    e.getMessage());
            return;
        }
        throw failure(where(), e);
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
        String body = render(alert, "text-template", text, DEFAULT_TEXT_TEMPLATE, model);
        MailBody content = html == null
                ? MailBody.text(body)
                : MailBody.alternative(
                        body,
                        render(alert, "html-template", html, DEFAULT_HTML_TEMPLATE, model),
                        "=_peregrine_" + alert.uuid());
        MimeMessage message = new AlertMessage(session, "<" + alert.uuid() + "@" + messageIdDomain + ">", content);
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
        return message;
    }

    /**
     * One mail listing the alerts, oldest first: for each its subject line, uuid and text body.
     * Its subject names the count and the highest priority; text only, whatever output-format says.
     */
    MimeMessage digestMessage(List<Alert> alerts) throws MessagingException {
        StringBuilder body = new StringBuilder();
        Priority highest = Priority.values()[Priority.values().length - 1];
        for (int i = 0; i < alerts.size(); i++) {
            Alert alert = alerts.get(i);
            Map<String, Object> model = model(alert);
            if (alert.priority().ordinal() < highest.ordinal()) {
                highest = alert.priority();
            }
            body.append("=== ")
                    .append(i + 1)
                    .append(" of ")
                    .append(alerts.size())
                    .append(": ")
                    .append(render(alert, "subject", subject, DEFAULT_SUBJECT_TEMPLATE, model)
                            .replaceAll("[\\r\\n]+", " ")
                            .strip())
                    .append("\nuuid: ")
                    .append(alert.uuid())
                    .append("\n\n")
                    .append(render(alert, "text-template", text, DEFAULT_TEXT_TEMPLATE, model))
                    .append("\n\n");
        }
        String first = alerts.getFirst().uuid();
        MimeMessage message = new AlertMessage(
                session,
                "<digest." + first + "." + alerts.size() + "@" + messageIdDomain + ">",
                MailBody.text(body.toString()));
        message.setFrom(from);
        message.setRecipients(Message.RecipientType.TO, to);
        message.setSubject(
                "[" + highest.falcoName() + "] " + alerts.size() + (alerts.size() == 1 ? " alert" : " alerts"),
                "UTF-8");
        message.setSentDate(new Date());
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

    @Override
    public void close() {
        if (digest != null) {
            digest.close();
        }
        connections.close();
    }

    /**
     * A message whose body is given in its wire form ({@link MailBody}) and written out as it is:
     * Jakarta Mail neither builds body parts nor encodes anything for it. Its content headers
     * and Message-ID are set here, so it needs no saveChanges().
     */
    private static final class AlertMessage extends MimeMessage {
        private final String messageId;

        AlertMessage(Session session, String messageId, MailBody body) throws MessagingException {
            super(session);
            this.messageId = messageId;
            setHeader("MIME-Version", "1.0");
            setHeader("Message-ID", messageId);
            setHeader("Content-Type", body.contentType());
            if (body.encoding() != null) {
                setHeader("Content-Transfer-Encoding", body.encoding());
            }
            this.content = body.content();
            this.modified = false;
            this.saved = true;
        }

        /** Keeps the Message-ID it was given should saveChanges() be called after all. */
        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
