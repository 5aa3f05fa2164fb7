package dev.peregrine.detector.capture;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds records in the kernel side's wire format (struct event_header of bpf/events.h and its
 * length-prefixed params) and decodes them as the capture does, so the process table and the
 * syscall parsers can be fed a scripted session without a kernel.
 */
public final class KernelRecords {
    public static final long AT_FDCWD = -100;
    public static final int O_RDONLY = 0,
            O_WRONLY = 1,
            O_RDWR = 2,
            O_CREAT = 0100,
            O_TRUNC = 01000,
            O_APPEND = 02000,
            O_DIRECTORY = 0200000,
            O_CLOEXEC = 02000000;

    private final List<RawEvent> records = new ArrayList<>();
    private long clock = 1_000_000_000L;

    /** The records so far, in order. */
    public List<RawEvent> records() {
        return records;
    }

    /** A record of thread {@code tid} of process {@code pid}; fill it in and {@link Record#add()} it. */
    public Record record(int type, int pid, int tid, String comm) {
        return new Record(type, pid, tid, comm);
    }

    public Record syscall(int nr, int pid, String comm, long ret, long... args) {
        return record(nr, pid, pid, comm).ret(ret).args(args);
    }

    public final class Record {
        private final ByteBuffer header = ByteBuffer.allocate(120).order(ByteOrder.LITTLE_ENDIAN);
        private final ByteArrayOutputStream params = new ByteArrayOutputStream();
        private int count;
        private int ppid, uid, gid, loginuid = -1, flags;
        private long cgroup = 1, ret;
        private final long[] args = new long[6];

        Record(int type, int pid, int tid, String comm) {
            header.putInt(72, tid).putInt(76, pid).putShort(96, (short) type);
            byte[] c = comm.getBytes(StandardCharsets.UTF_8);
            header.put(104, c, 0, Math.min(15, c.length));
        }

        public Record ret(long v) {
            ret = v;
            return this;
        }

        public Record args(long... v) {
            System.arraycopy(v, 0, args, 0, v.length);
            return this;
        }

        public Record ppid(int v) {
            ppid = v;
            return this;
        }

        public Record user(int uid, int gid) {
            this.uid = uid;
            this.gid = gid;
            return this;
        }

        public Record loginuid(int v) {
            loginuid = v;
            return this;
        }

        public Record cgroup(long v) {
            cgroup = v;
            return this;
        }

        public Record flags(int v) {
            flags = v;
            return this;
        }

        public Record param(byte[] b) {
            params.write(b.length & 0xff);
            params.write(b.length >> 8);
            params.writeBytes(b);
            count++;
            return this;
        }

        public Record string(String s) {
            return param(s.getBytes(StandardCharsets.UTF_8));
        }

        /** A NUL-separated list (argv, environ), NUL-terminated as the kernel's. */
        public Record strings(String... items) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (String s : items) {
                b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
                b.write(0);
            }
            return param(b.toByteArray());
        }

        public Record forkInfo(int childTid, int childPid, int childVpid, boolean thread, long startBootNs) {
            return param(ByteBuffer.allocate(24)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(childTid)
                    .putInt(childPid)
                    .putInt(childVpid)
                    .putInt(thread ? 1 : 0)
                    .putLong(startBootNs)
                    .array());
        }

        /** struct exec_info: inode, times and mode of the exe, capabilities, tty and ids. */
        public Record execInfo(
                long ino, long capEffective, int exeMode, int exeUid, int tty, int sid, int vpid, int vpgid) {
            return param(ByteBuffer.allocate(88)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(ino)
                    .putLong(1_600_000_000_000_000_000L)
                    .putLong(1_600_000_000_500_000_000L)
                    .putLong(capEffective)
                    .putLong(capEffective)
                    .putLong(0)
                    .putInt(exeMode)
                    .putInt(exeUid)
                    .putInt(0)
                    .putInt(tty)
                    .putInt(sid)
                    .putInt(vpgid)
                    .putInt(vpid)
                    .putInt(vpgid)
                    .putLong(clock)
                    .array());
        }

        public Record openHow(long flags, long mode) {
            return param(ByteBuffer.allocate(24)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(flags)
                    .putLong(mode)
                    .putLong(0)
                    .array());
        }

        /** struct sock_tuple; addresses as text, ports in host order. */
        public Record tuple(int family, int sockType, int protocol, String local, int lport, String remote, int rport) {
            ByteBuffer b = ByteBuffer.allocate(42).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) family)
                    .putShort((short) sockType)
                    .putShort((short) protocol)
                    .putShort((short) lport)
                    .putShort((short) rport);
            b.put(address(local)).put(address(remote));
            return param(b.array());
        }

        /**
         * A struct sockaddr_in or sockaddr_in6 as a caller passes it (bind's address): family,
         * port in network order, the address; an IPv6 address of IPv4 text is written mapped.
         */
        public Record sockaddr(int family, String ip, int port) {
            boolean v6 = family == 10;
            ByteBuffer b = ByteBuffer.allocate(v6 ? 28 : 16).order(ByteOrder.LITTLE_ENDIAN);
            b.putShort((short) family).put((byte) (port >> 8)).put((byte) port);
            byte[] a;
            try {
                a = InetAddress.getByName(ip).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(ip, e);
            }
            if (v6) {
                b.putInt(0); // flowinfo
                if (a.length == 4) {
                    b.put(new byte[10]).put((byte) -1).put((byte) -1);
                }
            }
            b.put(a);
            return param(b.array());
        }

        /** A struct sockaddr_un of {@code path}; a path starting with NUL is an abstract name. */
        public Record unixAddr(String path) {
            byte[] p = path.getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.allocate(2 + p.length + 1).order(ByteOrder.LITTLE_ENDIAN);
            return param(b.putShort((short) 1).put(p).put((byte) 0).array());
        }

        /** A __u32 param (sendmsg's size). */
        public Record u32(long v) {
            return param(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt((int) v)
                    .array());
        }

        /** struct file_id: an open's new file, device encoded as stat's st_dev. */
        public Record fileId(long dev, long ino) {
            return param(ByteBuffer.allocate(12)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(ino)
                    .putInt((int) dev)
                    .array());
        }

        public Record fdPair(int a, int b) {
            return param(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(a)
                    .putInt(b)
                    .array());
        }

        /** Decodes the record as the capture does and appends it to the session. */
        public RawEvent add() {
            clock += 1_000;
            header.putLong(0, clock).putLong(8, cgroup).putLong(16, ret);
            for (int i = 0; i < 6; i++) {
                header.putLong(24 + 8 * i, args[i]);
            }
            header.putInt(80, ppid).putInt(84, uid).putInt(88, gid).putInt(92, loginuid);
            byte[] p = params.toByteArray();
            header.putShort(98, (short) (120 + p.length))
                    .put(100, (byte) count)
                    .put(101, (byte) flags)
                    .putShort(102, (short) 3);
            byte[] all = new byte[120 + p.length];
            System.arraycopy(header.array(), 0, all, 0, 120);
            System.arraycopy(p, 0, all, 120, p.length);
            RawEvent e = RawEvent.decode(MemorySegment.ofArray(all));
            records.add(e);
            return e;
        }
    }

    private static byte[] address(String text) {
        byte[] out = new byte[16];
        if (text != null) {
            try {
                byte[] a = InetAddress.getByName(text).getAddress();
                System.arraycopy(a, 0, out, 0, a.length);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(text, e);
            }
        }
        return out;
    }
}
