package dev.peregrine.detector.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.field.FieldCatalogue;
import org.junit.jupiter.api.Test;

/** evt.rawarg is the number an argument was formatted from, as libsinsp's is; evt.arg the text. */
class EventRawArgTest {
    @Test
    void rawArgIsTheNumberAndSurvivesTheSnapshot() {
        Event live = Event.live();
        live.reset(1, 1, "chmod", 0);
        live.addArg("res", 0, Event.DECIMAL);
        live.addArg("filename", "/tmp/x");
        live.addArg("mode", 04755, v -> "S_ISUID...");
        assertThat(live.arg("mode")).isEqualTo("S_ISUID...");
        assertThat(live.rawArg("mode")).isEqualTo("2541");
        assertThat(live.rawArg("filename")).as("an argument given as text").isEqualTo("/tmp/x");
        assertThat(live.rawArg("uid")).isNull();

        Event kept = live.snapshot();
        live.reset(2, 2, "open", 3);
        assertThat(kept.arg("mode")).isEqualTo("S_ISUID...");
        assertThat(kept.rawArg("mode")).isEqualTo("2541");
        assertThat(FieldCatalogue.standard().resolve("evt.rawarg.mode", "").display(kept))
                .isEqualTo("2541");
        assertThat(FieldCatalogue.standard().resolve("evt.arg.mode", "").display(kept))
                .isEqualTo("S_ISUID...");
    }

    /** A data buffer is held one char per byte for evt.buffer; evt.args prints it as libsinsp does. */
    @Test
    void aDataBufferIsItsTextForArgAndRawArgAndPrintsWithDots() {
        Event live = Event.live();
        live.reset(1, 1, "recvfrom", 8);
        live.addArg("res", 8, Event.DECIMAL);
        Event.TextSource bytes = v -> "GET /\r\n\u00ca\u00fe";
        live.addArg("data", 2, bytes);
        assertThat(live.arg("data")).isEqualTo("GET /\r\n\u00ca\u00fe");
        assertThat(live.rawArg("data")).isEqualTo("GET /\r\n\u00ca\u00fe");
        assertThat(FieldCatalogue.standard().resolve("evt.buffer", "").display(live))
                .isEqualTo("GET /\r\n\u00ca\u00fe");
        assertThat(live.argsLine()).isEqualTo("res=8 data=GET /.... ");
    }
}
