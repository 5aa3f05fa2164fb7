package dev.peregrine.detector.event;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON-lines event format (one event per line) that replay reads and the capture writes.
 * It is documented in detector/docs/event-format.md; absent keys mean absent values.
 */
public final class EventJson {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private EventJson() {}

    /** A line that is not a valid event; {@code line} is 1-based. */
    public static final class EventFormatException extends RuntimeException {
        public EventFormatException(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    public static void readLines(BufferedReader in, Consumer<Event> sink) {
        try {
            String text;
            int line = 0;
            while ((text = in.readLine()) != null) {
                line++;
                if (text.isBlank() || text.startsWith("#")) continue;
                sink.accept(parse(text, line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Event parse(String json) {
        return parse(json, 1);
    }

    private static Event parse(String json, int line) {
        try {
            return parseChecked(json, line);
        } catch (IllegalArgumentException e) {
            throw new EventFormatException(line, e.getMessage());
        }
    }

    private static Event parseChecked(String json, int line) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new EventFormatException(line, "not JSON: " + e.getOriginalMessage());
        }
        if (!root.isObject()) throw new EventFormatException(line, "an event must be a JSON object");
        String type = text(root, "type");
        if (type == null) throw new EventFormatException(line, "missing \"type\"");
        Event.Builder b = Event.builder()
                .ts(num(root, "ts", 0))
                .num(num(root, "num", Event.NONE))
                .type(type)
                .rawres(num(root, "res", Event.NONE));
        JsonNode args = root.get("args");
        if (args != null && args.isObject()) {
            Map<String, String> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : args.properties()) map.put(e.getKey(), scalar(e.getValue()));
            b.args(map);
        }
        JsonNode proc = root.get("proc");
        if (proc != null) b.proc(process(proc));
        JsonNode anc = root.get("ancestors");
        if (anc != null && anc.isArray()) {
            List<ProcessInfo> list = new ArrayList<>();
            for (JsonNode a : anc.values()) list.add(process(a));
            b.ancestors(list);
        }
        JsonNode user = root.get("user");
        JsonNode group = root.get("group");
        if (user != null || group != null) {
            JsonNode u = user == null ? MAPPER.createObjectNode() : user;
            JsonNode g = group == null ? MAPPER.createObjectNode() : group;
            b.user(new UserInfo(
                    num(u, "uid", Event.NONE),
                    text(u, "name"),
                    num(u, "loginuid", Event.NONE),
                    text(u, "loginname"),
                    text(u, "homedir"),
                    text(u, "shell"),
                    num(g, "gid", Event.NONE),
                    text(g, "name")));
        }
        JsonNode fd = root.get("fd");
        if (fd != null) b.fd(fd(fd));
        JsonNode c = root.get("container");
        JsonNode k = root.get("k8s");
        if (c != null || k != null) b.container(container(c == null ? MAPPER.createObjectNode() : c, k));
        return b.build();
    }

    private static ProcessInfo process(JsonNode p) {
        return ProcessInfo.builder()
                .pid(num(p, "pid", Event.NONE))
                .tid(num(p, "tid", Event.NONE))
                .vpid(num(p, "vpid", Event.NONE))
                .ppid(num(p, "ppid", Event.NONE))
                .name(text(p, "name"))
                .exe(text(p, "exe"))
                .exepath(text(p, "exepath"))
                .args(strings(p, "args"))
                .env(strings(p, "env"))
                .cwd(text(p, "cwd"))
                .tty(num(p, "tty", Event.NONE))
                .sid(num(p, "sid", Event.NONE))
                .sname(text(p, "sname"))
                .vpgid(num(p, "vpgid", Event.NONE))
                .startTs(num(p, "start_ts", Event.NONE))
                .exeIno(num(p, "exe_ino", Event.NONE))
                .exeInoCtime(num(p, "exe_ino_ctime", Event.NONE))
                .exeInoMtime(num(p, "exe_ino_mtime", Event.NONE))
                .exeUpperLayer(bool(p, "exe_upper_layer"))
                .exeFromMemfd(bool(p, "exe_from_memfd"))
                .exeWritable(bool(p, "exe_writable"))
                .capEffective(text(p, "cap_effective"))
                .capPermitted(text(p, "cap_permitted"))
                .capInheritable(text(p, "cap_inheritable"))
                .build();
    }

    private static FdInfo fd(JsonNode f) {
        FdInfo.Builder b = FdInfo.builder()
                .num(num(f, "num", Event.NONE))
                .type(text(f, "type"))
                .name(text(f, "name"))
                .nameraw(text(f, "nameraw"))
                .l4proto(text(f, "l4proto"))
                .client(text(f, "cip"), num(f, "cport", Event.NONE))
                .server(text(f, "sip"), num(f, "sport", Event.NONE))
                .cipName(text(f, "cip_name"))
                .sipName(text(f, "sip_name"))
                .role(role(text(f, "role")))
                .serverSocket(bool(f, "server_socket"))
                .connected(bool(f, "connected"))
                .nameChanged(bool(f, "name_changed"));
        return b.build();
    }

    /** What {@link #write} prints: "server", or "client" for a socket without a role too. */
    private static FdInfo.Role role(String text) {
        if (text == null) return FdInfo.Role.NONE;
        return text.equals("server") ? FdInfo.Role.SERVER : FdInfo.Role.CLIENT;
    }

    private static ContainerInfo container(JsonNode c, JsonNode k) {
        ContainerInfo.Builder b = ContainerInfo.builder()
                .id(text(c, "id") == null ? "host" : text(c, "id"))
                .name(text(c, "name"))
                .image(text(c, "image"))
                .imageRepository(text(c, "image_repository"))
                .imageTag(text(c, "image_tag"))
                .imageId(text(c, "image_id"))
                .type(text(c, "type"))
                .privileged(bool(c, "privileged"))
                .startTs(num(c, "start_ts", Event.NONE));
        JsonNode mounts = c.get("mounts");
        if (mounts != null && mounts.isArray()) {
            List<ContainerInfo.Mount> list = new ArrayList<>();
            for (JsonNode m : mounts.values()) {
                list.add(new ContainerInfo.Mount(
                        text(m, "source"), text(m, "dest"), text(m, "mode"), bool(m, "rdwr"), text(m, "propagation")));
            }
            b.mounts(list);
        }
        JsonNode containerLabels = c.get("labels");
        if (containerLabels != null && containerLabels.isObject()) {
            Map<String, String> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : containerLabels.properties())
                map.put(e.getKey(), scalar(e.getValue()));
            b.labels(map);
        }
        if (k != null) {
            b.podName(text(k, "pod_name")).nsName(text(k, "ns_name")).podUid(text(k, "pod_uid"));
            JsonNode labels = k.get("pod_labels");
            if (labels != null && labels.isObject()) {
                Map<String, String> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : labels.properties()) map.put(e.getKey(), scalar(e.getValue()));
                b.podLabels(map);
            }
        }
        return b.build();
    }

    /** Writes an event in the same format, omitting absent values. */
    public static String write(Event e) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("ts", e.ts);
        putNum(root, "num", e.num);
        root.put("type", e.type);
        putNum(root, "res", e.rawres);
        if (e.argCount() > 0) {
            ObjectNode args = root.putObject("args");
            for (int i = 0; i < e.argCount(); i++) args.put(e.argName(i), e.arg(i));
        }
        root.set("proc", writeProcess(e.proc));
        if (e.ancestorCount() > 0) {
            ArrayNode anc = root.putArray("ancestors");
            for (int i = 1; i <= e.ancestorCount(); i++) anc.add(writeProcess(e.ancestor(i)));
        }
        UserInfo u = e.user;
        if (u != UserInfo.UNKNOWN) {
            ObjectNode user = root.putObject("user");
            putNum(user, "uid", u.uid());
            putText(user, "name", u.name());
            putNum(user, "loginuid", u.loginuid());
            putText(user, "loginname", u.loginname());
            putText(user, "homedir", u.homedir());
            putText(user, "shell", u.shell());
            ObjectNode group = root.putObject("group");
            putNum(group, "gid", u.gid());
            putText(group, "name", u.group());
        }
        if (e.fd != null) {
            FdInfo f = e.fd;
            ObjectNode fd = root.putObject("fd");
            putNum(fd, "num", f.num);
            putText(fd, "type", f.type);
            putText(fd, "name", f.name);
            if (f.nameraw != null && !f.nameraw.equals(f.name)) fd.put("nameraw", f.nameraw);
            putText(fd, "l4proto", f.l4proto);
            putText(fd, "cip", f.cip);
            putNum(fd, "cport", f.cport);
            putText(fd, "sip", f.sip);
            putNum(fd, "sport", f.sport);
            putText(fd, "cip_name", f.cipName);
            putText(fd, "sip_name", f.sipName);
            if (f.isSocket()) fd.put("role", f.server ? "server" : "client");
            if (f.serverSocket) fd.put("server_socket", true);
            if (f.connected) fd.put("connected", true);
            if (f.nameChanged) fd.put("name_changed", true);
        }
        ContainerInfo c = e.container;
        if (!c.isHost()) {
            ObjectNode con = root.putObject("container");
            putText(con, "id", c.id);
            putText(con, "name", c.name);
            putText(con, "image", c.image);
            putText(con, "image_repository", c.imageRepository);
            putText(con, "image_tag", c.imageTag);
            putText(con, "image_id", c.imageId);
            putText(con, "type", c.type);
            if (c.privileged) con.put("privileged", true);
            putNum(con, "start_ts", c.startTs);
            if (!c.mounts.isEmpty()) {
                ArrayNode mounts = con.putArray("mounts");
                for (ContainerInfo.Mount m : c.mounts) {
                    ObjectNode mn = mounts.addObject();
                    putText(mn, "source", m.source());
                    putText(mn, "dest", m.dest());
                    putText(mn, "mode", m.mode());
                    mn.put("rdwr", m.rdwr());
                    putText(mn, "propagation", m.propagation());
                }
            }
            if (!c.labels.isEmpty()) {
                ObjectNode labels = con.putObject("labels");
                new TreeMap<>(c.labels).forEach(labels::put);
            }
        }
        if (c.podName != null || c.nsName != null) {
            ObjectNode k = root.putObject("k8s");
            putText(k, "pod_name", c.podName);
            putText(k, "ns_name", c.nsName);
            putText(k, "pod_uid", c.podUid);
            if (!c.podLabels.isEmpty()) {
                ObjectNode labels = k.putObject("pod_labels");
                c.podLabels.forEach(labels::put);
            }
        }
        return MAPPER.writeValueAsString(root);
    }

    private static ObjectNode writeProcess(ProcessInfo p) {
        ObjectNode n = MAPPER.createObjectNode();
        putNum(n, "pid", p.pid);
        if (p.tid != p.pid) putNum(n, "tid", p.tid);
        if (p.vpid != p.pid) putNum(n, "vpid", p.vpid);
        putNum(n, "ppid", p.ppid);
        putText(n, "name", p.name);
        putText(n, "exe", p.exe);
        putText(n, "exepath", p.exepath);
        if (!p.args.isEmpty()) p.args.forEach(n.putArray("args")::add);
        if (!p.env.isEmpty()) p.env.forEach(n.putArray("env")::add);
        putText(n, "cwd", p.cwd);
        putNum(n, "tty", p.tty);
        putNum(n, "sid", p.sid);
        putText(n, "sname", p.sname);
        putNum(n, "vpgid", p.vpgid);
        putNum(n, "start_ts", p.startTs);
        putNum(n, "exe_ino", p.exeIno);
        putNum(n, "exe_ino_ctime", p.exeInoCtime);
        putNum(n, "exe_ino_mtime", p.exeInoMtime);
        if (p.exeUpperLayer) n.put("exe_upper_layer", true);
        if (p.exeFromMemfd) n.put("exe_from_memfd", true);
        if (p.exeWritable) n.put("exe_writable", true);
        putText(n, "cap_effective", p.capEffective);
        putText(n, "cap_permitted", p.capPermitted);
        putText(n, "cap_inheritable", p.capInheritable);
        return n;
    }

    private static void putNum(ObjectNode n, String key, long v) {
        if (v != Event.NONE) n.put(key, v);
    }

    private static void putText(ObjectNode n, String key, String v) {
        if (v != null) n.put(key, v);
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : scalar(v);
    }

    private static String scalar(JsonNode v) {
        return v.isString() ? v.stringValue() : v.toString();
    }

    private static long num(JsonNode n, String key, long absent) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return absent;
        if (v.isNumber()) return v.asLong();
        try {
            return Long.parseLong(v.asString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + key + "\" is not a number: " + v);
        }
    }

    private static boolean bool(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v != null && (v.isBoolean() ? v.asBoolean() : "true".equalsIgnoreCase(v.asString()));
    }

    private static List<String> strings(JsonNode n, String key) {
        JsonNode v = n.get(key);
        if (v == null || !v.isArray()) return List.of();
        List<String> out = new ArrayList<>();
        for (JsonNode s : v.values()) out.add(scalar(s));
        return out;
    }
}
