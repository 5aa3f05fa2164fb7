package dev.peregrine.detector.capture;

/** struct exec_info of bpf/events.h: the new image of a process, read in the kernel at exec. */
public record ExecInfo(
        long exeIno,
        long exeCtimeNs,
        long exeMtimeNs,
        long capEffective,
        long capPermitted,
        long capInheritable,
        int exeMode,
        int exeUid,
        int exeGid,
        int tty,
        int sid,
        int pgid,
        int vpid,
        int vpgid,
        long startBootNs) {
    static final int SIZE = 88;

    static ExecInfo decode(byte[] b) {
        if (b.length < SIZE) {
            throw new IllegalArgumentException("exec_info of " + b.length + " bytes, expected " + SIZE);
        }
        return new ExecInfo(
                RawEvent.u64(b, 0),
                RawEvent.u64(b, 8),
                RawEvent.u64(b, 16),
                RawEvent.u64(b, 24),
                RawEvent.u64(b, 32),
                RawEvent.u64(b, 40),
                RawEvent.u32(b, 48),
                RawEvent.u32(b, 52),
                RawEvent.u32(b, 56),
                RawEvent.u32(b, 60),
                RawEvent.u32(b, 64),
                RawEvent.u32(b, 68),
                RawEvent.u32(b, 72),
                RawEvent.u32(b, 76),
                RawEvent.u64(b, 80));
    }
}
