package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.condition.ConditionParser;
import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.FdInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.event.UserInfo;
import dev.peregrine.detector.field.FieldCatalogue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Operator and transformer semantics on one realistic event. */
class ConditionEvaluationTest {
    private static final ConditionCompiler COMPILER = new ConditionCompiler(FieldCatalogue.standard());

    static final Event OPEN = Event.builder()
            .ts(1_763_630_077_502_981_066L)
            .num(7)
            .type("openat")
            .rawres(3)
            .args(new LinkedHashMap<>(Map.of("name", "/etc/shadow")) {
                {
                    put("flags", "O_RDONLY|O_CLOEXEC");
                    put("data", "\u00ca\u00fe\u00ba\u00be!");
                }
            })
            .proc(ProcessInfo.builder()
                    .pid(4242)
                    .vpid(42)
                    .name("cat")
                    .exe("cat")
                    .exepath("/usr/bin/cat")
                    .args(List.of("/etc/shadow"))
                    .env(List.of("HOME=/root", "TERM=xterm"))
                    .cwd("/root/")
                    .tty(34816)
                    .capPermitted("CAP_CHOWN CAP_SYS_ADMIN")
                    .build())
            .ancestors(List.of(
                    ProcessInfo.builder()
                            .pid(4200)
                            .name("bash")
                            .exe("bash")
                            .exepath("/usr/bin/bash")
                            .build(),
                    ProcessInfo.builder().pid(4100).name("runc").build(),
                    ProcessInfo.builder().pid(1).name("systemd").build()))
            .user(new UserInfo(0, "root", -1, null, "/root", "/bin/bash", 0, "root"))
            .fd(FdInfo.builder().num(3).type("file").name("/etc/shadow").build())
            .container(ContainerInfo.builder()
                    .id("3ad7b26ded6d")
                    .name("nginx")
                    .imageRepository("docker.io/library/nginx")
                    .imageTag("1.27.2")
                    .privileged(true)
                    .mounts(List.of(new ContainerInfo.Mount("/proc", "/host/proc", "ro", false, "rprivate")))
                    .podName("web")
                    .nsName("shop")
                    .podLabels(Map.of("app", "web", "team", "a"))
                    .labels(Map.of("tier", "frontend", "io.kubernetes.container.name", "nginx"))
                    .build())
            .build();

    static final Event CONNECT = Event.builder()
            .type("connect")
            .rawres(-115)
            .args(Map.of("fd", "5"))
            .proc(ProcessInfo.builder().pid(10).name("curl").build())
            .fd(FdInfo.builder()
                    .num(5)
                    .type("ipv4")
                    .l4proto("tcp")
                    .client("10.0.0.5", 43512)
                    .server("169.254.169.254", 80)
                    .sipName("metadata")
                    .connected(true)
                    .build())
            .build();

    static final Event CONNECT6 = Event.builder()
            .type("connect")
            .rawres(0)
            .proc(ProcessInfo.builder().pid(11).name("curl").build())
            .fd(FdInfo.builder()
                    .num(6)
                    .type("ipv6")
                    .l4proto("tcp")
                    .client("fe80::1c2:3ff:fe04:506", 50000)
                    .server("::1", 8080)
                    .connected(true)
                    .build())
            .build();

    private static boolean eval(String condition, Event e) {
        return COMPILER.compile(ConditionParser.parse(condition)).test(e);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            evt.type = openat                                   | true
            evt.type in (open, openat, openat2)                 | true
            evt.type != openat                                  | false
            evt.res = SUCCESS                                   | true
            evt.rawres >= 0                                     | true
            evt.num = 7                                         | true
            evt.arg.name = /etc/shadow                          | true
            evt.arg[name] = /etc/shadow                         | true
            evt.arg[0] = /etc/shadow                            | true
            evt.arg.flags contains O_RDONLY                     | true
            evt.args contains "flags=4097(O_RDONLY"             | true
            evt.is_open_read = true                             | true
            evt.is_open_write = true                            | false
            evt.buffer bcontains CAFE                           | true
            evt.buffer bstartswith CAFEBABE                     | true
            evt.buffer bstartswith BABE                         | false
            fd.name startswith /etc                             | true
            fd.name endswith shadow                             | true
            fd.name contains /sha                               | true
            fd.name icontains /SHA                              | true
            fd.name glob '/etc/*'                               | true
            fd.name glob '/etc/?hadow'                          | true
            fd.name glob '/etc/[a-s]hadow'                      | true
            fd.name glob '/usr/*'                               | false
            fd.name iglob '/ETC/SHADOW'                         | true
            fd.name regex '/etc/s.*'                            | true
            fd.name regex 'etc'                                 | false
            fd.name pmatch (/etc)                               | true
            fd.name pmatch (/et)                                | false
            fd.name pmatch (/usr, /etc/)                        | true
            fd.directory = /etc                                 | true
            fd.filename = shadow                                | true
            fd.typechar = f                                     | true
            fd.num >= 0                                         | true
            fd.sip exists                                       | false
            fd.sport = 80                                       | false
            fd.sport != 80                                      | false
            proc.name in (bash, cat)                            | true
            proc.name intersects (cat)                          | true
            proc.cmdline = "cat /etc/shadow"                    | true
            proc.args = /etc/shadow                             | true
            proc.pname = bash                                   | true
            proc.pcmdline = bash                                | true
            proc.aname[1] = bash                                | true
            proc.aname[2] = runc                                | true
            proc.aname[3] = systemd                             | true
            proc.aname[4] exists                                | false
            proc.aname[4] = x                                   | false
            proc.aname = runc                                   | true
            proc.aname in (systemd)                             | true
            proc.aname != systemd                               | false
            proc.apid[3] = 1                                    | true
            proc.tty != 0                                       | true
            proc.vpid = 42                                      | true
            proc.env contains "TERM=xterm"                      | true
            proc.env[HOME] = /root                              | true
            proc.cwd = /root/                                   | true
            thread.cap_permitted contains CAP_SYS_ADMIN         | true
            user.uid = 0                                        | true
            user.loginuid = -1                                  | true
            user.loginname exists                               | false
            group.name = root                                   | true
            container.id != host                                | true
            container.privileged = true                         | true
            container.image.repository = docker.io/library/nginx | true
            container.mount.dest[/proc*] = /host/proc           | true
            container.mount.dest[/var/run/docker.sock] = N/A    | true
            k8s.ns.name = shop                                  | true
            k8s.pod.label[app] = web                            | true
            k8s.pod.labels = "app:web,team:a"                   | true
            container.label[tier] = frontend                    | true
            container.label[nope] exists                        | false
            container.labels = "io.kubernetes.container.name:nginx,tier:frontend" | true
            tolower(proc.name) = cat                            | true
            toupper(proc.name) = CAT                            | true
            basename(fd.name) = shadow                          | true
            len(proc.cmdline) = 15                              | true
            b64(proc.name) exists                               | true
            proc.name = val(proc.exe)                           | true
            proc.name = val(proc.pname)                         | false
            fd.num < val(proc.pid)                              | true
            not proc.name = cat or fd.num = 3                   | true
            not (proc.name = cat or fd.num = 3)                 | false
            join("-", (fd.name, fd.directory)) = /etc/shadow-/etc | true
            join(fd.directory, (fd.name, fd.filename)) = /etc/shadow/etcshadow | true
            join("->", ("aaa")) = aaa                           | true
            join(",", ()) = ""                                  | true
            join(",", ()) = ","                                 | false
            join(",", (evt.num, fd.num)) = "7,3"                | true
            join("->", (toupper(proc.name), "x")) = CAT->x      | true
            join("-", (fd.directory, join("+", ("a", proc.name)))) = /etc-a+cat | true
            toupper(join("-", (proc.name, proc.pname))) = CAT-BASH | true
            len(join("-", ("aaa", "bbb"))) = 7                  | true
            join(" ", (proc.name, proc.args)) = val(proc.cmdline) | true
            proc.cmdline = join(" ", (proc.name, proc.args))    | true
            join("-", (proc.name, proc.aname[4])) exists        | false
            join("-", (proc.name, proc.aname[4])) != x          | false
            join("-", (proc.name, proc.aname[3])) startswith cat-sys | true
            join("-", (proc.name)) in (cat, dog)                | true
            """)
    void openEvent(String condition, boolean expected) {
        assertThat(eval(condition, OPEN)).as(condition).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            evt.res = EINPROGRESS                               | true
            evt.rawres >= 0                                     | false
            fd.sip = 169.254.169.254                            | true
            fd.ip = 10.0.0.5                                    | true
            fd.ip != "0.0.0.0"                                  | true
            fd.rip = 169.254.169.254                            | true
            fd.lip = 10.0.0.5                                   | true
            fd.sport = 80                                       | true
            fd.sport = "80"                                     | true
            fd.rport in (80, 443)                               | true
            fd.lport = 43512                                    | true
            fd.port = 80                                        | true
            fd.net = "169.254.0.0/16"                           | true
            fd.net != "127.0.0.0/8"                             | true
            fd.snet in ("10.0.0.0/8", "169.254.0.0/16")         | true
            fd.cnet in ("10.0.0.0/8")                           | true
            fd.rnet in ("10.0.0.0/8", "192.168.0.0/16")         | false
            fd.l4proto = tcp                                    | true
            fd.sockfamily = ip                                  | true
            fd.connected = true                                 | true
            fd.sip.name = metadata                              | true
            fd.name = "10.0.0.5:43512->169.254.169.254:80"      | true
            fd.typechar = 4                                     | true
            container.id = host                                 | true
            container.privileged = true                         | false
            container.mount.dest[/proc] in ("<NA>", "N/A")      | true
            k8s.ns.name exists                                  | false
            proc.pname exists                                   | false
            """)
    void connectEvent(String condition, boolean expected) {
        assertThat(eval(condition, CONNECT)).as(condition).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            fd.net = "::1/128"                                  | true
            fd.net = "::1"                                      | true
            fd.net = "::2/128"                                  | false
            fd.snet in ("fe80::/10")                            | false
            fd.cnet in ("fe80::/10")                            | true
            fd.cnet in ("10.0.0.0/8", "fe80::/10")              | true
            fd.lnet = "fe80::/64"                               | true
            fd.rnet = "::/120"                                  | true
            fd.rnet = "fe80::/10"                               | false
            fd.net = "127.0.0.0/8"                              | false
            fd.net != "127.0.0.0/8"                             | true
            fd.net != "::1/128"                                 | false
            fd.net = "::/0"                                     | true
            fd.net = "0.0.0.0/0"                                | false
            fd.sip = "::1"                                      | true
            fd.sip = "0:0:0:0:0:0:0:1"                          | true
            fd.sip = "0::0:1"                                   | true
            fd.sip != "::1"                                     | false
            fd.sip in ("10.0.0.1", "::1")                       | true
            fd.ip = "FE80::1C2:3FF:FE04:506"                    | true
            fd.cip = "fe80::1c2:3ff:fe04:506"                   | true
            fd.ip != "0.0.0.0"                                  | true
            fd.sip startswith "::"                              | true
            fd.rip = "::1"                                      | true
            fd.lip = "fe80::1c2:3ff:fe04:506"                   | true
            fd.name = "fe80::1c2:3ff:fe04:506:50000->::1:8080"  | true
            fd.typechar = 6                                     | true
            fd.sockfamily = ip                                  | true
            """)
    void ipv6ConnectEvent(String condition, boolean expected) {
        assertThat(eval(condition, CONNECT6)).as(condition).isEqualTo(expected);
    }

    @Test
    void badNetworksAndAddressesAreCompileErrors() {
        assertThatThrownBy(() -> eval("fd.net = \"fe80::/129\"", CONNECT6))
                .isInstanceOf(CompileException.class)
                .hasMessage("could not parse 'fe80::/129' as an IP network for field 'fd.net'");
        assertThatThrownBy(() -> eval("fd.net = \"10.0.0.0/33\"", CONNECT6)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("fd.sip = \"fe80::1/64\"", CONNECT6))
                .isInstanceOf(CompileException.class)
                .hasMessage("could not parse 'fe80::1/64' as an IP address for field 'fd.sip'");
        assertThatThrownBy(() -> eval("fd.snet contains \"::1\"", CONNECT6)).isInstanceOf(CompileException.class);
    }

    @Test
    void badOperandsAreCompileErrors() {
        assertThatThrownBy(() -> eval("fd.num = abc", OPEN))
                .isInstanceOf(CompileException.class)
                .hasMessageContaining("number");
        assertThatThrownBy(() -> eval("proc.name > 3", OPEN)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("fd.num contains 3", OPEN)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("container.privileged = maybe", OPEN)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("fd.net = nonsense", OPEN)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("proc.nope = 3", OPEN))
                .isInstanceOfSatisfying(
                        CompileException.class,
                        e -> assertThat(e.unknownField()).isTrue());
        assertThatThrownBy(() -> eval("proc.name[2] = x", OPEN)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("proc.aname[x] = x", OPEN)).isInstanceOf(CompileException.class);
        assertThatThrownBy(() -> eval("len(fd.num) = 1", OPEN)).isInstanceOf(CompileException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            join("-") = foo                       | unknown field transfomer 'join'
            join("-", ("a"), "b") = foo           | join() requires exactly 2 arguments: separator and list
            join("-", "a", "b") = foo             | join() requires exactly 2 arguments: separator and list
            join(("a", "b"), ("a", "b")) = foo    | join() first argument (separator) must be a single value, not a list
            join(("a", "b"), "a") = foo           | join() first argument (separator) must be a single value, not a list
            join("a", "b") = foo                  | join() second argument must be a list
            join("a", fd.name) = foo              | join() second argument must be a list
            """)
    void joinArgumentsAreCheckedWithLibsinspMessages(String condition, String message) {
        assertThatThrownBy(() -> eval(condition, OPEN))
                .isInstanceOf(CompileException.class)
                .hasMessage(message);
    }

    @Test
    void joinOfAnUnknownFieldIsAnUnknownField() {
        assertThatThrownBy(() -> eval("join(\"-\", (proc.nope)) = x", OPEN))
                .isInstanceOfSatisfying(
                        CompileException.class,
                        e -> assertThat(e.unknownField()).isTrue());
    }

    @Test
    void everyFieldOfTheSharedRulesIsInTheCatalogue() {
        for (String f : List.of(
                "evt.type",
                "evt.num",
                "evt.res",
                "evt.rawres",
                "evt.args",
                "evt.buffer",
                "evt.is_open_exec",
                "evt.is_open_read",
                "evt.is_open_write",
                "fd.cip",
                "fd.cip.name",
                "fd.cnet",
                "fd.connected",
                "fd.directory",
                "fd.filename",
                "fd.ip",
                "fd.l4proto",
                "fd.lip.name",
                "fd.lport",
                "fd.name",
                "fd.name_changed",
                "fd.nameraw",
                "fd.net",
                "fd.num",
                "fd.port",
                "fd.rip",
                "fd.rip.name",
                "fd.rnet",
                "fd.rport",
                "fd.sip",
                "fd.sip.name",
                "fd.snet",
                "fd.sockfamily",
                "fd.sport",
                "fd.type",
                "fd.typechar",
                "group.gid",
                "group.name",
                "k8s.ns.name",
                "k8s.pod.name",
                "proc.aexe",
                "proc.aexepath",
                "proc.aname",
                "proc.args",
                "proc.cmdline",
                "proc.cwd",
                "proc.duration",
                "proc.env",
                "proc.exe",
                "proc.exe_ino.ctime",
                "proc.exe_ino.ctime_duration_proc_start",
                "proc.exe_ino.mtime",
                "proc.exepath",
                "proc.is_exe_from_memfd",
                "proc.is_exe_upper_layer",
                "proc.is_vpgid_leader",
                "proc.name",
                "proc.pcmdline",
                "proc.pexe",
                "proc.pexepath",
                "proc.pname",
                "proc.sname",
                "proc.tty",
                "proc.vpid",
                "thread.cap_effective",
                "thread.cap_permitted",
                "user.loginname",
                "user.loginuid",
                "user.name",
                "user.uid",
                "container.id",
                "container.image.repository",
                "container.mounts",
                "container.privileged",
                "container.start_ts",
                "container.mount.dest",
                "evt.arg.flags",
                "evt.time",
                "fs.path.name")) {
            assertThat(FieldCatalogue.standard().isDefined(f)).as(f).isTrue();
        }
    }
}
