package dev.peregrine.sidekick.output.stdout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.SpooledAlert;
import dev.peregrine.sidekick.spool.SpoolEntry;
import dev.peregrine.sidekick.testing.SampleAlerts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StdoutOutputTest {

    @Test
    void printsEachAlertAsOneJsonLine() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Alert first = SampleAlerts.alert(0);
        Alert second = SampleAlerts.alert(1);

        try (StdoutOutput output = new StdoutOutput(new PrintStream(bytes, false, StandardCharsets.UTF_8))) {
            output.send(first);
            output.send(second);
        }

        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n", -1);
        assertThat(lines).hasSize(3);
        assertThat(lines[2]).isEmpty();
        assertThat(AlertJson.read(lines[0].getBytes(StandardCharsets.UTF_8), Instant::now)
                        .uuid())
                .isEqualTo(first.uuid());
        assertThat(AlertJson.read(lines[1].getBytes(StandardCharsets.UTF_8), Instant::now)
                        .output())
                .isEqualTo(second.output());
    }

    @Test
    void printsASpooledAlertsJsonAsItWasSpooledWithoutParsingIt() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] spooled = "not even json".getBytes(StandardCharsets.UTF_8);

        new StdoutOutput(new PrintStream(bytes, false, StandardCharsets.UTF_8))
                .send(new SpooledAlert(new SpoolEntry(1, "stdout", "u-1", 0, spooled), Instant::now));

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("not even json\n");
    }

    @Test
    void aStreamThatCannotBeWrittenIsARetryableFailure() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        };
        StdoutOutput output = new StdoutOutput(new PrintStream(broken, false, StandardCharsets.UTF_8));

        assertThatThrownBy(() -> output.send(SampleAlerts.alert(0)))
                .isInstanceOf(DeliveryException.class)
                .satisfies(e -> assertThat(((DeliveryException) e).retryable()).isTrue());
    }
}
