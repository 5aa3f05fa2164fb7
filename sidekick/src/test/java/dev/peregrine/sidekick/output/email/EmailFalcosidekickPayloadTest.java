package dev.peregrine.sidekick.output.email;

import static dev.peregrine.sidekick.testing.FalcosidekickPayloads.input;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.testing.ConfiguredOutputs;
import jakarta.mail.internet.MailDateFormat;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What Falcosidekick's TestNewSMTPPayloadDateHeaderIsRFC5322 expects: the Date header is the
 * alert's time ("Mon, 01 Jan 2001 01:10:00 +0000" there; JavaMail writes the same instant as
 * "Mon, 1 Jan 2001 01:10:00 +0000 (UTC)", RFC 5322 too), and Falcosidekick's subject.
 */
class EmailFalcosidekickPayloadTest {
    @Test
    void theDateIsTheAlertsTimeAsInFalcosidekick() throws Exception {
        ConfiguredOutput configured = ConfiguredOutputs.bind(Map.of(
                        "peregrine.outputs.mail.type", "email",
                        "peregrine.outputs.mail.host", "localhost",
                        "peregrine.outputs.mail.from", "falco@localhost",
                        "peregrine.outputs.mail.to", "alerts@localhost",
                        "peregrine.outputs.mail.starttls", "off",
                        "peregrine.outputs.mail.output-format", "text"))
                .getFirst();
        Alert alert = input();
        try (EmailOutput out = (EmailOutput) configured.config().create(configured.context())) {
            MimeMessage message = out.message(alert);
            String date = message.getHeader("Date")[0];
            assertThat(new MailDateFormat().parse(date).toInstant()).isEqualTo(Instant.parse("2001-01-01T01:10:00Z"));
            assertThat(date).startsWith("Mon, 1 Jan 2001 01:10:00 +0000");
            assertThat(message.getSubject()).isEqualTo("[Debug] This is a test from falcosidekick");
        }
    }
}
