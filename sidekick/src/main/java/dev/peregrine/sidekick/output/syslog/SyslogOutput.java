package dev.peregrine.sidekick.output.syslog;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.output.DeliveryException;
import dev.peregrine.sidekick.output.Output;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.json.JsonWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes each alert as one RFC 5424 syslog message. UDP: one datagram per message (RFC 5426),
 * nothing acknowledges it. TCP and TLS: one connection per output, kept open and shared by all
 * sends (one at a time), each message framed by octet counting ({@code LEN SP MSG}, RFC 6587 and
 * RFC 5425). Syslog has no acknowledgement: a send is done when the message is in the kernel's
 * send buffer, which is as much as Falcosidekick's syslog output knows too.
 */
final class SyslogOutput implements Output {

    /** RFC 5424's facility names (section 6.2.1), with the names syslog implementations use. */
    static final Map<String, Integer> FACILITIES = Map.ofEntries(
            Map.entry("kern", 0),
            Map.entry("user", 1),
            Map.entry("mail", 2),
            Map.entry("daemon", 3),
            Map.entry("auth", 4),
            Map.entry("syslog", 5),
            Map.entry("lpr", 6),
            Map.entry("news", 7),
            Map.entry("uucp", 8),
            Map.entry("cron", 9),
            Map.entry("authpriv", 10),
            Map.entry("ftp", 11),
            Map.entry("ntp", 12),
            Map.entry("security", 13),
            Map.entry("console", 14),
            Map.entry("solaris-cron", 15),
            Map.entry("local0", 16),
            Map.entry("local1", 17),
            Map.entry("local2", 18),
            Map.entry("local3", 19),
            Map.entry("local4", 20),
            Map.entry("local5", 21),
            Map.entry("local6", 22),
            Map.entry("local7", 23));

    /** Falcosidekick's CEF severity (0-10) per priority. */
    static final Map<Priority, Integer> CEF_SEVERITY = new EnumMap<>(Map.of(
            Priority.DEBUG,
            0,
            Priority.INFORMATIONAL,
            3,
            Priority.NOTICE,
            4,
            Priority.WARNING,
            6,
            Priority.ERROR,
            7,
            Priority.CRITICAL,
            8,
            Priority.ALERT,
            9,
            Priority.EMERGENCY,
            10));

    /** RFC 5424 TIMESTAMP: RFC 3339, at most 6 fraction digits; UTC. */
    static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd'T'HH:mm:ss")
            .appendFraction(ChronoField.MICRO_OF_SECOND, 6, 6, true)
            .appendLiteral('Z')
            .toFormatter(Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** The largest UDP payload over IPv4. */
    static final int MAX_DATAGRAM = 65_507;

    /**
     * JSON kept to ASCII (other characters as {@code \\uXXXX}): MSG is then plain octets (RFC 5424's
     * MSG-ANY), which every receiver takes, and a JSON parser still gets the exact strings back.
     */
    private static final JsonMapper ASCII_JSON =
            JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    /**
     * Before a write on a connection idle this long, check whether the server closed it: a write
     * to a closed connection still succeeds once, into the kernel's buffer, and that message would
     * be lost. Back-to-back writes skip the check (it may wait a millisecond).
     */
    static final Duration IDLE_CHECK = Duration.ofMillis(50);

    private final String name;
    private final SyslogConfig config;
    private final String protocol;
    private final int port;
    private final int facility;
    private final Duration idleCheck;
    private final ReentrantLock lock = new ReentrantLock();
    /** Closes a connection whose write blocks longer than the timeout (a server that stopped reading). */
    private final ScheduledExecutorService watchdog;

    private final SSLContext ssl;
    /** Volatile so that {@link #close} can close it under a write blocked while holding the lock. */
    private volatile Socket socket;

    private OutputStream out;
    private long lastWrite;
    private DatagramSocket datagrams;
    private volatile boolean closed;

    SyslogOutput(String name, SyslogConfig config, String protocol, int port, int facility) {
        this(name, config, protocol, port, facility, IDLE_CHECK);
    }

    SyslogOutput(String name, SyslogConfig config, String protocol, int port, int facility, Duration idleCheck) {
        this.name = name;
        this.config = config;
        this.protocol = protocol;
        this.port = port;
        this.facility = facility;
        this.idleCheck = idleCheck;
        this.ssl = !protocol.equals("tls")
                ? null
                : config.tls().customized() ? config.tls().sslContext() : defaultSsl();
        this.watchdog = protocol.equals("udp")
                ? null
                : Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                        .daemon()
                        .name("syslog-watchdog-" + name)
                        .factory());
    }

    private static SSLContext defaultSsl() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- configuration checks

    static int facility(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        Integer code = FACILITIES.get(n);
        if (code == null && n.matches("\\d{1,2}") && Integer.parseInt(n) <= 23) {
            code = Integer.parseInt(n);
        }
        if (code == null) {
            throw new IllegalArgumentException("unknown facility '" + name + "'; expected a number 0-23 or one of "
                    + String.join(", ", new TreeSet<>(FACILITIES.keySet())));
        }
        return code;
    }

    /** RFC 5424's PRINTUSASCII (33-126), 1 to {@code max} characters. */
    static boolean printableAscii(String s, int max) {
        return s != null && !s.isEmpty() && s.length() <= max && s.chars().allMatch(c -> c >= 33 && c <= 126);
    }

    /** An SD-NAME, and for a private SD-ID a name, '@' and an enterprise number (RFC 5424 6.3.2, 7.2.2). */
    static boolean validSdId(String id) {
        if (!printableAscii(id, 32) || id.chars().anyMatch(c -> c == '=' || c == ']' || c == '"')) {
            return false;
        }
        int at = id.indexOf('@');
        return at > 0 && id.indexOf('@', at + 1) < 0 && id.substring(at + 1).matches("[1-9][0-9]*(\\.[0-9]+)*");
    }

    // --- the message

    /** The RFC 5424 SYSLOG-MSG for an alert, unframed. */
    byte[] message(Alert alert) {
        int pri = facility * 8 + alert.priority().ordinal(); // Falco's priorities are syslog's severities, in order
        String host = config.hostname() != null ? config.hostname() : token(alert.hostname(), 255);
        StringBuilder header = new StringBuilder(256)
                .append('<')
                .append(pri)
                .append(">1 ")
                .append(TIMESTAMP.format(alert.time()))
                .append(' ')
                .append(host.isEmpty() ? "-" : host)
                .append(' ')
                .append(config.appName())
                .append(' ')
                .append("- ") // PROCID: the sidekick's pid would say nothing about the event
                .append(msgId(alert.rule()))
                .append(' ');
        if (config.structuredDataId() == null) {
            header.append('-');
        } else {
            header.append('[').append(config.structuredDataId());
            param(header, "uuid", alert.uuid());
            param(header, "rule", alert.rule());
            param(header, "priority", alert.priority().falcoName());
            param(header, "source", alert.source());
            if (!alert.hostname().isEmpty()) {
                param(header, "hostname", alert.hostname());
            }
            if (!alert.tags().isEmpty()) {
                param(header, "tags", String.join(",", alert.tags()));
            }
            header.append(']');
        }
        header.append(' ');
        ByteArrayOutputStream msg =
                new ByteArrayOutputStream(1024 + alert.output().length() * 2);
        msg.writeBytes(header.toString().getBytes(StandardCharsets.UTF_8));
        if (config.format().equalsIgnoreCase("cef")) {
            String cef = cef(alert);
            if (!cef.chars().allMatch(c -> c < 128)) {
                msg.writeBytes(BOM); // RFC 5424 6.4: UTF-8 text starts with a BOM
            }
            msg.writeBytes(cef.getBytes(StandardCharsets.UTF_8));
        } else {
            try (JsonGenerator g = ASCII_JSON.createGenerator(msg)) {
                AlertJson.write(alert, g);
            }
        }
        return msg.toByteArray();
    }

    /** MSGID: the rule, spaces and other characters outside PRINTUSASCII as '_', at most 32. */
    static String msgId(String rule) {
        String id = token(rule, 32);
        return id.isEmpty() ? "-" : id;
    }

    private static String token(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c >= 33 && c <= 126 ? c : '_');
        }
        return b.toString();
    }

    /** An SD-PARAM; '"', '\' and ']' escaped with '\' (RFC 5424 6.3.3). */
    private static void param(StringBuilder b, String name, String value) {
        b.append(' ').append(name).append("=\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c == ']') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    /**
     * Falcosidekick's CEF line, escaped as CEF requires ('|' and '\' in the header; '=', '\' and
     * line breaks in extension values), output fields in name order, {@code start} in
     * milliseconds since the epoch, as CEF defines it.
     */
    static String cef(Alert alert) {
        StringBuilder b = new StringBuilder(512 + alert.output().length());
        b.append("CEF:0|Falcosecurity|Falco|1.0|Falco Event|")
                .append(cefHeader(alert.rule()))
                .append('|')
                .append(CEF_SEVERITY.get(alert.priority()))
                .append('|');
        b.append("uuid=").append(cefValue(alert.uuid()));
        b.append(" start=").append(alert.time().toEpochMilli());
        b.append(" msg=").append(cefValue(alert.output()));
        b.append(" source=").append(cefValue(alert.source()));
        if (!alert.hostname().isEmpty()) {
            b.append(" hostname=").append(cefValue(alert.hostname()));
        }
        b.append(" outputfields=");
        alert.outputFields()
                .keySet()
                .forEach(k -> b.append(cefValue(k))
                        .append(':')
                        .append(cefValue(alert.fieldText(k)))
                        .append(' '));
        if (!alert.tags().isEmpty()) {
            b.append("tags=").append(cefValue(String.join(",", alert.tags())));
        }
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == ' ') {
            end--;
        }
        b.setLength(end);
        return b.toString();
    }

    private static String cefHeader(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    private static String cefValue(String s) {
        return s.replace("\\", "\\\\").replace("=", "\\=").replace("\r", "\\r").replace("\n", "\\n");
    }

    // --- transport

    @Override
    public void send(Alert alert) throws DeliveryException {
        byte[] msg = message(alert);
        String where = "syslog " + protocol + "://" + config.host() + ":" + port;
        lock.lock();
        try {
            if (closed) {
                throw DeliveryException.retryable(where + ": output closed", null);
            }
            if (protocol.equals("udp")) {
                sendDatagram(where, msg);
            } else {
                sendFramed(where, msg);
            }
        } finally {
            lock.unlock();
        }
    }

    private void sendDatagram(String where, byte[] msg) throws DeliveryException {
        if (msg.length > MAX_DATAGRAM) {
            throw DeliveryException.permanent(where + ": message of " + msg.length + " bytes does not fit in a UDP"
                    + " datagram (at most " + MAX_DATAGRAM + "); use protocol tcp or tls");
        }
        try {
            if (datagrams == null) {
                datagrams = new DatagramSocket();
            }
            InetSocketAddress to = new InetSocketAddress(config.host(), port);
            if (to.isUnresolved()) {
                throw DeliveryException.retryable(where + ": cannot resolve " + config.host(), null);
            }
            datagrams.send(new DatagramPacket(msg, msg.length, to));
        } catch (IOException e) {
            closeDatagrams();
            throw DeliveryException.retryable(where + ": " + describe(e), e);
        }
    }

    private void sendFramed(String where, byte[] msg) throws DeliveryException {
        byte[] length = (msg.length + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] frame = new byte[length.length + msg.length]; // one write, one segment
        System.arraycopy(length, 0, frame, 0, length.length);
        System.arraycopy(msg, 0, frame, length.length, msg.length);
        try {
            if (socket != null && System.nanoTime() - lastWrite >= idleCheck.toNanos() && peerClosed(socket)) {
                closeSocket();
            }
            if (socket == null) {
                connect();
            }
            Socket s = socket;
            AtomicBoolean stuck = new AtomicBoolean();
            ScheduledFuture<?> guard = watchdog.schedule(
                    () -> {
                        stuck.set(true);
                        closeQuietly(s);
                    },
                    config.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                out.write(frame);
                out.flush();
            } catch (IOException e) {
                if (stuck.get()) {
                    throw new IOException(
                            "write blocked for more than " + config.timeout()
                                    + " (the server does not read); connection closed",
                            e);
                }
                throw e;
            } finally {
                guard.cancel(false);
            }
            lastWrite = System.nanoTime();
        } catch (IOException e) {
            closeSocket();
            throw DeliveryException.retryable(where + ": " + describe(e), e);
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            InetSocketAddress to = new InetSocketAddress(config.host(), port);
            if (to.isUnresolved()) {
                throw new IOException("cannot resolve " + config.host());
            }
            s.connect(to, (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
            if (ssl != null) {
                SSLSocket tls = (SSLSocket) ssl.getSocketFactory().createSocket(s, config.host(), port, true);
                SSLParameters params = tls.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                tls.setSSLParameters(params);
                tls.startHandshake();
                s = tls;
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(s);
            throw e;
        }
        socket = s;
        out = s.getOutputStream();
    }

    /**
     * True when the server closed the connection (or reset it). A syslog server sends nothing, so
     * a read that times out at once means the connection is still open.
     */
    private static boolean peerClosed(Socket s) {
        try {
            s.setSoTimeout(1);
            return s.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private void closeSocket() {
        closeQuietly(socket);
        socket = null;
        out = null;
    }

    private void closeDatagrams() {
        if (datagrams != null) {
            datagrams.close();
            datagrams = null;
        }
    }

    private static void closeQuietly(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(socket); // unblocks a send stuck in a write, which holds the lock
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        lock.lock();
        try {
            closeSocket();
            closeDatagrams();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "syslog output " + name;
    }
}
