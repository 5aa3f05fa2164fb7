package dev.peregrine.detector.capture;

/** struct fork_info of bpf/events.h. */
public record ForkInfo(int childTid, int childPid, int childVpid, boolean isThread, long startBootNs) {
    static final int SIZE = 24;

    static ForkInfo decode(byte[] b) {
        if (b.length < SIZE) {
            throw new IllegalArgumentException("fork_info of " + b.length + " bytes, expected " + SIZE);
        }
        return new ForkInfo(
                RawEvent.u32(b, 0),
                RawEvent.u32(b, 4),
                RawEvent.u32(b, 8),
                RawEvent.u32(b, 12) != 0,
                RawEvent.u64(b, 16));
    }
}
