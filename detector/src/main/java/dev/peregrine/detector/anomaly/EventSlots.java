package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Dense indexes for the record types a window counts: every syscall the capture knows, by its
 * event type name, plus {@code exec} for a completed exec. The event thread counts a record with
 * one array lookup; profile files name the slots, so the numbering can change between versions.
 */
final class EventSlots {
    static final String EXEC = "exec";
    private static final int[] BY_RECORD_TYPE = new int[RawEvent.PROC_EXIT + 1];
    private static final List<String> NAMES = new ArrayList<>();

    static {
        Arrays.fill(BY_RECORD_TYPE, -1);
        for (int nr = 0; nr < 512; nr++) {
            String name = Syscalls.name(nr);
            if (name != null) {
                BY_RECORD_TYPE[nr] = NAMES.size();
                NAMES.add(name);
            }
        }
        BY_RECORD_TYPE[RawEvent.PROC_EXEC] = NAMES.size();
        NAMES.add(EXEC);
    }

    static final int COUNT = NAMES.size();
    static final int EXEC_SLOT = slot(EXEC);
    static final int CONNECT_SLOT = slot("connect");

    private EventSlots() {}

    /** The slot of a record type, or -1 for one that is not counted. */
    static int of(int recordType) {
        return recordType >= 0 && recordType < BY_RECORD_TYPE.length ? BY_RECORD_TYPE[recordType] : -1;
    }

    static String name(int slot) {
        return NAMES.get(slot);
    }

    /** The slot of an event type name, or -1. */
    static int slot(String name) {
        return NAMES.indexOf(name);
    }
}
