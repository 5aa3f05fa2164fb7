package dev.peregrine.detector.state;

import java.util.Map;

/** Syscall arguments as Falco prints them (flag names joined by '|', enum names). */
final class ArgFormat {
    private ArgFormat() {}

    private static final long[] OPEN_BITS = {00100, 00200, 00400, 01000, 02000, 04000, 010000, 020000, 040000,
            0100000, 0200000, 0400000, 01000000, 02000000, 04000000, 010000000, 020000000};
    private static final String[] OPEN_NAMES = {"O_CREAT", "O_EXCL", "O_NOCTTY", "O_TRUNC", "O_APPEND", "O_NONBLOCK",
            "O_DSYNC", "FASYNC", "O_DIRECT", "O_LARGEFILE", "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME", "O_CLOEXEC",
            "O_SYNC", "O_PATH", "O_TMPFILE"};

    static String openFlags(long flags) {
        StringBuilder sb = new StringBuilder(switch ((int) (flags & 3)) {
            case 1 -> "O_WRONLY";
            case 2 -> "O_RDWR";
            default -> "O_RDONLY";
        });
        for (int i = 0; i < OPEN_BITS.length; i++) {
            // O_SYNC and O_TMPFILE include other bits: require all of them
            if ((flags & OPEN_BITS[i]) == OPEN_BITS[i]) {
                sb.append('|').append(OPEN_NAMES[i]);
            }
        }
        return sb.toString();
    }

    private static final String[] MODE_NAMES = {"S_IXOTH", "S_IWOTH", "S_IROTH", "S_IXGRP", "S_IWGRP", "S_IRGRP",
            "S_IXUSR", "S_IWUSR", "S_IRUSR", "S_ISVTX", "S_ISGID", "S_ISUID"};

    static String mode(long mode) {
        StringBuilder sb = new StringBuilder();
        for (int bit = MODE_NAMES.length - 1; bit >= 0; bit--) {
            if ((mode & (1L << bit)) != 0) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(MODE_NAMES[bit]);
            }
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }

    private static final Map<Long, String> PTRACE = Map.ofEntries(Map.entry(0L, "PTRACE_TRACEME"),
            Map.entry(1L, "PTRACE_PEEKTEXT"), Map.entry(2L, "PTRACE_PEEKDATA"), Map.entry(3L, "PTRACE_PEEKUSR"),
            Map.entry(4L, "PTRACE_POKETEXT"), Map.entry(5L, "PTRACE_POKEDATA"), Map.entry(6L, "PTRACE_POKEUSR"),
            Map.entry(7L, "PTRACE_CONT"), Map.entry(8L, "PTRACE_KILL"), Map.entry(9L, "PTRACE_SINGLESTEP"),
            Map.entry(12L, "PTRACE_GETREGS"), Map.entry(13L, "PTRACE_SETREGS"), Map.entry(16L, "PTRACE_ATTACH"),
            Map.entry(17L, "PTRACE_DETACH"), Map.entry(24L, "PTRACE_SYSCALL"), Map.entry(0x4200L, "PTRACE_SETOPTIONS"),
            Map.entry(0x4201L, "PTRACE_GETEVENTMSG"), Map.entry(0x4204L, "PTRACE_GETREGSET"),
            Map.entry(0x4205L, "PTRACE_SETREGSET"), Map.entry(0x4206L, "PTRACE_SEIZE"), Map.entry(0x4207L, "PTRACE_INTERRUPT"));

    static String ptraceRequest(long request) {
        return PTRACE.getOrDefault(request, Long.toString(request));
    }

    static String socketFamily(long domain) {
        return switch ((int) domain) {
            case 1 -> "AF_UNIX";
            case 2 -> "AF_INET";
            case 10 -> "AF_INET6";
            case 16 -> "AF_NETLINK";
            case 17 -> "AF_PACKET";
            default -> Long.toString(domain);
        };
    }

    private static final String[] BPF_CMDS = {"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM",
            "BPF_MAP_DELETE_ELEM", "BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN", "BPF_OBJ_GET",
            "BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN", "BPF_PROG_GET_NEXT_ID", "BPF_MAP_GET_NEXT_ID",
            "BPF_PROG_GET_FD_BY_ID", "BPF_MAP_GET_FD_BY_ID", "BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY",
            "BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD", "BPF_BTF_GET_FD_BY_ID", "BPF_TASK_FD_QUERY",
            "BPF_MAP_LOOKUP_AND_DELETE_ELEM", "BPF_MAP_FREEZE", "BPF_BTF_GET_NEXT_ID", "BPF_MAP_LOOKUP_BATCH",
            "BPF_MAP_LOOKUP_AND_DELETE_BATCH", "BPF_MAP_UPDATE_BATCH", "BPF_MAP_DELETE_BATCH", "BPF_LINK_CREATE"};

    static String bpfCommand(long cmd) {
        return cmd >= 0 && cmd < BPF_CMDS.length ? BPF_CMDS[(int) cmd] : Long.toString(cmd);
    }

    private static final long[] NS_BITS = {0x80L, 0x20000L, 0x2000000L, 0x4000000L, 0x8000000L, 0x10000000L,
            0x20000000L, 0x40000000L};
    private static final String[] NS_NAMES = {"CLONE_NEWTIME", "CLONE_NEWNS", "CLONE_NEWCGROUP", "CLONE_NEWUTS",
            "CLONE_NEWIPC", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWNET"};

    /** unshare/setns namespace flags. */
    static String namespaceFlags(long flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NS_BITS.length; i++) {
            if ((flags & NS_BITS[i]) != 0) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(NS_NAMES[i]);
            }
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }
}
