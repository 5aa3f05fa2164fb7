package dev.peregrine.sidekick.store;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * How an alert's JSON is kept in the store: deflated (fastest level) against a preset dictionary
 * of what every Falco alert repeats (its JSON keys, common field names, the labels of Falco's
 * output lines), which alone is most of a small document. About a third of the JSON's size, for
 * some 10 µs per alert on the store's writer thread. The first byte says which form: stored
 * bodies must stay readable, so the dictionary of form 1 never changes; a new one is form 2.
 */
final class BodyCodec {
    private static final byte FORM = 1;
    private static final byte[] DICTIONARY = dictionary();

    private BodyCodec() {}

    static byte[] encode(byte[] json) {
        Deflater d = new Deflater(1);
        try {
            d.setDictionary(DICTIONARY);
            d.setInput(json);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 2 + 16);
            out.write(FORM);
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
        if (stored.length == 0 || stored[0] != FORM) {
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

    /** Form 1's dictionary: never change it (see the class comment). */
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
