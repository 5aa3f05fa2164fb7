package dev.peregrine.detector.process;

import dev.peregrine.detector.event.FdInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what the kernel events cannot tell about processes that existed before the detector
 * started (or whose fork was missed) from /proc. Every read tolerates the process vanishing.
 */
final class ProcFs {
    private static final long CLOCK_TICKS = 100; // USER_HZ, fixed at 100 on Linux
    private final Path proc;
    private final long bootEpochNs;

    ProcFs(Path proc) {
        this.proc = proc;
        this.bootEpochNs = bootTime(proc);
    }

    List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(
                proc, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            ds.forEach(p -> pids.add(Long.parseLong(p.getFileName().toString())));
        } catch (IOException e) {
            // an unreadable /proc leaves the table empty; events fill it
        }
        return pids;
    }

    /** The process from /proc, or null when it is gone or a kernel thread. */
    Proc read(long pid) {
        Path dir = proc.resolve(Long.toString(pid));
        String stat = text(dir.resolve("stat"));
        if (stat == null) {
            return null;
        }
        Proc p = new Proc(pid);
        int close = stat.lastIndexOf(')');
        p.comm = stat.substring(stat.indexOf('(') + 1, close);
        String[] f = stat.substring(close + 2).split(" ");
        // f[0] is field 3 (state): ppid=4, pgrp=5, session=6, tty_nr=7, starttime=22
        p.ppid = Long.parseLong(f[1]);
        p.sid = Long.parseLong(f[3]);
        p.tty = Long.parseLong(f[4]);
        p.startTs = bootEpochNs + Long.parseLong(f[19]) * (1_000_000_000L / CLOCK_TICKS);
        List<String> argv = nulSeparated(bytes(dir.resolve("cmdline")));
        if (argv.isEmpty()) {
            return null; // kernel threads have no command line and make no syscalls of interest
        }
        p.exe = argv.getFirst();
        p.args = argv.subList(1, argv.size());
        p.exepath = link(dir.resolve("exe"));
        if (p.exepath != null && p.exepath.endsWith(" (deleted)")) {
            p.exepath = p.exepath.substring(0, p.exepath.length() - 10);
        }
        p.cwd = link(dir.resolve("cwd"));
        p.env = nulSeparated(bytes(dir.resolve("environ")));
        String status = text(dir.resolve("status"));
        if (status != null) {
            for (String line : status.split("\n")) {
                String[] kv = line.split(":\\s*", 2);
                if (kv.length < 2) {
                    continue;
                }
                String[] v = kv[1].trim().split("\\s+");
                switch (kv[0]) {
                    case "Uid" -> p.uid = Long.parseLong(v[1]);
                    case "Gid" -> p.gid = Long.parseLong(v[1]);
                    case "CapEff" -> p.capEffective = Long.parseUnsignedLong(v[0], 16);
                    case "CapPrm" -> p.capPermitted = Long.parseUnsignedLong(v[0], 16);
                    case "CapInh" -> p.capInheritable = Long.parseUnsignedLong(v[0], 16);
                    case "NSpid" -> p.vpid = Long.parseLong(v[v.length - 1]);
                    case "NSpgid" -> p.vpgid = Long.parseLong(v[v.length - 1]);
                    default -> {}
                }
            }
        }
        String loginuid = text(dir.resolve("loginuid"));
        if (loginuid != null) {
            long l = Long.parseLong(loginuid.trim());
            p.loginuid = l == 4294967295L ? -1 : l;
        }
        return p;
    }

    /**
     * Open fds of a process as far as /proc tells: files with their paths, sockets and pipes by
     * type, and whether each closes on exec.
     */
    void readFds(long pid, FdTable into) {
        readFds(pid, into, null);
    }

    /**
     * As {@link #readFds(long, FdTable)}, and with {@code servers} (a cache by network namespace,
     * for one pass over /proc) also the server sockets: a socket that /proc/PID/net/{tcp,tcp6,udp,udp6}
     * shows bound to a port with no peer (listening, or a bound UDP socket) is a server socket named
     * {@code ip:port}, as libsinsp's /proc scan makes it. Without the cache (a process loaded on
     * the event thread) sockets are typed only: reading the namespace's tables costs too much there.
     */
    void readFds(long pid, FdTable into, Map<String, Map<Long, FdInfo>> servers) {
        Map<Long, FdInfo> bound = null;
        Path fdinfo = proc.resolve(pid + "/fdinfo");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc.resolve(pid + "/fd"))) {
            for (Path fd : ds) {
                long num = Long.parseLong(fd.getFileName().toString());
                String target = link(fd);
                if (target == null) {
                    continue;
                }
                FdInfo.Builder b = FdInfo.builder().num(num).cloexec(cloexec(fdinfo.resolve(Long.toString(num))));
                if (target.startsWith("socket:")) {
                    if (servers != null && bound == null) {
                        bound = servers.computeIfAbsent(netns(pid), ns -> serverSockets(pid));
                    }
                    FdInfo server = bound == null ? null : bound.get(inode(target));
                    if (server != null) {
                        into.put(
                                num,
                                FdInfo.builder()
                                        .num(num)
                                        .type(server.type)
                                        .l4proto(server.l4proto)
                                        .server(server.sip, server.sport)
                                        .name(server.name)
                                        .role(FdInfo.Role.SERVER)
                                        .serverSocket(true)
                                        .cloexec(cloexec(fdinfo.resolve(Long.toString(num))))
                                        .build());
                        continue;
                    }
                    b.type("ipv4"); // refined by the next socket event on it
                } else if (target.startsWith("pipe:")) {
                    b.type("pipe").name(target);
                } else if (target.startsWith("anon_inode:")) {
                    b.type("event").name(target);
                } else if (target.startsWith("/memfd:")) {
                    b.type("memfd").name(target.substring(1));
                } else {
                    b.type(Files.isDirectory(fd) ? "directory" : "file").name(target);
                }
                into.put(num, b.build());
            }
        } catch (IOException | RuntimeException e) {
            // the process exited meanwhile
        }
    }

    /** The process's network namespace ("net:[4026531840]"), or its pid when unreadable (no sharing then). */
    private String netns(long pid) {
        String ns = link(proc.resolve(pid + "/ns/net"));
        return ns == null ? "pid:" + pid : ns;
    }

    /** The inode of a "socket:[12345]" link target; -1 when malformed. */
    private static long inode(String target) {
        try {
            return Long.parseLong(target.substring(target.indexOf('[') + 1, target.length() - 1));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Server sockets of the process's network namespace by inode (see {@link #readFds(long, FdTable, Map)}). */
    Map<Long, FdInfo> serverSockets(long pid) {
        Map<Long, FdInfo> out = new HashMap<>();
        for (String table : new String[] {"tcp", "tcp6", "udp", "udp6"}) {
            String text = text(proc.resolve(pid + "/net/" + table));
            if (text == null) {
                continue;
            }
            String l4 = table.startsWith("tcp") ? "tcp" : "udp";
            for (String line : text.split("\n")) {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                String[] f = line.trim().split("\\s+");
                if (f.length < 10 || !f[0].endsWith(":")) {
                    continue; // the header
                }
                try {
                    int lc = f[1].indexOf(':'), rc = f[2].indexOf(':');
                    byte[] local = procAddress(f[1].substring(0, lc));
                    int lport = Integer.parseInt(f[1].substring(lc + 1), 16);
                    byte[] remote = procAddress(f[2].substring(0, rc));
                    int rport = Integer.parseInt(f[2].substring(rc + 1), 16);
                    if (lport == 0 || rport != 0 || !Arrays.equals(remote, new byte[remote.length])) {
                        continue; // not bound to a port, or connected: named by its next event
                    }
                    Bound a = Bound.of(local, lport);
                    out.put(
                            Long.parseLong(f[9]),
                            FdInfo.builder()
                                    .type(a.v6() ? "ipv6" : "ipv4")
                                    .l4proto(l4)
                                    .server(a.ip(), lport)
                                    .name(a.v6() ? a.name() : a.ip() + ":" + lport)
                                    .build());
                } catch (RuntimeException e) {
                    // a line of another layout: skipped
                }
            }
        }
        return out;
    }

    /**
     * An address of /proc/net/tcp*: IPv4 as one 32-bit word, IPv6 as four, each printed in hex in
     * the host's byte order (little-endian: the bytes of each word reversed).
     */
    static byte[] procAddress(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int w = 0; w < out.length / 4; w++) {
            long v = Long.parseLong(hex.substring(8 * w, 8 * w + 8), 16);
            for (int i = 0; i < 4; i++) {
                out[4 * w + i] = (byte) (v >>> (8 * i));
            }
        }
        return out;
    }

    /** The kernel shows close-on-exec as O_CLOEXEC in the octal "flags:" line of /proc/PID/fdinfo/N. */
    private static boolean cloexec(Path fdinfo) {
        String text = text(fdinfo);
        int at = text == null ? -1 : text.indexOf("flags:");
        if (at < 0) {
            return false;
        }
        int end = text.indexOf('\n', at);
        try {
            return (Long.parseLong(
                                    text.substring(at + 6, end < 0 ? text.length() : end)
                                            .trim(),
                                    8)
                            & 02000000)
                    != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static List<String> nulSeparated(byte[] b) {
        List<String> out = new ArrayList<>();
        if (b == null) {
            return out;
        }
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < b.length) {
            out.add(new String(b, start, b.length - start, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static long bootTime(Path proc) {
        String stat = text(proc.resolve("stat"));
        if (stat != null) {
            for (String line : stat.split("\n")) {
                if (line.startsWith("btime ")) {
                    return Long.parseLong(line.substring(6).trim()) * 1_000_000_000L;
                }
            }
        }
        return 0;
    }

    private static String text(Path p) {
        byte[] b = bytes(p);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
