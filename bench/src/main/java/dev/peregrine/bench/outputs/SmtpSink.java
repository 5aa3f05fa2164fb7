package dev.peregrine.bench.outputs;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * GreenMail as the SMTP server of the email benchmark, in a JVM of its own with a short class
 * path: GreenMail builds a Jakarta Mail {@code Session} for every message it receives, and each
 * one scans the class path for mail provider files under a lock, so in the harness JVM (about
 * 200 jars: Kafka, Spring, ...) it took tens of milliseconds per message and was the bottleneck
 * of both the output and smtp-source.
 *
 * <p>Driven over stdin, one command per line, one answer line each: {@code count} (messages
 * received), {@code purge}, {@code sample PATH} (writes one received mail, the one closest to
 * the mean size, as smtp-source's {@code -F} wants it), {@code stop}. Exits when stdin closes, on
 * {@code stop}, or after {@code maxSeconds}.
 *
 * <pre>java -cp ... dev.peregrine.bench.outputs.SmtpSink PORT MAX_SECONDS</pre>
 */
public final class SmtpSink {
    private SmtpSink() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long maxSeconds = Long.parseLong(args[1]);
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(30_000);
        GreenMail mail = new GreenMail(setup);
        mail.start();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(maxSeconds * 1000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("smtp sink: " + maxSeconds + " s are up, stopping");
            Runtime.getRuntime().halt(2);
        });
        System.out.println("READY " + port);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        try {
            while ((line = in.readLine()) != null) {
                String[] cmd = line.trim().split(" ", 2);
                switch (cmd[0]) {
                    case "count" -> System.out.println(mail.getReceivedMessages().length);
                    case "purge" -> {
                        mail.purgeEmailFromAllMailboxes();
                        System.out.println("ok");
                    }
                    case "sample" -> System.out.println(sample(mail, Path.of(cmd[1])));
                    case "stop" -> {
                        return;
                    }
                    default -> System.out.println("error unknown command " + cmd[0]);
                }
                System.out.flush();
            }
        } finally {
            mail.stop();
        }
    }

    /**
     * One received mail as smtp-source's {@code -F} wants it: header and body with LF line ends
     * (it sends CRLF), without the trace headers GreenMail added on receipt.
     */
    static String sample(GreenMail mail, Path file) throws Exception {
        MimeMessage[] got = mail.getReceivedMessages();
        if (got.length == 0) {
            return "error no mail received";
        }
        List<String> raw = new ArrayList<>();
        for (MimeMessage m : got) {
            raw.add(GreenMailUtil.getWholeMessage(m));
        }
        double mean = raw.stream().mapToInt(String::length).average().orElse(0);
        String pick = raw.stream()
                .min((x, y) -> Double.compare(Math.abs(x.length() - mean), Math.abs(y.length() - mean)))
                .orElseThrow();
        StringBuilder out = new StringBuilder();
        boolean header = true;
        boolean skipping = false;
        for (String l : pick.split("\r?\n", -1)) {
            if (header && l.isEmpty()) {
                header = false;
            }
            if (header) {
                if (!(l.startsWith(" ") || l.startsWith("\t"))) {
                    skipping = l.regionMatches(true, 0, "Received:", 0, 9)
                            || l.regionMatches(true, 0, "Return-Path:", 0, 12);
                }
                if (skipping) {
                    continue;
                }
            }
            out.append(l).append('\n');
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
        return String.format(Locale.ROOT, "ok %d %d %.0f", Files.size(file), raw.size(), mean);
    }
}
