package dev.peregrine.detector.process;

import dev.peregrine.detector.capture.ExecInfo;
import dev.peregrine.detector.capture.ForkInfo;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Processes and threads on this host, kept right by fork/exec/exit events and seeded from /proc
 * so that processes older than the detector are known. Bounded: exited processes are removed,
 * and past {@code maxProcesses} the least recently seen process is evicted (counted): most often
 * one whose exit was missed, as nothing of it is seen any more.
 *
 * <p>Owned by the event thread; not thread-safe.
 */
public final class ProcessTable {
    private final ProcFs procfs;
    private final int maxProcesses;
    private final LongMap<Proc> procs = new LongMap<>();
    private final ProcessRecency recency = new ProcessRecency();
    /** Ticks once per lookup: stamps {@link Proc#seen}. */
    private long clock;

    private long evictions;
    private long bootEpochOffset;

    public ProcessTable(int maxProcesses) {
        this(Path.of("/proc"), maxProcesses);
    }

    /** @param proc where /proc is (another path in tests: an empty directory makes a table that knows only the records) */
    public ProcessTable(Path proc, int maxProcesses) {
        this.procfs = new ProcFs(proc);
        this.maxProcesses = maxProcesses;
    }

    /** Converts the kernel's boot-time stamps (process start times) to epoch ns. */
    public void bootToEpochOffset(long offset) {
        this.bootEpochOffset = offset;
    }

    /** Loads every process /proc shows, with its open files; sockets bound to a port with no peer are server sockets. */
    public void seed() {
        Map<String, Map<Long, FdInfo>> servers = new HashMap<>();
        for (long pid : procfs.pids()) {
            Proc p = procfs.read(pid);
            if (p != null) {
                procfs.readFds(pid, p.fds, servers);
                put(p);
            }
        }
    }

    public int size() {
        return procs.size();
    }

    /** Open fds over all processes (threads share their process's table); O(processes). */
    public long fdCount() {
        long[] n = {0};
        procs.forEachValue(p -> n[0] += p.fds.size());
        return n[0];
    }

    public long evictions() {
        return evictions;
    }

    /** The process, loaded from /proc when the table missed its birth; null when it is gone. */
    public Proc get(long pid) {
        Proc p = procs.get(pid);
        if (p == null) {
            p = procfs.read(pid);
            if (p != null) {
                procfs.readFds(pid, p.fds);
                put(p);
            }
        } else {
            p.seen = ++clock;
        }
        return p;
    }

    public void onFork(RawEvent e) {
        ForkInfo f = e.forkInfo(0);
        if (f.isThread()) {
            return; // every record carries its thread's process id (tgid): threads need no table of their own
        }
        Proc parent = get(e.pid);
        Proc child = parent != null ? parent.forkChild(f.childPid()) : new Proc(f.childPid());
        child.ppid = e.pid;
        child.vpid = f.childVpid();
        child.startTs = f.startBootNs() + bootEpochOffset;
        child.comm = e.comm;
        put(child);
    }

    public void onExec(RawEvent e) {
        Proc p = procs.get(e.pid);
        if (p == null) {
            p = new Proc(e.pid);
            put(p);
        } else {
            p.seen = ++clock;
        }
        ExecInfo x = e.execInfo(3);
        List<String> argv = e.strings(1);
        p.comm = e.comm;
        p.exe = argv.isEmpty() ? e.string(0) : argv.getFirst();
        p.args = argv.size() > 1 ? List.copyOf(argv.subList(1, argv.size())) : List.of();
        p.env = List.copyOf(e.strings(2));
        String filename = e.string(0);
        p.exepath = filename.startsWith("/") || p.cwd == null ? filename : Paths.join(p.cwd, filename);
        p.ppid = e.ppid;
        p.tty = x.tty();
        p.sid = x.sid();
        p.vpid = x.vpid();
        p.vpgid = x.vpgid();
        p.exeIno = x.exeIno();
        p.exeCtime = x.exeCtimeNs();
        p.exeMtime = x.exeMtimeNs();
        p.capEffective = x.capEffective();
        p.capPermitted = x.capPermitted();
        p.capInheritable = x.capInheritable();
        p.uid = Integer.toUnsignedLong(e.uid);
        p.gid = Integer.toUnsignedLong(e.gid);
        p.loginuid = e.loginuid == -1 ? -1 : Integer.toUnsignedLong(e.loginuid);
        // Decided in the kernel at exec: the file may be gone, and the process too, once this is read.
        p.exeFromMemfd = e.flag(RawEvent.FLAG_EXE_MEMFD);
        p.exeWritable = e.flag(RawEvent.FLAG_EXE_WRITABLE);
        p.exeUpperLayer = e.flag(RawEvent.FLAG_EXE_OVERLAY) && e.flag(RawEvent.FLAG_EXE_UPPER_LAYER);
        p.fds.closeOnExec();
        p.changed();
    }

    public void onExit(RawEvent e) {
        if (e.arg(0) != 0) {
            Proc gone = procs.remove(e.pid);
            if (gone != null) {
                recency.remove(gone);
            }
        }
    }

    /** proc.sname: the name of the session leader. */
    String sessionName(Proc p) {
        Proc leader = p.sid > 0 ? procs.get(p.sid) : null;
        return leader == null ? null : leader.comm;
    }

    public ProcessInfo info(Proc p) {
        return p.info(sessionName(p));
    }

    /**
     * Writes the ancestors, parent first, as far as the table knows (at most {@code into.length},
     * which also ends a ppid loop); returns how many. A parent missing from the table is read from
     * /proc, as any lookup does.
     */
    public int ancestors(Proc p, ProcessInfo[] into) {
        int n = 0;
        Proc cur = p;
        while (n < into.length && cur.ppid > 0 && cur.ppid != cur.pid) {
            Proc parent = get(cur.ppid);
            if (parent == null) {
                break;
            }
            into[n++] = info(parent);
            cur = parent;
        }
        return n;
    }

    /** Adds or replaces a process; past the limit the least recently seen one makes room. */
    private void put(Proc p) {
        if (procs.size() >= maxProcesses && !procs.containsKey(p.pid)) {
            Proc oldest = recency.oldest();
            if (oldest != null) {
                procs.remove(oldest.pid);
                recency.remove(oldest);
                evictions++;
            }
        }
        Proc replaced = procs.put(p.pid, p);
        if (replaced != null) {
            recency.remove(replaced);
        }
        p.seen = ++clock;
        recency.add(p);
    }
}
