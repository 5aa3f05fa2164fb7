package dev.peregrine.detector.field;

import static dev.peregrine.detector.field.Accessors.bool;
import static dev.peregrine.detector.field.Accessors.number;
import static dev.peregrine.detector.field.Accessors.text;
import static dev.peregrine.detector.field.FieldType.*;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The syscall fields rules can use, with Falco's names, types and meanings, bound to the event
 * model. It covers every field of Falco's stable, incubating and sandbox rules files.
 */
public final class FieldCatalogue {
    private static final FieldCatalogue STANDARD = new FieldCatalogue();

    private final Map<String, FieldDef> defs = new LinkedHashMap<>();

    public static FieldCatalogue standard() {
        return STANDARD;
    }

    public Collection<FieldDef> all() {
        return Collections.unmodifiableCollection(defs.values());
    }

    public boolean isDefined(String name) {
        return lookup(name) != null;
    }

    /** The accessor for {@code name[arg]} ({@code arg} empty when there is none). */
    public Accessor resolve(String name, String arg) {
        FieldDef def = lookup(name);
        String a = arg == null ? "" : arg;
        if (def == null) throw new FieldException("filter_check called with nonexistent field " + name, true);
        // evt.arg.NAME is the dotted spelling of evt.arg[NAME].
        if (!name.equals(def.name())) {
            if (!a.isEmpty()) throw new FieldException("field '" + name + "' does not take an argument", false);
            a = name.substring(def.name().length() + 1);
        }
        if (def.arg() == FieldDef.ArgMode.REQUIRED && a.isEmpty()) {
            throw new FieldException("field '" + name + "' requires an argument", false);
        }
        if (def.arg() == FieldDef.ArgMode.NONE && !a.isEmpty()) {
            throw new FieldException("field '" + name + "' does not take an argument", false);
        }
        return def.bind().apply(a);
    }

    private FieldDef lookup(String name) {
        FieldDef def = defs.get(name);
        if (def != null) return def;
        for (String prefix : new String[] {"evt.arg.", "evt.rawarg."}) {
            if (name.startsWith(prefix) && name.length() > prefix.length())
                return defs.get(prefix.substring(0, prefix.length() - 1));
        }
        return null;
    }

    private void add(String name, FieldType type, String description, Accessor accessor) {
        defs.put(name, new FieldDef(name, type, FieldDef.ArgMode.NONE, description, a -> accessor));
    }

    private void addArg(
            String name, FieldType type, FieldDef.ArgMode mode, String description, Function<String, Accessor> bind) {
        defs.put(name, new FieldDef(name, type, mode, description, bind));
    }

    private static final DateTimeFormatter CLOCK =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /** evt.time as Falco prints it: HH:MM:SS.nnnnnnnnn (UTC here; Falco uses the host's zone). */
    public static String clockTime(long ns) {
        return CLOCK.format(Instant.ofEpochSecond(0, ns)) + String.format(".%09d", Math.floorMod(ns, 1_000_000_000L));
    }

    public static String isoTime(long ns) {
        return ISO.format(Instant.ofEpochSecond(0, ns))
                + String.format(".%09d+0000", Math.floorMod(ns, 1_000_000_000L));
    }

    private static Accessor timeField(ToLongFunction<Event> f, Function<Long, String> format) {
        return new Accessor() {
            @Override
            public FieldType type() {
                return ABSTIME;
            }

            @Override
            public long numberAt(Event e, int i) {
                return f.applyAsLong(e);
            }

            @Override
            public String display(Event e) {
                long v = f.applyAsLong(e);
                return v == Event.NONE ? null : format.apply(v);
            }
        };
    }

    private FieldCatalogue() {
        event();
        process();
        threadUserGroup();
        fd();
        container();
        fsPath();
    }

    private void event() {
        add("evt.type", CHARBUF, "Name of the syscall (open, execve, ...).", text(e -> e.type));
        add("evt.num", UINT64, "Event sequence number.", number(UINT64, e -> e.num));
        add(
                "evt.time",
                ABSTIME,
                "Event timestamp; printed as HH:MM:SS.nnnnnnnnn.",
                timeField(e -> e.ts, FieldCatalogue::clockTime));
        add(
                "evt.time.iso8601",
                ABSTIME,
                "Event timestamp; printed in ISO 8601.",
                timeField(e -> e.ts, FieldCatalogue::isoTime));
        add("evt.rawtime", ABSTIME, "Event timestamp in ns since the epoch.", number(ABSTIME, e -> e.ts));
        add("evt.dir", CHARBUF, "Always '<': only completed syscalls exist (deprecated in Falco).", text(e -> "<"));
        add("evt.source", CHARBUF, "Event source: syscall.", text(e -> "syscall"));
        add("evt.res", CHARBUF, "Result: SUCCESS or the errno name (ENOENT, ...).", text(e -> e.res));
        add("evt.rawres", INT64, "Result as returned by the syscall.", number(INT64, e -> e.rawres));
        add(
                "evt.failed",
                BOOL,
                "True when the syscall returned an error.",
                bool(e -> e.rawres != Event.NONE, e -> e.rawres < 0));
        add("evt.args", CHARBUF, "All arguments as name=value pairs.", text(Event::argsLine));
        addArg(
                "evt.arg",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "An argument by name (evt.arg.name, evt.arg[name]) or index (evt.arg[0]).",
                FieldCatalogue::eventArg);
        addArg(
                "evt.rawarg",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "An argument by name, unformatted.",
                arg -> text(e -> e.rawArg(arg)));
        add(
                "evt.buffer",
                BYTEBUF,
                "The data buffer of read/write-like syscalls (argument 'data').",
                text(BYTEBUF, e -> e.arg("data")));
        add("evt.is_open_read", BOOL, "An open syscall with read access.", bool(e -> e.openRead));
        add("evt.is_open_write", BOOL, "An open syscall with write access.", bool(e -> e.openWrite));
        add("evt.is_open_exec", BOOL, "An open syscall creating an executable file.", bool(e -> e.openExec));
    }

    private static Accessor eventArg(String arg) {
        if (!arg.isEmpty() && arg.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(arg);
            return text(e -> e.arg(index));
        }
        return text(e -> e.arg(arg));
    }

    private void process() {
        add("proc.pid", INT64, "Process id.", number(INT64, e -> e.proc.pid));
        add(
                "proc.ppid",
                INT64,
                "Parent process id.",
                number(
                        INT64,
                        e -> e.proc.ppid != Event.NONE
                                ? e.proc.ppid
                                : (e.parent() == null ? Event.NONE : e.parent().pid)));
        add("proc.vpid", INT64, "Process id as seen from its pid namespace.", number(INT64, e -> e.proc.vpid));
        add("proc.name", CHARBUF, "Process name (comm).", text(e -> e.proc.name));
        add("proc.exe", CHARBUF, "First command-line argument (argv[0]).", text(e -> e.proc.exe));
        add("proc.exepath", CHARBUF, "Full path of the executable.", text(e -> e.proc.exepath));
        add("proc.args", CHARBUF, "Command-line arguments, space separated.", text(e -> e.proc.argsLine));
        add("proc.cmdline", CHARBUF, "Name and arguments.", text(e -> e.proc.cmdline));
        add("proc.cwd", CHARBUF, "Current working directory.", text(e -> e.proc.cwd));
        add("proc.tty", INT64, "Controlling terminal, 0 when none.", number(INT64, e -> e.proc.tty));
        add("proc.sid", INT64, "Session id.", number(INT64, e -> e.proc.sid));
        add("proc.sname", CHARBUF, "Name of the session leader.", text(e -> e.proc.sname));
        add("proc.vpgid", INT64, "Process group id as seen from its pid namespace.", number(INT64, e -> e.proc.vpgid));
        add(
                "proc.is_vpgid_leader",
                BOOL,
                "The process leads its process group.",
                bool(e -> e.proc.vpgid != Event.NONE, e -> e.proc.vpgid == e.proc.vpid));
        add(
                "proc.is_sid_leader",
                BOOL,
                "The process leads its session.",
                bool(e -> e.proc.sid != Event.NONE, e -> e.proc.sid == e.proc.vpid));
        add(
                "proc.duration",
                RELTIME,
                "Nanoseconds since the process started.",
                number(RELTIME, e -> e.proc.startTs == Event.NONE ? Event.NONE : e.ts - e.proc.startTs));
        add("proc.exe_ino", INT64, "Inode of the executable.", number(INT64, e -> e.proc.exeIno));
        add("proc.exe_ino.ctime", ABSTIME, "Executable inode change time.", number(ABSTIME, e -> e.proc.exeInoCtime));
        add(
                "proc.exe_ino.mtime",
                ABSTIME,
                "Executable inode modification time.",
                number(ABSTIME, e -> e.proc.exeInoMtime));
        add(
                "proc.exe_ino.ctime_duration_proc_start",
                RELTIME,
                "Process start time minus executable ctime.",
                number(
                        RELTIME,
                        e -> e.proc.startTs == Event.NONE || e.proc.exeInoCtime == Event.NONE
                                ? Event.NONE
                                : e.proc.startTs - e.proc.exeInoCtime));
        add(
                "proc.is_exe_upper_layer",
                BOOL,
                "Executable lives in the upper layer of an overlayfs.",
                bool(e -> e.proc.exeUpperLayer));
        add("proc.is_exe_from_memfd", BOOL, "Executable was loaded from a memfd.", bool(e -> e.proc.exeFromMemfd));
        add("proc.is_exe_writable", BOOL, "Executable is writable by the process user.", bool(e -> e.proc.exeWritable));
        addArg(
                "proc.env",
                CHARBUF,
                FieldDef.ArgMode.OPTIONAL,
                "Environment, space separated; proc.env[NAME] is one variable.",
                arg -> {
                    if (arg.isEmpty()) return text(e -> e.proc.envLine);
                    String prefix = arg + "=";
                    return text(e -> {
                        for (String kv : e.proc.env) if (kv.startsWith(prefix)) return kv.substring(prefix.length());
                        return null;
                    });
                });
        add("proc.pname", CHARBUF, "Parent process name.", text(e -> {
            ProcessInfo p = e.parent();
            return p == null ? null : p.name;
        }));
        add("proc.pexe", CHARBUF, "Parent argv[0].", text(e -> {
            ProcessInfo p = e.parent();
            return p == null ? null : p.exe;
        }));
        add("proc.pexepath", CHARBUF, "Parent executable path.", text(e -> {
            ProcessInfo p = e.parent();
            return p == null ? null : p.exepath;
        }));
        add("proc.pcmdline", CHARBUF, "Parent command line.", text(e -> {
            ProcessInfo p = e.parent();
            return p == null ? null : p.cmdline;
        }));
        ancestorField(
                "proc.aname", CHARBUF, "Name of ancestor N (1 = parent); without N, any ancestor.", p -> p.name, null);
        ancestorField("proc.aexe", CHARBUF, "argv[0] of ancestor N.", p -> p.exe, null);
        ancestorField("proc.aexepath", CHARBUF, "Executable path of ancestor N.", p -> p.exepath, null);
        ancestorField("proc.acmdline", CHARBUF, "Command line of ancestor N.", p -> p.cmdline, null);
        ancestorField("proc.apid", INT64, "Pid of ancestor N.", null, p -> p.pid);
    }

    /**
     * proc.aname[N] and friends: ancestor N, where 0 is the process itself. Without an index the
     * field has one value per ancestor and a check passes when any of them matches.
     */
    private void ancestorField(
            String name,
            FieldType type,
            String description,
            Function<ProcessInfo, String> text,
            ToLongFunction<ProcessInfo> num) {
        addArg(name, type, FieldDef.ArgMode.OPTIONAL, description, arg -> {
            int fixed;
            if (arg.isEmpty()) {
                fixed = -1;
            } else {
                try {
                    fixed = Integer.parseInt(arg);
                } catch (NumberFormatException ex) {
                    throw new FieldException(
                            "invalid argument '" + arg + "' for field '" + name + "': expected an ancestor index",
                            false);
                }
                if (fixed < 0)
                    throw new FieldException(
                            "invalid argument '" + arg + "' for field '" + name + "': expected an ancestor index",
                            false);
            }
            return new Accessor() {
                @Override
                public FieldType type() {
                    return type;
                }

                @Override
                public boolean multiValued() {
                    return fixed < 0;
                }

                @Override
                public int count(Event e) {
                    if (fixed >= 0) return valueOf(e, fixed) ? 1 : 0;
                    return e.ancestorCount();
                }

                private boolean valueOf(Event e, int level) {
                    ProcessInfo p = e.ancestor(level);
                    if (p == null) return false;
                    return text != null ? text.apply(p) != null : num.applyAsLong(p) != Event.NONE;
                }

                private int level(int i) {
                    return fixed >= 0 ? fixed : i + 1;
                }

                @Override
                public String textAt(Event e, int i) {
                    ProcessInfo p = e.ancestor(level(i));
                    return p == null || text == null ? null : text.apply(p);
                }

                @Override
                public long numberAt(Event e, int i) {
                    ProcessInfo p = e.ancestor(level(i));
                    return p == null || num == null ? Event.NONE : num.applyAsLong(p);
                }
            };
        });
    }

    private void threadUserGroup() {
        add("thread.tid", INT64, "Thread id.", number(INT64, e -> e.proc.tid));
        add("thread.vtid", INT64, "Thread id in its pid namespace.", number(INT64, e -> e.proc.tid));
        add(
                "thread.cap_effective",
                CHARBUF,
                "Effective capabilities, space separated.",
                text(e -> e.proc.capEffective));
        add(
                "thread.cap_permitted",
                CHARBUF,
                "Permitted capabilities, space separated.",
                text(e -> e.proc.capPermitted));
        add(
                "thread.cap_inheritable",
                CHARBUF,
                "Inheritable capabilities, space separated.",
                text(e -> e.proc.capInheritable));
        add("user.uid", UINT64, "User id.", number(UINT64, e -> e.user.uid()));
        add("user.name", CHARBUF, "User name.", text(e -> e.user.name()));
        add(
                "user.loginuid",
                INT64,
                "Audit login uid; -1 without a login session.",
                number(INT64, e -> e.user.loginuid()));
        add("user.loginname", CHARBUF, "Name of the login user.", text(e -> e.user.loginname()));
        add("user.homedir", CHARBUF, "Home directory of the user.", text(e -> e.user.homedir()));
        add("user.shell", CHARBUF, "Login shell of the user.", text(e -> e.user.shell()));
        add("group.gid", UINT64, "Group id.", number(UINT64, e -> e.user.gid()));
        add("group.name", CHARBUF, "Group name.", text(e -> e.user.group()));
    }

    private void fd() {
        add(
                "fd.num",
                INT64,
                "File descriptor number; -1 when the syscall failed.",
                number(INT64, e -> e.fd == null ? Event.NONE : e.fd.num));
        add("fd.type", CHARBUF, "Type: file, directory, ipv4, ipv6, unix, pipe, ...", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.type;
        }));
        add("fd.typechar", CHARBUF, "Type as one character: f, d, 4, 6, u, p, ...", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.typechar;
        }));
        add(
                "fd.name",
                CHARBUF,
                "Full name: path, cip:cport->sip:sport for a connection, ip:port for a server socket.",
                text(e -> {
                    FdInfo f = e.fd;
                    return f == null ? null : f.name;
                }));
        add("fd.nameraw", CHARBUF, "Name as passed to the syscall, unresolved.", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.nameraw;
        }));
        add("fd.directory", CHARBUF, "Directory part of a file name.", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.directory();
        }));
        add("fd.filename", CHARBUF, "File part of a file name.", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.filename();
        }));
        add("fd.l4proto", CHARBUF, "Transport protocol: tcp, udp, icmp, raw.", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.l4proto;
        }));
        add("fd.sockfamily", CHARBUF, "Socket family: ip or unix.", text(e -> e.fd == null ? null : e.fd.sockfamily()));
        add("fd.connected", BOOL, "The socket is connected.", bool(e -> e.fd != null, e -> e.fd.connected));
        add(
                "fd.name_changed",
                BOOL,
                "The fd name changed during this event (e.g. a connect).",
                bool(e -> e.fd != null, e -> e.fd.nameChanged));
        ip("fd.cip", IPADDR, "Client IP address.", SocketEnd.CLIENT, null);
        ip("fd.sip", IPADDR, "Server IP address.", SocketEnd.SERVER, null);
        ip("fd.lip", IPADDR, "Local IP address.", SocketEnd.LOCAL, null);
        ip("fd.rip", IPADDR, "Remote IP address.", SocketEnd.REMOTE, null);
        ip("fd.ip", IPADDR, "Either IP address (client or server).", SocketEnd.CLIENT, SocketEnd.SERVER);
        ip("fd.cnet", IPNET, "Client IP address, compared against networks.", SocketEnd.CLIENT, null);
        ip("fd.snet", IPNET, "Server IP address, compared against networks.", SocketEnd.SERVER, null);
        ip("fd.lnet", IPNET, "Local IP address, compared against networks.", SocketEnd.LOCAL, null);
        ip("fd.rnet", IPNET, "Remote IP address, compared against networks.", SocketEnd.REMOTE, null);
        ip("fd.net", IPNET, "Either IP address, compared against networks.", SocketEnd.CLIENT, SocketEnd.SERVER);
        port("fd.cport", "Client port.", f -> f.cport, null);
        port("fd.sport", "Server port.", f -> f.sport, null);
        // A server socket has the server end alone, as in libsinsp: no local or remote end.
        port("fd.lport", "Local port.", f -> f.serverSocket ? Event.NONE : f.server ? f.sport : f.cport, null);
        port("fd.rport", "Remote port.", f -> f.serverSocket ? Event.NONE : f.server ? f.cport : f.sport, null);
        port("fd.port", "Either port.", f -> f.cport, f -> f.sport);
        add("fd.cip.name", CHARBUF, "Domain name of the client IP.", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.cipName;
        }));
        add("fd.sip.name", CHARBUF, "Domain name of the server IP.", text(e -> {
            FdInfo f = e.fd;
            return f == null ? null : f.sipName;
        }));
        add("fd.lip.name", CHARBUF, "Domain name of the local IP.", text(e -> {
            FdInfo f = e.fd;
            return f == null || f.serverSocket ? null : f.server ? f.sipName : f.cipName;
        }));
        add("fd.rip.name", CHARBUF, "Domain name of the remote IP.", text(e -> {
            FdInfo f = e.fd;
            return f == null || f.serverSocket ? null : f.server ? f.cipName : f.sipName;
        }));
    }

    /** One end of a socket: its address as text, and as the numbers FdInfo parsed once for network checks. */
    private record SocketEnd(
            Function<FdInfo, String> text,
            ToLongFunction<FdInfo> ipv4,
            Predicate<FdInfo> isV6,
            ToLongFunction<FdInfo> v6Hi,
            ToLongFunction<FdInfo> v6Lo) {
        // Here rather than in FieldCatalogue: STANDARD is built before FieldCatalogue's other statics are set.
        static final SocketEnd CLIENT =
                new SocketEnd(f -> f.cip, f -> f.cipV4, f -> f.cipV6, f -> f.cipV6Hi, f -> f.cipV6Lo);
        static final SocketEnd SERVER =
                new SocketEnd(f -> f.sip, f -> f.sipV4, f -> f.sipV6, f -> f.sipV6Hi, f -> f.sipV6Lo);
        // A server socket has neither (libsinsp answers fd.lip and fd.rip for tuple sockets only).
        static final SocketEnd LOCAL = new SocketEnd(
                f -> f.serverSocket ? null : f.server ? f.sip : f.cip,
                f -> f.serverSocket ? -1 : f.server ? f.sipV4 : f.cipV4,
                f -> !f.serverSocket && (f.server ? f.sipV6 : f.cipV6),
                f -> f.server ? f.sipV6Hi : f.cipV6Hi,
                f -> f.server ? f.sipV6Lo : f.cipV6Lo);
        static final SocketEnd REMOTE = new SocketEnd(
                f -> f.serverSocket ? null : f.server ? f.cip : f.sip,
                f -> f.serverSocket ? -1 : f.server ? f.cipV4 : f.sipV4,
                f -> !f.serverSocket && (f.server ? f.cipV6 : f.sipV6),
                f -> f.server ? f.cipV6Hi : f.sipV6Hi,
                f -> f.server ? f.cipV6Lo : f.sipV6Lo);
    }

    /** IP fields; {@code second} set means two values (client and server), any of which may match. */
    private void ip(String name, FieldType type, String description, SocketEnd first, SocketEnd second) {
        add(name, type, description, new Accessor() {
            @Override
            public FieldType type() {
                return type;
            }

            @Override
            public boolean multiValued() {
                return second != null;
            }

            @Override
            public int count(Event e) {
                if (e.fd == null || !e.fd.isSocket()) return 0;
                // fd.ip and fd.net of a server socket: its server end alone, as libsinsp compares them
                if (second != null) return e.fd.serverSocket ? 1 : 2;
                return first.text().apply(e.fd) == null ? 0 : 1;
            }

            private SocketEnd end(Event e, int i) {
                return i == 0 && !(second != null && e.fd.serverSocket) ? first : second;
            }

            @Override
            public String textAt(Event e, int i) {
                if (e.fd == null || !e.fd.isSocket()) return null;
                return end(e, i).text().apply(e.fd);
            }

            @Override
            public long ipv4At(Event e, int i) {
                if (e.fd == null || !e.fd.isSocket()) return -1;
                return end(e, i).ipv4().applyAsLong(e.fd);
            }

            @Override
            public boolean isIpv6At(Event e, int i) {
                return e.fd != null && e.fd.isSocket() && end(e, i).isV6().test(e.fd);
            }

            @Override
            public long ipv6HiAt(Event e, int i) {
                return end(e, i).v6Hi().applyAsLong(e.fd);
            }

            @Override
            public long ipv6LoAt(Event e, int i) {
                return end(e, i).v6Lo().applyAsLong(e.fd);
            }
        });
    }

    private void port(String name, String description, ToLongFunction<FdInfo> first, ToLongFunction<FdInfo> second) {
        add(name, PORT, description, new Accessor() {
            @Override
            public FieldType type() {
                return PORT;
            }

            @Override
            public boolean multiValued() {
                return second != null;
            }

            @Override
            public int count(Event e) {
                if (e.fd == null || !e.fd.isSocket()) return 0;
                // fd.port of a server socket: its server port alone, as libsinsp compares it
                if (second != null) return e.fd.serverSocket ? 1 : 2;
                return first.applyAsLong(e.fd) == Event.NONE ? 0 : 1;
            }

            @Override
            public long numberAt(Event e, int i) {
                if (e.fd == null || !e.fd.isSocket()) return Event.NONE;
                return i == 0 && !(second != null && e.fd.serverSocket)
                        ? first.applyAsLong(e.fd)
                        : second.applyAsLong(e.fd);
            }
        });
    }

    private void container() {
        add(
                "container.id",
                CHARBUF,
                "Container id (12 characters), 'host' outside containers.",
                text(e -> e.container.id));
        add("container.name", CHARBUF, "Container name, 'host' outside containers.", text(e -> e.container.name));
        add("container.image", CHARBUF, "Image name with tag.", text(e -> e.container.image));
        add("container.image.repository", CHARBUF, "Image repository.", text(e -> e.container.imageRepository));
        add("container.image.tag", CHARBUF, "Image tag.", text(e -> e.container.imageTag));
        add("container.image.id", CHARBUF, "Image id.", text(e -> e.container.imageId));
        add(
                "container.type",
                CHARBUF,
                "Container runtime: docker, containerd, cri-o, ...",
                text(e -> e.container.type));
        add(
                "container.privileged",
                BOOL,
                "The container runs privileged.",
                bool(e -> !e.container.isHost(), e -> e.container.privileged));
        add("container.start_ts", ABSTIME, "Container start time in ns.", number(ABSTIME, e -> e.container.startTs));
        add(
                "container.duration",
                RELTIME,
                "Nanoseconds since the container started.",
                number(RELTIME, e -> e.container.startTs == Event.NONE ? Event.NONE : e.ts - e.container.startTs));
        add(
                "container.mounts",
                CHARBUF,
                "Mounts as source:dest:mode:rdwr:propagation, comma separated.",
                text(e -> e.container.isHost() ? null : e.container.mountsLine));
        addArg(
                "container.mount.dest",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "Destination of the mount given by index or by source (glob); N/A when there is none.",
                arg -> mountField(arg, m -> m.source(), m -> m.dest()));
        addArg(
                "container.mount.source",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "Source of the mount given by index or by destination (glob); N/A when there is none.",
                arg -> mountField(arg, m -> m.dest(), m -> m.source()));
        addArg(
                "container.mount.mode",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "Mode of the mount given by index or by source (glob).",
                arg -> mountField(arg, m -> m.source(), m -> m.mode()));
        add("k8s.pod.name", CHARBUF, "Kubernetes pod name.", text(e -> e.container.podName));
        add("k8s.ns.name", CHARBUF, "Kubernetes namespace.", text(e -> e.container.nsName));
        add("k8s.pod.uid", CHARBUF, "Kubernetes pod uid.", text(e -> e.container.podUid));
        addArg(
                "k8s.pod.label",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "A label of the pod.",
                arg -> text(e -> e.container.podLabels.get(arg)));
        add(
                "k8s.pod.labels",
                CHARBUF,
                "The pod's labels as key:value, comma separated, sorted by key.",
                text(e -> e.container.podLabels.isEmpty() ? null : labelsLine(e.container.podLabels)));
        addArg(
                "container.label",
                CHARBUF,
                FieldDef.ArgMode.REQUIRED,
                "A label of the container.",
                arg -> text(e -> e.container.labels.get(arg)));
        add(
                "container.labels",
                CHARBUF,
                "The container's labels as key:value, comma separated, sorted by key.",
                text(e -> e.container.labels.isEmpty() ? null : labelsLine(e.container.labels)));
    }

    /** Falco's label list form: {@code foo1:bar1,foo2:bar2} (here in key order, the maps having none). */
    private static String labelsLine(Map<String, String> labels) {
        StringBuilder sb = new StringBuilder();
        for (String k : new TreeSet<>(labels.keySet())) {
            if (!sb.isEmpty()) sb.append(',');
            sb.append(k).append(':').append(labels.get(k));
        }
        return sb.toString();
    }

    /**
     * Falco selects a mount by index or by matching the other end against a glob; "N/A" when nothing
     * matches, which rules test with {@code in ("<NA>","N/A")}.
     */
    private static Accessor mountField(
            String arg, Function<ContainerInfo.Mount, String> key, Function<ContainerInfo.Mount, String> value) {
        if (arg.chars().allMatch(Character::isDigit)) {
            int index = Integer.parseInt(arg);
            return text(e -> index < e.container.mounts.size() ? value.apply(e.container.mounts.get(index)) : "N/A");
        }
        Glob glob = new Glob(arg, false);
        return text(e -> {
            for (ContainerInfo.Mount m : e.container.mounts) {
                String k = key.apply(m);
                if (k != null && glob.matches(k)) return value.apply(m);
            }
            return "N/A";
        });
    }

    private void fsPath() {
        add(
                "fs.path.name",
                CHARBUF,
                "Path the syscall operated on.",
                text(e -> firstArg(e, "name", "path", "pathname", "filename")));
        add(
                "fs.path.nameraw",
                CHARBUF,
                "Path as passed to the syscall.",
                text(e -> firstArg(e, "name", "path", "pathname", "filename")));
        add(
                "fs.path.source",
                CHARBUF,
                "Source path of rename/link-like syscalls.",
                text(e -> firstArg(e, "oldpath", "target")));
        add(
                "fs.path.target",
                CHARBUF,
                "Target path of rename/link-like syscalls.",
                text(e -> firstArg(e, "newpath", "linkpath")));
    }

    private static String firstArg(Event e, String a, String b) {
        String v = e.arg(a);
        return v != null ? v : e.arg(b);
    }

    private static String firstArg(Event e, String a, String b, String c, String d) {
        String v = firstArg(e, a, b);
        return v != null ? v : firstArg(e, c, d);
    }
}
