package dev.peregrine.detector.state;

import dev.peregrine.detector.event.FdInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
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
                    default -> { }
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
    void readFds(long pid, LongMap<FdInfo> into) {
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

    /** The kernel shows close-on-exec as O_CLOEXEC in the octal "flags:" line of /proc/PID/fdinfo/N. */
    private static boolean cloexec(Path fdinfo) {
        String text = text(fdinfo);
        int at = text == null ? -1 : text.indexOf("flags:");
        if (at < 0) {
            return false;
        }
        int end = text.indexOf('\n', at);
        try {
            return (Long.parseLong(text.substring(at + 6, end < 0 ? text.length() : end).trim(), 8) & 02000000) != 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Root of the process's mount namespace and its overlay upper dir, for exe upper-layer checks. */
    String overlayUpperDir(long pid) {
        String mountinfo = text(proc.resolve(pid + "/mountinfo"));
        if (mountinfo == null) {
            return null;
        }
        for (String line : mountinfo.split("\n")) {
            String[] parts = line.split(" - ", 2);
            String[] pre = parts[0].split(" ");
            if (parts.length == 2 && pre.length > 4 && pre[4].equals("/") && parts[1].startsWith("overlay ")) {
                for (String opt : parts[1].split(" ")[2].split(",")) {
                    if (opt.startsWith("upperdir=")) {
                        return opt.substring(9);
                    }
                }
            }
        }
        return null;
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
