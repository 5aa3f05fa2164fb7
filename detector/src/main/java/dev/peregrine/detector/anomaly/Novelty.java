package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.event.UserInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The exact-set features: what an event adds to a learning profile's sets, and, once the profile
 * is frozen, the never-seen items it reports with a plain explanation ("... executed /bin/sh for
 * the first time; parent nginx; learnt 12 executables over 2 h"). Each item is reported once.
 */
final class Novelty {
    private final AnomalySettings settings;
    private final Consumer<Anomaly> emit;
    private final long relearnNs;
    private final List<String> sensitive;
    private final long ephemeralLow, ephemeralHigh;
    /** Second characters of the sensitive prefixes ('e' for /etc/...). */
    private final boolean[] secondChars = new boolean[128];

    Novelty(AnomalySettings settings, Consumer<Anomaly> emit) {
        this.settings = settings;
        this.emit = emit;
        this.relearnNs =
                settings.relearn() == null ? Long.MAX_VALUE : settings.relearn().toNanos();
        this.sensitive = settings.sensitivePaths();
        for (String prefix : sensitive) {
            if (prefix.length() < 2 || prefix.charAt(1) >= 128) {
                Arrays.fill(secondChars, true); // cannot rule anything out by it
            } else {
                secondChars[prefix.charAt(1)] = true;
            }
        }
        long[] range = ephemeralRange();
        ephemeralLow = range[0];
        ephemeralHigh = range[1];
    }

    /** The host's ephemeral port range (Linux's default when it cannot be read). */
    static long[] ephemeralRange() {
        try {
            String[] r = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .strip()
                    .split("\\s+");
            return new long[] {Long.parseLong(r[0]), Long.parseLong(r[1])};
        } catch (IOException | RuntimeException e) {
            return new long[] {32768, 60999};
        }
    }

    void exec(Profile p, Event e) {
        String exe = exe(e.proc);
        if (news(p, AnomalyKind.EXECUTABLE, exe, e.ts)) {
            report(
                    p,
                    AnomalyKind.EXECUTABLE,
                    exe,
                    e,
                    "executed " + exe + " for the first time; parent " + parentName(e));
        }
        ProcessInfo parent = e.parent();
        String parentExe = parent == null ? "<unknown>" : exe(parent);
        Set<String> children = p.learntExecsByParent.get(parentExe);
        if (children != null && children.contains(exe)) return;
        String pair = parentExe + " -> " + exe;
        if (news(p, AnomalyKind.EXEC_PAIR, pair, e.ts)) {
            report(p, AnomalyKind.EXEC_PAIR, pair, e, "ran the exec " + pair + " for the first time");
        } else if (p.set(AnomalyKind.EXEC_PAIR).contains(pair)) {
            p.learntExecsByParent
                    .computeIfAbsent(parentExe, k -> new HashSet<>())
                    .add(exe);
        }
    }

    /** A process not seen just before: its capabilities. */
    void process(Profile p, Event e) {
        String caps = e.proc.capEffective;
        if (caps == null || caps.isEmpty() || p.capSetsChecked.contains(caps)) return;
        if (p.capSetsChecked.size() >= 64) p.capSetsChecked.clear();
        p.capSetsChecked.add(caps);
        StringBuilder fresh = null;
        for (String cap : caps.split(" ")) {
            if (news(p, AnomalyKind.CAPABILITY, cap, e.ts)) {
                fresh = fresh == null
                        ? new StringBuilder(cap)
                        : fresh.append(' ').append(cap);
            }
        }
        if (fresh != null) {
            String value = fresh.toString();
            report(
                    p,
                    AnomalyKind.CAPABILITY,
                    value,
                    e,
                    "ran " + name(e.proc) + " with "
                            + (value.indexOf(' ') < 0 ? "capability " : "capabilities ") + value
                            + " for the first time");
        }
    }

    void user(Profile p, Event e) {
        UserInfo u = e.user;
        if (u == null || u.uid() == Event.NONE || u.uid() == p.lastUid) return;
        p.lastUid = u.uid();
        String uid = Long.toString(u.uid());
        if (news(p, AnomalyKind.USER, uid, e.ts)) {
            report(
                    p,
                    AnomalyKind.USER,
                    uid,
                    e,
                    "ran " + name(e.proc) + " as user " + (u.name() == null ? uid : u.name() + " (uid " + uid + ")")
                            + " for the first time");
        }
    }

    void written(Profile p, Event e, String path) {
        if (path.equals(p.lastWritten)) return;
        p.lastWritten = path;
        String prefix = prefix(path, settings.writeDepth());
        if (news(p, AnomalyKind.FILE_WRITTEN, prefix, e.ts)) {
            report(
                    p,
                    AnomalyKind.FILE_WRITTEN,
                    prefix,
                    e,
                    "wrote under " + prefix + " for the first time (" + path + " by " + name(e.proc) + ")");
        }
    }

    void read(Profile p, Event e, String path) {
        if (!sensitive(path)) return;
        if (news(p, AnomalyKind.SENSITIVE_READ, path, e.ts)) {
            report(p, AnomalyKind.SENSITIVE_READ, path, e, name(e.proc) + " read " + path + " for the first time");
        }
    }

    void connect(Profile p, Event e) {
        FdInfo fd = e.fd;
        String peer;
        if ("ipv4".equals(fd.type) || "ipv6".equals(fd.type)) {
            if (fd.server || fd.sip == null) return;
            peer = ("ipv6".equals(fd.type) ? "[" + fd.sip + "]" : fd.sip) + ":" + port(fd.sport);
        } else if ("unix".equals(fd.type) && fd.name != null && !fd.name.isEmpty()) {
            peer = "unix:" + fd.name;
        } else {
            return;
        }
        if (news(p, AnomalyKind.OUTBOUND_PEER, peer, e.ts)) {
            report(
                    p,
                    AnomalyKind.OUTBOUND_PEER,
                    peer,
                    e,
                    name(e.proc) + " connected to " + peer + " for the first time");
        }
    }

    /** A listen (TCP) or a bind of a UDP socket. */
    void listen(Profile p, Event e, boolean isListen) {
        FdInfo fd = e.fd;
        if (fd.sport == Event.NONE || fd.sport <= 0) return;
        String port;
        if (isListen) {
            port = "tcp/" + port(fd.sport);
        } else if ("udp".equals(fd.l4proto)) {
            port = "udp/" + port(fd.sport);
        } else {
            return;
        }
        if (news(p, AnomalyKind.LISTEN_PORT, port, e.ts)) {
            report(p, AnomalyKind.LISTEN_PORT, port, e, name(e.proc) + " listened on " + port + " for the first time");
        }
    }

    /**
     * A port, or "ephemeral" for one of the kernel's ephemeral range: a server bound to port 0
     * gets a new one each run, and a peer there is such a server; the number itself is no news.
     */
    private String port(long port) {
        return port >= ephemeralLow && port <= ephemeralHigh ? "ephemeral" : Long.toString(port);
    }

    /** A learning window's event types join the learnt syscall types. */
    void learnSyscalls(Profile p) {
        for (int i = 0; i < p.window.length; i++) {
            if (p.window[i] > 0 && p.set(AnomalyKind.SYSCALL).add(EventSlots.name(i))) p.dirty = true;
        }
    }

    /** Event types of a frozen profile's window that no learnt window had. */
    void syscalls(Profile p, long end) {
        for (int i = 0; i < p.window.length; i++) {
            if (p.window[i] == 0) continue;
            String type = EventSlots.name(i);
            if (news(p, AnomalyKind.SYSCALL, type, end)) {
                report(
                        p,
                        AnomalyKind.SYSCALL,
                        type,
                        context(p, end),
                        "made " + p.window[i] + " " + type + " calls in "
                                + duration(settings.window().toNanos()) + ", a type never seen while learning");
            }
        }
    }

    /**
     * Whether {@code item} is news for the profile: a learning profile learns it instead; a
     * frozen one reports an item once (and, with re-learning, takes it into the baseline when it
     * is still seen long after its first report).
     */
    boolean news(Profile p, AnomalyKind k, String item, long ts) {
        ItemSet set = p.set(k);
        if (p.learning) {
            if (set.add(item)) p.dirty = true;
            return false;
        }
        if (!set.isNew(item)) return false;
        String key = k.id + " " + item;
        Long first = p.reported.get(key);
        if (first != null) {
            if (ts - first >= relearnNs) {
                set.add(item);
                p.reported.remove(key);
                p.dirty = true;
            }
            return false;
        }
        if (p.reported.size() >= Profile.MAX_REPORTED) return false;
        p.reported.put(key, ts);
        p.dirty = true;
        return true;
    }

    private void report(Profile p, AnomalyKind k, String item, Event e, String what) {
        String baseline = p.set(k).size() + " " + k.plural + " over " + duration(p.frozenNs - p.learningStartedNs);
        emit.accept(
                new Anomaly(k, p.key, 1.0, item, baseline, p.key + " " + what + "; learnt " + baseline, e.snapshot()));
    }

    /** Context of a window's anomaly: the last process, user and container seen in it. */
    static Event context(Profile p, long ts) {
        Event.Builder b = Event.builder().ts(ts);
        if (p.lastProc != null) b.proc(p.lastProc);
        if (p.lastUser != null) b.user(p.lastUser);
        if (p.lastContainer != null) b.container(p.lastContainer);
        return b.build();
    }

    boolean sensitive(String path) {
        // Most reads (/usr, /lib, /proc, /dev, ...) are ruled out by their second character.
        if (path.length() < 2 || path.charAt(1) >= 128 || !secondChars[path.charAt(1)]) return false;
        for (int i = 0; i < sensitive.size(); i++) {
            if (path.startsWith(sensitive.get(i))) return true;
        }
        return false;
    }

    /**
     * What an exec ran: the path exec was given, and the process name where that path says
     * nothing about the program (busybox re-executes /proc/self/exe for its applets; fexecve runs
     * /dev/fd/N).
     */
    static String exe(ProcessInfo p) {
        String path = p.exepath != null && !p.exepath.isEmpty() ? p.exepath : p.exe;
        if (path == null) return String.valueOf(p.name);
        if (path.startsWith("/proc/") || path.startsWith("/dev/fd/")) {
            // argv[0]: busybox's applet name (its comm is "exe" then).
            String name = p.exe != null && !p.exe.isEmpty() ? p.exe : p.name;
            return path + " (" + name + ")";
        }
        return path;
    }

    private static String parentName(Event e) {
        ProcessInfo parent = e.parent();
        return parent == null || parent.name == null ? "<unknown>" : name(parent);
    }

    /** The process's name for an explanation: argv[0] where the name is busybox's "exe". */
    static String name(ProcessInfo p) {
        if ("exe".equals(p.name) && p.exe != null && !p.exe.isEmpty()) return p.exe;
        return p.name;
    }

    /**
     * The directory a written path is learnt by: its first {@code depth} components (/var/log for
     * /var/log/nginx/access.log at depth 2), numbers and random-looking runs (a pid, a temporary
     * directory's suffix, a uuid) replaced by N, so /proc/1234 is /proc/N and /tmp/junit-8829312
     * is /tmp/junit-N.
     */
    static String prefix(String path, int depth) {
        return generalise(directory(path, depth));
    }

    private static String directory(String path, int depth) {
        int end = path.lastIndexOf('/');
        if (end <= 0) return "/";
        int cut = end;
        int seen = 0;
        for (int i = 1; i <= end; i++) {
            if (i == end || path.charAt(i) == '/') {
                if (++seen == depth) {
                    cut = i;
                    break;
                }
            }
        }
        return path.substring(0, cut);
    }

    /**
     * Replaces each run of digits (three or more) and each run of hex digits and dashes of eight
     * or more that holds a digit by N. Returns {@code dir} itself when there is none.
     */
    static String generalise(String dir) {
        StringBuilder sb = null;
        int i = 0;
        int n = dir.length();
        while (i < n) {
            int j = i;
            boolean digit = false;
            boolean allDigits = true;
            while (j < n && isHexOrDash(dir.charAt(j))) {
                char c = dir.charAt(j);
                digit |= Character.isDigit(c);
                allDigits &= Character.isDigit(c);
                j++;
            }
            int len = j - i;
            boolean random = digit && ((allDigits && len >= 3) || len >= 8);
            if (random) {
                if (sb == null) sb = new StringBuilder(dir.substring(0, i));
                sb.append('N');
            } else if (sb != null) {
                sb.append(dir, i, Math.max(j, i + 1));
            }
            i = Math.max(j, i + 1);
        }
        return sb == null ? dir : sb.toString();
    }

    private static boolean isHexOrDash(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-';
    }

    /** "45 s", "12 min", "2.5 h", "3 d". */
    static String duration(long ns) {
        Duration d = Duration.ofNanos(Math.max(0, ns));
        long s = d.toSeconds();
        if (s < 120) return s + " s";
        if (s < 7200) return (s / 60) + " min";
        if (s < 172800) return String.format("%.1f h", s / 3600.0).replace(".0 ", " ");
        return (s / 86400) + " d";
    }
}
