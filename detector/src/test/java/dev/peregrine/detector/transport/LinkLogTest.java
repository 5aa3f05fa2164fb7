package dev.peregrine.detector.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One line per change of the link's state, not one per retry. */
class LinkLogTest {
    final List<String> lines = new ArrayList<>();
    final AtomicLong now = new AtomicLong(1_000_000);
    final LinkLog log = new LinkLog("127.0.0.1:2803", (level, message) -> lines.add(level + " " + message), now::get);

    List<String> said() {
        return lines.stream().filter(l -> !l.startsWith("DEBUG")).toList();
    }

    @Test
    void aDetectorStartedBeforeItsSidekickSaysOnceThatItWaits() {
        for (int i = 0; i < 5; i++) {
            log.down("UNAVAILABLE: Connection refused", 3);
            now.addAndGet(1_000);
        }
        log.up(3);
        assertThat(said())
                .containsExactly(
                        "INFO waiting for the sidekick at 127.0.0.1:2803: UNAVAILABLE: Connection refused; alerts wait"
                                + " in the node spool (3) and are sent when it is back",
                        "INFO connected to the sidekick at 127.0.0.1:2803; sending the 3 alerts the node spool holds");
        assertThat(lines).hasSize(6);
    }

    @Test
    void aLostLinkSaysSoOnceThenWhenItIsBack() {
        log.up(0);
        log.down("UNAVAILABLE: the sidekick closed the stream", 0);
        now.addAndGet(500);
        log.down("UNAVAILABLE: Connection refused", 1);
        now.addAndGet(500);
        log.down("UNAVAILABLE: Connection refused", 2);
        now.addAndGet(44_000);
        log.up(2);
        assertThat(said())
                .containsExactly(
                        "INFO connected to the sidekick at 127.0.0.1:2803",
                        "WARNING sidekick link to 127.0.0.1:2803 lost: UNAVAILABLE: the sidekick closed the stream;"
                                + " alerts wait in the node spool (0) and are sent when it is back",
                        "WARNING sidekick link to 127.0.0.1:2803 still down: UNAVAILABLE: Connection refused; alerts"
                                + " wait in the node spool (1) and are sent when it is back",
                        "INFO sidekick link to 127.0.0.1:2803 back after 45 s; sending the 2 alerts the node spool"
                                + " holds");
    }

    @Test
    void aNewReasonIsSaidAndALongOutageIsRemindedOf() {
        log.down("UNAVAILABLE: Connection refused", 0);
        log.down("UNAUTHENTICATED: bad token", 0);
        log.down("UNAUTHENTICATED: bad token", 0);
        now.addAndGet(LinkLog.REMINDER.toMillis());
        log.down("UNAUTHENTICATED: bad token", 0);
        assertThat(said())
                .hasSize(3)
                .satisfies(l -> assertThat(l.get(1))
                        .startsWith(
                                "WARNING waiting for the sidekick at 127.0.0.1:2803:" + " UNAUTHENTICATED: bad token"))
                .satisfies(
                        l -> assertThat(l.get(2)).startsWith("INFO still no sidekick at 127.0.0.1:2803 after 10 min"));
    }
}
