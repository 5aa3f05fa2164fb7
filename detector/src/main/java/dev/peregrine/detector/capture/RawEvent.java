package dev.peregrine.detector.capture;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One event as the kernel sent it: the fixed header of bpf/events.h and its params, copied out of
 * the ring buffer. Interpretation (paths, tables, fields) happens elsewhere.
 */
public final class RawEvent {
    /** Must match LAYOUT_VERSION in bpf/events.h. */
    static final int LAYOUT_VERSION = 1;
    static final int HEADER_SIZE = 120;

    public static final int PROC_FORK = 1000;
    public static final int PROC_EXEC = 1001;
    public static final int PROC_EXIT = 1002;

    public static final int FLAG_EXE_MEMFD = 1;
    public static final int FLAG_EXE_OVERLAY = 2;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public final long tsBootNs;
    public final long cgroupId;
    public final long ret;
    private final long[] args;
    public final int tid;
    public final int pid;
    public final int ppid;
    public final int uid;
    public final int gid;
    public final int loginuid;
    public final int type;
    public final int flags;
    public final String comm;
    private final List<byte[]> params;

    private RawEvent(MemorySegment s) {
        tsBootNs = s.get(LONG, 0);
        cgroupId = s.get(LONG, 8);
        ret = s.get(LONG, 16);
        args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = s.get(LONG, 24 + 8L * i);
        }
        tid = s.get(INT, 72);
        pid = s.get(INT, 76);
        ppid = s.get(INT, 80);
        uid = s.get(INT, 84);
        gid = s.get(INT, 88);
        loginuid = s.get(INT, 92);
        type = Short.toUnsignedInt(s.get(SHORT, 96));
        int size = Short.toUnsignedInt(s.get(SHORT, 98));
        int nparams = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, 100));
        flags = Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, 101));
        comm = cString(s.asSlice(104, 16).toArray(ValueLayout.JAVA_BYTE));
        List<byte[]> p = new ArrayList<>(nparams);
        long off = HEADER_SIZE;
        long end = Math.min(size, s.byteSize());
        for (int i = 0; i < nparams && off + 2 <= end; i++) {
            int len = Short.toUnsignedInt(s.get(SHORT, off));
            if (off + 2 + len > end) {
                break;
            }
            p.add(s.asSlice(off + 2, len).toArray(ValueLayout.JAVA_BYTE));
            off += 2 + len;
        }
        params = Collections.unmodifiableList(p);
    }

    /**
     * Copies one event out of ring-buffer memory (valid only during the callback).
     *
     * @throws IllegalArgumentException for a record that is not a whole event of this layout
     */
    public static RawEvent decode(MemorySegment data) {
        if (data.byteSize() < HEADER_SIZE) {
            throw new IllegalArgumentException("event of " + data.byteSize() + " bytes is shorter than the header");
        }
        int layout = Short.toUnsignedInt(data.get(SHORT, 102));
        if (layout != LAYOUT_VERSION) {
            throw new IllegalArgumentException("event layout " + layout + ", expected " + LAYOUT_VERSION
                    + ": the BPF object and the detector were built from different sources");
        }
        return new RawEvent(data);
    }

    public long arg(int i) {
        return args[i];
    }

    public int paramCount() {
        return params.size();
    }

    public byte[] param(int i) {
        return i < params.size() ? params.get(i) : new byte[0];
    }

    /** A string param (paths, names); lossy for invalid UTF-8 as Falco's are. */
    public String string(int i) {
        return new String(param(i), StandardCharsets.UTF_8);
    }

    /** A NUL-separated list param (argv, environ) as its elements. */
    public List<String> strings(int i) {
        byte[] b = param(i);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int j = 0; j <= b.length; j++) {
            if (j == b.length || b[j] == 0) {
                if (j > start || j < b.length) {
                    out.add(new String(b, start, j - start, StandardCharsets.UTF_8));
                }
                start = j + 1;
            }
        }
        if (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        return out;
    }

    public SockTuple tuple(int i) {
        return SockTuple.decode(param(i));
    }

    public ExecInfo execInfo(int i) {
        return ExecInfo.decode(param(i));
    }

    public OpenHow openHow(int i) {
        return OpenHow.decode(param(i));
    }

    public ForkInfo forkInfo(int i) {
        return ForkInfo.decode(param(i));
    }

    public boolean flag(int bit) {
        return (flags & bit) != 0;
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    static MemorySegment wrap(byte[] b) {
        return MemorySegment.ofArray(b);
    }

    static long u64(byte[] b, int off) {
        return wrap(b).get(LONG, off);
    }

    static int u32(byte[] b, int off) {
        return wrap(b).get(INT, off);
    }

    static int u16(byte[] b, int off) {
        return Short.toUnsignedInt(wrap(b).get(SHORT, off));
    }

    @Override
    public String toString() {
        return "RawEvent{type=" + type + ", tid=" + tid + ", pid=" + pid + ", comm=" + comm + ", ret=" + ret + ", params=" + params.size() + "}";
    }
}
