package dev.peregrine.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged sidekick.jar as a user starts it: its help, and its configuration file beside it. */
class SidekickJarTest {
    @TempDir
    Path dir;

    record Exit(int code, String output) {}

    Exit run(Path jar, Path workingDir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("out-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd)
                .directory(workingDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("sidekick.jar did not exit: " + Files.readString(log));
        }
        return new Exit(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsHelpAndExitsWithoutStartingTheServer() throws Exception {
        Exit e = run(Product.ROOT.resolve("sidekick/target/sidekick.jar").toAbsolutePath(), dir, "--help");
        assertThat(e.code()).isZero();
        assertThat(e.output()).startsWith("Usage: java -jar sidekick.jar").doesNotContain("Tomcat");
    }

    /**
     * Started from another directory, the sidekick reads the application.yml beside its jar:
     * here one with a typo, which stops startup naming that file, before anything starts and
     * with no JVM warning.
     */
    @Test
    void theApplicationYmlBesideTheJarIsRead() throws Exception {
        Path install = Files.createDirectories(dir.resolve("opt/peregrine"));
        Path jar = Files.createSymbolicLink(
                install.resolve("sidekick.jar"),
                Product.ROOT.resolve("sidekick/target/sidekick.jar").toAbsolutePath());
        Path yml = Files.writeString(install.resolve("application.yml"), """
                peregrine:
                  spool:
                    dir: %s
                  outptus:
                    chat: {type: slack}
                """.formatted(dir.resolve("spool")));
        Path elsewhere = Files.createDirectories(dir.resolve("home"));

        Exit e = run(jar, elsewhere, "--server.port=0", "--spring.grpc.server.port=0");
        assertThat(e.code()).as(e.output()).isNotZero();
        assertThat(e.output())
                .contains("configuration read from the embedded defaults (application.yml in the jar), then " + yml)
                .contains("peregrine.outptus (" + yml + ":5): unknown setting, nothing reads it; did you mean"
                        + " peregrine.outputs?")
                .doesNotContain("WARNING:")
                .doesNotContain("Tomcat")
                .doesNotContain("\tat "); // one readable block, no stack trace
        assertThat(dir.resolve("spool")).doesNotExist();
    }
}
