package dev.peregrine.detector.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** evt.args rendered the way libsinsp prints it: name=value(resolved), each pair followed by a blank. */
class EvtArgsTest {

    private static Map<String, String> args(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void socketFamilyShowsItsNumberAndName() {
        Event e = Event.builder()
                .type("socket")
                .rawres(5)
                .args(args("fd", "5", "domain", "AF_PACKET", "type", "3", "proto", "768"))
                .build();
        assertThat(e.argsLine()).isEqualTo("fd=5 domain=17(AF_PACKET) type=3 proto=768 ");
        assertThat(e.arg("domain")).isEqualTo("AF_PACKET");
    }

    @Test
    void openShowsTheFdItReturnedTheDirfdAndTheDriversFlagBits() {
        Event e = Event.builder()
                .type("openat")
                .rawres(3)
                .args(args(
                        "fd", "3", "dirfd", "-100", "name", "/etc/shadow", "flags", "O_RDONLY|O_CLOEXEC", "mode", "0"))
                .fd(FdInfo.builder().num(3).type("file").name("/etc/shadow").build())
                .build();
        assertThat(e.argsLine())
                .isEqualTo(
                        "fd=3(<f>/etc/shadow) dirfd=-100(AT_FDCWD) name=/etc/shadow flags=4097(O_RDONLY|O_CLOEXEC) mode=0 ");
    }

    @Test
    void writeFlagsAddUpInPpmBits() {
        Event e = Event.builder()
                .type("open")
                .rawres(4)
                .args(args("fd", "4", "name", "/tmp/x", "flags", "O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC"))
                .build();
        // 256 + 4 + 2 + 4096; no fd state, so the fd stays a number.
        assertThat(e.argsLine()).isEqualTo("fd=4 name=/tmp/x flags=4358(O_TRUNC|O_CREAT|O_WRONLY|O_CLOEXEC) ");
    }

    @Test
    void errorsAreNamed() {
        Event open = Event.builder()
                .type("openat")
                .rawres(-2)
                .args(args("fd", "-2", "dirfd", "7", "name", "x", "flags", "O_RDONLY"))
                .build();
        assertThat(open.argsLine()).isEqualTo("fd=-2(ENOENT) dirfd=7 name=x flags=1(O_RDONLY) ");
        Event mkdir = Event.builder()
                .type("mkdir")
                .rawres(-17)
                .args(args("res", "-17", "path", "/tmp/d", "mode", "0755"))
                .build();
        assertThat(mkdir.argsLine()).isEqualTo("res=-17(EEXIST) path=/tmp/d mode=0755 ");
        Event ok = Event.builder()
                .type("mkdir")
                .rawres(0)
                .args(args("res", "0", "path", "/tmp/d"))
                .build();
        assertThat(ok.argsLine()).isEqualTo("res=0 path=/tmp/d ");
    }

    @Test
    void socketFdsCarryTheirTypeAndProtocol() {
        Event e = Event.builder()
                .type("connect")
                .rawres(0)
                .args(args("res", "0", "fd", "5", "tuple", "10.0.0.5:43512->169.254.169.254:80"))
                .fd(FdInfo.builder()
                        .num(5)
                        .type("ipv4")
                        .l4proto("tcp")
                        .client("10.0.0.5", 43512)
                        .server("169.254.169.254", 80)
                        .build())
                .build();
        assertThat(e.argsLine())
                .isEqualTo(
                        "res=0 fd=5(<4t>10.0.0.5:43512->169.254.169.254:80) tuple=10.0.0.5:43512->169.254.169.254:80 ");
    }

    @Test
    void valuesFalcoDoesNotResolveStayAsTheyAre() {
        Event e = Event.builder()
                .type("unshare")
                .rawres(0)
                .args(args("res", "0", "flags", "CLONE_NEWUSER"))
                .build();
        assertThat(e.argsLine()).isEqualTo("res=0 flags=CLONE_NEWUSER ");
        Event odd = Event.builder()
                .type("open")
                .rawres(3)
                .args(args("flags", "O_RDONLY|O_WEIRD"))
                .build();
        assertThat(odd.argsLine()).isEqualTo("flags=O_RDONLY|O_WEIRD ");
        assertThat(Event.builder().type("getpid").rawres(1).build().argsLine()).isEmpty();
    }
}
