package dev.peregrine.detector.capture;

/**
 * struct open_how, openat2's third argument (OPEN_HOW_SIZE bytes in bpf/events.h): the open flags
 * and mode that openat passes as plain arguments. Absent (all zero) when it could not be read.
 */
public record OpenHow(long flags, long mode, long resolve) {
    static final int SIZE = 24;

    static OpenHow decode(byte[] b) {
        if (b.length < SIZE) {
            return new OpenHow(0, 0, 0);
        }
        return new OpenHow(RawEvent.u64(b, 0), RawEvent.u64(b, 8), RawEvent.u64(b, 16));
    }
}
