package dev.peregrine.detector.event;

/**
 * The file descriptor the syscall used or returned. For a connection's socket the tuple is stored
 * as client/server; {@code role} says which side this process is, which gives local/remote. A
 * server socket ({@link #serverSocket}) has the server end alone.
 */
public final class FdInfo {
    /**
     * The end of a connection this process holds, as libsinsp keeps it: decided by accept, listen
     * or bind to a port (server) and connect (client); a socket seen only by socket(), a bind to
     * port 0 or /proc has none yet.
     */
    public enum Role {
        NONE,
        CLIENT,
        SERVER
    }

    public final long num;
    /** Falco's fd.type names: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, timerfd, netlink, memfd, ... */
    public final String type;

    public final String typechar;
    public final String name;
    public final String nameraw;
    /** fd.directory and fd.filename, cut from the name when first read: few events are asked for them. */
    private NameParts parts;

    public final String l4proto;
    public final String cip, sip;
    public final long cport, sport;
    public final String cipName, sipName;
    public final Role role;
    /** {@code role == SERVER}: the local end is the server's. Read by every local/remote field. */
    public final boolean server;
    /**
     * libsinsp's server socket (SCAP_FD_IPV4_SERVSOCK, SCAP_FD_IPV6_SERVSOCK): a socket bound to
     * an address and port, not (yet) one end of a connection. It has the server end alone (fd.sip,
     * fd.sport), is named {@code ip:port}, and has no client, local or remote end.
     */
    public final boolean serverSocket;

    public final boolean connected;
    public final boolean nameChanged;
    /** Close-on-exec (O_CLOEXEC, FD_CLOEXEC, SOCK_CLOEXEC, ...): a successful exec closes the fd. */
    public final boolean cloexec;
    /** IPv4 addresses as unsigned ints for network-mask checks; -1 when not IPv4. */
    public final long cipV4, sipV4;
    /** IPv6 addresses as high/low 64 bits for network-mask checks; meaningful when {@code cipV6}/{@code sipV6}. */
    public final boolean cipV6, sipV6;

    public final long cipV6Hi, cipV6Lo, sipV6Hi, sipV6Lo;

    private FdInfo(Builder b) {
        num = b.num;
        type = b.type;
        typechar = typeChar(b.type);
        l4proto = b.l4proto;
        cip = b.cip;
        sip = b.sip;
        cport = b.cport;
        sport = b.sport;
        cipName = b.cipName;
        sipName = b.sipName;
        role = b.role;
        server = b.role == Role.SERVER;
        serverSocket = b.serverSocket;
        connected = b.connected;
        nameChanged = b.nameChanged;
        cloexec = b.cloexec;
        cipV4 = Ipv4.parse(cip);
        sipV4 = Ipv4.parse(sip);
        cipV6 = cipV4 < 0 && Ipv6.isValid(cip);
        sipV6 = sipV4 < 0 && Ipv6.isValid(sip);
        cipV6Hi = cipV6 ? Ipv6.high(cip) : 0;
        cipV6Lo = cipV6 ? Ipv6.low(cip) : 0;
        sipV6Hi = sipV6 ? Ipv6.high(sip) : 0;
        sipV6Lo = sipV6 ? Ipv6.low(sip) : 0;
        String n = b.name;
        if (n == null && isSocket() && cip != null && sip != null) {
            n = cip + ":" + cport + "->" + sip + ":" + sport;
        }
        name = n;
        nameraw = b.nameraw != null ? b.nameraw : n;
    }

    /** A file or directory opened by path: what {@link #builder()} makes of num, type, name, nameraw and cloexec alone. */
    private FdInfo(long num, boolean directory, String name, String nameraw, boolean cloexec) {
        this.num = num;
        type = directory ? "directory" : "file";
        typechar = directory ? "d" : "f";
        this.name = name;
        this.nameraw = nameraw != null ? nameraw : name;
        l4proto = null;
        cip = sip = cipName = sipName = null;
        cport = sport = Event.NONE;
        role = Role.NONE;
        server = serverSocket = connected = nameChanged = false;
        this.cloexec = cloexec;
        cipV4 = sipV4 = -1;
        cipV6 = sipV6 = false;
        cipV6Hi = cipV6Lo = sipV6Hi = sipV6Lo = 0;
    }

    private FdInfo(FdInfo o, long num, boolean cloexec) {
        this.num = num;
        this.cloexec = cloexec;
        type = o.type;
        typechar = o.typechar;
        name = o.name;
        nameraw = o.nameraw;
        parts = o.parts;
        l4proto = o.l4proto;
        cip = o.cip;
        sip = o.sip;
        cport = o.cport;
        sport = o.sport;
        cipName = o.cipName;
        sipName = o.sipName;
        role = o.role;
        server = o.server;
        serverSocket = o.serverSocket;
        connected = o.connected;
        nameChanged = o.nameChanged;
        cipV4 = o.cipV4;
        sipV4 = o.sipV4;
        cipV6 = o.cipV6;
        sipV6 = o.sipV6;
        cipV6Hi = o.cipV6Hi;
        cipV6Lo = o.cipV6Lo;
        sipV6Hi = o.sipV6Hi;
        sipV6Lo = o.sipV6Lo;
    }

    /** The same open file under another fd number or close-on-exec flag, as dup and fcntl(F_SETFD) make it. */
    public FdInfo copy(long num, boolean cloexec) {
        return num == this.num && cloexec == this.cloexec ? this : new FdInfo(this, num, cloexec);
    }

    /**
     * The fd of a file or directory opened by path, made on every open: without the builder and
     * the address parsing a socket needs.
     */
    public static FdInfo file(long num, boolean directory, String name, String nameraw, boolean cloexec) {
        return new FdInfo(num, directory, name, nameraw, cloexec);
    }

    public static FdInfo file(long num, boolean directory, String name, String nameraw) {
        return file(num, directory, name, nameraw, false);
    }

    /** fd.directory: a directory's own name, a file's name up to its last slash; null for other fds. */
    public String directory() {
        return parts().directory();
    }

    /** fd.filename: a file's name after its last slash; null for directories and other fds. */
    public String filename() {
        return parts().filename();
    }

    // Final fields: a thread that sees the reference sees the values, so the lazy cut needs no lock.
    private record NameParts(String directory, String filename) {}

    private NameParts parts() {
        NameParts p = parts;
        if (p == null) {
            String n = name;
            if (n != null && "directory".equals(type)) {
                p = new NameParts(n, null);
            } else if (n != null && "file".equals(type)) {
                int slash = n.lastIndexOf('/');
                p = new NameParts(
                        slash < 0 ? null : (slash == 0 ? "/" : n.substring(0, slash)),
                        slash < 0 ? n : n.substring(slash + 1));
            } else {
                p = new NameParts(null, null);
            }
            parts = p;
        }
        return p;
    }

    public boolean isSocket() {
        return "ipv4".equals(type) || "ipv6".equals(type);
    }

    public String sockfamily() {
        if (isSocket()) return "ip";
        if ("unix".equals(type)) return "unix";
        return null;
    }

    static String typeChar(String type) {
        if (type == null) return null;
        return switch (type) {
            case "file" -> "f";
            case "directory" -> "d";
            case "ipv4" -> "4";
            case "ipv6" -> "6";
            case "unix" -> "u";
            case "pipe" -> "p";
            case "event" -> "e";
            case "signalfd" -> "s";
            case "eventpoll" -> "l";
            case "inotify" -> "i";
            case "timerfd" -> "t";
            case "netlink" -> "n";
            case "bpf" -> "b";
            case "userfaultfd" -> "u";
            case "io_uring" -> "r";
            case "memfd" -> "m";
            default -> "o";
        };
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        long num = Event.NONE;
        String type, name, nameraw, l4proto, cip, sip, cipName, sipName;
        long cport = Event.NONE, sport = Event.NONE;
        Role role = Role.NONE;
        boolean serverSocket, connected, nameChanged, cloexec;

        public Builder num(long v) {
            num = v;
            return this;
        }

        public Builder type(String v) {
            type = v;
            return this;
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder nameraw(String v) {
            nameraw = v;
            return this;
        }

        public Builder l4proto(String v) {
            l4proto = v;
            return this;
        }

        public Builder client(String ip, long port) {
            cip = ip;
            cport = port;
            return this;
        }

        public Builder server(String ip, long port) {
            sip = ip;
            sport = port;
            return this;
        }

        public Builder cipName(String v) {
            cipName = v;
            return this;
        }

        public Builder sipName(String v) {
            sipName = v;
            return this;
        }

        public Builder role(Role v) {
            role = v;
            return this;
        }
        /** A server socket (see {@link FdInfo#serverSocket}): give it its name, server end and the SERVER role too. */
        public Builder serverSocket(boolean v) {
            serverSocket = v;
            return this;
        }

        public Builder connected(boolean v) {
            connected = v;
            return this;
        }

        public Builder nameChanged(boolean v) {
            nameChanged = v;
            return this;
        }

        public Builder cloexec(boolean v) {
            cloexec = v;
            return this;
        }

        public FdInfo build() {
            return new FdInfo(this);
        }
    }
}
