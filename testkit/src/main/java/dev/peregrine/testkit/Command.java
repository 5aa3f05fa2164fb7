package dev.peregrine.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command to its end (or a timeout) and keeps what it printed: for test fixtures. */
public final class Command {
    private Command() {}

    /** Exit code (-1 when it could not run or timed out), stdout and stderr. */
    public record Result(int code, String out, String err) {}

    /** Runs {@code cmd} with stdin from /dev/null; kills it after {@code timeout}. */
    public static Result run(Duration timeout, List<String> cmd) {
        try {
            Path out = Files.createTempFile("peregrine-exec", ".out");
            Path err = Files.createTempFile("peregrine-exec", ".err");
            try {
                Process p = new ProcessBuilder(cmd)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    return new Result(
                            -1, Files.readString(out), "timed out after " + timeout + ": " + Files.readString(err));
                }
                return new Result(
                        p.exitValue(),
                        Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return new Result(-1, "", cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", "interrupted");
        }
    }
}
