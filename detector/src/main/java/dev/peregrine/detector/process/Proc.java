package dev.peregrine.detector.process;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.ProcessInfo;
import java.util.List;

/**
 * One process (thread group) as the detector tracks it. Mutable, owned by the event thread;
 * {@link #info()} is the immutable view events carry, rebuilt only after a change. The process
 * table fills it from fork, exec and /proc; syscalls change it through the public methods.
 */
public final class Proc {
    final long pid;
    long ppid;
    String comm = "";
    String exe;
    String exepath;
    List<String> args = List.of();
    List<String> env = List.of();
    String cwd;
    long tty;
    long sid = Event.NONE;
    long vpid = Event.NONE;
    long vpgid = Event.NONE;
    long startTs = Event.NONE;
    long exeIno = Event.NONE;
    long exeCtime = Event.NONE;
    long exeMtime = Event.NONE;
    boolean exeUpperLayer;
    boolean exeFromMemfd;
    boolean exeWritable;
    long capEffective;
    long capPermitted;
    long capInheritable;
    long uid = Event.NONE;
    long gid = Event.NONE;
    long loginuid = -1;
    /** "host" or the container's short id. */
    String containerId = "host";
    /** Open fds, shared by the process's threads. */
    FdTable fds = new FdTable();
    /** When the table last saw the process (its clock, not time): eviction takes the least recent. */
    long seen;
    /** Its place in {@link ProcessRecency}; -1 when not there. */
    int recencySlot = -1;

    private ProcessInfo info;

    Proc(long pid) {
        this.pid = pid;
    }

    /** A child created by fork: everything inherited, fds copied (not shared). */
    Proc forkChild(long childPid) {
        Proc c = new Proc(childPid);
        c.ppid = pid;
        c.comm = comm;
        c.exe = exe;
        c.exepath = exepath;
        c.args = args;
        c.env = env;
        c.cwd = cwd;
        c.tty = tty;
        c.sid = sid;
        c.vpgid = vpgid;
        c.exeIno = exeIno;
        c.exeCtime = exeCtime;
        c.exeMtime = exeMtime;
        c.exeUpperLayer = exeUpperLayer;
        c.exeFromMemfd = exeFromMemfd;
        c.exeWritable = exeWritable;
        c.capEffective = capEffective;
        c.capPermitted = capPermitted;
        c.capInheritable = capInheritable;
        c.uid = uid;
        c.gid = gid;
        c.loginuid = loginuid;
        c.containerId = containerId;
        c.fds = new FdTable(fds);
        return c;
    }

    void changed() {
        info = null;
    }

    public FdTable fds() {
        return fds;
    }

    /** The working directory, null when unknown. */
    public String cwd() {
        return cwd;
    }

    /** chdir or fchdir changed the working directory. */
    public void chdir(String cwd) {
        this.cwd = cwd;
        changed();
    }

    /** The user and group of the process's latest syscall (a setuid changes them between execs). */
    public void credentials(long uid, long gid) {
        this.uid = uid;
        this.gid = gid;
    }

    /** The root ("host" or the container's short id) the process's latest event was seen in. */
    public void containerId(String root) {
        // Written only when changed: a store into a long-lived object costs a card mark.
        if (containerId != root) containerId = root;
    }

    /** argv[0] of the process's exec. */
    public String exe() {
        return exe;
    }

    /** The exec's arguments after argv[0]. */
    public List<String> args() {
        return args;
    }

    public boolean exeWritable() {
        return exeWritable;
    }

    public boolean exeUpperLayer() {
        return exeUpperLayer;
    }

    public boolean exeFromMemfd() {
        return exeFromMemfd;
    }

    ProcessInfo info(String sname) {
        if (info == null || (sname != null && !sname.equals(info.sname))) {
            info = ProcessInfo.builder()
                    .pid(pid)
                    .ppid(ppid)
                    .vpid(vpid)
                    .name(comm)
                    .exe(exe)
                    .exepath(exepath)
                    .args(args)
                    .env(env)
                    .cwd(cwd)
                    .tty(tty)
                    .sid(sid)
                    .sname(sname)
                    .vpgid(vpgid)
                    .startTs(startTs)
                    .exeIno(exeIno)
                    .exeInoCtime(exeCtime)
                    .exeInoMtime(exeMtime)
                    .exeUpperLayer(exeUpperLayer)
                    .exeFromMemfd(exeFromMemfd)
                    .exeWritable(exeWritable)
                    .capEffective(Capabilities.format(capEffective))
                    .capPermitted(Capabilities.format(capPermitted))
                    .capInheritable(Capabilities.format(capInheritable))
                    .build();
        }
        return info;
    }

    ProcessInfo info() {
        return info(info == null ? null : info.sname);
    }
}
