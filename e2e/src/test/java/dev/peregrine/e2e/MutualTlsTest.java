package dev.peregrine.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.testkit.Need;
import dev.peregrine.testkit.Needs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detector-to-sidekick stream with mutual TLS on: a detector with a certificate from the
 * trusted CA gets through; one without a client certificate is refused and says why. The
 * detector needs eBPF to start.
 */
@Needs(Need.BPF)
class MutualTlsTest {
    @TempDir
    static Path certs;

    @TempDir
    Path dir;

    final List<Product.Running> started = new ArrayList<>();
    Webhook webhook;

    static void openssl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .directory(certs.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
        }
    }

    /** A CA, a server certificate for 127.0.0.1 and a client certificate, all PEM with PKCS#8 keys. */
    @BeforeAll
    static void makeCertificates() throws Exception {
        openssl(
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=peregrine-test-ca");
        for (String name : List.of("server", "client")) {
            openssl(
                    "req",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    name + ".key",
                    "-out",
                    name + ".csr",
                    "-subj",
                    "/CN=peregrine-" + name);
            Files.writeString(
                    certs.resolve(name + ".ext"),
                    name.equals("server")
                            ? "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                            : "extendedKeyUsage=clientAuth\n");
            openssl(
                    "x509",
                    "-req",
                    "-in",
                    name + ".csr",
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    name + ".pem",
                    "-days",
                    "2",
                    "-extfile",
                    name + ".ext");
        }
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Product.Running r : started) {
            r.stop();
        }
        if (webhook != null) {
            webhook.close();
        }
    }

    Product.Running sidekick(int grpc) throws Exception {
        Product.Running r = Product.sidekick(
                dir,
                Product.freePort(),
                grpc,
                "--peregrine.outputs.siem.type=webhook",
                "--peregrine.outputs.siem.url=" + webhook.url(),
                "--spring.ssl.bundle.pem.intake.keystore.certificate=file:" + certs.resolve("server.pem"),
                "--spring.ssl.bundle.pem.intake.keystore.private-key=file:" + certs.resolve("server.key"),
                "--spring.ssl.bundle.pem.intake.truststore.certificate=file:" + certs.resolve("ca.pem"),
                "--spring.grpc.server.ssl.bundle=intake",
                "--spring.grpc.server.ssl.client-auth=require");
        started.add(r);
        return r;
    }

    static void readShadow(String marker) throws Exception {
        Process p = new ProcessBuilder("/bin/cat", "/etc/shadow", "/nonexistent/" + marker)
                .redirectErrorStream(true)
                .start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    boolean arrived(String marker) {
        return webhook.alerts().stream()
                .anyMatch(a -> a.get("output").stringValue().contains(marker));
    }

    @Test
    void aDetectorWithAClientCertificateGetsThrough() throws Exception {
        webhook = new Webhook();
        int grpc = Product.freePort();
        sidekick(grpc);
        started.add(Product.detector(
                dir,
                Product.freePort(),
                "--sidekick",
                "127.0.0.1:" + grpc,
                "--sidekick-ca",
                certs.resolve("ca.pem").toString(),
                "--sidekick-cert",
                certs.resolve("client.pem").toString(),
                "--sidekick-key",
                certs.resolve("client.key").toString()));
        String marker = "tls-" + UUID.randomUUID();
        readShadow(marker);
        Product.await(Duration.ofSeconds(60), () -> arrived(marker), () -> "the alert over mutual TLS");
    }

    @Test
    void aDetectorWithoutAClientCertificateIsRefusedAndSaysWhy() throws Exception {
        webhook = new Webhook();
        int grpc = Product.freePort();
        Product.Running sidekick = sidekick(grpc);
        Product.Running detector = Product.detector(
                dir,
                Product.freePort(),
                "--sidekick",
                "127.0.0.1:" + grpc,
                "--sidekick-ca",
                certs.resolve("ca.pem").toString());
        started.add(detector);
        String marker = "notls-" + UUID.randomUUID();
        readShadow(marker);
        Product.await(
                Duration.ofSeconds(60),
                // The link says once that it waits for the sidekick, and why (LinkLog).
                () -> detector.logText().contains("waiting for the sidekick at 127.0.0.1:" + grpc + ": UNAVAILABLE"),
                detector::logText);
        assertThat(detector.logText()).contains("UNAVAILABLE");
        // The sidekick's side of the refusal, with the reason (gRPC logs it below INFO; the
        // sidekick turns that logger up).
        Product.await(
                Duration.ofSeconds(30),
                () -> sidekick.logText().contains("TLS negotiation failed")
                        && sidekick.logText().contains("Empty client certificate chain"),
                sidekick::logText);
        assertThat(arrived(marker)).isFalse();
        assertThat(sidekick.process().isAlive()).isTrue();
    }
}
