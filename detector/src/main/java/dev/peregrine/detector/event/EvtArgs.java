package dev.peregrine.detector.event;

import java.util.Map;

/**
 * {@code evt.args} as libsinsp prints it: every argument as {@code name=value }, and where
 * libsinsp resolves the value, {@code name=value(resolved) }: an fd with its type and name
 * ({@code fd=3(<f>/etc/shadow)}), {@code dirfd=-100(AT_FDCWD)}, an error result
 * ({@code res=-2(ENOENT)}), a socket family ({@code domain=17(AF_PACKET)}) and open flags with
 * the number the driver sends ({@code flags=4097(O_RDONLY|O_CLOEXEC)}). Like libsinsp, each pair
 * ends with a blank. Events carry resolved values (what {@code evt.arg.NAME} gives), so the raw
 * numbers are recovered from them here; this runs only when an output asks for evt.args.
 */
public final class EvtArgs {
    private EvtArgs() {}

    private static final long AT_FDCWD = -100;

    /** Falco's (the driver's PPM_O_*) open flag bits, by name. */
    private static final Map<String, Long> OPEN_FLAG_BITS = Map.ofEntries(
            Map.entry("O_RDONLY", 1L),
            Map.entry("O_WRONLY", 2L),
            Map.entry("O_RDWR", 3L),
            Map.entry("O_CREAT", 1L << 2),
            Map.entry("O_APPEND", 1L << 3),
            Map.entry("O_DSYNC", 1L << 4),
            Map.entry("O_EXCL", 1L << 5),
            Map.entry("O_NONBLOCK", 1L << 6),
            Map.entry("O_SYNC", 1L << 7),
            Map.entry("O_TRUNC", 1L << 8),
            Map.entry("O_DIRECT", 1L << 9),
            Map.entry("O_DIRECTORY", 1L << 10),
            Map.entry("O_LARGEFILE", 1L << 11),
            Map.entry("O_CLOEXEC", 1L << 12),
            Map.entry("O_TMPFILE", 1L << 13),
            Map.entry("O_F_CREATED", 1L << 14));

    private static final Map<String, Long> SOCKET_FAMILIES = Map.ofEntries(
            Map.entry("AF_UNSPEC", 0L),
            Map.entry("AF_UNIX", 1L),
            Map.entry("AF_LOCAL", 1L),
            Map.entry("AF_INET", 2L),
            Map.entry("AF_AX25", 3L),
            Map.entry("AF_IPX", 4L),
            Map.entry("AF_APPLETALK", 5L),
            Map.entry("AF_NETROM", 6L),
            Map.entry("AF_BRIDGE", 7L),
            Map.entry("AF_ATMPVC", 8L),
            Map.entry("AF_X25", 9L),
            Map.entry("AF_INET6", 10L),
            Map.entry("AF_ROSE", 11L),
            Map.entry("AF_DECnet", 12L),
            Map.entry("AF_NETBEUI", 13L),
            Map.entry("AF_SECURITY", 14L),
            Map.entry("AF_KEY", 15L),
            Map.entry("AF_NETLINK", 16L),
            Map.entry("AF_ROUTE", 16L),
            Map.entry("AF_PACKET", 17L),
            Map.entry("AF_ASH", 18L),
            Map.entry("AF_ECONET", 19L),
            Map.entry("AF_ATMSVC", 20L),
            Map.entry("AF_RDS", 21L),
            Map.entry("AF_SNA", 22L),
            Map.entry("AF_IRDA", 23L),
            Map.entry("AF_PPPOX", 24L),
            Map.entry("AF_WANPIPE", 25L),
            Map.entry("AF_LLC", 26L),
            Map.entry("AF_CAN", 29L),
            Map.entry("AF_TIPC", 30L),
            Map.entry("AF_BLUETOOTH", 31L),
            Map.entry("AF_IUCV", 32L),
            Map.entry("AF_RXRPC", 33L),
            Map.entry("AF_ISDN", 34L),
            Map.entry("AF_PHONET", 35L),
            Map.entry("AF_IEEE802154", 36L),
            Map.entry("AF_CAIF", 37L),
            Map.entry("AF_ALG", 38L),
            Map.entry("AF_NFC", 39L));

    public static String render(Event e) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < e.argCount(); i++) {
            String name = e.argName(i);
            String value = e.arg(i);
            sb.append(name).append('=');
            appendValue(sb, e, name, value == null ? "NULL" : value);
            sb.append(' ');
        }
        return sb.toString();
    }

    private static void appendValue(StringBuilder sb, Event e, String name, String value) {
        boolean open = e.type != null && e.type.startsWith("open");
        switch (name) {
            case "fd", "res" -> fd(sb, e, name, value);
            case "dirfd", "olddirfd", "newdirfd", "linkdirfd", "olddir", "newdir" -> {
                Long n = number(value);
                sb.append(value);
                if (n != null && n == AT_FDCWD) sb.append("(AT_FDCWD)");
            }
            case "domain" -> enumValue(sb, value, SOCKET_FAMILIES);
            case "data" -> printable(sb, value);
            case "flags" -> {
                if (open) {
                    flags(sb, value, OPEN_FLAG_BITS);
                } else {
                    sb.append(value);
                }
            }
            default -> sb.append(value);
        }
    }

    /**
     * PT_FD and PT_ERRNO values: the number, then the fd's type character(s) and name when the
     * event's fd is that fd, or the error name for a negative value.
     */
    private static void fd(StringBuilder sb, Event e, String name, String value) {
        Long n = number(value);
        sb.append(value);
        if (n == null) return;
        if (n < 0) {
            String err = Errno.name(n);
            if (err != null) sb.append('(').append(err).append(')');
            return;
        }
        // A "res" that is not an fd (mkdir, rename, ...) stays a plain number.
        FdInfo fd = e.fd;
        if (fd == null || fd.num != n || fd.name == null || (name.equals("res") && !fdResult(e))) return;
        sb.append("(<").append(fd.typechar == null ? "" : fd.typechar);
        if (fd.isSocket() && fd.l4proto != null) {
            switch (fd.l4proto) {
                case "tcp" -> sb.append('t');
                case "udp" -> sb.append('u');
                case "icmp" -> sb.append('i');
                case "raw" -> sb.append('r');
                default -> {}
            }
        }
        sb.append('>').append(fd.name).append(')');
    }

    /** Syscalls whose result is a new fd but whose event names it "res" (dup family). */
    private static boolean fdResult(Event e) {
        return e.type != null && e.type.startsWith("dup");
    }

    /** A data buffer (one char per byte) as libsinsp prints one: printable ASCII kept, other bytes as '.'. */
    private static void printable(StringBuilder sb, String bytes) {
        for (int i = 0; i < bytes.length(); i++) {
            char c = bytes.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '.');
        }
    }

    private static void enumValue(StringBuilder sb, String value, Map<String, Long> names) {
        Long n = names.get(value);
        if (n == null) {
            sb.append(value);
        } else {
            sb.append(n).append('(').append(value).append(')');
        }
    }

    private static void flags(StringBuilder sb, String value, Map<String, Long> bits) {
        long sum = 0;
        for (String f : value.split("\\|")) {
            Long b = bits.get(f);
            if (b == null) {
                // Not a name Falco knows: keep what the event says.
                sb.append(value);
                return;
            }
            sum |= b;
        }
        sb.append(sum).append('(').append(value).append(')');
    }

    private static Long number(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException ex) {
            return null;
        }
    }
}
