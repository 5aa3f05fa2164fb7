package dev.peregrine.detector.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.contract.v1.Priority;
import org.junit.jupiter.api.Test;

/** The link's envelopes written from spooled bytes are what the generated code wrote before. */
class EnvelopesTest {
    static final Origin NODE =
            Origin.newBuilder().setHostname("node-a").setClusterName("prod").build();

    static Alert alert() {
        return Alert.newBuilder()
                .setUuid("0190c6a2-7c1e-7000-8000-000000000001")
                .setTime(Timestamp.newBuilder().setSeconds(1_700_000_000).setNanos(123))
                .setRule("Read sensitive file untrusted")
                .setPriority(Priority.WARNING)
                .setSource("syscall")
                .setOutput("Sensitive file opened for reading | file=/etc/shadow é")
                .putOutputFields(
                        "fd.name",
                        FieldValue.newBuilder().setStringValue("/etc/shadow").build())
                .putOutputFields(
                        "proc.pid", FieldValue.newBuilder().setIntValue(4242).build())
                .putOutputFields(
                        "evt.type",
                        FieldValue.newBuilder().setStringValue("openat").build())
                .addTags("T1555")
                .addTags("filesystem")
                .setHostname("host-1")
                .build();
    }

    /** What the link sent before: the parsed alert with the node's origin unless it had one. */
    static byte[] asBefore(long sequence, Alert a) {
        Alert withOrigin = a.hasOrigin() ? a : a.toBuilder().setOrigin(NODE).build();
        return AlertEnvelope.newBuilder()
                .setSequence(sequence)
                .setAlert(withOrigin)
                .build()
                .toByteArray();
    }

    @Test
    void anAlertWithoutOriginGetsTheNodesAndTheBytesAreTheGeneratedCodes() throws Exception {
        Alert a = alert();
        for (long sequence : new long[] {1, 127, 128, 1L << 40}) {
            byte[] sent = Envelopes.alert(sequence, a.toByteArray(), Envelopes.originField(NODE));

            AlertEnvelope parsed = AlertEnvelope.parseFrom(sent);
            assertThat(parsed.getSequence()).isEqualTo(sequence);
            assertThat(parsed.getAlert().getOrigin()).isEqualTo(NODE);
            assertThat(parsed.getAlert().toBuilder().clearOrigin().build()).isEqualTo(a);
            assertThat(sent).isEqualTo(asBefore(sequence, a));
        }
    }

    @Test
    void anAlertWithAnOriginOfItsOwnKeepsIt() throws Exception {
        Alert a = alert().toBuilder()
                .setOrigin(Origin.newBuilder().setHostname("elsewhere").setNodeName("n-9"))
                .build();

        byte[] sent = Envelopes.alert(7, a.toByteArray(), Envelopes.originField(NODE));

        assertThat(Envelopes.hasOrigin(a.toByteArray())).isTrue();
        assertThat(AlertEnvelope.parseFrom(sent).getAlert()).isEqualTo(a);
        assertThat(sent).isEqualTo(asBefore(7, a));
    }

    @Test
    void anEmptyAlertIsStillAnEnvelopeWithTheOrigin() throws Exception {
        byte[] sent = Envelopes.alert(1, new byte[0], Envelopes.originField(NODE));

        assertThat(Envelopes.hasOrigin(new byte[0])).isFalse();
        assertThat(AlertEnvelope.parseFrom(sent).getAlert().getOrigin()).isEqualTo(NODE);
        assertThat(sent).isEqualTo(asBefore(1, Alert.getDefaultInstance()));
    }

    @Test
    void bytesThatAreNotAnAlertAndSequenceZeroAreRefused() {
        assertThatThrownBy(() -> Envelopes.hasOrigin(new byte[] {(byte) 0x0a, 0x05, 0x01}))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not a protobuf Alert");
        assertThatThrownBy(() -> Envelopes.alert(0, alert().toByteArray(), Envelopes.originField(NODE)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("starts at 1");
    }
}
