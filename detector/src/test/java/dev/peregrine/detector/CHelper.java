package dev.peregrine.detector;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds the small C programs the capture tests run to make real syscalls, with the clang the
 * BPF build needs anyway.
 */
public final class CHelper {
    private CHelper() {}

    /**
     * Compiles {@code source} with {@code clang -Wall -Werror} into {@code dir}, named after the
     * source without its {@code .c}; fails the test with clang's output when it does not build.
     *
     * @return the program
     */
    public static Path compile(Path source, Path dir) throws IOException, InterruptedException {
        String name = source.getFileName().toString().replaceFirst("\\.c$", "");
        Path bin = dir.resolve(name);
        Process cc = new ProcessBuilder("clang", "-Wall", "-Werror", "-o", bin.toString(), source.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(cc.waitFor(2, TimeUnit.MINUTES))
                .as("clang finishes building %s", source)
                .isTrue();
        assertThat(cc.exitValue()).as("clang builds %s: %s", source, out).isZero();
        return bin;
    }
}
