package dev.peregrine.detector.syscall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.CHelper;
import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.capture.Syscalls;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.field.FieldCatalogue;
import dev.peregrine.detector.process.Proc;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tables fed by the real capture, as the live detection feeds them: a helper program
 * ({@code fds.c}, built by {@link CHelper}) makes real syscalls, and its records go through the
 * syscall parsers ({@link SyscallEvents}); the tables must then say what the kernel says. Needs root, as CI has.
 */
@Needs(Need.BPF)
class KernelTablesTest {
    static final Path SOURCE = Path.of("src/test/resources/syscall/fds.c");
    static Capture capture;
    static Path helper;

    @TempDir
    static Path dir;

    @BeforeAll
    static void load() throws Exception {
        helper = CHelper.compile(SOURCE, dir);
        capture = Capture.open();
        // What the live detection always captures, and the data calls whose sockets are checked.
        Set<Integer> syscalls = Stream.concat(
                        Syscalls.STATE.stream(), Stream.of("sendto", "recvfrom", "sendmsg", "recvmsg"))
                .map(Syscalls::number)
                .collect(Collectors.toSet());
        capture.select(syscalls, true);
        capture.ignoreProcess(ProcessHandle.current().pid());
        capture.attach();
    }

    @AfterAll
    static void unload() {
        if (capture != null) {
            capture.close();
        }
    }

    /** One run of the helper, its records fed to a factory of its own over the real /proc. */
    static final class Run implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final ProcessTable table = new ProcessTable(100_000);
        final SyscallEvents factory = new SyscallEvents(
                table, new Users(), (cgroup, leaf, pid) -> ContainerInfo.HOST, capture.bootToEpochOffset());
        final List<Event> events = new ArrayList<>();
        /** Fed the same records as {@link #factory} once {@link #seedSecondTable} has read the process from /proc. */
        ProcessTable seeded;

        SyscallEvents seededFactory;

        Run(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(helper.toString()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        /** The helper's next output line as name=value words. */
        Map<String, String> line() throws Exception {
            String line = out.readLine();
            assertThat(line).as("a line from the helper").isNotNull();
            Map<String, String> words = new HashMap<>();
            for (String w : line.split(" ")) {
                String[] kv = w.split("=", 2);
                words.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
            return words;
        }

        /** Feeds the helper's records to the factory, keeping its events, up to the first record that matches. */
        void feedUntil(Predicate<RawEvent> last) {
            Instant deadline =
                    Instant.now().plusSeconds(60); // a hang guard: the capture sees the whole host, busy or not
            boolean[] done = {false};
            while (!done[0]) {
                assertThat(Instant.now()).as("the helper's records within 60 s").isBefore(deadline);
                capture.pollInPlace(50, r -> {
                    if (done[0] || r.pid != process.pid()) {
                        return;
                    }
                    Event e = factory.toEvent(r);
                    if (e != null) {
                        events.add(e.snapshot());
                    }
                    if (seededFactory != null) {
                        seededFactory.toEvent(r);
                    }
                    done[0] = last.test(r);
                });
            }
        }

        /** A table that knows the process from /proc only, as if the detector had started now. */
        void seedSecondTable() {
            seeded = new ProcessTable(100_000);
            seededFactory = new SyscallEvents(
                    seeded, new Users(), (cgroup, leaf, pid) -> ContainerInfo.HOST, capture.bootToEpochOffset());
            assertThat(seeded.get(process.pid())).as("the helper in /proc").isNotNull();
        }

        void send(String line) throws Exception {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        Event event(String type, long fd) {
            return events.stream()
                    .filter(e -> e.type.equals(type) && e.fd != null && e.fd.num == fd)
                    .findFirst()
                    .orElseThrow(() ->
                            new AssertionError("no " + type + " on fd " + fd + " in " + events.size() + " events"));
        }

        /** The last such event: a listener's bind, after the probe's on the same fd number. */
        Event last(String type, long fd) {
            return events.stream()
                    .filter(e -> e.type.equals(type) && e.fd != null && e.fd.num == fd)
                    .reduce((a, b) -> b)
                    .orElseThrow(() ->
                            new AssertionError("no " + type + " on fd " + fd + " in " + events.size() + " events"));
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            process.waitFor();
        }
    }

    static List<Long> numbers(String csv) {
        return Stream.of(csv.split(",")).map(Long::parseLong).toList();
    }

    /** Which of these fds the process has open, as the kernel says. */
    static List<Long> openInKernel(long pid, List<Long> fds) {
        return fds.stream()
                .filter(fd -> Files.exists(Path.of("/proc/" + pid + "/fd/" + fd), LinkOption.NOFOLLOW_LINKS))
                .toList();
    }

    /** Which of these fds the table has for the process. */
    static List<Long> openInTable(ProcessTable table, long pid, List<Long> fds) {
        Proc p = table.get(pid);
        assertThat(p).as("process %d in the table", pid).isNotNull();
        return fds.stream().filter(fd -> p.fds().get(fd) != null).toList();
    }

    /**
     * A successful exec closes the fds marked close-on-exec, however they were marked (open,
     * fcntl, dup3, socket, pipe2, memfd_create, accept4 flags, close_range): the table drops the
     * same ones, both when it followed the process from its start and when it read it from /proc
     * (fdinfo flags). close_range without the flag closes at once.
     */
    @Test
    void aSuccessfulExecDropsTheCloseOnExecFdsAsTheKernelDoes() throws Exception {
        try (Run run = new Run("cloexec", "/etc/hostname")) {
            Map<String, String> fds = run.line();
            List<Long> keep = numbers(fds.get("keep"));
            List<Long> drop = numbers(fds.get("drop"));
            List<Long> closed = numbers(fds.get("closed"));
            List<Long> all = Stream.concat(keep.stream(), drop.stream()).toList();
            long pid = run.process.pid();
            run.feedUntil(r -> r.type == Syscalls.number("close") && (int) r.arg(0) == -1);
            assertThat(openInKernel(pid, closed)).isEmpty();
            assertThat(openInTable(run.table, pid, closed))
                    .as("closed by close_range")
                    .isEmpty();
            assertThat(openInTable(run.table, pid, all))
                    .as("before exec, followed from the start")
                    .isEqualTo(all);
            run.seedSecondTable();
            assertThat(openInTable(run.seeded, pid, all))
                    .as("before exec, read from /proc")
                    .isEqualTo(all);
            assertThat(all)
                    .allMatch(
                            fd -> run.seeded.get(pid).fds().get(fd).cloexec == drop.contains(fd),
                            "close-on-exec read from /proc/PID/fdinfo");

            run.send("go");
            assertThat(run.out.readLine()).isEqualTo("ready");
            run.feedUntil(r -> r.type == RawEvent.PROC_EXEC && r.strings(1).contains("wait"));

            assertThat(openInKernel(pid, all))
                    .as("the kernel's view after exec")
                    .isEqualTo(keep);
            assertThat(openInTable(run.table, pid, all))
                    .as("after exec, followed from the start")
                    .isEqualTo(keep);
            assertThat(openInTable(run.seeded, pid, all))
                    .as("after exec, read from /proc")
                    .isEqualTo(keep);
            assertThat(run.events).anyMatch(e -> e.type.equals("execve") && e.rawres == -2);
        }
    }

    static void assertEnds(Event e, FdInfo.Role role, long clientPort, long serverPort) {
        assertThat(e.fd.role).as("role of %s", e.type).isEqualTo(role);
        assertThat(e.fd.cport).as("client port of %s", e.type).isEqualTo(clientPort);
        assertThat(e.fd.sport).as("server port of %s", e.type).isEqualTo(serverPort);
        assertThat(e.fd.cip).isEqualTo("127.0.0.1");
        assertThat(e.fd.sip).isEqualTo("127.0.0.1");
    }

    static String field(Event e, String name) {
        return FieldCatalogue.standard().resolve(name, null).display(e);
    }

    /** libsinsp's server socket: named ip:port, the server end alone. */
    static void assertServerSocket(Event e, String name, String typechar, String sip, long sport) {
        assertThat(e.fd.serverSocket).as("server socket after %s", e.type).isTrue();
        assertThat(e.fd.name).as("fd.name after %s", e.type).isEqualTo(name);
        assertThat(field(e, "fd.typechar")).as("fd.typechar after %s", e.type).isEqualTo(typechar);
        assertThat(field(e, "fd.type")).isEqualTo(typechar.equals("6") ? "ipv6" : "ipv4");
        assertThat(field(e, "fd.sip")).isEqualTo(sip);
        assertThat(field(e, "fd.sport")).isEqualTo(Long.toString(sport));
        assertThat(field(e, "fd.cip")).isNull();
        assertThat(field(e, "fd.cport")).isNull();
        assertThat(field(e, "fd.l4proto")).isEqualTo("tcp");
        assertThat(e.fd.role).isEqualTo(FdInfo.Role.SERVER);
    }

    /**
     * Real listeners on 127.0.0.1, ::1 and a unix path: bind makes each a server socket named after
     * its address (the unix one after its path), listen keeps the name, and the socket accept
     * returns is a connection named client->server.
     */
    @Test
    void boundAndListeningSocketsAreServerSocketsAndAcceptedOnesConnections() throws Exception {
        Path path = dir.resolve("srv.sock");
        try (Run run = new Run("servers", path.toString())) {
            Map<String, String> fds = run.line();
            run.feedUntil(r -> r.type == RawEvent.PROC_EXIT);
            long l4 = Long.parseLong(fds.get("l4")), p4 = Long.parseLong(fds.get("p4"));
            long l6 = Long.parseLong(fds.get("l6")), p6 = Long.parseLong(fds.get("p6"));
            assertThat(l4).as("an IPv4 listener").isPositive();
            assertThat(l6).as("an IPv6 listener on ::1").isPositive();

            // the helper first binds a probe to port 0 on the same fd number to find a free port:
            // bind to port 0 names the socket after the address and decides nothing else
            Event probe = run.event("bind", l4);
            assertThat(probe.fd.name).isEqualTo("127.0.0.1:0");
            assertThat(probe.fd.serverSocket).isFalse();
            assertThat(probe.fd.role).isEqualTo(FdInfo.Role.NONE);
            Event bind4 = run.last("bind", l4);
            assertServerSocket(bind4, "127.0.0.1:" + p4, "4", "127.0.0.1", p4);
            assertThat(bind4.arg("addr")).isEqualTo("127.0.0.1:" + p4);
            assertServerSocket(run.event("listen", l4), "127.0.0.1:" + p4, "4", "127.0.0.1", p4);
            Event accept4 = run.event("accept4", Long.parseLong(fds.get("a4")));
            assertThat(accept4.fd.serverSocket).isFalse();
            assertThat(accept4.fd.name).isEqualTo("127.0.0.1:" + fds.get("cport4") + "->127.0.0.1:" + p4);
            assertThat(field(accept4, "fd.typechar")).isEqualTo("4");
            assertThat(field(accept4, "fd.lport")).isEqualTo(Long.toString(p4));
            assertThat(field(accept4, "fd.rport")).isEqualTo(fds.get("cport4"));
            assertThat(run.event("connect", Long.parseLong(fds.get("c4"))).fd.name)
                    .isEqualTo(accept4.fd.name);

            assertServerSocket(run.last("bind", l6), "::1:" + p6, "6", "::1", p6);
            assertServerSocket(run.event("listen", l6), "::1:" + p6, "6", "::1", p6);
            Event accept6 = run.event("accept4", Long.parseLong(fds.get("a6")));
            assertThat(accept6.fd.serverSocket).isFalse();
            assertThat(accept6.fd.name).isEqualTo("::1:" + fds.get("cport6") + "->::1:" + p6);
            assertThat(field(accept6, "fd.typechar")).isEqualTo("6");

            long lu = Long.parseLong(fds.get("lu"));
            assertThat(run.event("bind", lu).fd.name).isEqualTo(path.toString());
            assertThat(run.event("bind", lu).arg("addr")).isEqualTo(path.toString());
            assertThat(field(run.event("bind", lu), "fd.typechar")).isEqualTo("u");
            assertThat(run.event("listen", lu).fd.name).isEqualTo(path.toString());
            Event acceptUnix = run.event("accept4", Long.parseLong(fds.get("au")));
            assertThat(field(acceptUnix, "fd.typechar")).isEqualTo("u");
            assertThat(acceptUnix.fd.serverSocket).isFalse();
        }
    }

    /**
     * Sockets already bound when the table is seeded (as when the detector starts): /proc/net
     * shows them bound with no peer, and they are server sockets named as bind would have named
     * them; the connections' sockets are not.
     */
    @Test
    void serverSocketsOpenBeforeTheDetectorStartedAreReadFromProc() throws Exception {
        try (Run run = new Run("listening")) {
            Map<String, String> fds = run.line();
            ProcessTable table = new ProcessTable(100_000);
            table.seed();
            Proc p = table.get(run.process.pid());
            assertThat(p).as("the helper in /proc").isNotNull();
            long p4 = Long.parseLong(fds.get("p4")),
                    p6 = Long.parseLong(fds.get("p6")),
                    pu = Long.parseLong(fds.get("udpport"));
            assertThat(p4).isPositive();
            assertThat(p6).isPositive();

            FdInfo l4 = p.fds().get(Long.parseLong(fds.get("l4")));
            assertThat(l4.serverSocket).isTrue();
            assertThat(l4.name).isEqualTo("127.0.0.1:" + p4);
            assertThat(l4.typechar).isEqualTo("4");
            assertThat(l4.sip).isEqualTo("127.0.0.1");
            assertThat(l4.sport).isEqualTo(p4);
            assertThat(l4.cip).isNull();
            assertThat(l4.l4proto).isEqualTo("tcp");
            assertThat(l4.role).isEqualTo(FdInfo.Role.SERVER);

            FdInfo l6 = p.fds().get(Long.parseLong(fds.get("l6")));
            assertThat(l6.serverSocket).isTrue();
            assertThat(l6.name).isEqualTo("::1:" + p6);
            assertThat(l6.type).isEqualTo("ipv6");
            assertThat(l6.typechar).isEqualTo("6");
            assertThat(l6.sip).isEqualTo("::1");
            assertThat(l6.sport).isEqualTo(p6);

            FdInfo udp = p.fds().get(Long.parseLong(fds.get("udp")));
            assertThat(udp.serverSocket).isTrue();
            assertThat(udp.name).isEqualTo("127.0.0.1:" + pu);
            assertThat(udp.l4proto).isEqualTo("udp");

            for (String conn : new String[] {"c4", "a4", "c6", "a6"}) {
                FdInfo f = p.fds().get(Long.parseLong(fds.get(conn)));
                assertThat(f).as(conn).isNotNull();
                assertThat(f.serverSocket)
                        .as("%s, one end of a connection", conn)
                        .isFalse();
            }
        }
    }

    @Test
    void socketsKeepTheRoleTheirConnectionGaveThemThroughSendsAndReceives() throws Exception {
        try (Run run = new Run("sockets")) {
            Map<String, String> fds = run.line();
            run.feedUntil(r -> r.type == RawEvent.PROC_EXIT);
            long accepted = Long.parseLong(fds.get("accepted"));
            long client = Long.parseLong(fds.get("client"));
            long sport = Long.parseLong(fds.get("sport"));
            long cport = Long.parseLong(fds.get("cport"));

            assertEnds(run.event("accept4", accepted), FdInfo.Role.SERVER, cport, sport);
            assertEnds(run.event("recvfrom", accepted), FdInfo.Role.SERVER, cport, sport);
            assertEnds(run.event("sendmsg", accepted), FdInfo.Role.SERVER, cport, sport);
            assertEnds(run.event("sendto", client), FdInfo.Role.CLIENT, cport, sport);
            assertEnds(run.event("recvmsg", client), FdInfo.Role.CLIENT, cport, sport);
            assertThat(run.event("recvfrom", accepted).arg("tuple"))
                    .isEqualTo("127.0.0.1:" + cport + "->127.0.0.1:" + sport);
            assertThat(run.event("sendmsg", accepted).arg("tuple"))
                    .isEqualTo("127.0.0.1:" + sport + "->127.0.0.1:" + cport);

            // UDP sockets have no connection: the bound one received first, the other sent first.
            Event received = run.event("recvfrom", Long.parseLong(fds.get("udpserver")));
            assertThat(received.fd.role).isEqualTo(FdInfo.Role.SERVER);
            assertThat(received.fd.sport).isEqualTo(Long.parseLong(fds.get("udpsport")));
            Event sent = run.event("sendto", Long.parseLong(fds.get("udpclient")));
            assertThat(sent.fd.role).isEqualTo(FdInfo.Role.CLIENT);
            assertThat(sent.fd.cport).isEqualTo(Long.parseLong(fds.get("udpcport")));
            assertThat(sent.fd.l4proto).isEqualTo("udp");
        }
    }
}
