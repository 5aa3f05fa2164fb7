package dev.peregrine.detector.syscall;

import static dev.peregrine.detector.syscall.OneProcess.args;
import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.RawEvent;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.process.Users;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The credentials family's parser on its own: ids shown as the names the process's root gives
 * them, here a container root whose user database is read through /proc/PID/root.
 */
class CredentialCallsTest {
    static final String CONTAINER = "3ad7b26ded6d";

    @TempDir
    Path proc;

    OneProcess s;
    EventUsers users;
    CredentialCalls calls;

    @BeforeEach
    void setUp() throws IOException {
        Path etc = Files.createDirectories(proc.resolve(OneProcess.PID + "/root/etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nstaff:x:50:\n");
        s = new OneProcess(proc);
        users = new EventUsers(new Users(proc), (cgroup, leaf, pid) -> ContainerInfo.HOST);
        calls = new CredentialCalls(users.userName, users.groupName);
        users.current(CONTAINER, OneProcess.PID);
    }

    @Test
    void setresuidNamesEachIdOrShowsItsNumberWhenTheRootHasNoSuchUser() {
        RawEvent r = s.syscall(Syscall.SETRESUID, 0, 1000, 0, 4242).add();
        assertThat(calls.parse(Syscall.SETRESUID, r, s.proc, s.begin(Syscall.SETRESUID, r)))
                .isNull();
        assertThat(args(s.event)).containsExactly("res=0", "ruid=alice", "euid=root", "suid=4242");
    }

    @Test
    void setgidNamesTheGroupAndAFailedOneKeepsItsArgument() {
        RawEvent r = s.syscall(Syscall.SETGID, -1, 50).add();
        calls.parse(Syscall.SETGID, r, s.proc, s.begin(Syscall.SETGID, r));
        assertThat(args(s.event)).containsExactly("res=-1", "gid=staff");
        assertThat(s.event.res).isEqualTo("EPERM");
    }
}
