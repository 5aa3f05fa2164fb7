package dev.peregrine.detector.event;

import java.util.List;

/**
 * One process (thread-group) as the capture knows it after the syscall completed. Derived strings
 * (command line, environment) are built once here so rule evaluation never concatenates.
 */
public final class ProcessInfo {
    /** A process the tables do not know (gone before its event was read): every value absent. */
    public static final ProcessInfo UNKNOWN = builder().build();

    public final long pid;
    public final long tid;
    public final long vpid;
    public final long ppid;
    public final String name;
    public final String exe;
    public final String exepath;
    public final List<String> args;
    public final List<String> env;
    public final String cwd;
    public final long tty;
    public final long sid;
    public final String sname;
    public final long vpgid;
    public final long startTs;
    public final long exeIno;
    public final long exeInoCtime;
    public final long exeInoMtime;
    public final boolean exeUpperLayer;
    public final boolean exeFromMemfd;
    public final boolean exeWritable;
    public final String capEffective;
    public final String capPermitted;
    public final String capInheritable;
    /** {@code proc.args}: arguments joined by a space. */
    public final String argsLine;
    /** {@code proc.cmdline}: name followed by the arguments. */
    public final String cmdline;

    public final String envLine;

    private ProcessInfo(Builder b) {
        pid = b.pid;
        tid = b.tid == Event.NONE ? b.pid : b.tid;
        vpid = b.vpid == Event.NONE ? b.pid : b.vpid;
        ppid = b.ppid;
        name = b.name;
        exe = b.exe;
        exepath = b.exepath;
        args = List.copyOf(b.args);
        env = List.copyOf(b.env);
        cwd = b.cwd;
        tty = b.tty;
        sid = b.sid;
        sname = b.sname;
        vpgid = b.vpgid;
        startTs = b.startTs;
        exeIno = b.exeIno;
        exeInoCtime = b.exeInoCtime;
        exeInoMtime = b.exeInoMtime;
        exeUpperLayer = b.exeUpperLayer;
        exeFromMemfd = b.exeFromMemfd;
        exeWritable = b.exeWritable;
        capEffective = b.capEffective;
        capPermitted = b.capPermitted;
        capInheritable = b.capInheritable;
        argsLine = String.join(" ", args);
        cmdline = name == null ? null : (args.isEmpty() ? name : name + " " + argsLine);
        envLine = String.join(" ", env);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        long pid = Event.NONE, tid = Event.NONE, vpid = Event.NONE, ppid = Event.NONE;
        String name, exe, exepath, cwd, sname, capEffective, capPermitted, capInheritable;
        List<String> args = List.of(), env = List.of();
        long tty = Event.NONE, sid = Event.NONE, vpgid = Event.NONE, startTs = Event.NONE;
        long exeIno = Event.NONE, exeInoCtime = Event.NONE, exeInoMtime = Event.NONE;
        boolean exeUpperLayer, exeFromMemfd, exeWritable;

        public Builder pid(long v) {
            pid = v;
            return this;
        }

        public Builder tid(long v) {
            tid = v;
            return this;
        }

        public Builder vpid(long v) {
            vpid = v;
            return this;
        }

        public Builder ppid(long v) {
            ppid = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder exe(String v) {
            exe = v;
            return this;
        }

        public Builder exepath(String v) {
            exepath = v;
            return this;
        }

        public Builder args(List<String> v) {
            args = v;
            return this;
        }

        public Builder env(List<String> v) {
            env = v;
            return this;
        }

        public Builder cwd(String v) {
            cwd = v;
            return this;
        }

        public Builder tty(long v) {
            tty = v;
            return this;
        }

        public Builder sid(long v) {
            sid = v;
            return this;
        }

        public Builder sname(String v) {
            sname = v;
            return this;
        }

        public Builder vpgid(long v) {
            vpgid = v;
            return this;
        }

        public Builder startTs(long v) {
            startTs = v;
            return this;
        }

        public Builder exeIno(long v) {
            exeIno = v;
            return this;
        }

        public Builder exeInoCtime(long v) {
            exeInoCtime = v;
            return this;
        }

        public Builder exeInoMtime(long v) {
            exeInoMtime = v;
            return this;
        }

        public Builder exeUpperLayer(boolean v) {
            exeUpperLayer = v;
            return this;
        }

        public Builder exeFromMemfd(boolean v) {
            exeFromMemfd = v;
            return this;
        }

        public Builder exeWritable(boolean v) {
            exeWritable = v;
            return this;
        }

        public Builder capEffective(String v) {
            capEffective = v;
            return this;
        }

        public Builder capPermitted(String v) {
            capPermitted = v;
            return this;
        }

        public Builder capInheritable(String v) {
            capInheritable = v;
            return this;
        }

        public ProcessInfo build() {
            return new ProcessInfo(this);
        }
    }
}
