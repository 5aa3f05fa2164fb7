package dev.peregrine.detector.capture;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * x86_64 syscall numbers of the event types the detector understands, by Falco's event type
 * name. The numbers are kernel ABI and never change.
 */
public final class Syscalls {
    private static final Map<String, Integer> BY_NAME = new HashMap<>();
    private static final String[] BY_NUMBER = new String[512];

    static {
        String table = "2 open;3 close;22 pipe;32 dup;33 dup2;41 socket;42 connect;43 accept;44 sendto;45 recvfrom;"
                + "46 sendmsg;47 recvmsg;49 bind;50 listen;53 socketpair;56 clone;57 fork;58 vfork;59 execve;62 kill;"
                + "72 fcntl;80 chdir;81 fchdir;82 rename;83 mkdir;84 rmdir;85 creat;86 link;87 unlink;88 symlink;"
                + "90 chmod;91 fchmod;101 ptrace;105 setuid;106 setgid;109 setpgid;112 setsid;117 setresuid;"
                + "119 setresgid;126 capset;157 prctl;161 chroot;165 mount;166 umount2;175 init_module;257 openat;"
                + "258 mkdirat;263 unlinkat;264 renameat;265 linkat;266 symlinkat;268 fchmodat;272 unshare;"
                + "288 accept4;292 dup3;293 pipe2;308 setns;313 finit_module;316 renameat2;319 memfd_create;321 bpf;"
                + "322 execveat;323 userfaultfd;435 clone3;436 close_range;437 openat2";
        for (String entry : table.split(";")) {
            String[] p = entry.split(" ");
            int nr = Integer.parseInt(p[0]);
            BY_NAME.put(p[1], nr);
            BY_NUMBER[nr] = p[1];
        }
    }

    /**
     * Syscalls captured whatever the rules ask for, because the process and fd tables need them
     * to stay right (Falco's "base syscalls").
     */
    public static final Set<String> STATE = Set.of(
            "open",
            "openat",
            "openat2",
            "creat",
            "close",
            "close_range",
            "dup",
            "dup2",
            "dup3",
            "fcntl",
            "pipe",
            "pipe2",
            "socket",
            "socketpair",
            "connect",
            "accept",
            "accept4",
            "bind",
            "listen",
            "chdir",
            "fchdir",
            "setuid",
            "setgid",
            "setresuid",
            "setresgid",
            "capset",
            "setsid",
            "setpgid",
            "prctl",
            "memfd_create",
            "execve",
            "execveat");

    private Syscalls() {}

    /** The syscall number, or -1 for a type this capture does not know. */
    public static int number(String name) {
        return BY_NAME.getOrDefault(name, -1);
    }

    /** Falco's event type name for a syscall number, or null. */
    public static String name(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    public static Set<String> known() {
        return Collections.unmodifiableSet(new TreeSet<>(BY_NAME.keySet()));
    }
}
