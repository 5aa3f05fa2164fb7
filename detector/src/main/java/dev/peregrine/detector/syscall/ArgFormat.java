package dev.peregrine.detector.syscall;

import dev.peregrine.detector.event.Event;
import java.util.Locale;
import java.util.Map;

/**
 * Syscall arguments as Falco prints them (flag names joined by '|', enum names), and the
 * {@link Event.Formatter}s the parsers hand to {@link Event#addArg(String, long, Event.Formatter)}:
 * an argument's text is made only when a rule or an output reads it.
 */
final class ArgFormat {
    private ArgFormat() {}

    static final Event.Formatter DECIMAL = Event.DECIMAL;
    static final Event.Formatter OPEN_FLAGS = ArgFormat::openFlags;
    static final Event.Formatter MODE = ArgFormat::mode;
    static final Event.Formatter SOCKET_FAMILY = ArgFormat::socketFamily;
    static final Event.Formatter PTRACE_REQUEST = ArgFormat::ptraceRequest;
    static final Event.Formatter CLONE_FLAGS = ArgFormat::cloneFlags;
    static final Event.Formatter RESOLVE_FLAGS = ArgFormat::resolveFlags;
    static final Event.Formatter UNLINKAT_FLAGS = ArgFormat::unlinkatFlags;
    static final Event.Formatter LINKAT_FLAGS = ArgFormat::linkatFlags;
    static final Event.Formatter RENAMEAT2_FLAGS = ArgFormat::renameat2Flags;
    static final Event.Formatter MEMFD_FLAGS = ArgFormat::memfdFlags;
    static final Event.Formatter FD_FLAGS = ArgFormat::fdFlags;
    // Numbers libs prints in octal (open's mode) or hex (mkdir's mode, ptrace's addr and data, an open's dev): "%#o",
    // "%X".
    static final Event.Formatter OPEN_MODE = v -> v == 0 ? "0" : "0" + Long.toOctalString(v);
    static final Event.Formatter HEX = v -> Long.toHexString(v).toUpperCase(Locale.ROOT);

    // Falco's open flags: the driver's PPM_O_* bits, named in the order of libs' file_flags table,
    // which is the order Falco prints them in (O_TRUNC|O_CREAT|O_WRONLY, not O_WRONLY|O_CREAT|O_TRUNC).
    private static final String[] OPEN_NAMES = {
        "O_LARGEFILE",
        "O_DIRECTORY",
        "O_DIRECT",
        "O_TRUNC",
        "O_SYNC",
        "O_NONBLOCK",
        "O_EXCL",
        "O_DSYNC",
        "O_APPEND",
        "O_CREAT",
        "O_RDWR",
        "O_WRONLY",
        "O_RDONLY",
        "O_CLOEXEC",
        "O_NONE",
        "O_TMPFILE",
        "O_F_CREATED"
    };
    private static final long[] OPEN_PPM = {
        1 << 11, 1 << 10, 1 << 9, 1 << 8, 1 << 7, 1 << 6, 1 << 5, 1 << 4, 1 << 3, 1 << 2, 3, 2, 1, 1 << 12, 0, 1 << 13,
        1 << 14
    };

    /** Kernel open flags to the driver's PPM_O_* bits (flags Falco does not model are dropped). */
    static long openFlagsToPpm(long flags) {
        long res = switch ((int) (flags & 3)) {
            case 1 -> 2;
            case 2 -> 3;
            default -> 1;
        };
        if ((flags & 00100) != 0) res |= 1 << 2; // O_CREAT
        if ((flags & 02000) != 0) res |= 1 << 3; // O_APPEND
        if ((flags & 010000) != 0) res |= 1 << 4; // O_DSYNC
        if ((flags & 00200) != 0) res |= 1 << 5; // O_EXCL
        if ((flags & 04000) != 0) res |= 1 << 6; // O_NONBLOCK
        if ((flags & 04000000) != 0) res |= 1 << 7; // O_SYNC (__O_SYNC; O_SYNC also sets O_DSYNC)
        if ((flags & 01000) != 0) res |= 1 << 8; // O_TRUNC
        if ((flags & 040000) != 0) res |= 1 << 9; // O_DIRECT
        if ((flags & 0200000) != 0) res |= 1 << 10; // O_DIRECTORY
        if ((flags & 0100000) != 0) res |= 1 << 11; // O_LARGEFILE
        if ((flags & 02000000) != 0) res |= 1 << 12; // O_CLOEXEC
        if ((flags & 020000000) != 0) res |= 1 << 13; // __O_TMPFILE
        return res;
    }

    /**
     * Names for PPM bits the way libsinsp resolves a flags argument: walk the table, take every
     * entry whose bits are all still set and clear them; stop at an entry equal to the whole value.
     */
    static String ppmFlagNames(long value, String[] names, long[] bits) {
        StringBuilder sb = new StringBuilder();
        long val = value;
        int i = 0;
        for (; i < names.length && bits[i] != value; i++) {
            if ((bits[i] == 0 && value == 0) || (bits[i] != 0 && val != 0 && (val & bits[i]) == bits[i])) {
                if (!sb.isEmpty()) sb.append('|');
                sb.append(names[i]);
                val &= ~bits[i];
            }
        }
        if (i < names.length) {
            if (!sb.isEmpty()) sb.append('|');
            sb.append(names[i]);
        }
        return sb.toString();
    }

    static String openFlags(long flags) {
        return ppmFlagNames(openFlagsToPpm(flags), OPEN_NAMES, OPEN_PPM);
    }

    // libs' chmod_mode table, whose order is the order Falco prints the names in.
    private static final String[] MODE_NAMES = {
        "S_IXOTH", "S_IWOTH", "S_IROTH", "S_IXGRP", "S_IWGRP", "S_IRGRP", "S_IXUSR", "S_IWUSR", "S_IRUSR", "S_ISVTX",
        "S_ISGID", "S_ISUID"
    };

    /** Permission bits by name, MODE_NAMES[i] being bit i; "0" when none is set. */
    static String mode(long mode) {
        StringBuilder sb = new StringBuilder();
        for (int bit = 0; bit < MODE_NAMES.length; bit++) {
            if ((mode & (1L << bit)) != 0) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(MODE_NAMES[bit]);
            }
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }

    private static final Map<Long, String> PTRACE = Map.ofEntries(
            Map.entry(0L, "PTRACE_TRACEME"),
            Map.entry(1L, "PTRACE_PEEKTEXT"),
            Map.entry(2L, "PTRACE_PEEKDATA"),
            Map.entry(3L, "PTRACE_PEEKUSR"),
            Map.entry(4L, "PTRACE_POKETEXT"),
            Map.entry(5L, "PTRACE_POKEDATA"),
            Map.entry(6L, "PTRACE_POKEUSR"),
            Map.entry(7L, "PTRACE_CONT"),
            Map.entry(8L, "PTRACE_KILL"),
            Map.entry(9L, "PTRACE_SINGLESTEP"),
            Map.entry(12L, "PTRACE_GETREGS"),
            Map.entry(13L, "PTRACE_SETREGS"),
            Map.entry(16L, "PTRACE_ATTACH"),
            Map.entry(17L, "PTRACE_DETACH"),
            Map.entry(24L, "PTRACE_SYSCALL"),
            Map.entry(0x4200L, "PTRACE_SETOPTIONS"),
            Map.entry(0x4201L, "PTRACE_GETEVENTMSG"),
            Map.entry(0x4204L, "PTRACE_GETREGSET"),
            Map.entry(0x4205L, "PTRACE_SETREGSET"),
            Map.entry(0x4206L, "PTRACE_SEIZE"),
            Map.entry(0x4207L, "PTRACE_INTERRUPT"));

    static String ptraceRequest(long request) {
        return PTRACE.getOrDefault(request, Long.toString(request));
    }

    // libs' socket_families table, in its order: libsinsp names a value after the first entry equal to
    // it, so 1 is AF_LOCAL (listed before AF_UNIX) and 16 is AF_ROUTE (before AF_NETLINK), as Falco prints.
    private static final String[] FAMILY_NAMES = {
        "AF_NFC",
        "AF_ALG",
        "AF_CAIF",
        "AF_IEEE802154",
        "AF_PHONET",
        "AF_ISDN",
        "AF_RXRPC",
        "AF_IUCV",
        "AF_BLUETOOTH",
        "AF_TIPC",
        "AF_CAN",
        "AF_LLC",
        "AF_WANPIPE",
        "AF_PPPOX",
        "AF_IRDA",
        "AF_SNA",
        "AF_RDS",
        "AF_ATMSVC",
        "AF_ECONET",
        "AF_ASH",
        "AF_PACKET",
        "AF_ROUTE",
        "AF_NETLINK",
        "AF_KEY",
        "AF_SECURITY",
        "AF_NETBEUI",
        "AF_DECnet",
        "AF_ROSE",
        "AF_INET6",
        "AF_X25",
        "AF_ATMPVC",
        "AF_BRIDGE",
        "AF_NETROM",
        "AF_APPLETALK",
        "AF_IPX",
        "AF_AX25",
        "AF_INET",
        "AF_LOCAL",
        "AF_UNIX",
        "AF_UNSPEC"
    };
    private static final long[] FAMILY_VALUES = {
        39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 16, 15, 14, 13, 12, 11,
        10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0
    };

    static String socketFamily(long domain) {
        for (int i = 0; i < FAMILY_VALUES.length; i++) {
            if (FAMILY_VALUES[i] == domain) return FAMILY_NAMES[i];
        }
        return Long.toString(domain);
    }

    /**
     * Flags as libsinsp names them: each of {@code names[i]} whose kernel {@code bits[i]} are all
     * set, in the order of the libs table the names come from; "0" when none is.
     */
    private static String bitNames(long value, String[] names, long[] bits) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            if ((value & bits[i]) == bits[i]) {
                if (!sb.isEmpty()) {
                    sb.append('|');
                }
                sb.append(names[i]);
            }
        }
        return sb.isEmpty() ? "0" : sb.toString();
    }

    // libs' clone_flags table (unshare's flags, setns's nstype), kernel values; the driver has no
    // CLONE_NEWTIME, and 0x02000000 is CLONE_NEWCGROUP on kernels without CLONE_STOPPED.
    private static final String[] CLONE_NAMES = {
        "CLONE_FILES",
        "CLONE_FS",
        "CLONE_IO",
        "CLONE_NEWIPC",
        "CLONE_NEWNET",
        "CLONE_NEWNS",
        "CLONE_NEWPID",
        "CLONE_NEWUTS",
        "CLONE_PARENT",
        "CLONE_PARENT_SETTID",
        "CLONE_PTRACE",
        "CLONE_SIGHAND",
        "CLONE_SYSVSEM",
        "CLONE_THREAD",
        "CLONE_UNTRACED",
        "CLONE_VM",
        "CLONE_NEWUSER",
        "CLONE_CHILD_CLEARTID",
        "CLONE_CHILD_SETTID",
        "CLONE_SETTLS",
        "CLONE_VFORK",
        "CLONE_NEWCGROUP"
    };
    private static final long[] CLONE_BITS = {
        0x400,
        0x200,
        0x80000000L,
        0x08000000,
        0x40000000,
        0x00020000,
        0x20000000,
        0x04000000,
        0x8000,
        0x00100000,
        0x2000,
        0x800,
        0x40000,
        0x10000,
        0x00800000,
        0x100,
        0x10000000,
        0x00200000,
        0x01000000,
        0x80000,
        0x4000,
        0x02000000
    };

    static String cloneFlags(long flags) {
        return bitNames(flags, CLONE_NAMES, CLONE_BITS);
    }

    // libs' openat2_flags table (struct open_how's resolve), kernel values.
    private static final String[] RESOLVE_NAMES = {
        "RESOLVE_BENEATH",
        "RESOLVE_IN_ROOT",
        "RESOLVE_NO_MAGICLINKS",
        "RESOLVE_NO_SYMLINKS",
        "RESOLVE_NO_XDEV",
        "RESOLVE_CACHED"
    };
    private static final long[] RESOLVE_BITS = {0x08, 0x10, 0x02, 0x04, 0x01, 0x20};

    static String resolveFlags(long resolve) {
        return bitNames(resolve, RESOLVE_NAMES, RESOLVE_BITS);
    }

    static String unlinkatFlags(long flags) {
        return bitNames(flags, new String[] {"AT_REMOVEDIR"}, new long[] {0x200});
    }

    static String linkatFlags(long flags) {
        return bitNames(flags, new String[] {"AT_SYMLINK_FOLLOW", "AT_EMPTY_PATH"}, new long[] {0x400, 0x1000});
    }

    static String renameat2Flags(long flags) {
        return bitNames(
                flags, new String[] {"RENAME_NOREPLACE", "RENAME_EXCHANGE", "RENAME_WHITEOUT"}, new long[] {1, 2, 4});
    }

    static String memfdFlags(long flags) {
        return bitNames(flags, new String[] {"MFD_CLOEXEC", "MFD_ALLOW_SEALING", "MFD_HUGETLB"}, new long[] {1, 2, 4});
    }

    /**
     * dup3's and userfaultfd's flags, named from libs' file_flags like open's; the driver passes
     * only O_NONBLOCK and O_CLOEXEC on, so no access mode is named, and no flag is O_NONE.
     */
    static String fdFlags(long flags) {
        long ppm = ((flags & 04000) != 0 ? 1 << 6 : 0) | ((flags & 02000000) != 0 ? 1 << 12 : 0);
        return ppmFlagNames(ppm, OPEN_NAMES, OPEN_PPM);
    }
}
