package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.testing.SampleAlerts;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodyCodecTest {
    @Test
    void everySampleComesBackExactlyAndTakesUnderHalfItsSize() {
        for (String line : SampleAlerts.LINES) {
            byte[] json = line.getBytes(StandardCharsets.UTF_8);
            byte[] stored = BodyCodec.encode(json);
            assertThat(BodyCodec.decode(stored)).isEqualTo(line);
            assertThat(stored.length).isLessThan(json.length / 2);
        }
    }

    @Test
    void bodiesOfTheEarlierFormStayReadable() {
        for (String line : SampleAlerts.LINES) {
            byte[] json = line.getBytes(StandardCharsets.UTF_8);
            byte[] deflated = BodyCodec.deflate(json);
            assertThat(deflated[0]).isEqualTo((byte) 1);
            assertThat(BodyCodec.decode(deflated)).isEqualTo(line);
        }
    }

    @Test
    void oneEncoderServesManyAlerts() {
        try (BodyCodec.Encoder e = new BodyCodec.Encoder()) {
            for (int round = 0; round < 3; round++) {
                for (String line : SampleAlerts.LINES) {
                    assertThat(BodyCodec.decode(e.encode(line.getBytes(StandardCharsets.UTF_8))))
                            .isEqualTo(line);
                }
            }
        }
    }

    @Test
    void textOutsideAsciiAndEmptyBodiesSurvive() {
        for (String s : new String[] {"", "{\"output\":\"caf\u00e9 \u4e2d\u6587 \ud83d\ude80\"}"}) {
            assertThat(BodyCodec.decode(BodyCodec.encode(s.getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(s);
            assertThat(BodyCodec.decode(BodyCodec.deflate(s.getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(s);
        }
    }

    @Test
    void anUnknownFormIsRefused() {
        assertThatThrownBy(() -> BodyCodec.decode(new byte[] {9, 1, 2})).hasMessageContaining("unknown form 9");
        byte[] cut = BodyCodec.encode(SampleAlerts.LINES.getFirst().getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> BodyCodec.decode(java.util.Arrays.copyOf(cut, cut.length / 2)))
                .isInstanceOf(IllegalStateException.class);
        byte[] old = BodyCodec.deflate(SampleAlerts.LINES.getFirst().getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> BodyCodec.decode(java.util.Arrays.copyOf(old, old.length / 2)))
                .isInstanceOf(IllegalStateException.class);
        byte[] flipped = cut.clone();
        flipped[flipped.length / 2] ^= 0x55;
        assertThatThrownBy(() -> BodyCodec.decode(flipped)).isInstanceOf(IllegalStateException.class);
    }
}
