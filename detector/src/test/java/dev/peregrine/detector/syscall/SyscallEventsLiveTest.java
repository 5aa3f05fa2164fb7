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
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each event type of docs/events.md made by a real syscall (the C helper every_event.c, which
 * makes them all and some twice, succeeding and failing), captured by the real BPF programs and
 * turned into events by {@link SyscallEvents}: type, result and the arguments Falco's rules read.
 * Needs root, as CI has.
 */
@Needs(Need.BPF)
class SyscallEventsLiveTest {
    static final List<Event> events = new ArrayList<>();
    /** Where the helper works: the paths it names are relative to it. */
    static Path dir;

    static int tcpPort, udpPort;
    static long drops;
    /** Whether execveat's entry probe attached (it needs tracefs; without it the fallback is tested). */
    static boolean execveatProbe;

    @BeforeAll
    static void runHelperUnderCapture(@TempDir Path tmp) throws Exception {
        Path build = tmp.toRealPath();
        Path src = build.resolve("every_event.c");
        try (InputStream in = SyscallEventsLiveTest.class.getResourceAsStream("/syscalls/every_event.c")) {
            Files.write(src, in.readAllBytes());
        }
        Path bin = CHelper.compile(src, build);
        dir = Files.createDirectory(build.resolve("work"));

        try (Capture capture = Capture.open()) {
            capture.select(Syscalls.known().stream().map(Syscalls::number).collect(Collectors.toSet()), true);
            capture.ignoreProcess(ProcessHandle.current().pid());
            ProcessTable processes = new ProcessTable(10_000);
            SyscallEvents factory = new SyscallEvents(
                    processes, new Users(), (cgroup, leaf, pid) -> ContainerInfo.HOST, capture.bootToEpochOffset());
            processes.seed();
            capture.attach();
            execveatProbe = !capture.missingPrograms().containsKey(Capture.EXECVEAT_PROGRAM);
            Process helper = new ProcessBuilder(bin.toString(), dir.toString())
                    .redirectErrorStream(true)
                    .start();
            long pid = helper.pid();
            boolean[] exited = {false};
            Instant deadline = Instant.now().plusSeconds(30);
            // Every record goes through the factory, in order, so its tables follow the helper's fds and cwd.
            while (!exited[0] && Instant.now().isBefore(deadline)) {
                capture.pollInPlace(50, r -> {
                    Event e = factory.toEvent(r);
                    // the helper's own events, not those of the JVM's spawn helper before the exec, and its children's
                    boolean ours = (r.pid == pid && !r.comm.startsWith("java") && !r.comm.startsWith("jspawn"))
                            || r.ppid == pid;
                    if (e != null && ours) {
                        events.add(e.snapshot());
                    }
                    exited[0] |= r.type == RawEvent.PROC_EXIT && r.pid == pid && r.arg(0) == 1;
                });
            }
            assertThat(exited[0]).as("the helper's exit within 30 s").isTrue();
            // Records of other processes may be dropped on a busy host; a missing event of the helper's says so.
            drops = capture.drops();
            assertThat(helper.waitFor(10, TimeUnit.SECONDS)).isTrue();
            String out = new String(helper.getInputStream().readAllBytes());
            assertThat(helper.exitValue()).as("helper output: %s", out).isZero();
            Matcher m = Pattern.compile("tcp=(\\d+) udp=(\\d+)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            tcpPort = Integer.parseInt(m.group(1));
            udpPort = Integer.parseInt(m.group(2));
        }
    }

    /** The one event of this type that matches; fails listing that type's events otherwise. */
    static Event one(String type, Predicate<Event> p) {
        List<Event> ofType = events.stream().filter(e -> type.equals(e.type)).toList();
        List<Event> found = ofType.stream().filter(p).toList();
        assertThat(found)
                .as(
                        "%s events matching, among %s (records dropped: %d)",
                        type, ofType.stream().map(Event::argsLine).toList(), drops)
                .hasSize(1);
        return found.getFirst();
    }

    static Event one(String type) {
        return one(type, e -> true);
    }

    /** A field as a rule's output prints it. */
    static String field(Event e, String name) {
        return FieldCatalogue.standard().resolve(name, "").display(e);
    }

    static String path(String name) {
        return dir.resolve(name).toString();
    }

    @Test
    void opensCarryTheResolvedNameFlagsModeAndTheNewFd() {
        Event openat = one("openat", e -> path("f-openat").equals(e.arg("name")) && e.rawres >= 0);
        assertThat(openat.arg("dirfd")).isEqualTo("-100");
        assertThat(openat.arg("flags")).isEqualTo("O_TRUNC|O_CREAT|O_WRONLY");
        assertThat(openat.arg("mode"))
                .as("octal, as libs prints an open's mode")
                .isEqualTo("0640");
        assertThat(openat.arg("fd")).isEqualTo(Long.toString(openat.rawres));
        assertThat(openat.fd.name).isEqualTo(path("f-openat"));
        assertThat(openat.fd.num).isEqualTo(openat.rawres);
        assertThat(openat.openWrite).isTrue();

        Event open = one("open", e -> path("f-openat").equals(e.arg("name")));
        assertThat(open.arg("name")).isEqualTo(path("f-openat"));
        assertThat(open.arg("flags")).isEqualTo("O_RDONLY");
        assertThat(open.rawres).isNotNegative();
        assertThat(open.openRead).isTrue();

        Event openat2 = one("openat2");
        assertThat(openat2.arg("name")).isEqualTo(path("f-openat"));
        assertThat(openat2.arg("flags")).isEqualTo("O_RDONLY|O_CLOEXEC");
        assertThat(openat2.arg("resolve")).isEqualTo("RESOLVE_NO_SYMLINKS");
        assertThat(openat2.fd.name).isEqualTo(path("f-openat"));

        Event creat = one("creat");
        assertThat(creat.arg("name")).isEqualTo(path("f-creat"));
        assertThat(creat.arg("mode")).isEqualTo("0600");
        assertThat(creat.arg("flags")).as("Falco's creat has no flags").isNull();
        assertThat(argNames(creat)).containsExactly("fd", "name", "mode", "dev", "ino");
        assertThat(creat.argsLine())
                .startsWith(
                        "fd=" + creat.rawres + "(<f>" + path("f-creat") + ") name=" + path("f-creat") + " mode=0600 ");
        assertThat(creat.fd.num).isEqualTo(creat.rawres).isNotNegative();
        assertThat(creat.openWrite)
                .as("evt.is_open_write is for the open family only, as in libsinsp")
                .isFalse();
    }

    /** dev and ino are the new fd's file as stat(2) sees it (st_dev, st_ino); libs prints dev in hex. */
    @Test
    void opensCarryTheDeviceAndInodeOfTheFileTheyOpened() throws Exception {
        long dev = (Long) Files.getAttribute(dir.resolve("f-openat"), "unix:dev");
        long ino = (Long) Files.getAttribute(dir.resolve("f-openat"), "unix:ino");
        assertThat(dev).as("the test directory's device").isNotZero();
        String hexDev = Long.toHexString(dev).toUpperCase(Locale.ROOT);

        Event openat = one("openat", e -> path("f-openat").equals(e.arg("name")) && e.rawres >= 0);
        assertThat(argNames(openat)).containsExactly("fd", "dirfd", "name", "flags", "mode", "dev", "ino");
        assertThat(openat.arg("dev")).isEqualTo(hexDev);
        assertThat(openat.rawArg("dev")).isEqualTo(Long.toString(dev));
        assertThat(openat.arg("ino")).isEqualTo(Long.toString(ino));
        assertThat(openat.argsLine()).endsWith(" mode=0640 dev=" + hexDev + " ino=" + ino + " ");

        Event open = one("open", e -> path("f-openat").equals(e.arg("name")));
        assertThat(argNames(open)).containsExactly("fd", "name", "flags", "mode", "dev", "ino");
        assertThat(open.arg("dev")).isEqualTo(hexDev);
        assertThat(open.arg("ino")).isEqualTo(Long.toString(ino));

        Event creat = one("creat");
        assertThat(creat.arg("dev")).isEqualTo(hexDev);
        assertThat(creat.arg("ino"))
                .isEqualTo(
                        Files.getAttribute(dir.resolve("f-creat"), "unix:ino").toString())
                .isNotEqualTo(Long.toString(ino));

        Event missing = one("open", e -> e.rawres < 0);
        assertThat(missing.res).isEqualTo("ENOENT");
        assertThat(missing.arg("name")).isEqualTo(path("no-such-file"));
        assertThat(missing.arg("dev")).as("no file was opened").isEqualTo("0");
        assertThat(missing.arg("ino")).isEqualTo("0");

        assertThat(one("openat2").arg("dev")).as("Falco's openat2 has no dev").isNull();
    }

    static List<String> argNames(Event e) {
        return IntStream.range(0, e.argCount()).mapToObj(e::argName).toList();
    }

    @Test
    void dupsNameTheOldAndNewFdAndCarryTheFile() {
        Event openat = one("openat", e -> path("f-openat").equals(e.arg("name")) && e.rawres >= 0);
        String f = Long.toString(openat.rawres);
        Event dup = one("dup");
        assertThat(dup.arg("oldfd")).isEqualTo(f);
        assertThat(dup.arg("res")).isEqualTo(Long.toString(dup.rawres));
        assertThat(dup.fd.name).isEqualTo(path("f-openat"));
        Event dup2 = one("dup2");
        assertThat(dup2.rawres).isEqualTo(100);
        assertThat(dup2.arg("oldfd")).isEqualTo(f);
        assertThat(dup2.arg("newfd")).isEqualTo("100");
        assertThat(dup2.fd.name).isEqualTo(path("f-openat"));
        Event dup3 = one("dup3");
        assertThat(dup3.rawres).isEqualTo(101);
        assertThat(dup3.arg("newfd")).isEqualTo("101");
        assertThat(dup3.arg("flags")).isEqualTo("O_CLOEXEC");
    }

    @Test
    void pathChangesResolvePathsAgainstTheCwdAndTheirDirfds() {
        String d1 = Long.toString(one("openat", e -> path("d1").equals(e.arg("name"))).rawres);
        Event mkdir = one("mkdir");
        assertThat(mkdir.rawres).isZero();
        assertThat(mkdir.arg("path")).isEqualTo(path("d1"));
        assertThat(mkdir.arg("mode"))
                .as("0750 in hex, as libs prints mkdir's mode")
                .isEqualTo("1E8");
        Event mkdirat = one("mkdirat");
        assertThat(mkdirat.rawres).isZero();
        assertThat(mkdirat.arg("dirfd")).isEqualTo(d1);
        assertThat(mkdirat.arg("path")).isEqualTo(path("d1/d2"));
        assertThat(mkdirat.arg("mode")).isEqualTo("1C0");
        assertThat(one("rmdir").arg("path")).isEqualTo(path("d1/d2"));

        Event link = one("link");
        assertThat(link.rawres).isZero();
        assertThat(link.arg("oldpath")).isEqualTo(path("f-creat"));
        assertThat(link.arg("newpath")).isEqualTo(path("f-link"));
        Event linkat = one("linkat");
        assertThat(linkat.rawres).isZero();
        assertThat(linkat.arg("olddir")).isEqualTo("-100");
        assertThat(linkat.arg("newdir")).isEqualTo(d1);
        assertThat(linkat.arg("newpath")).isEqualTo(path("d1/f-linkat"));
        assertThat(linkat.arg("flags")).isEqualTo("0");
        Event symlink = one("symlink");
        assertThat(symlink.arg("target")).isEqualTo("/etc/shadow");
        assertThat(symlink.arg("linkpath")).isEqualTo(path("s-link"));
        Event symlinkat = one("symlinkat");
        assertThat(symlinkat.arg("target"))
                .as("a link's target is not resolved")
                .isEqualTo("f-creat");
        assertThat(symlinkat.arg("linkdirfd")).isEqualTo(d1);
        assertThat(symlinkat.arg("linkpath")).isEqualTo(path("d1/s-linkat"));

        Event rename = one("rename");
        assertThat(rename.arg("oldpath")).isEqualTo(path("f-link"));
        assertThat(rename.arg("newpath")).isEqualTo(path("f-renamed"));
        Event renameat = one("renameat");
        assertThat(renameat.rawres).isZero();
        assertThat(renameat.arg("olddirfd")).isEqualTo(d1);
        assertThat(renameat.arg("oldpath")).isEqualTo(path("d1/f-linkat"));
        assertThat(renameat.arg("newpath")).isEqualTo(path("f-renameat"));
        Event renameat2 = one("renameat2");
        assertThat(renameat2.rawres).isZero();
        assertThat(renameat2.arg("oldpath")).isEqualTo(path("f-renameat"));
        assertThat(renameat2.arg("newdirfd")).isEqualTo(d1);
        assertThat(renameat2.arg("newpath")).isEqualTo(path("d1/f-renameat2"));
        assertThat(renameat2.arg("flags")).isEqualTo("RENAME_NOREPLACE");

        assertThat(one("unlink").arg("path")).isEqualTo(path("f-renamed"));
        Event unlinkat = one("unlinkat", e -> e.rawres == 0);
        assertThat(unlinkat.arg("name")).isEqualTo(path("d1/f-renameat2"));
        assertThat(unlinkat.arg("flags")).isEqualTo("0");
        Event rmdirat = one("unlinkat", e -> e.rawres < 0);
        assertThat(rmdirat.res).isEqualTo("ENOTEMPTY");
        assertThat(rmdirat.arg("name")).isEqualTo(path("d1"));
        assertThat(rmdirat.arg("flags")).isEqualTo("AT_REMOVEDIR");
    }

    @Test
    void modeChangesNameTheModeBitsAsFalcoDoes() {
        Event chmod = one("chmod");
        assertThat(chmod.rawres).isZero();
        assertThat(chmod.arg("filename")).isEqualTo(path("f-openat"));
        assertThat(chmod.arg("mode")).isEqualTo("S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID");
        assertThat(chmod.rawArg("mode")).isEqualTo(Long.toString(04755));
        Event fchmod = one("fchmod");
        assertThat(fchmod.rawres).isZero();
        assertThat(fchmod.arg("mode")).isEqualTo("S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISGID");
        assertThat(fchmod.fd.name).isEqualTo(path("f-creat"));
        assertThat(fchmod.arg("fd")).isEqualTo(Long.toString(fchmod.fd.num));
        Event fchmodat = one("fchmodat");
        assertThat(fchmodat.rawres).isZero();
        assertThat(fchmodat.arg("filename")).isEqualTo(path("d1/m"));
        assertThat(fchmodat.arg("mode")).isEqualTo("S_IWUSR|S_IRUSR");
    }

    @Test
    void execsThatFailAreEventsWithTheirResolvedFilename() {
        Event execve = one("execve", e -> e.rawres < 0);
        assertThat(execve.res).isEqualTo("ENOENT");
        assertThat(execve.arg("filename")).isEqualTo(path("no-such-program"));
        Event execveat = one("execveat", e -> e.rawres < 0);
        assertThat(execveat.res).isEqualTo("ENOENT");
        assertThat(execveat.arg("filename")).isEqualTo(path("d1/no-such-program"));
        // A successful exec is reported from sched_process_exec; execveat's entry marked it. Without
        // that probe (no tracefs) the documented fallback holds: it reads as an execve.
        String succeeded = execveatProbe ? "execveat" : "execve";
        String other = execveatProbe ? "execve" : "execveat";
        Event ran = one(succeeded, e -> e.rawres == 0 && "/bin/true".equals(e.arg("filename")));
        assertThat(ran.proc.exepath).isEqualTo("/bin/true");
        assertThat(events)
                .noneMatch(e -> other.equals(e.type) && e.rawres == 0 && "/bin/true".equals(e.arg("filename")));
    }

    @Test
    void tcpCallsCarryTheirTuples() {
        String server = "127.0.0.1:" + tcpPort;
        Event socket = one(
                "socket",
                e -> "AF_INET".equals(e.arg("domain"))
                        && "1".equals(e.arg("type"))
                        && e.fd.num == e.rawres
                        && events.stream()
                                .anyMatch(l ->
                                        "listen".equals(l.type) && l.arg("fd").equals(Long.toString(e.rawres))));
        assertThat(socket.fd.l4proto).isEqualTo("tcp");
        Event listen = one("listen");
        assertThat(listen.rawres).isZero();
        assertThat(listen.arg("backlog")).isEqualTo("7");
        // bound to port 0, the socket is named after that address; listen makes it a server
        // socket on the port the kernel chose, named ip:port, with the server end alone.
        Event bind = one("bind", e -> e.fd != null && e.fd.num == listen.fd.num);
        assertThat(bind.rawres).isZero();
        assertThat(bind.arg("addr")).isEqualTo("127.0.0.1:0");
        assertThat(bind.fd.name).isEqualTo("127.0.0.1:0");
        assertThat(listen.fd.role).isEqualTo(FdInfo.Role.SERVER);
        assertThat(listen.fd.serverSocket).isTrue();
        assertThat(listen.fd.name).isEqualTo(server);
        assertThat(field(listen, "fd.sport")).isEqualTo(Integer.toString(tcpPort));
        assertThat(field(listen, "fd.cip")).isNull();

        List<Event> connects =
                events.stream().filter(e -> "connect".equals(e.type)).toList();
        assertThat(connects).hasSize(2).allSatisfy(c -> {
            assertThat(c.rawres).isZero();
            assertThat(c.arg("tuple")).matches("127\\.0\\.0\\.1:\\d+->" + server);
            assertThat(c.fd.connected).isTrue();
            assertThat(c.arg("fd")).isEqualTo(Long.toString(c.fd.num));
        });
        Event accept = one("accept");
        assertThat(accept.arg("tuple")).isEqualTo(connects.get(0).arg("tuple"));
        assertThat(accept.arg("fd")).isEqualTo(Long.toString(accept.rawres));
        assertThat(field(accept, "fd.lport")).isEqualTo(Integer.toString(tcpPort));
        Event accept4 = one("accept4");
        assertThat(accept4.arg("tuple")).isEqualTo(connects.get(1).arg("tuple"));
        assertThat(accept4.fd.num).isEqualTo(accept4.rawres);
    }

    /**
     * Unconnected UDP: the peer is in the call's address, and naming the socket after it is
     * fd.name_changed. The data moved is the data argument and evt.buffer.
     */
    @Test
    void udpCallsTakeTheirPeerFromTheAddressTheyPassOrReceive() {
        String receiver = "127.0.0.1:" + udpPort;
        Event sendto = one("sendto");
        assertThat(sendto.rawres).isEqualTo(4);
        assertThat(sendto.arg("size")).isEqualTo("4");
        assertThat(sendto.arg("data")).isEqualTo("ping");
        assertThat(field(sendto, "evt.buffer")).isEqualTo("ping");
        assertThat(sendto.arg("tuple")).matches("0\\.0\\.0\\.0:\\d+->" + receiver);
        assertThat(sendto.fd.name).isEqualTo(sendto.arg("tuple"));
        assertThat(sendto.fd.l4proto).isEqualTo("udp");
        assertThat(sendto.fd.connected).isFalse();
        assertThat(sendto.fd.nameChanged).isTrue();
        assertThat(sendto.fd.sport).isEqualTo(udpPort);
        long sender = sendto.fd.cport;

        Event recvfrom = one("recvfrom");
        assertThat(recvfrom.rawres).isEqualTo(4);
        assertThat(recvfrom.arg("tuple")).isEqualTo("127.0.0.1:" + sender + "->" + receiver);
        assertThat(recvfrom.arg("size")).isEqualTo("64");
        assertThat(recvfrom.arg("data")).isEqualTo("ping");
        assertThat(recvfrom.argsLine()).startsWith("res=4 data=ping tuple=");
        assertThat(recvfrom.fd.nameChanged).isTrue();
        assertThat(field(recvfrom, "fd.lport")).isEqualTo(Integer.toString(udpPort));
        assertThat(field(recvfrom, "fd.rport")).isEqualTo(Long.toString(sender));

        Event sendmsg = one("sendmsg");
        assertThat(sendmsg.rawres).isEqualTo(14);
        assertThat(sendmsg.arg("size")).as("the lengths of both iovecs").isEqualTo("14");
        assertThat(argNames(sendmsg)).containsExactly("res", "data", "fd", "size", "tuple");
        assertThat(sendmsg.arg("data")).as("the first iovec's").isEqualTo("pong!");
        assertThat(sendmsg.arg("tuple")).matches("0\\.0\\.0\\.0:\\d+->" + receiver);
        assertThat(sendmsg.fd.nameChanged).isTrue();
        long sender2 = sendmsg.fd.cport;
        assertThat(sender2).isNotEqualTo(sender);

        Event recvmsg = one("recvmsg", e -> e.rawres >= 0);
        assertThat(recvmsg.rawres).isEqualTo(14);
        assertThat(recvmsg.arg("size"))
                .as("what it received, not its 64-byte buffer")
                .isEqualTo("14");
        assertThat(argNames(recvmsg)).containsExactly("res", "size", "data", "tuple", "fd");
        assertThat(recvmsg.arg("data")).isEqualTo("pong! and more");
        assertThat(recvmsg.arg("tuple")).isEqualTo("127.0.0.1:" + sender2 + "->" + receiver);
        assertThat(recvmsg.fd.nameChanged)
                .as("another sender renames the receiving socket")
                .isTrue();
        Event nothing = one("recvmsg", e -> e.rawres < 0);
        assertThat(nothing.res).isEqualTo("EAGAIN");
        assertThat(nothing.arg("size")).isEqualTo("0");
    }

    @Test
    void privilegeAndNamespaceChangesNameTheirRequestUserAndNamespaces() throws Exception {
        Event traceme = one("ptrace", e -> e.rawres == 0);
        assertThat(traceme.arg("request")).isEqualTo("PTRACE_TRACEME");
        Event attach = one("ptrace", e -> e.rawres < 0);
        assertThat(attach.arg("request")).isEqualTo("PTRACE_ATTACH");
        assertThat(attach.arg("pid")).isEqualTo(Integer.toString(0x3ffffff0));
        assertThat(attach.res).isEqualTo("ESRCH");
        assertThat(attach.arg("addr")).isEqualTo("0");

        String nobody = Files.readAllLines(Path.of("/etc/passwd")).stream()
                .map(l -> l.split(":"))
                .filter(f -> f.length > 2 && f[2].equals("65534"))
                .map(f -> f[0])
                .findFirst()
                .orElse("65534");
        assertThat(one("setuid", e -> e.rawres == 0 && e.arg("uid").equals("root"))
                        .rawArg("uid"))
                .isEqualTo("0");
        assertThat(one("setuid", e -> e.rawres == 0 && !e.arg("uid").equals("root"))
                        .arg("uid"))
                .isEqualTo(nobody);
        Event refused = one("setuid", e -> e.rawres < 0);
        assertThat(refused.res).isEqualTo("EPERM");
        assertThat(refused.arg("uid")).isEqualTo("root");

        Event setns = one("setns");
        assertThat(setns.rawres).isZero();
        assertThat(setns.arg("nstype")).isEqualTo("CLONE_NEWUTS");
        assertThat(setns.fd.name).isEqualTo("/proc/self/ns/uts");
        assertThat(setns.arg("fd")).isEqualTo(Long.toString(setns.fd.num));
        Event unshare = one("unshare");
        assertThat(unshare.rawres).isZero();
        assertThat(unshare.arg("flags")).isEqualTo("CLONE_NEWIPC|CLONE_NEWUTS");
    }

    @Test
    void kernelFacingCallsThatFailCarryTheirArguments() {
        Event bpf = one("bpf");
        assertThat(bpf.rawres).isNegative();
        assertThat(bpf.arg("cmd")).isEqualTo("5");
        assertThat(bpf.arg("fd")).isEqualTo(Long.toString(bpf.rawres));
        Event init = one("init_module");
        assertThat(init.rawres).isNegative();
        assertThat(init.arg("length")).isEqualTo("4");
        assertThat(init.arg("uargs")).isEqualTo("a=1");
        Event finit = one("finit_module");
        assertThat(finit.rawres).as("EBADF, or ENOSYS without module support").isNegative();
        assertThat(finit.arg("uargs")).isEqualTo("b=2");
        assertThat(finit.fd.name).as("the module file's fd").isEqualTo(path("f-openat"));
        Event uffd = one("userfaultfd");
        assertThat(uffd.arg("flags")).isEqualTo("O_NONBLOCK|O_CLOEXEC");
        assertThat(uffd.arg("res")).isEqualTo(Long.toString(uffd.rawres));
        Event memfd = one("memfd_create");
        assertThat(memfd.arg("name")).isEqualTo("peregrine-memfd");
        assertThat(memfd.arg("flags")).isEqualTo("MFD_CLOEXEC");
        assertThat(memfd.fd.type).isEqualTo("memfd");
    }

    /** Every type the shared rules files use (docs/events.md) came through. */
    @Test
    void everyTypeOfTheTableWasSeen() {
        List<String> types = List.of(
                "execve",
                "execveat",
                "open",
                "openat",
                "openat2",
                "creat",
                "connect",
                "accept",
                "accept4",
                "bind",
                "listen",
                "socket",
                "sendto",
                "sendmsg",
                "recvfrom",
                "recvmsg",
                "ptrace",
                "setuid",
                "setns",
                "unshare",
                "bpf",
                "init_module",
                "finit_module",
                "userfaultfd",
                "link",
                "linkat",
                "symlink",
                "symlinkat",
                "unlink",
                "unlinkat",
                "rename",
                "renameat",
                "renameat2",
                "mkdir",
                "mkdirat",
                "rmdir",
                "chmod",
                "fchmod",
                "fchmodat",
                "dup",
                "dup2",
                "dup3");
        assertThat(types).hasSize(42);
        assertThat(events.stream().map(e -> e.type).distinct())
                .as("records dropped: %d", drops)
                .containsAll(types);
    }
}
