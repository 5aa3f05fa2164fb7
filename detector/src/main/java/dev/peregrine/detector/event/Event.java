package dev.peregrine.detector.event;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One completed syscall: its type, arguments and result, with the process, fd, user and container
 * state after it returned (Falco's model since enter events were dropped). Everything the rules
 * read is a field or a precomputed string, so evaluating a condition does not allocate.
 *
 * <p>Events come in two kinds. Built ones ({@link #builder()}, replay) hold every value. The live
 * capture instead refills one event per record ({@link #live()}, {@link #reset}): most events
 * match no rule and rules read few fields, so argument text is formatted and the ancestors are
 * looked up only when something reads them. A live event is valid only until the next record;
 * whoever keeps one takes a {@link #snapshot()}.
 */
public final class Event {
    /** Marks an absent numeric value; Falco prints it as {@code <NA>}. */
    public static final long NONE = Long.MIN_VALUE;

    /** Turns an argument's raw value into the text Falco shows (flag names, enum names, a number). */
    @FunctionalInterface
    public interface Formatter {
        String format(long value);
    }

    /**
     * A formatter whose value is not the argument's number but where to find its text (a data
     * buffer in the record): evt.rawarg gives the text, like evt.arg.
     */
    @FunctionalInterface
    public interface TextSource extends Formatter {}

    /** A live event's process ancestry, looked up when a field first asks for it. */
    @FunctionalInterface
    public interface Lineage {
        /** Writes the ancestors, parent first, into {@code into}; returns how many (at most its length). */
        int ancestors(ProcessInfo[] into);
    }

    /** Argument text of a given value is {@code Long.toString}: fds, results, pids. */
    public static final Formatter DECIMAL = Long::toString;

    /** Deep enough for Falco's proc.aname[N] uses and then some; guards against ppid loops. */
    private static final int MAX_ANCESTORS = 16;
    /** Source of {@link #serial}s; a live event takes a block at a time, to stay clear of an atomic add per record. */
    private static final AtomicLong SERIALS = new AtomicLong();

    private static final long SERIAL_BLOCK = 1 << 20;
    private static final ProcessInfo[] NO_ANCESTORS = new ProcessInfo[0];

    // Fields, not getters: the rules' accessors read them on every check. Only the builder,
    // reset() and the capture's factory write them.
    public long ts;
    public long num;
    public String type;
    public long rawres;
    public String res;
    public ProcessInfo proc;
    public UserInfo user;
    public FdInfo fd;
    public ContainerInfo container;
    public boolean openRead, openWrite, openExec;
    /**
     * Tells events apart, also a live event from its next refill: unique in this JVM. Conditions
     * that several rules share remember their answer for one serial (see the rules' compiler).
     */
    public long serial;
    /** For a live event: the end of the block of serials it took. */
    private long serialLimit;

    private String[] argNames;
    /** The text of argument i: given, or made by argFormats[i] once bit i of {@link #argsFormatted} is set. */
    private String[] argTexts;

    private long[] argValues;
    /** Null for an argument given as text. */
    private Formatter[] argFormats;

    private long argsFormatted;
    private int argCount;
    /** evt.args, built on first use: outputs need it, conditions almost never do. */
    private String argsLine;
    /** Parent first: ancestors[0] is the parent, ancestors[1] the grandparent, ... */
    private ProcessInfo[] ancestors;
    /** -1 while a live event's ancestors are not looked up yet. */
    private int ancestorCount;

    private Lineage lineage;

    private Event(int argCapacity, ProcessInfo[] ancestors) {
        serial = SERIALS.incrementAndGet();
        serialLimit = serial + 1;
        argNames = new String[argCapacity];
        argTexts = new String[argCapacity];
        argValues = new long[argCapacity];
        argFormats = new Formatter[argCapacity];
        this.ancestors = ancestors;
    }

    private Event(Builder b) {
        this(b.args.size(), b.ancestors.toArray(ProcessInfo[]::new));
        ts = b.ts;
        num = b.num;
        type = b.type;
        rawres = b.rawres;
        res = Errno.resultText(rawres);
        for (Map.Entry<String, String> a : b.args.entrySet()) {
            addArg(a.getKey(), a.getValue());
        }
        proc = b.proc;
        ancestorCount = ancestors.length;
        user = b.user;
        fd = b.fd;
        container = b.container;
        boolean isOpen = type != null && type.startsWith("open");
        String flags = arg("flags");
        openRead = isOpen && flags != null && (flags.contains("O_RDONLY") || flags.contains("O_RDWR"));
        openWrite = isOpen && flags != null && (flags.contains("O_WRONLY") || flags.contains("O_RDWR"));
        openExec = isOpen && flags != null && flags.contains("O_CREAT") && executable(arg("mode"));
    }

    /** An open's mode as Falco prints it (octal, "0755") or, in older recordings, as names (S_IXUSR|...). */
    private static boolean executable(String mode) {
        if (mode == null) return false;
        if (!mode.isEmpty() && Character.isDigit(mode.charAt(0))) {
            try {
                return (Long.parseLong(mode, 8) & 0111) != 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return mode.contains("S_IXUSR") || mode.contains("S_IXGRP") || mode.contains("S_IXOTH");
    }

    /** An event for the capture to refill per record with {@link #reset}. */
    public static Event live() {
        return new Event(8, new ProcessInfo[MAX_ANCESTORS]);
    }

    // A live event outlives many young collections, so it sits in the old generation. With G1,
    // storing a reference into it costs a memory fence and dirties a card for the collector's
    // refinement threads to scan, whenever the value lives in another region. Consecutive records
    // mostly share their type, result text, argument names, process, user and container, so the
    // methods below write a reference field only when its value changed.

    /**
     * Starts a new live event: no arguments, fd, ancestors or open flags; the caller sets the rest
     * ({@link #state}, the open booleans, arguments and {@link #lineage}).
     */
    public void reset(long ts, long num, String type, long rawres) {
        if (++serial == serialLimit) {
            serial = SERIALS.getAndAdd(SERIAL_BLOCK) + 1;
            serialLimit = serial + SERIAL_BLOCK;
        }
        this.ts = ts;
        this.num = num;
        if (this.type != type) this.type = type;
        this.rawres = rawres;
        String r = rawres >= 0 ? "SUCCESS" : Errno.resultText(rawres);
        if (res != r) res = r;
        argCount = 0;
        argsFormatted = 0;
        if (argsLine != null) argsLine = null;
        if (fd != null) fd = null;
        openRead = openWrite = openExec = false;
        if (lineage != null) lineage = null;
        ancestorCount = 0;
    }

    /** The tables' state a live event carries. */
    public void state(ProcessInfo proc, UserInfo user, FdInfo fd, ContainerInfo container) {
        if (this.proc != proc) this.proc = proc;
        if (this.user != user) this.user = user;
        if (this.fd != fd) this.fd = fd;
        if (this.container != container) this.container = container;
    }

    /** Appends an argument whose text is known. Argument order is the order of evt.args and evt.arg[N]. */
    public void addArg(String name, String text) {
        int i = nextArg(name, null);
        argTexts[i] = text;
    }

    /** Appends an argument whose text is {@code format} of {@code value}, made only if read. */
    public void addArg(String name, long value, Formatter format) {
        int i = nextArg(name, format);
        argValues[i] = value;
    }

    private int nextArg(String name, Formatter format) {
        int i = argCount;
        if (i == argNames.length) {
            int n = Math.max(4, i * 2);
            argNames = Arrays.copyOf(argNames, n);
            argTexts = Arrays.copyOf(argTexts, n);
            argValues = Arrays.copyOf(argValues, n);
            argFormats = Arrays.copyOf(argFormats, n);
        }
        if (argNames[i] != name) argNames[i] = name;
        if (argFormats[i] != format) argFormats[i] = format;
        argCount = i + 1;
        return i;
    }

    /** The ancestors are looked up through {@code lineage} when first read (live events). */
    public void lineage(Lineage lineage) {
        if (this.lineage != lineage) this.lineage = lineage;
        this.ancestorCount = -1;
    }

    /** The formatted value of the named argument, or null when the event has no such argument. */
    public String arg(String name) {
        for (int i = 0; i < argCount; i++) {
            if (argNames[i].equals(name)) return arg(i);
        }
        return null;
    }

    public String arg(int index) {
        if (index < 0 || index >= argCount) return null;
        Formatter f = argFormats[index];
        if (f != null && (argsFormatted & 1L << index) == 0) {
            argTexts[index] = f.format(argValues[index]);
            argsFormatted |= 1L << index;
        }
        return argTexts[index];
    }

    /**
     * evt.rawarg: the named argument's number as the syscall gave it (flags, modes and ids not
     * named), or its text for an argument given as text; null when the event has no such argument.
     */
    public String rawArg(String name) {
        for (int i = 0; i < argCount; i++) {
            if (argNames[i].equals(name)) {
                return argFormats[i] == null || argFormats[i] instanceof TextSource
                        ? arg(i)
                        : Long.toString(argValues[i]);
            }
        }
        return null;
    }

    public int argCount() {
        return argCount;
    }

    /** evt.args as Falco prints it (see {@link EvtArgs}). */
    public String argsLine() {
        String s = argsLine;
        if (s == null) {
            s = EvtArgs.render(this);
            argsLine = s;
        }
        return s;
    }

    public String argName(int index) {
        return argNames[index];
    }

    /** Ancestor {@code level} of the process: 0 is the process itself, 1 its parent, and so on. */
    public ProcessInfo ancestor(int level) {
        if (level == 0) return proc;
        return level > 0 && level <= ancestorCount() ? ancestors[level - 1] : null;
    }

    public int ancestorCount() {
        int n = ancestorCount;
        if (n < 0) {
            n = lineage.ancestors(ancestors);
            ancestorCount = n;
        }
        return n;
    }

    public ProcessInfo parent() {
        return ancestorCount() > 0 ? ancestors[0] : null;
    }

    /**
     * An event that keeps this one's values: every argument formatted and the ancestors looked
     * up, so it stays right after a live event is refilled and can be read from other threads.
     */
    public Event snapshot() {
        int n = ancestorCount();
        Event s = new Event(argCount, n == 0 ? NO_ANCESTORS : Arrays.copyOf(ancestors, n));
        s.ts = ts;
        s.num = num;
        s.type = type;
        s.rawres = rawres;
        s.res = res;
        for (int i = 0; i < argCount; i++) {
            // Formatted now, and the number kept for evt.rawarg: the formatter is never called again.
            int j = s.nextArg(argNames[i], argFormats[i]);
            s.argTexts[j] = arg(i);
            s.argValues[j] = argValues[i];
            s.argsFormatted |= 1L << j;
        }
        s.argsLine = argsLine;
        s.proc = proc;
        s.ancestorCount = n;
        s.user = user;
        s.fd = fd;
        s.container = container;
        s.openRead = openRead;
        s.openWrite = openWrite;
        s.openExec = openExec;
        return s;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        long ts, num = NONE, rawres = NONE;
        String type;
        Map<String, String> args = Map.of();
        ProcessInfo proc = ProcessInfo.builder().build();
        List<ProcessInfo> ancestors = List.of();
        UserInfo user = UserInfo.UNKNOWN;
        FdInfo fd;
        ContainerInfo container = ContainerInfo.HOST;

        public Builder ts(long v) {
            ts = v;
            return this;
        }

        public Builder num(long v) {
            num = v;
            return this;
        }

        public Builder type(String v) {
            type = v;
            return this;
        }

        public Builder rawres(long v) {
            rawres = v;
            return this;
        }
        /** Argument order is kept: it is the order of evt.args and evt.arg[N]. */
        public Builder args(Map<String, String> v) {
            args = v;
            return this;
        }

        public Builder proc(ProcessInfo v) {
            proc = v;
            return this;
        }

        public Builder ancestors(List<ProcessInfo> v) {
            ancestors = v;
            return this;
        }

        public Builder user(UserInfo v) {
            user = v;
            return this;
        }

        public Builder fd(FdInfo v) {
            fd = v;
            return this;
        }

        public Builder container(ContainerInfo v) {
            container = v;
            return this;
        }

        public Event build() {
            return new Event(this);
        }
    }
}
