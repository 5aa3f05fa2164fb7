package dev.peregrine.detector.event;

import java.util.List;
import java.util.Map;

/**
 * One completed syscall: its type, arguments and result, with the process, fd, user and container
 * state after it returned (Falco's model since enter events were dropped). Everything the rules
 * read is a field or a precomputed string, so evaluating a condition does not allocate.
 */
public final class Event {
    /** Marks an absent numeric value; Falco prints it as {@code <NA>}. */
    public static final long NONE = Long.MIN_VALUE;

    public final long ts;
    public final long num;
    public final String type;
    public final long rawres;
    public final String res;
    private final String[] argNames;
    private final String[] argValues;
    /** evt.args, built on first use: outputs need it, conditions almost never do. */
    private String argsLine;
    public final ProcessInfo proc;
    /** Parent first: ancestors[0] is the parent, ancestors[1] the grandparent, ... */
    private final ProcessInfo[] ancestors;
    public final UserInfo user;
    public final FdInfo fd;
    public final ContainerInfo container;
    public final boolean openRead, openWrite, openExec;

    private Event(Builder b) {
        ts = b.ts;
        num = b.num;
        type = b.type;
        rawres = b.rawres;
        res = Errno.resultText(rawres);
        argNames = b.args.keySet().toArray(String[]::new);
        argValues = b.args.values().toArray(String[]::new);
        proc = b.proc;
        ancestors = b.ancestors.toArray(ProcessInfo[]::new);
        user = b.user;
        fd = b.fd;
        container = b.container;
        boolean isOpen = type != null && type.startsWith("open");
        String flags = arg("flags");
        openRead = isOpen && flags != null && (flags.contains("O_RDONLY") || flags.contains("O_RDWR"));
        openWrite = isOpen && flags != null && (flags.contains("O_WRONLY") || flags.contains("O_RDWR"));
        String mode = arg("mode");
        openExec = isOpen && flags != null && flags.contains("O_CREAT") && mode != null
                && (mode.contains("S_IXUSR") || mode.contains("S_IXGRP") || mode.contains("S_IXOTH"));
    }

    /** The formatted value of the named argument, or null when the event has no such argument. */
    public String arg(String name) {
        for (int i = 0; i < argNames.length; i++) {
            if (argNames[i].equals(name)) return argValues[i];
        }
        return null;
    }

    public String arg(int index) {
        return index >= 0 && index < argValues.length ? argValues[index] : null;
    }

    public int argCount() { return argNames.length; }

    /** evt.args as Falco prints it (see {@link EvtArgs}). */
    public String argsLine() {
        String s = argsLine;
        if (s == null) {
            s = EvtArgs.render(this);
            argsLine = s;
        }
        return s;
    }

    public String argName(int index) { return argNames[index]; }

    /** Ancestor {@code level} of the process: 0 is the process itself, 1 its parent, and so on. */
    public ProcessInfo ancestor(int level) {
        if (level == 0) return proc;
        return level > 0 && level <= ancestors.length ? ancestors[level - 1] : null;
    }

    public int ancestorCount() { return ancestors.length; }

    public ProcessInfo parent() { return ancestors.length > 0 ? ancestors[0] : null; }

    public static Builder builder() { return new Builder(); }

    public static final class Builder {
        long ts, num = NONE, rawres = NONE;
        String type;
        Map<String, String> args = Map.of();
        ProcessInfo proc = ProcessInfo.builder().build();
        List<ProcessInfo> ancestors = List.of();
        UserInfo user = UserInfo.UNKNOWN;
        FdInfo fd;
        ContainerInfo container = ContainerInfo.HOST;

        public Builder ts(long v) { ts = v; return this; }
        public Builder num(long v) { num = v; return this; }
        public Builder type(String v) { type = v; return this; }
        public Builder rawres(long v) { rawres = v; return this; }
        /** Argument order is kept: it is the order of evt.args and evt.arg[N]. */
        public Builder args(Map<String, String> v) { args = v; return this; }
        public Builder proc(ProcessInfo v) { proc = v; return this; }
        public Builder ancestors(List<ProcessInfo> v) { ancestors = v; return this; }
        public Builder user(UserInfo v) { user = v; return this; }
        public Builder fd(FdInfo v) { fd = v; return this; }
        public Builder container(ContainerInfo v) { container = v; return this; }
        public Event build() { return new Event(this); }
    }
}
