package dev.peregrine.detector.syscall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.event.Event;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dispatch table: record type to syscall and family, and each family's parser taking exactly its calls. */
class SyscallTest {
    @Test
    void everySyscallTheCaptureNamesHasItsEntryUnderItsNumber() {
        Set<String> known = Syscalls.known();
        assertThat(known).hasSizeGreaterThan(60);
        for (String name : known) {
            int nr = Syscalls.number(name);
            Syscall s = Syscall.of(nr);
            assertThat(s).as(name).isNotNull();
            assertThat(s.number).as(name).isEqualTo(nr);
            // The capture's own string: events keep the type instance the rest of the detector has.
            assertThat(s.type).as(name).isSameAs(Syscalls.name(nr));
        }
        for (Syscall s : Syscall.values()) {
            assertThat(known).as("%s is a syscall the capture knows", s).contains(s.type);
        }
    }

    @Test
    void recordTypesWithoutASyscallHaveNoEntry() {
        assertThat(Syscall.of(0)).as("read: not captured").isNull();
        assertThat(Syscall.of(-1)).isNull();
        assertThat(Syscall.of(511)).isNull();
        assertThat(Syscall.of(512)).isNull();
        assertThat(Syscall.of(RawEvent.PROC_FORK)).isNull();
        assertThat(Syscall.of(RawEvent.PROC_EXEC)).isNull();
        assertThat(Syscall.of(RawEvent.PROC_EXIT)).isNull();
    }

    /** A family's parser, as the dispatcher calls it. */
    interface Parser {
        void parse(Syscall call, RawEvent e, Event ev);
    }

    static Parser parserOf(Syscall.Family family) {
        return switch (family) {
            case OPEN -> (c, e, ev) -> new OpenCalls().parse(c, e, null, ev);
            case FD -> (c, e, ev) -> new FdCalls().parse(c, e, null, ev);
            case SOCKET -> (c, e, ev) -> new SocketCalls().parse(c, e, null, ev);
            case FILE -> (c, e, ev) -> new FileCalls().parse(c, e, null, ev);
            case PROCESS -> (c, e, ev) -> new ProcessCalls().parse(c, e, null, ev);
            case CREDENTIALS -> (c, e, ev) -> new CredentialCalls(Event.DECIMAL, Event.DECIMAL).parse(c, e, null, ev);
            case KERNEL -> (c, e, ev) -> new KernelCalls().parse(c, e, null, ev);
            case OTHER -> null;
        };
    }

    /**
     * Each parser makes an event of every call its family lists (a record without parameters, of
     * a process the table does not know) and refuses every other call: the table and the parsers
     * agree.
     */
    @Test
    void eachFamilysParserTakesExactlyTheCallsOfItsFamily() {
        KernelRecords k = new KernelRecords();
        Event ev = Event.live();
        int parsed = 0;
        for (Syscall.Family family : Syscall.Family.values()) {
            Parser parser = parserOf(family);
            if (parser == null) continue;
            for (Syscall call : Syscall.values()) {
                RawEvent r = k.syscall(call.number, 1, "x", 0).add();
                ev.reset(0, 1, call.type, 0);
                if (call.family == family) {
                    parser.parse(call, r, ev);
                    assertThat(ev.argCount()).as("%s's arguments", call).isPositive();
                    parsed++;
                } else {
                    assertThatThrownBy(() -> parser.parse(call, r, ev))
                            .as("%s given to the parser of %s", call, family)
                            .isInstanceOf(IllegalArgumentException.class);
                }
            }
        }
        assertThat(parsed)
                .isEqualTo(Syscall.values().length
                        - EnumSet.allOf(Syscall.class).stream()
                                .filter(s -> s.family == Syscall.Family.OTHER)
                                .count());
    }
}
