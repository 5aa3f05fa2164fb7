package dev.peregrine.detector.capture;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One event as the kernel sent it: the fixed header of bpf/events.h and its params, copied out of
 * the ring buffer in one piece. Params are read from that copy when asked for. Interpretation
 * (paths, tables, fields) happens elsewhere.
 *
 * <p>{@link #decode} makes an event of its own. The capture's hot path instead refills one
 * instance per record ({@link Capture#pollInPlace}); such an event is valid only during the
 * consumer's call, and {@link #copy()} keeps it. The public fields are read-only for consumers.
 */
public final class RawEvent {
    /** Must match LAYOUT_VERSION in bpf/events.h. */
    static final int LAYOUT_VERSION = 3;

    static final int HEADER_SIZE = 120;

    public static final int PROC_FORK = 1000;
    public static final int PROC_EXEC = 1001;
    public static final int PROC_EXIT = 1002;

    public static final int FLAG_EXE_MEMFD = 1;
    public static final int FLAG_EXE_OVERLAY = 2;
    /** A PROC_EXEC made by execveat rather than execve. */
    public static final int FLAG_EXECVEAT = 4;
    /** With {@link #FLAG_EXE_OVERLAY}: the exe has its file in the overlay's upper (writable) layer. */
    public static final int FLAG_EXE_UPPER_LAYER = 8;
    /** The new image's credentials may write its exe (Falco's proc.is_exe_writable). */
    public static final int FLAG_EXE_WRITABLE = 16;

    private static final ValueLayout.OfShort SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    // Byte-array views read a little-endian number in place, without wrapping the array per read.
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE =
            MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int COMM_OFFSET = 104;
    /** struct file_id of bpf/events.h: __u64 ino, __u32 dev. */
    private static final int FILE_ID_SIZE = 12;

    public long tsBootNs;
    public long cgroupId;
    public long ret;
    public int tid;
    public int pid;
    public int ppid;
    public int uid;
    public int gid;
    public int loginuid;
    public int type;
    public int flags;
    public String comm;

    /** The record; may be longer than it (a reused buffer). */
    private byte[] data;
    /** Bytes of the record in {@link #data}. */
    private int length;

    private int paramCount;
    private int[] paramOffset = new int[8];
    private int[] paramLength = new int[8];
    /** The comm's 16 bytes for {@link #comm}: consecutive records mostly share one, and its String is kept. */
    private long comm0 = -1, comm1 = -1;

    private RawEvent(byte[] data) {
        this.data = data;
    }

    /** An event to refill per record with {@link #load}. */
    static RawEvent reusable() {
        return new RawEvent(new byte[512]);
    }

    /**
     * Copies one event out of ring-buffer memory into an event
     * of its own.
     *
     * @throws IllegalArgumentException for a record that is not a whole event of this layout
     */
    public static RawEvent decode(MemorySegment data) {
        check(data, 0, data.byteSize());
        RawEvent e = new RawEvent(data.toArray(ValueLayout.JAVA_BYTE));
        e.parse((int) data.byteSize());
        return e;
    }

    /**
     * Refills this event from the {@code size} bytes at {@code offset} of ring-buffer memory: one
     * copy of the record into a buffer kept from record to record.
     *
     * @throws IllegalArgumentException for a record that is not a whole event of this layout
     */
    RawEvent load(MemorySegment ring, long offset, int size) {
        check(ring, offset, size);
        if (data.length < size) {
            data = new byte[Math.max(size, data.length * 2)];
        }
        MemorySegment.copy(ring, ValueLayout.JAVA_BYTE, offset, data, 0, size);
        parse(size);
        return this;
    }

    /** An event of its own with the same content, to keep after the callback. */
    public RawEvent copy() {
        RawEvent e = new RawEvent(Arrays.copyOf(data, length));
        e.parse(length);
        return e;
    }

    private static void check(MemorySegment data, long offset, long size) {
        if (size < HEADER_SIZE) {
            throw new IllegalArgumentException("event of " + size + " bytes is shorter than the header");
        }
        int layout = Short.toUnsignedInt(data.get(SHORT, offset + 102));
        if (layout != LAYOUT_VERSION) {
            throw new IllegalArgumentException("event layout " + layout + ", expected " + LAYOUT_VERSION
                    + ": the BPF object and the detector were built from different sources");
        }
    }

    /** Reads the header and finds the params of a record of {@code available} bytes in {@link #data}. */
    private void parse(int available) {
        byte[] b = data;
        length = available;
        tsBootNs = u64(b, 0);
        cgroupId = u64(b, 8);
        ret = u64(b, 16);
        tid = u32(b, 72);
        pid = u32(b, 76);
        ppid = u32(b, 80);
        uid = u32(b, 84);
        gid = u32(b, 88);
        loginuid = u32(b, 92);
        type = u16(b, 96);
        int size = u16(b, 98);
        int nparams = Byte.toUnsignedInt(b[100]);
        flags = Byte.toUnsignedInt(b[101]);
        long c0 = u64(b, COMM_OFFSET), c1 = u64(b, COMM_OFFSET + 8);
        if (comm == null || c0 != comm0 || c1 != comm1) {
            comm = cString(b, COMM_OFFSET, 16);
            comm0 = c0;
            comm1 = c1;
        }
        if (paramOffset.length < nparams) {
            paramOffset = new int[nparams];
            paramLength = new int[nparams];
        }
        int n = 0;
        int off = HEADER_SIZE;
        int end = Math.min(size, available);
        for (; n < nparams && off + 2 <= end; n++) {
            int len = u16(b, off);
            if (off + 2 + len > end) {
                break;
            }
            paramOffset[n] = off + 2;
            paramLength[n] = len;
            off += 2 + len;
        }
        paramCount = n;
    }

    public long arg(int i) {
        if (i < 0 || i >= 6) {
            throw new IndexOutOfBoundsException("syscall argument " + i);
        }
        return u64(data, 24 + 8 * i);
    }

    public int paramCount() {
        return paramCount;
    }

    public byte[] param(int i) {
        return i < paramCount ? Arrays.copyOfRange(data, paramOffset[i], paramOffset[i] + paramLength[i]) : new byte[0];
    }

    /** A string param (paths, names); lossy for invalid UTF-8 as Falco's are. */
    public String string(int i) {
        return i < paramCount ? new String(data, paramOffset[i], paramLength[i], StandardCharsets.UTF_8) : "";
    }

    /** A bytes param (a data buffer) as one char per byte, the way rules' buffers are held. */
    public String latin1(int i) {
        return i < paramCount ? new String(data, paramOffset[i], paramLength[i], StandardCharsets.ISO_8859_1) : "";
    }

    /** A NUL-separated list param (argv, environ) as its elements. */
    public List<String> strings(int i) {
        List<String> out = new ArrayList<>();
        if (i >= paramCount) {
            return out;
        }
        int from = paramOffset[i], to = from + paramLength[i];
        int start = from;
        for (int j = from; j <= to; j++) {
            if (j == to || data[j] == 0) {
                if (j > start || j < to) {
                    out.add(new String(data, start, j - start, StandardCharsets.UTF_8));
                }
                start = j + 1;
            }
        }
        if (!out.isEmpty() && out.getLast().isEmpty()) {
            out.removeLast();
        }
        return out;
    }

    /** A __u32 param (sendmsg's size) as an unsigned number; 0 when absent. */
    public long u32Param(int i) {
        return i < paramCount && paramLength[i] >= 4 ? Integer.toUnsignedLong(u32(data, paramOffset[i])) : 0;
    }

    /**
     * The inode number of a struct file_id param (open, openat, creat): the new fd's file; 0 when
     * the open failed or the param is absent. Read in place: opens are frequent.
     */
    public long fileIno(int i) {
        return i < paramCount && paramLength[i] >= FILE_ID_SIZE ? u64(data, paramOffset[i]) : 0;
    }

    /** The device of a struct file_id param, encoded as stat's st_dev; 0 when the open failed or the param is absent. */
    public long fileDev(int i) {
        return i < paramCount && paramLength[i] >= FILE_ID_SIZE
                ? Integer.toUnsignedLong(u32(data, paramOffset[i] + 8))
                : 0;
    }

    public SockTuple tuple(int i) {
        return SockTuple.decode(param(i));
    }

    public SockAddr sockaddr(int i) {
        return i < paramCount ? SockAddr.decode(param(i)) : SockAddr.NONE;
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

    private static String cString(byte[] b, int from, int max) {
        int n = 0;
        while (n < max && b[from + n] != 0) {
            n++;
        }
        return new String(b, from, n, StandardCharsets.UTF_8);
    }

    static long u64(byte[] b, int off) {
        return (long) LONG_LE.get(b, off);
    }

    static int u32(byte[] b, int off) {
        return (int) INT_LE.get(b, off);
    }

    static int u16(byte[] b, int off) {
        return Short.toUnsignedInt((short) SHORT_LE.get(b, off));
    }

    @Override
    public String toString() {
        return "RawEvent{type=" + type + ", tid=" + tid + ", pid=" + pid + ", comm=" + comm + ", ret=" + ret
                + ", params=" + paramCount + "}";
    }
}
