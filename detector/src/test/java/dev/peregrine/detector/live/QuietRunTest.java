package dev.peregrine.detector.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.capture.Capture;
import dev.peregrine.detector.container.ContainerTable;
import dev.peregrine.detector.event.Event;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.rule.CompiledRule;
import dev.peregrine.detector.rule.RulesLoader;
import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quiet run: normal build activity (C compiles with clang through make, tar + gzip of a source
 * tree and unpacking it again, git status and log on this repository, grep and find over the
 * build tree, java -version) for {@code peregrine.quiet.seconds} (default 40) under the live
 * capture with Falco's stable rules raises no alert. Falco's stable rules raise none for this
 * activity either: no rule of the stable file matches a compiler, an archiver, git or a JVM doing
 * their ordinary work (its shell rules need a protected parent such as a web or database server,
 * its file rules sensitive files, its network rules a container).
 *
 * <p>The capture sees the whole host, where other people's tests may raise alerts on purpose
 * (reading /etc/shadow, ...): only alerts of this test's own process tree (this JVM and its
 * descendants) are asserted. The test also checks that the workload was seen at all: the exec
 * events of the tools, with this JVM among their ancestors.
 */
@Needs(Need.BPF)
class QuietRunTest {
    /** Alerts this workload may raise: none. An entry here needs a reason Falco shares. */
    static final List<String> EXPECTED_RULES = List.of();

    record Alert(CompiledRule rule, Event event) {}

    @TempDir
    Path dir;

    @Test
    void normalBuildActivityRaisesNoAlert() throws Exception {
        long seconds = Long.getLong("peregrine.quiet.seconds", 40);
        long self = ProcessHandle.current().pid();
        RulesLoader.Loaded loaded = new RulesLoader().load(List.of(RulesLoader.RulesSource.bundled()));
        assertThat(loaded.result().successful()).isTrue();

        List<Alert> ours = new CopyOnWriteArrayList<>();
        List<Alert> others = new CopyOnWriteArrayList<>();
        Map<String, LongAdder> execsOfOurs = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch attached = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        ContainerTable containers = ContainerTable.withDefaultEngines();
        LiveDetection detection = new LiveDetection(loaded.ruleset(), new SimpleMeterRegistry(), containers, 10_000);
        Thread loop = Thread.ofPlatform().name("quiet-run").start(() -> {
            try (Capture capture = Capture.open();
                    containers) {
                detection.run(
                        capture,
                        () -> {
                            attached.countDown();
                            return running.get();
                        },
                        e -> {
                            if ((e.type.equals("execve") || e.type.equals("execveat"))
                                    && e.rawres == 0
                                    && descendsFrom(e, self)) {
                                execsOfOurs
                                        .computeIfAbsent(e.proc.name, n -> new LongAdder())
                                        .increment();
                            }
                        },
                        (rule, e) -> (descendsFrom(e, self) ? ours : others).add(new Alert(rule, e)));
            } catch (Throwable t) {
                failure[0] = t;
                attached.countDown();
            }
        });
        int rounds = 0;
        try {
            assertThat(attached.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(failure[0]).isNull();
            Workload work = new Workload(dir);
            work.prepare();
            Instant deadline = Instant.now().plusSeconds(seconds);
            do {
                work.round(rounds++);
            } while (Instant.now().isBefore(deadline));
            // the last round's events are delivered within one poll (10 ms) of the kernel queueing
            // them; wait (bounded) until its final exec, java -version, has been seen
            int javas = rounds;
            Instant seen = Instant.now().plusSeconds(10);
            while (count(execsOfOurs, "java") < javas && Instant.now().isBefore(seen)) {
                Thread.onSpinWait();
            }
        } finally {
            running.set(false);
            loop.join(10_000);
        }
        assertThat(failure[0]).isNull();
        System.out.printf(
                "quiet run: %d rounds in %d s; execs of the workload %s; alerts of other processes on the host: %s%n",
                rounds,
                seconds,
                execsOfOurs,
                others.stream()
                        .map(a -> a.rule().name() + "/" + a.event().proc.name)
                        .toList());
        // the capture saw the workload: otherwise "no alert" would prove nothing
        for (String tool : List.of("make", "clang", "tar", "gzip", "git", "java", "grep", "find")) {
            assertThat(count(execsOfOurs, tool))
                    .as("exec events of %s under this JVM (seen: %s)", tool, execsOfOurs.keySet())
                    .isGreaterThanOrEqualTo(rounds);
        }
        assertThat(ours.stream()
                        .map(a -> a.rule().name() + ": " + a.event().proc.name + " " + a.event().proc.cmdline)
                        .toList())
                .as("alerts raised by the build activity")
                .isEqualTo(EXPECTED_RULES);
    }

    static long count(Map<String, LongAdder> m, String name) {
        LongAdder n = m.get(name);
        return n == null ? 0 : n.sum();
    }

    static boolean descendsFrom(Event e, long pid) {
        if (e.proc.pid == pid) {
            return true;
        }
        for (int i = 0; i < e.ancestorCount(); i++) {
            ProcessInfo a = e.ancestor(i);
            if (a != null && a.pid == pid) {
                return true;
            }
        }
        return false;
    }

    /** One round of build-like activity; every command is bounded in time and must succeed. */
    static final class Workload {
        final Path dir;
        final Path repo = Path.of("").toAbsolutePath().getParent();
        final String java =
                Path.of(System.getProperty("java.home"), "bin", "java").toString();

        Workload(Path dir) {
            this.dir = dir;
        }

        void prepare() throws IOException {
            Path src = Files.createDirectories(dir.resolve("src"));
            Files.writeString(src.resolve("util.h"), "int add(int a, int b);\nint twice(int a);\n");
            Files.writeString(src.resolve("util.c"), "#include \"util.h\"\nint add(int a, int b) { return a + b; }\n");
            Files.writeString(src.resolve("twice.c"), "#include \"util.h\"\nint twice(int a) { return add(a, a); }\n");
            Files.writeString(src.resolve("main.c"), """
                    #include <stdio.h>
                    #include <string.h>
                    #include "util.h"
                    int main(int argc, char **argv) { printf("%d %zu\\n", twice(argc), strlen(argv[0])); return 0; }
                    """);
            Files.writeString(src.resolve("Makefile"), """
                    CC = clang
                    CFLAGS = -O1 -Wall
                    OBJS = main.o util.o twice.o
                    prog: $(OBJS)
                    \t$(CC) -o $@ $(OBJS)
                    %.o: %.c util.h
                    \t$(CC) $(CFLAGS) -c $< -o $@
                    clean:
                    \trm -f prog $(OBJS)
                    .PHONY: clean
                    """);
        }

        void round(int n) throws Exception {
            Path src = dir.resolve("src");
            run(dir, "make", "-s", "-C", src.toString(), "clean");
            run(dir, "make", "-s", "-j2", "-C", src.toString());
            run(dir, src.resolve("prog").toString());
            Path tgz = dir.resolve("headers-" + n + ".tar.gz");
            run(dir, "tar", "-czf", tgz.toString(), "-C", "/usr/include", "linux", "asm-generic");
            Path unpacked = Files.createDirectories(dir.resolve("unpacked-" + n));
            run(dir, "tar", "-xzf", tgz.toString(), "-C", unpacked.toString());
            run(dir, "grep", "-rlq", "define", unpacked.toString());
            run(dir, "find", unpacked.toString(), "-name", "*.h", "-newer", tgz.toString());
            run(dir, "rm", "-rf", unpacked.toString(), tgz.toString());
            run(repo, "git", "status", "--short");
            run(repo, "git", "log", "-1", "--oneline");
            run(dir, java, "-version");
        }

        static void run(Path cwd, String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd)
                    .directory(cwd.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + ": still running after 60 s");
            }
            assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
        }
    }
}
