package dev.peregrine.detector.transport;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.peregrine.contract.v1.Ack;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.AlertEnvelope;
import dev.peregrine.contract.v1.AlertIntakeGrpc;
import dev.peregrine.contract.v1.Origin;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The contract's {@link AlertEnvelope}, written by the link straight from a spooled alert's bytes.
 * The node spool holds each alert serialized; parsing it back, adding the link's origin and
 * serializing it again for gRPC was most of the link thread's CPU. A protobuf message is the
 * concatenation of its fields, and {@code origin} is the Alert's last field, so the envelope is
 * the spooled bytes with the origin field appended (when the alert has none): the very bytes the
 * generated code would write for {@code alert.toBuilder().setOrigin(origin)}, and the sidekick
 * parses the same message.
 */
final class Envelopes {
    /** AlertIntake.Send with envelopes as their bytes; acks are parsed as before. */
    static final MethodDescriptor<byte[], Ack> SEND = AlertIntakeGrpc.getSendMethod().toBuilder(
                    new BytesMarshaller(), AlertIntakeGrpc.getSendMethod().getResponseMarshaller())
            .build();

    private Envelopes() {}

    /** The origin as the Alert field it becomes: tag, length, message. */
    static byte[] originField(Origin origin) {
        byte[] out = new byte[CodedOutputStream.computeMessageSize(Alert.ORIGIN_FIELD_NUMBER, origin)];
        write(out, o -> o.writeMessage(Alert.ORIGIN_FIELD_NUMBER, origin));
        return out;
    }

    /**
     * The envelope of one spooled alert.
     *
     * @param sequence the stream's sequence of this alert, from 1 (0 is a status report's)
     * @param alert the alert as the spool holds it (a serialized {@link Alert})
     * @param originField {@link #originField}, appended unless the alert has an origin of its own
     */
    static byte[] alert(long sequence, byte[] alert, byte[] originField) {
        if (sequence < 1) {
            throw new IllegalArgumentException("an alert's sequence starts at 1, not " + sequence);
        }
        int alertSize = alert.length + (hasOrigin(alert) ? 0 : originField.length);
        int size = CodedOutputStream.computeUInt64Size(AlertEnvelope.SEQUENCE_FIELD_NUMBER, sequence)
                + CodedOutputStream.computeTagSize(AlertEnvelope.ALERT_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(alertSize)
                + alertSize;
        byte[] out = new byte[size];
        write(out, o -> {
            o.writeUInt64(AlertEnvelope.SEQUENCE_FIELD_NUMBER, sequence);
            o.writeTag(AlertEnvelope.ALERT_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(alertSize);
            o.writeRawBytes(alert);
            if (alertSize != alert.length) {
                o.writeRawBytes(originField);
            }
        });
        return out;
    }

    /** Whether the serialized alert has its origin field; reads tags only, no field is decoded. */
    static boolean hasOrigin(byte[] alert) {
        CodedInputStream in = CodedInputStream.newInstance(alert);
        try {
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (WireFormat.getTagFieldNumber(tag) == Alert.ORIGIN_FIELD_NUMBER) {
                    return true;
                }
                in.skipField(tag);
            }
            return false;
        } catch (IOException e) {
            throw new IllegalStateException("a spooled alert is not a protobuf Alert: " + e.getMessage(), e);
        }
    }

    private interface Writes {
        void to(CodedOutputStream out) throws IOException;
    }

    private static void write(byte[] out, Writes writes) {
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        try {
            writes.to(o);
            o.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Envelopes that are already bytes: gRPC sends them as they are (it knows a ByteArrayInputStream's length). */
    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
