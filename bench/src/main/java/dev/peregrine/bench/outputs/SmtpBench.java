package dev.peregrine.bench.outputs;

import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.output.email.EmailConfig;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The email output (one SMTP connection per alert, as Falcosidekick; default subject, text +
 * HTML bodies from its templates) against GreenMail ({@link SmtpSink}, in a JVM of its own with a
 * short class path), and as the
 * ceiling Postfix's SMTP load generator {@code smtp-source} against the same GreenMail: N
 * parallel sessions, one connection per message (its default), each message a copy of a mail
 * the output sent (the one closest to the mean size, its headers as the output wrote them).
 * GreenMail's own count of received messages is read after each step, then emptied.
 */
final class SmtpBench {
    static final String FROM = "falco@example.org";
    static final String TO = "soc@example.org";

    private final OutputBench b;
    private final String smtpSource;
    private final String smtpSourceLib;
    private final int ceilingMessages;
    private int port;

    SmtpBench(OutputBench b) {
        this.b = b;
        this.smtpSource = b.arg("smtp-source", "/usr/sbin/smtp-source");
        this.smtpSourceLib = b.arg("smtp-source-lib", "");
        this.ceilingMessages = Integer.parseInt(b.arg("ceiling-records", "10000"));
    }

    void run() throws Exception {
        port = Integer.parseInt(b.arg("smtp-port", String.valueOf(freePort())));
        try (Sink sink = new Sink(port, b.runs * 600L + 900)) {
            OutputBench.OUT.println("greenmail smtp (own JVM, pid " + sink.process.pid() + ") on 127.0.0.1:" + port);
            b.serverPid = sink.process.pid();
            OutputBench.Counter received = () -> Long.parseLong(sink.command("count"));
            EmailConfig config = new EmailConfig(
                    "127.0.0.1",
                    port,
                    null,
                    null,
                    "off",
                    false,
                    "Peregrine <" + FROM + ">",
                    List.of(TO),
                    "[{{ priority }}] {{ output }}",
                    "html",
                    null,
                    null,
                    Duration.ofSeconds(30),
                    TlsConfig.NONE,
                    EmailConfig.Digest.OFF);
            int maxP = Arrays.stream(b.parallelism).max().orElse(4);
            try (Output output = config.create(new OutputContext("mail", "peregrine.outputs.mail"))) {
                // Warm-up (run 0): also gives the mail smtp-source sends.
                b.measure(() -> b.drive("smtp", "output-p" + maxP, 0, output, maxP, b.warmupAlerts, received));
                Path message = Files.createTempFile("smtp-source-message", ".eml");
                String picked = sink.command("sample " + message);
                if (!picked.startsWith("ok")) {
                    throw new IllegalStateException("no sample mail: " + picked);
                }
                String[] f = picked.split(" ");
                OutputBench.OUT.printf(
                        "mail for smtp-source: %s bytes (the output's warm-up mails: %s, mean %s bytes)%n",
                        f[1], f[2], f[3]);
                sink.command("purge");
                b.measure(() -> smtpSource(message, 0, maxP, Math.max(500, ceilingMessages / 5), received));
                sink.command("purge");
                for (int i = 1; i <= b.runs; i++) {
                    final int run = i;
                    for (int p : b.parallelism) {
                        b.measure(() -> smtpSource(message, run, p, ceilingMessages, received));
                        sink.command("purge");
                        b.measure(() -> b.drive("smtp", "output-p" + p, run, output, p, b.maxAlerts, received));
                        sink.command("purge");
                    }
                }
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** {@link SmtpSink} in a JVM of its own, class path: bench.jar and GreenMail's few jars. */
    static final class Sink implements AutoCloseable {
        private static final List<String> JARS = List.of(
                "bench.jar",
                "greenmail-",
                "jakarta.mail-api-",
                "angus-mail-",
                "angus-activation-",
                "jakarta.activation-api-",
                "slf4j-api-");
        final Process process;
        private final BufferedReader out;
        private final PrintWriter in;

        Sink(int port, long maxSeconds) throws Exception {
            String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .filter(e -> JARS.stream()
                            .anyMatch(j -> Path.of(e).getFileName().toString().startsWith(j)))
                    .collect(Collectors.joining(File.pathSeparator));
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(
                            java,
                            "-Xms256m",
                            "-Xmx1g",
                            "-cp",
                            cp,
                            SmtpSink.class.getName(),
                            String.valueOf(port),
                            String.valueOf(maxSeconds))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
            String ready = out.readLine();
            if (ready == null || !ready.startsWith("READY")) {
                throw new IllegalStateException("smtp sink did not start: " + ready);
            }
        }

        synchronized String command(String c) throws IOException {
            in.println(c);
            String answer = out.readLine();
            if (answer == null) {
                throw new IOException("smtp sink is gone");
            }
            return answer;
        }

        @Override
        public void close() throws Exception {
            in.println("stop");
            in.close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private OutputBench.Result smtpSource(Path message, int run, int sessions, int count, OutputBench.Counter received)
            throws Exception {
        long before = received.count();
        ProcessBuilder pb = new ProcessBuilder(
                        smtpSource,
                        "-s",
                        String.valueOf(sessions),
                        "-m",
                        String.valueOf(count),
                        "-F",
                        message.toString(),
                        "-f",
                        FROM,
                        "-t",
                        TO,
                        "-M",
                        "bench.localhost",
                        "127.0.0.1:" + port)
                .redirectErrorStream(true);
        if (!smtpSourceLib.isEmpty()) {
            pb.environment().put("LD_LIBRARY_PATH", smtpSourceLib);
        }
        Path log = Files.createTempFile("smtp-source", ".log");
        pb.redirectOutput(log.toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        boolean done = p.waitFor(b.maxSeconds * 6L + 60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!done) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log);
        long got = received.count() - before;
        if (!done || p.exitValue() != 0 || !out.isBlank()) {
            OutputBench.OUT.println("smtp-source (exit " + (done ? p.exitValue() : "killed") + "): "
                    + out.lines().limit(5).toList());
        }
        // smtp-source says nothing per message: what GreenMail received is what it acknowledged.
        return new OutputBench.Result("smtp", "smtp-source-p" + sessions, run, got, count - got, seconds, got, "");
    }
}
