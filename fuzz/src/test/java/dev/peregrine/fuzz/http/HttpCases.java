package dev.peregrine.fuzz.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Generates HTTP requests for the sidekick's port from a seed: the same seed gives the same
 * requests, in the same order. One in five is a valid Falco alert with a fresh uuid, which must be
 * accepted and delivered exactly once; the rest are bad or odd: mutated alert JSON, broken UTF-8,
 * broken framing (lengths, chunking), odd headers, garbage request lines, and every other route
 * with any method.
 */
final class HttpCases {
    /** One request; {@code validUuid} is set for a valid alert, which must be accepted. */
    record Case(int index, String what, byte[] request, String validUuid) {}

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> KEYS = List.of(
            "rule",
            "priority",
            "time",
            "output",
            "source",
            "hostname",
            "tags",
            "output_fields",
            "uuid",
            "message",
            "origin");
    private static final List<String> PATHS = List.of(
            "/",
            "/test",
            "/ping",
            "/healthz",
            "/metrics",
            "/actuator",
            "/actuator/health",
            "/actuator/info",
            "/actuator/prometheus",
            "/actuator/deadletters",
            "/actuator/deadletters/siem",
            "/actuator/env",
            "/actuator/heapdump",
            "/nope",
            "//",
            "/%2e%2e/",
            "/..;/actuator/env",
            "/%00",
            "/?a=b",
            "/test/",
            "/actuator/deadletters/%2F",
            "/;jsessionid=1",
            "/\u00e9");
    private static final List<String> METHODS = List.of(
            "GET",
            "POST",
            "PUT",
            "DELETE",
            "PATCH",
            "HEAD",
            "OPTIONS",
            "TRACE",
            "CONNECT",
            "PROPFIND",
            "FOO",
            "get",
            "P0ST",
            "POST ",
            "GET\tX");
    private static final List<String> CONTENT_TYPES = List.of(
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/json;charset=ISO-8859-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
            "application/jsonx",
            "application/json, text/plain",
            "*/*",
            "application/json\u0000");
    /** Strings a mutation puts anywhere text goes, written as JSON string literals. */
    private static final List<String> ODD_STRINGS = List.of(
            "\"\"",
            "\" \"",
            "\"\\u0000\"",
            "\"a\\u0007b\"",
            "\"\\ud800\"",
            "\"\\udfff\"",
            "\"\\ud83d\\ude00\"",
            "\"\\u0085\"",
            "\"\\u2028\"",
            "\"\\ufffe\"",
            "\"\\uffff\"",
            "\"Warning\"",
            "\" Warning\"",
            "\"warning\\n\"",
            "\"INFO\"",
            "\"Cr\\u0131tical\"",
            "\"+999999999-01-01T00:00:00Z\"",
            "\"2025-02-30T00:00:00Z\"",
            "\"2025-11-20T09:14:02.118734512Z\"",
            "\"not-a-uuid\"",
            "\"5d1e3c4a-8f0b-4c1a-9a5e-2b7f6d0c9e11\"",
            "\"%s%n%x\"",
            "\"${jndi:ldap://x/a}\"",
            "\"{{7*7}}\"",
            "\"<script>alert(1)</script>\"",
            "\"'; DROP TABLE queue;--\"",
            "\"\\\\\"",
            "\"\\\"\"");

    private static final List<String> ODD_VALUES = List.of(
            "null",
            "true",
            "false",
            "0",
            "-0",
            "1e400",
            "-1e400",
            "1e-400",
            "123456789012345678901234567890",
            "18446744073709551615",
            "-9223372036854775809",
            "1.7976931348623157e309",
            "[]",
            "{}",
            "[1,[2,[3]]]",
            "{\"a\":{\"b\":1}}",
            "[null,\"x\",1.5,true]");

    private final Random random;
    private final List<ObjectNode> samples = new ArrayList<>();
    private int index;

    HttpCases(long seed, List<String> sampleLines) {
        this.random = new Random(seed);
        for (String line : sampleLines) {
            samples.add((ObjectNode) JSON.readTree(line));
        }
    }

    Case next() {
        int i = index++;
        int pick = random.nextInt(100);
        if (pick < 20) {
            return valid(i);
        }
        if (pick < 50) {
            String body = mutatedJson();
            return post(i, "mutated JSON", "application/json", body.getBytes(StandardCharsets.UTF_8));
        }
        if (pick < 60) {
            return post(i, "mutated bytes", "application/json", mutatedBytes());
        }
        if (pick < 75) {
            return oddHeaders(i);
        }
        if (pick < 85) {
            return garbageRequestLine(i);
        }
        if (pick < 99) {
            return anyRoute(i);
        }
        return huge(i);
    }

    private Case valid(int i) {
        ObjectNode alert = sample().deepCopy();
        String uuid = new UUID(random.nextLong(), random.nextLong()).toString();
        alert.put("uuid", uuid);
        alert.put("rule", alert.get("rule").stringValue() + " #" + i);
        byte[] body = JSON.writeValueAsBytes(alert);
        return new Case(i, "valid alert", request("POST", "/", "application/json", body, List.of()), uuid);
    }

    private Case post(int i, String what, String contentType, byte[] body) {
        return new Case(i, what, request("POST", "/", contentType, body, List.of()), null);
    }

    private ObjectNode sample() {
        return samples.get(random.nextInt(samples.size()));
    }

    /** A sample alert with one to four changes, some only expressible as text. */
    private String mutatedJson() {
        ObjectNode alert = sample().deepCopy();
        int changes = 1 + random.nextInt(4);
        List<String> textEdits = new ArrayList<>();
        for (int c = 0; c < changes; c++) {
            String key = random.nextInt(8) == 0 ? "x" + random.nextInt(100) : pickKey();
            switch (random.nextInt(7)) {
                case 0 -> alert.remove(key);
                case 1 -> alert.set(key, randomNode(0));
                case 2 -> textEdits.add("\"" + key + "\":" + oddLiteral());
                case 3 -> {
                    ObjectNode fields = alert.has("output_fields")
                                    && alert.get("output_fields").isObject()
                            ? (ObjectNode) alert.get("output_fields")
                            : alert.putObject("output_fields");
                    fields.set("f" + random.nextInt(50), randomNode(0));
                }
                case 4 -> textEdits.add("\"output_fields\":{\"k\":" + oddLiteral() + "}");
                case 5 -> alert.put("priority", priorityVariant());
                default -> alert.put(key, "x".repeat(random.nextInt(3) == 0 ? 70_000 : random.nextInt(300)));
            }
        }
        String text = JSON.writeValueAsString(alert);
        for (String edit : textEdits) {
            // Inserted after the opening brace: a later duplicate key, or a literal Jackson's
            // tree cannot hold (a lone surrogate escape, 1e400).
            text = "{" + edit + "," + text.substring(1);
        }
        return switch (random.nextInt(12)) {
            case 0 -> text.substring(0, random.nextInt(text.length())); // truncated
            case 1 -> text + (random.nextBoolean() ? " {}" : "garbage");
            case 2 -> "[".repeat(1 + random.nextInt(5_000)) + text;
            case 3 -> "{\"a\":".repeat(1 + random.nextInt(2_000)) + "1" + "}".repeat(random.nextInt(2_000));
            default -> text;
        };
    }

    private String pickKey() {
        return KEYS.get(random.nextInt(KEYS.size()));
    }

    private String oddLiteral() {
        return random.nextBoolean()
                ? ODD_STRINGS.get(random.nextInt(ODD_STRINGS.size()))
                : ODD_VALUES.get(random.nextInt(ODD_VALUES.size()));
    }

    private String priorityVariant() {
        String[] names = {
            "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug", "Info"
        };
        String name = names[random.nextInt(names.length)];
        return switch (random.nextInt(6)) {
            case 0 -> name.toUpperCase();
            case 1 -> " " + name;
            case 2 -> name + "\n";
            case 3 -> name.substring(1);
            case 4 -> name.replace('i', '\u0131');
            default -> name.toLowerCase();
        };
    }

    private JsonNode randomNode(int depth) {
        return switch (random.nextInt(depth > 3 ? 6 : 8)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 -> NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(300)));
            case 4 -> NODES.stringNode(randomText());
            case 5 -> NODES.stringNode("");
            case 6 -> {
                ArrayNode a = NODES.arrayNode();
                for (int k = random.nextInt(4); k > 0; k--) {
                    a.add(randomNode(depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = NODES.objectNode();
                for (int k = random.nextInt(4); k > 0; k--) {
                    o.set("k" + k, randomNode(depth + 1));
                }
                yield o;
            }
        };
    }

    /** Any characters, controls included (Jackson escapes what JSON needs). */
    private String randomText() {
        StringBuilder b = new StringBuilder();
        for (int k = random.nextInt(40); k > 0; k--) {
            int kind = random.nextInt(5);
            char c = switch (kind) {
                case 0 -> (char) random.nextInt(0x20);
                case 1 -> (char) (0x20 + random.nextInt(0x5F));
                case 2 -> (char) (0x7F + random.nextInt(0x40));
                case 3 -> (char) (0xE000 + random.nextInt(0x2000));
                default -> (char) random.nextInt(0xD800);
            };
            // No lone surrogates here: Jackson will not write them; the text edits send them.
            b.append(c);
        }
        return b.toString();
    }

    /** A valid alert's bytes with bytes flipped, inserted or cut, or bad UTF-8 put in. */
    private byte[] mutatedBytes() {
        byte[] body = JSON.writeValueAsBytes(sample());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = random.nextInt(body.length);
        out.write(body, 0, at);
        String[] bad = {
            "C0 80",
            "C1 BF",
            "E0 80 80",
            "ED A0 80",
            "F4 90 80 80",
            "FF",
            "FE FF",
            "80",
            "E2 82",
            "00",
            "F0 9F 98",
            "EF BB BF",
            "1B 5B 32 4A"
        };
        switch (random.nextInt(4)) {
            case 0 -> out.writeBytes(HexFormat.ofDelimiter(" ").parseHex(bad[random.nextInt(bad.length)]));
            case 1 -> out.write(random.nextInt(256));
            case 2 -> at = Math.min(body.length, at + 1 + random.nextInt(10)); // cut
            default -> {
                body[at] = (byte) random.nextInt(256); // flip
            }
        }
        out.write(body, at, body.length - at);
        return out.toByteArray();
    }

    private Case oddHeaders(int i) {
        byte[] body = JSON.writeValueAsBytes(sample());
        String head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        String what;
        String extra;
        switch (random.nextInt(16)) {
            case 0 -> {
                what = "content type";
                extra = "Content-Type: " + CONTENT_TYPES.get(random.nextInt(CONTENT_TYPES.size()))
                        + "\r\nContent-Length: " + body.length + "\r\n";
            }
            case 1 -> {
                what = "two content lengths";
                extra = "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nContent-Length: "
                        + (body.length + 1) + "\r\n";
            }
            case 2 -> {
                what = "short content length";
                extra = "Content-Type: application/json\r\nContent-Length: " + random.nextInt(body.length) + "\r\n";
            }
            case 3 -> {
                what = "long content length";
                extra = "Content-Type: application/json\r\nContent-Length: " + (body.length + 1 + random.nextInt(1000))
                        + "\r\n";
            }
            case 4 -> {
                what = "odd content length";
                String[] odd = {"-1", "abc", "99999999999999999999", "1e3", " 5", "0x10", ""};
                extra = "Content-Type: application/json\r\nContent-Length: " + odd[random.nextInt(odd.length)] + "\r\n";
            }
            case 5 -> {
                what = "length and chunked";
                extra = "Content-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\nTransfer-Encoding: chunked\r\n";
            }
            case 6 -> {
                what = "bad chunks";
                String[] chunks = {
                    "zz\r\n",
                    "ffffffffffffffff\r\nx\r\n0\r\n\r\n",
                    "5\r\nab\r\n0\r\n\r\n",
                    "1;" + "x".repeat(9000) + "\r\na\r\n0\r\n\r\n",
                    "0\r\nTrailer: x\r\n\r\n"
                };
                return new Case(
                        i,
                        what,
                        (head
                                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                                        + chunks[random.nextInt(chunks.length)])
                                .getBytes(StandardCharsets.ISO_8859_1),
                        null);
            }
            case 7 -> {
                what = "unknown transfer encoding";
                extra = "Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked, x\r\n";
            }
            case 8 -> {
                what = "header without colon";
                extra = "Content-Type: application/json\r\nBroken header line\r\nContent-Length: " + body.length
                        + "\r\n";
            }
            case 9 -> {
                what = "huge header";
                extra = "X-Big: " + "a".repeat(10_000 + random.nextInt(60_000))
                        + "\r\nContent-Type: application/json\r\n" + "Content-Length: " + body.length + "\r\n";
            }
            case 10 -> {
                what = "many headers";
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < 150 + random.nextInt(200); k++) {
                    b.append("X-H").append(k).append(": v\r\n");
                }
                extra = b + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n";
            }
            case 11 -> {
                what = "bytes in headers";
                extra = "Content-Type: application/json\r\nX-Bin: \u0000\u00ff\u0007\r\nX-\u00e9: v\r\nContent-Length: "
                        + body.length + "\r\n";
            }
            case 12 -> {
                what = "authorization";
                String[] auth = {
                    "Bearer ",
                    "Bearer " + "t".repeat(5000),
                    "Basic !!!",
                    "Basic " + "QQ==",
                    "Basic Og==",
                    "Digest x",
                    "Bearer\tx",
                    "bearer token",
                    ""
                };
                extra = "Authorization: " + auth[random.nextInt(auth.length)]
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n";
            }
            case 13 -> {
                what = "browser origin";
                extra =
                        "Origin: https://evil.example\r\nSec-Fetch-Site: cross-site\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + body.length + "\r\n";
            }
            case 14 -> {
                what = "expect continue";
                extra = "Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                        + "\r\n";
            }
            default -> {
                what = "folded header";
                extra = "Content-Type: application/json\r\nX-Fold: a\r\n b\r\nContent-Length: " + body.length + "\r\n";
            }
        }
        if (random.nextBoolean()) {
            head = head.replace("Host: 127.0.0.1\r\n", random.nextBoolean() ? "" : "Host: \r\nHost: other\r\n");
        }
        byte[] h = (head + extra + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        return new Case(i, what, concat(h, body), null);
    }

    private Case garbageRequestLine(int i) {
        String line;
        switch (random.nextInt(10)) {
            case 0 -> line = METHODS.get(random.nextInt(METHODS.size())) + " / HTTP/1.1";
            case 1 -> line = "GET /" + "a".repeat(9_000 + random.nextInt(60_000)) + " HTTP/1.1";
            case 2 ->
                line = "GET / HTTP/"
                        + new String[] {"0.9", "1.0", "1.2", "2.0", "3", "9.9", "1.1.1", "x"}[random.nextInt(8)];
            case 3 -> line = "GET http://evil.example/actuator/env HTTP/1.1";
            case 4 -> line = "OPTIONS * HTTP/1.1";
            case 5 -> line = "GET  /  HTTP/1.1";
            case 6 -> line = "GET / HTTP/1.1\nHost: x\n"; // bare LFs
            case 7 -> line = "\r\n\r\nGET / HTTP/1.1";
            case 8 -> {
                byte[] noise = new byte[1 + random.nextInt(2_000)];
                random.nextBytes(noise);
                if (random.nextBoolean()) {
                    noise[0] = 0x16; // a TLS handshake record to a plain HTTP port
                    noise[Math.min(1, noise.length - 1)] = 0x03;
                }
                return new Case(i, "random bytes", noise, null);
            }
            default -> line = "GET /\u0000 HTTP/1.1";
        }
        return new Case(
                i,
                "request line",
                (line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1),
                null);
    }

    private Case anyRoute(int i) {
        String method = new String[] {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}[random.nextInt(7)];
        String path = PATHS.get(random.nextInt(PATHS.size()));
        byte[] body = random.nextBoolean() ? new byte[0] : mutatedJson().getBytes(StandardCharsets.UTF_8);
        List<String> headers = new ArrayList<>();
        if (random.nextInt(4) == 0) {
            headers.add("Authorization: Bearer " + Long.toHexString(random.nextLong()));
        }
        return new Case(
                i,
                method + " " + path,
                request(method, path, CONTENT_TYPES.get(random.nextInt(CONTENT_TYPES.size())), body, headers),
                null);
    }

    private Case huge(int i) {
        byte[] body = ("{\"rule\":\"r\",\"priority\":\"Warning\",\"output\":\""
                        + "x".repeat(1_100_000 + random.nextInt(1_000_000)) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        return post(i, "over the body limit", "application/json", body);
    }

    private static byte[] request(String method, String path, String contentType, byte[] body, List<String> headers) {
        StringBuilder h = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (!contentType.isEmpty()) {
            h.append("Content-Type: ").append(contentType).append("\r\n");
        }
        for (Iterator<String> it = headers.iterator(); it.hasNext(); ) {
            h.append(it.next()).append("\r\n");
        }
        h.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        return concat(h.toString().getBytes(StandardCharsets.ISO_8859_1), body);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
