package dev.peregrine.sidekick.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * How an alert's JSON is kept in the store: compressed against a preset dictionary of what every
 * Falco alert repeats (its JSON keys, common field names, the labels of Falco's output lines),
 * which alone is most of a small document: about a third of the JSON's size. The first byte says
 * which form, and stored bodies must stay readable, so a form's dictionary never changes:
 *
 * <ul>
 *   <li>1: zlib (deflate, fastest level) with {@link #dictionary()}; about 45 µs of CPU per alert
 *       on the store's writer thread, the most of any step of a store write (measured with JFR,
 *       docs/benchmarks.md), so no longer written;
 *   <li>2: zstd (level 1, with a checksum) with the same bytes as a raw-content dictionary: the
 *       same size for about a third of the CPU. Written by {@link Encoder}.
 * </ul>
 */
final class BodyCodec {
    private static final byte DEFLATE = 1;
    private static final byte ZSTD = 2;
    private static final int ZSTD_LEVEL = 1;
    private static final byte[] DICTIONARY = dictionary();
    private static final ZstdDictCompress ZSTD_DICTIONARY = new ZstdDictCompress(DICTIONARY, ZSTD_LEVEL);
    private static final ZstdDictDecompress ZSTD_UNDICTIONARY = new ZstdDictDecompress(DICTIONARY);

    private BodyCodec() {}

    /**
     * Encodes bodies on one thread (zstd's context is kept between alerts: setting it up again
     * would cost as much as the compression). Not thread-safe.
     */
    static final class Encoder implements AutoCloseable {
        private final ZstdCompressCtx zstd = new ZstdCompressCtx();

        Encoder() {
            zstd.loadDict(ZSTD_DICTIONARY);
            zstd.setChecksum(true);
            zstd.setContentSize(true);
            zstd.setDictID(false);
        }

        byte[] encode(byte[] json) {
            byte[] packed = zstd.compress(json);
            byte[] out = new byte[packed.length + 1];
            out[0] = ZSTD;
            System.arraycopy(packed, 0, out, 1, packed.length);
            return out;
        }

        @Override
        public void close() {
            zstd.close();
        }
    }

    /** Form 2, on a context of its own (tests and one-offs; the writer keeps an {@link Encoder}). */
    static byte[] encode(byte[] json) {
        try (Encoder e = new Encoder()) {
            return e.encode(json);
        }
    }

    /** Form 1, as stores written before form 2 hold it: for tests that such bodies stay readable. */
    static byte[] deflate(byte[] json) {
        Deflater d = new Deflater(1);
        try {
            d.setDictionary(DICTIONARY);
            d.setInput(json);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 2 + 16);
            out.write(DEFLATE);
            byte[] buf = new byte[Math.max(256, json.length)];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    static String decode(byte[] stored) {
        if (stored.length > 0 && stored[0] == ZSTD) {
            return unzstd(stored);
        }
        if (stored.length == 0 || stored[0] != DEFLATE) {
            throw new IllegalStateException(
                    "alert body in an unknown form " + (stored.length == 0 ? "(empty)" : stored[0]));
        }
        // zlib's format (not raw deflate): its header names the dictionary by checksum and its
        // trailer checks the data, for 6 bytes an alert
        Inflater i = new Inflater();
        try {
            i.setInput(stored, 1, stored.length - 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream(stored.length * 4);
            byte[] buf = new byte[4096];
            while (!i.finished()) {
                int n = i.inflate(buf);
                if (n == 0 && i.needsDictionary()) {
                    i.setDictionary(DICTIONARY);
                } else if (n == 0 && !i.finished() && i.needsInput()) {
                    throw new IllegalStateException("truncated alert body");
                }
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (DataFormatException e) {
            throw new IllegalStateException("corrupt alert body: " + e.getMessage(), e);
        } finally {
            i.end();
        }
    }

    private static String unzstd(byte[] stored) {
        byte[] frame = Arrays.copyOfRange(stored, 1, stored.length);
        try {
            long size = Zstd.getFrameContentSize(frame);
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalStateException("truncated or corrupt alert body (zstd frame size " + size + ")");
            }
            return new String(Zstd.decompress(frame, ZSTD_UNDICTIONARY, (int) size), StandardCharsets.UTF_8);
        } catch (ZstdException e) {
            throw new IllegalStateException("corrupt alert body: " + e.getMessage(), e);
        }
    }

    /** Forms 1 and 2's dictionary: never change it (see the class comment). */
    private static byte[] dictionary() {
        List<String> fields = List.of(
                "container.id",
                "container.image.repository",
                "container.image.tag",
                "container.name",
                "container.privileged",
                "evt.arg.flags",
                "evt.time",
                "evt.time.iso8601",
                "evt.type",
                "evt.res",
                "fd.name",
                "fd.directory",
                "fd.filename",
                "fd.rip",
                "fd.rport",
                "fd.lip",
                "fd.lport",
                "fd.sip",
                "fd.sport",
                "fd.cip",
                "fd.l4proto",
                "fd.type",
                "k8s.ns.name",
                "k8s.pod.name",
                "proc.aname[2]",
                "proc.aname[3]",
                "proc.aname[4]",
                "proc.cmdline",
                "proc.exepath",
                "proc.name",
                "proc.pname",
                "proc.pcmdline",
                "proc.tty",
                "proc.pid",
                "proc.ppid",
                "proc.cwd",
                "proc.sid",
                "proc.vpgid",
                "proc.is_exe_writable",
                "proc.is_exe_upper_layer",
                "user.loginuid",
                "user.name",
                "user.uid",
                "group.gid",
                "group.name",
                "evt.dir",
                "evt.arg.res");
        List<String> labels = List.of(
                "evt_type",
                "user",
                "user_uid",
                "user_loginuid",
                "process",
                "proc_exepath",
                "parent",
                "command",
                "terminal",
                "exe_flags",
                "container_id",
                "container_name",
                "container_image_repository",
                "container_image_tag",
                "k8s_pod_name",
                "k8s_ns_name",
                "file",
                "gparent",
                "ggparent",
                "gggparent",
                "pcmdline",
                "connection",
                "lport",
                "rport",
                "fd_type",
                "fd_proto");
        String output = " | " + labels.stream().map(l -> l + "=").collect(Collectors.joining(" "))
                + " Emergency Alert Critical Error Warning Notice Informational Debug host <NA> root /usr/bin/ /bin/"
                + " /etc/ runc containerd-shim systemd bash sh docker.io/library/ ";
        String skeleton = "{\"hostname\":\"\",\"output\":\"\",\"output_fields\":{"
                + fields.stream().map(f -> "\"" + f + "\":\"\"").collect(Collectors.joining(","))
                + ",\"k8s.ns.name\":null,\"k8s.pod.name\":null},\"priority\":\"Notice\",\"rule\":\"\","
                + "\"source\":\"syscall\",\"tags\":[\"T1059\",\"container\",\"filesystem\",\"host\","
                + "\"maturity_stable\",\"maturity_sandbox\",\"maturity_incubating\",\"mitre_execution\","
                + "\"mitre_persistence\",\"mitre_credential_access\",\"mitre_privilege_escalation\","
                + "\"mitre_defense_evasion\",\"network\",\"process\",\"shell\"],"
                + "\"time\":\"2026-01-01T00:00:00.000000000Z\",\"uuid\":\"00000000-0000-0000-0000-000000000000\"}";
        return (output + skeleton).getBytes(StandardCharsets.UTF_8);
    }
}
