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
    void textOutsideAsciiAndEmptyBodiesSurvive() {
        for (String s : new String[] {"", "{\"output\":\"caf\u00e9 \u4e2d\u6587 \ud83d\ude80\"}"}) {
            assertThat(BodyCodec.decode(BodyCodec.encode(s.getBytes(StandardCharsets.UTF_8))))
                    .isEqualTo(s);
        }
    }

    @Test
    void anUnknownFormIsRefused() {
        assertThatThrownBy(() -> BodyCodec.decode(new byte[] {9, 1, 2})).hasMessageContaining("unknown form 9");
        byte[] cut = BodyCodec.encode(SampleAlerts.LINES.getFirst().getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> BodyCodec.decode(java.util.Arrays.copyOf(cut, cut.length / 2)))
                .isInstanceOf(IllegalStateException.class);
    }
}
