package dev.peregrine.sidekick.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Priority;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProtoAlertsTest {
    static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    static dev.peregrine.contract.v1.Alert.Builder alert() {
        return dev.peregrine.contract.v1.Alert.newBuilder()
                .setRule("Terminal shell in container")
                .setPriority(Priority.NOTICE)
                .setSource("syscall")
                .setHostname("node-1");
    }

    @Test
    void whatAWatchedProcessControlsIsSanitizedNotRefused() {
        // A process may put control characters in its command line; its alert must still arrive.
        var a = ProtoAlerts.toAlert(
                alert().setOutput("cmd=sh -c \u001b[2J")
                        .putOutputFields(
                                "proc.cmdline",
                                FieldValue.newBuilder()
                                        .setStringValue("sh\u0000-c")
                                        .build())
                        .build(),
                () -> NOW);
        assertThat(a.output()).isEqualTo("cmd=sh -c \ufffd[2J");
        assertThat(a.outputFields()).containsEntry("proc.cmdline", "sh\ufffd-c");
    }

    @Test
    void whatRulesAndSettingsControlIsRefused() {
        assertThatThrownBy(() -> ProtoAlerts.toAlert(alert().setRule("r\u0007").build(), () -> NOW))
                .isInstanceOfSatisfying(
                        AlertRejectedException.class, e -> assertThat(e.field()).isEqualTo("rule"));
        assertThatThrownBy(() -> ProtoAlerts.toAlert(
                        alert().putOutputFields(
                                        "x",
                                        FieldValue.newBuilder()
                                                .setDoubleValue(Double.POSITIVE_INFINITY)
                                                .build())
                                .build(),
                        () -> NOW))
                .isInstanceOfSatisfying(
                        AlertRejectedException.class, e -> assertThat(e.field()).isEqualTo("output_fields.x"));
    }
}
