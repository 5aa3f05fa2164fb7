package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.delivery.OutputCatalog;
import dev.peregrine.sidekick.falcosidekick.FalcosidekickKeys.Kind;
import dev.peregrine.sidekick.output.FalcosidekickOutput;
import dev.peregrine.sidekick.output.TlsConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns Falcosidekick settings (its variables, or its {@code config.yaml}) into Peregrine's. Each
 * output Falcosidekick would enable becomes {@code peregrine.outputs.<type>} when an output type
 * declares it ({@link Declared}); each setting that would change what Falcosidekick does but has
 * no counterpart here is refused, with the reason and what to do instead. Settings left at
 * Falcosidekick's default, and those of outputs it would not enable, change nothing: skipped.
 */
public final class FalcosidekickSettings {

    /**
     * A Falcosidekick setting as read.
     *
     * @param key its lower-case path, {@code slack.webhookurl}
     * @param origin where it came from, for messages: the variable, or the file's key
     * @param value a String, a {@code List<String>} or a {@code Map<String, String>}
     */
    public record Setting(String key, String origin, Object value) {}

    /** A setting that is not carried over: why, and what to write instead (or null). */
    public record Refusal(String key, String origin, String reason, String instead) {
        public String describe() {
            return origin + ": " + reason + (instead == null ? "" : "; instead: " + instead);
        }
    }

    /**
     * An output type that declares Falcosidekick's output of the same destination.
     *
     * @param type our type name, also the output's name
     * @param keys Falcosidekick key (within its section) → our key, as the declaration gives them
     * @param hasTls whether the output has {@code tls.*} (CA, client certificate)
     */
    public record Declared(String type, Map<String, String> keys, boolean hasTls) {}

    /**
     * @param properties Peregrine's properties, flat ({@code peregrine.outputs.slack.webhook-url})
     * @param used each Falcosidekick key carried over, with the properties it became
     * @param refused settings that would change what Falcosidekick does and have no counterpart
     * @param skipped settings that change nothing: defaults, outputs Falcosidekick would not enable
     */
    public record Translation(
            Map<String, Object> properties,
            Map<String, List<String>> used,
            List<Refusal> refused,
            List<Setting> skipped) {}

    private static final String OUTPUTS = "peregrine.outputs.";

    /** The declarations of every output type there is ({@link FalcosidekickOutput}), by section. */
    public static Map<String, Declared> declared(OutputCatalog catalog) {
        Map<String, Declared> declared = new LinkedHashMap<>();
        for (String type : catalog.typeNames()) {
            Class<?> config = catalog.configOf(type);
            FalcosidekickOutput d = config.getAnnotation(FalcosidekickOutput.class);
            if (d == null) {
                continue;
            }
            Map<String, String> keys = new LinkedHashMap<>();
            for (String k : d.keys()) {
                int colon = k.indexOf(':');
                keys.put(
                        (colon < 0 ? k : k.substring(0, colon)).trim(),
                        (colon < 0 ? k : k.substring(colon + 1)).trim());
            }
            boolean tls = Arrays.stream(config.getRecordComponents()).anyMatch(c -> c.getType() == TlsConfig.class);
            Declared previous = declared.put(d.value(), new Declared(type, Map.copyOf(keys), tls));
            if (previous != null) {
                throw new IllegalStateException("two output types declare Falcosidekick's " + d.value() + ": "
                        + previous.type() + " and " + type);
            }
        }
        return declared;
    }

    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_-]+");

    /** Falcosidekick's defaults of the keys no declaration carries over (lower-case values). */
    private static final Map<String, String> DEFAULTS = Map.ofEntries(
            Map.entry("checkcert", "true"),
            Map.entry("mutualtls", "false"),
            Map.entry("maxconcurrentrequests", "1"),
            Map.entry("debug", "false"),
            Map.entry("listenport", "2801"),
            Map.entry("mutualtlsfilespath", "/etc/certs"),
            Map.entry("tlsserver.deploy", "false"),
            Map.entry("tlsserver.mutualtls", "false"),
            Map.entry("tlsserver.notlsport", "2810"),
            Map.entry("tlsserver.certfile", "/etc/certs/server/server.crt"),
            Map.entry("tlsserver.keyfile", "/etc/certs/server/server.key"),
            Map.entry("tlsserver.cacertfile", "/etc/certs/server/ca.crt"),
            Map.entry("elasticsearch.type", "_doc"),
            Map.entry("elasticsearch.createindextemplate", "false"),
            Map.entry("elasticsearch.numberofshards", "3"),
            Map.entry("elasticsearch.numberofreplicas", "3"),
            Map.entry("elasticsearch.enablecompression", "false"),
            Map.entry("elasticsearch.batching.enabled", "false"),
            Map.entry("elasticsearch.batching.batchsize", "5242880"),
            Map.entry("elasticsearch.batching.flushinterval", "1s"),
            Map.entry("kafka.balancer", "round_robin"),
            Map.entry("kafka.async", "false"),
            Map.entry("kafka.requiredacks", "none"),
            Map.entry("kafka.topiccreation", "false"),
            Map.entry("kafka.tls", "false"),
            Map.entry("kafka.compression", "none"),
            // OTLP/HTTP collectors take JSON as well as protobuf: Falcosidekick's default carries over.
            Map.entry("otlp.logs.protocol", "http/protobuf"),
            Map.entry("otlp.logs.timeout", "10000"),
            Map.entry("otlp.logs.tls", "false"),
            Map.entry("otlp.logs.synced", "false"),
            Map.entry("smtp.tls", "true"),
            Map.entry("smtp.authmechanism", "plain"));

    /** Why a key of an output we have is not carried over, and what to do instead. */
    private static final Map<String, String[]> UNMAPPED = Map.ofEntries(
            Map.entry("elasticsearch.type", new String[] {"mapping types are gone since Elasticsearch 7", "remove it"}),
            Map.entry("elasticsearch.createindextemplate", indexTemplate()),
            Map.entry("elasticsearch.numberofshards", indexTemplate()),
            Map.entry("elasticsearch.numberofreplicas", indexTemplate()),
            Map.entry("elasticsearch.enablecompression", oneByOne()),
            Map.entry("elasticsearch.batching.enabled", oneByOne()),
            Map.entry("elasticsearch.batching.batchsize", oneByOne()),
            Map.entry("elasticsearch.batching.flushinterval", oneByOne()),
            Map.entry("kafka.balancer", new String[] {
                "the partition follows the message key",
                "set the kafka output's key (rule, hostname, none or a template)"
            }),
            Map.entry(
                    "kafka.async",
                    new String[] {"an alert leaves the spool only once Kafka acknowledged it (acks=all)", "remove it"}),
            Map.entry("kafka.requiredacks", new String[] {
                "Peregrine always asks for acks=all: an alert leaves the spool only once every in-sync replica has it",
                "remove it"
            }),
            Map.entry("kafka.topiccreation", new String[] {
                "Peregrine does not create topics", "create the topic, or let the broker (auto.create.topics.enable)"
            }),
            Map.entry("smtp.token", smtpAuth()),
            Map.entry("smtp.identity", smtpAuth()),
            Map.entry("smtp.trace", smtpAuth()));

    private final FalcosidekickKeys keys = FalcosidekickKeys.get();
    private final Map<String, Declared> declared;
    private final Map<String, Object> properties = new LinkedHashMap<>();
    private final Map<String, List<String>> used = new LinkedHashMap<>();
    private final List<Refusal> refused = new ArrayList<>();
    private final List<Setting> skipped = new ArrayList<>();
    private final Map<String, Setting> byKey = new LinkedHashMap<>();

    private FalcosidekickSettings(Map<String, Declared> declared, Collection<Setting> settings) {
        this.declared = declared;
        settings.forEach(s -> byKey.put(s.key(), s));
    }

    /**
     * @param settings Falcosidekick settings; for one key the last wins
     * @param declared our output types by the Falcosidekick section they declare
     */
    public static Translation translate(Collection<Setting> settings, Map<String, Declared> declared) {
        FalcosidekickSettings t = new FalcosidekickSettings(declared, settings);
        t.outputs();
        t.settings();
        return new Translation(t.properties, t.used, t.refused, t.skipped);
    }

    private void outputs() {
        for (FalcosidekickKeys.Output out : keys.outputs().values()) {
            Map<String, Setting> own = new LinkedHashMap<>();
            byKey.values().stream()
                    .filter(s -> s.key().startsWith(out.section() + "."))
                    .filter(s -> out.keys()
                            .containsKey(s.key().substring(out.section().length() + 1)))
                    .forEach(s -> own.put(s.key().substring(out.section().length() + 1), s));
            if (own.isEmpty()) {
                continue;
            }
            List<Setting> enabling = out.enabledBy().stream()
                    .map(own::get)
                    .filter(s -> s != null
                            && set(s.value())
                            && !text(s.value()).trim().equalsIgnoreCase("false"))
                    .toList();
            if (enabling.isEmpty()) {
                skipped.addAll(own.values()); // Falcosidekick would not enable it either
                continue;
            }
            Declared d = declared.get(out.section());
            if (d == null) {
                refused.add(new Refusal(
                        out.section(),
                        String.join(", ", enabling.stream().map(Setting::origin).toList()),
                        "Falcosidekick's " + out.section() + " output, which Peregrine does not have",
                        "remove it; meanwhile a webhook output (type: webhook) can post each alert's Falco JSON"
                                + " to a service that forwards it"));
                own.values().stream().filter(s -> !enabling.contains(s)).forEach(skipped::add);
                continue;
            }
            output(out.section(), d, own, enabling);
        }
    }

    private void output(String section, Declared d, Map<String, Setting> own, List<Setting> enabling) {
        String prefix = OUTPUTS + d.type() + ".";
        put(prefix + "type", d.type(), enabling.getFirst());
        Set<String> special = switch (section) {
            case "smtp" -> Set.of("hostport", "tls", "authmechanism");
            case "kafka" -> Set.of("tls", "sasl", "username", "password", "compression");
            case "alertmanager" -> Set.of("hostport", "endpoint");
            case "redis" -> Set.of("tls", "version");
            default -> Set.of();
        };
        own.forEach((key, s) -> {
            String target = key.equals("minimumpriority")
                    ? "minimum-priority"
                    : d.keys().get(key);
            if (!set(s.value())) {
                skipped.add(s);
            } else if (target != null) {
                carry(prefix + target, s);
            } else if (special.contains(key)) {
                return; // below
            } else if (key.equals("checkcert") || key.equals("mutualtls") || key.equals("maxconcurrentrequests")) {
                http(prefix, d, key, s);
            } else if (isDefault(section + "." + key, s) || isDefault(key, s)) {
                skipped.add(s);
            } else {
                String[] why = UNMAPPED.get(section + "." + key);
                refused.add(new Refusal(
                        s.key(),
                        s.origin(),
                        why != null
                                ? why[0]
                                : "Peregrine's " + d.type() + " output has no counterpart of Falcosidekick's " + key,
                        why != null ? why[1] : "remove it; see docs/outputs/" + d.type() + ".md for what it has"));
            }
        });
        switch (section) {
            case "smtp" -> smtp(prefix, own);
            case "kafka" -> kafka(prefix, own);
            case "nats" -> properties.putIfAbsent(prefix + "subject-template", "falco.<priority>.<rule>");
            case "alertmanager" -> alertmanager(prefix, d, own);
            case "redis" -> redis(prefix, d, own);
            case "aws.s3" -> awsS3(prefix);
            default -> {}
        }
    }

    /** checkcert, mutualtls and maxconcurrentrequests, which Falcosidekick's HTTP outputs share. */
    private void http(String prefix, Declared d, String key, Setting s) {
        String v = text(s.value()).trim().toLowerCase(Locale.ROOT);
        switch (key) {
            case "checkcert" -> {
                if (v.equals("false")) {
                    refused.add(new Refusal(
                            s.key(),
                            s.origin(),
                            "Peregrine always checks the server's certificate",
                            d.hasTls()
                                    ? "give the CA that signed it as tls.ca-file"
                                    : "remove it (this output talks to a public service)"));
                } else {
                    skipped.add(s);
                }
            }
            case "mutualtls" -> {
                if (!v.equals("true")) {
                    skipped.add(s);
                } else if (!d.hasTls()) {
                    refused.add(new Refusal(
                            s.key(),
                            s.origin(),
                            "Peregrine's " + d.type() + " output has no client certificate",
                            null));
                } else {
                    String dir = setting("mutualtlsfilespath", "/etc/certs");
                    put(prefix + "tls.cert-file", setting("mutualtlsclient.certfile", dir + "/client.crt"), s);
                    put(prefix + "tls.key-file", setting("mutualtlsclient.keyfile", dir + "/client.key"), s);
                    put(prefix + "tls.ca-file", setting("mutualtlsclient.cacertfile", dir + "/ca.crt"), s);
                }
            }
            default -> {
                int n = v.matches("\\d{1,6}") ? Integer.parseInt(v) : -1;
                if (n >= 1 && n <= 256) {
                    put(prefix + "parallelism", String.valueOf(n), s);
                } else {
                    refused.add(new Refusal(
                            s.key(),
                            s.origin(),
                            "'" + v + "' concurrent requests: Peregrine sends 1 to 256 at once",
                            "parallelism: 256"));
                }
            }
        }
    }

    /** SMTP_HOSTPORT is host and port; SMTP_TLS=true (its default) is STARTTLS, required. */
    private void smtp(String prefix, Map<String, Setting> own) {
        Setting hostPort = own.get("hostport");
        if (hostPort != null && set(hostPort.value())) {
            String hp = text(hostPort.value()).trim();
            int colon = hp.lastIndexOf(':');
            if (colon > 0 && hp.indexOf(']') < colon) {
                put(prefix + "host", hp.substring(0, colon).replaceAll("^\\[|]$", ""), hostPort);
                put(prefix + "port", hp.substring(colon + 1), hostPort);
            } else {
                put(prefix + "host", hp, hostPort);
            }
        }
        properties.computeIfPresent(prefix + "to", (k, v) -> v.toString().replace(" ", ""));
        Setting tls = own.get("tls");
        if (tls != null && set(tls.value())) {
            put(prefix + "starttls", Boolean.parseBoolean(text(tls.value()).trim()) ? "required" : "off", tls);
        }
        Setting auth = own.get("authmechanism");
        String mechanism = auth == null ? "plain" : text(auth.value()).trim().toLowerCase(Locale.ROOT);
        switch (mechanism) {
            case "none", "anonymous" -> {
                properties.remove(prefix + "username");
                properties.remove(prefix + "password");
                put(null, null, auth);
            }
            case "plain", "" -> {
                if (auth != null) {
                    skipped.add(auth);
                }
            }
            default ->
                refused.add(
                        new Refusal(auth.key(), auth.origin(), smtpAuth()[0] + ", not " + mechanism, smtpAuth()[1]));
        }
    }

    /** KAFKA_TLS, KAFKA_SASL with KAFKA_USERNAME/PASSWORD, KAFKA_COMPRESSION become producer properties. */
    private void kafka(String prefix, Map<String, Setting> own) {
        String props = prefix + "properties.";
        boolean tls = Boolean.parseBoolean(text(value(own, "tls")).trim());
        String sasl = text(value(own, "sasl")).trim().toUpperCase(Locale.ROOT);
        if (!sasl.isEmpty()) {
            String mechanism = switch (sasl) {
                case "SCRAM_SHA256" -> "SCRAM-SHA-256";
                case "SCRAM_SHA512" -> "SCRAM-SHA-512";
                default -> sasl; // PLAIN; anything else Kafka itself names at startup
            };
            String module = mechanism.startsWith("SCRAM")
                    ? "org.apache.kafka.common.security.scram.ScramLoginModule"
                    : "org.apache.kafka.common.security.plain.PlainLoginModule";
            Setting s = own.get("sasl");
            put(props + "security.protocol", tls ? "SASL_SSL" : "SASL_PLAINTEXT", s);
            put(props + "sasl.mechanism", mechanism, s);
            put(
                    props + "sasl.jaas.config",
                    module + " required username=\"" + jaasQuote(text(value(own, "username"))) + "\" password=\""
                            + jaasQuote(text(value(own, "password"))) + "\";",
                    s);
            put(null, null, own.get("username"));
            put(null, null, own.get("password"));
            if (tls) {
                put(null, null, own.get("tls"));
            }
        } else if (tls) {
            put(props + "security.protocol", "SSL", own.get("tls"));
        }
        if (!tls && own.containsKey("tls")) {
            skipped.add(own.get("tls"));
        }
        Setting compression = own.get("compression");
        if (compression != null && set(compression.value())) {
            put(props + "compression.type", text(compression.value()).trim().toLowerCase(Locale.ROOT), compression);
        }
    }

    private static String jaasQuote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Falcosidekick's addresses (a list) with its endpoint are the URL; one output per address. */
    private void alertmanager(String prefix, Declared d, Map<String, Setting> own) {
        Setting hostPorts = own.get("hostport");
        List<String> urls = list(hostPorts.value());
        String endpoint = text(value(own, "endpoint")).trim();
        for (int i = 0; i < urls.size(); i++) {
            String url = urls.get(i).trim();
            if (!endpoint.isEmpty()) {
                url = url.replaceAll("/+$", "") + (endpoint.startsWith("/") ? "" : "/") + endpoint;
            }
            if (i == 0) {
                put(prefix + "url", url, hostPorts);
                if (own.containsKey("endpoint")) {
                    put(null, null, own.get("endpoint"));
                }
            } else {
                refused.add(new Refusal(
                        hostPorts.key(),
                        hostPorts.origin(),
                        "several Alertmanagers: Peregrine's alertmanager output has one URL ("
                                + urls.get(i).trim() + " is not used)",
                        "declare one output per Alertmanager, e.g. peregrine.outputs." + d.type() + "-" + (i + 1)
                                + " with type: alertmanager and url: " + url));
            }
        }
    }

    /**
     * REDIS_TLS=true is a {@code rediss://} address; REDIS_CERTFILE, KEYFILE and CACERTFILE win
     * over the shared client files of REDIS_MUTUALTLS, as there. REDIS_VERSION is read by nothing
     * in Falcosidekick.
     */
    private void redis(String prefix, Declared d, Map<String, Setting> own) {
        Setting tls = own.get("tls");
        if (tls != null && Boolean.parseBoolean(text(tls.value()).trim())) {
            Object address = properties.get(prefix + "address");
            if (address != null && !address.toString().contains("://")) {
                put(prefix + "address", "rediss://" + address.toString().trim(), tls);
            }
        } else if (tls != null) {
            skipped.add(tls);
        }
        for (String file : List.of("certfile", "keyfile", "cacertfile")) {
            Setting s = own.get(file);
            if (s != null && set(s.value())) {
                put(prefix + d.keys().get(file), text(s.value()), s);
            }
        }
        if (own.containsKey("version")) {
            skipped.add(own.get("version"));
        }
    }

    /**
     * The AWS settings Falcosidekick's outputs share: the region and static keys go to the S3
     * output; an assumed role has no counterpart (the SDK's chain reads AWS_ROLE_ARN with a web
     * identity token, or a profile, instead).
     */
    private void awsS3(String prefix) {
        Map<String, String> shared = Map.of(
                "aws.region", "region", "aws.accesskeyid", "access-key-id", "aws.secretaccesskey", "secret-access-key");
        shared.forEach((key, target) -> {
            Setting s = byKey.get(key);
            if (s != null && set(s.value())) {
                put(prefix + target, text(s.value()).trim(), s);
            }
        });
        for (String key : List.of("aws.rolearn", "aws.externalid")) {
            Setting s = byKey.get(key);
            if (s != null && set(s.value()) && !used.containsKey(key)) {
                refuse(
                        s,
                        "Peregrine's s3 output does not assume a role itself",
                        "give the role to the sidekick's environment (a web identity token with AWS_ROLE_ARN, an"
                                + " instance or container role, or a profile): the AWS SDK's chain uses it");
                put(null, null, s);
            }
        }
    }

    /** Falcosidekick's own settings and those several outputs share. */
    private void settings() {
        for (Setting s : byKey.values()) {
            if (!keys.settings().containsKey(s.key())) {
                continue;
            }
            String key = s.key();
            if (!set(s.value()) || isDefault(key, s)) {
                skipped.add(s);
                continue;
            }
            switch (key) {
                case "listenport" -> put("server.port", text(s.value()).trim(), s);
                case "listenaddress" -> put("server.address", text(s.value()).trim(), s);
                case "customfields" ->
                    map(s).forEach((k, v) -> put(entry("peregrine.customfields", k), envReference(v), s));
                // Go templates do not compile as Pebble: startup then stops naming the key and
                // showing the Pebble spelling, which beats silently dropping the fields.
                case "templatedfields" -> map(s).forEach((k, v) -> put(entry("peregrine.templatedfields", k), v, s));
                case "tlsserver.deploy" -> tlsServer(s);
                case "customtags" -> refuse(s, "Peregrine adds no tags to alerts", "tag the rules in the rules file");
                case "outputfieldformat", "bracketreplacer" ->
                    refuse(s, "Peregrine does not rewrite Falco's output line or field names", "remove it");
                case "prometheus.extralabels" ->
                    refuse(
                            s,
                            "the alert counter falcosecurity_falcosidekick_falco_events_total has the custom fields as labels, not other output fields",
                            "make them custom fields (peregrine.customfields)");
                case "debug" ->
                    refuse(
                            s,
                            "Peregrine does not print what outputs send",
                            "add an output of type stdout: it prints every alert");
                case "tlsclient.cacertfile" ->
                    refuse(
                            s,
                            "no CA for all outputs at once",
                            "set tls.ca-file on each output whose server that CA signed");
                case "tlsserver.notlspaths" -> {
                    if (Boolean.parseBoolean(setting("tlsserver.deploy", "false"))) {
                        refuse(s, "Peregrine serves one HTTP port", "remove it");
                    } else {
                        skipped.add(s);
                    }
                }
                default -> {
                    // The files of mutual TLS (see mutualtls), a cloud's credentials, ...: unless
                    // an output took them (aws.* for the S3 output), they change nothing.
                    if (!used.containsKey(key)) {
                        skipped.add(s);
                    }
                }
            }
        }
    }

    /** TLSSERVER_DEPLOY: Spring Boot's server.ssl.* with the same files. */
    private void tlsServer(Setting deploy) {
        if (!Boolean.parseBoolean(text(deploy.value()).trim())) {
            skipped.add(deploy);
            return;
        }
        put("server.ssl.certificate", setting("tlsserver.certfile", DEFAULTS.get("tlsserver.certfile")), deploy);
        put(
                "server.ssl.certificate-private-key",
                setting("tlsserver.keyfile", DEFAULTS.get("tlsserver.keyfile")),
                deploy);
        if (Boolean.parseBoolean(setting("tlsserver.mutualtls", "false"))) {
            put("server.ssl.client-auth", "need", deploy);
            put(
                    "server.ssl.trust-certificate",
                    setting("tlsserver.cacertfile", DEFAULTS.get("tlsserver.cacertfile")),
                    deploy);
        }
    }

    private void refuse(Setting s, String reason, String instead) {
        refused.add(new Refusal(s.key(), s.origin(), reason, instead));
    }

    /** A setting's value, or {@code fallback} when it is not set. */
    private String setting(String key, String fallback) {
        Setting s = byKey.get(key);
        return s == null || !set(s.value()) ? fallback : text(s.value()).trim();
    }

    /**
     * Records {@code property = value} as coming from {@code from}; with a null property, only
     * that {@code from} was used (by another key's conversion).
     */
    private void put(String property, Object value, Setting from) {
        if (from == null) {
            return;
        }
        List<String> targets = used.computeIfAbsent(from.key(), k -> new ArrayList<>());
        if (property != null) {
            properties.put(property, value);
            targets.add(property);
        }
    }

    /** A declared key: "our-key" takes the value, "our-key.*" one entry per name:value pair. */
    private void carry(String target, Setting s) {
        if (target.endsWith(".*")) {
            String base = target.substring(0, target.length() - 2);
            map(s).forEach((k, v) -> put(entry(base, k), v, s));
        } else {
            put(target, s.value() instanceof List<?> l ? String.join(",", list(l)) : text(s.value()), s);
        }
    }

    /** A map entry's property: {@code base.name}, or {@code base[name]} where the name has dots. */
    static String entry(String base, String name) {
        return PLAIN_NAME.matcher(name).matches() ? base + "." + name : base + "[" + name + "]";
    }

    /** Falcosidekick's "%VAR" reads the variable VAR: Spring's ${VAR} does the same. */
    private static String envReference(String value) {
        return value.startsWith("%") && value.length() > 1 ? "${" + value.substring(1) + "}" : value;
    }

    private boolean isDefault(String key, Setting s) {
        String d = DEFAULTS.get(key);
        return d != null && d.equalsIgnoreCase(text(s.value()).trim());
    }

    private static Object value(Map<String, Setting> own, String key) {
        Setting s = own.get(key);
        return s == null ? "" : s.value();
    }

    static boolean set(Object value) {
        return switch (value) {
            case null -> false;
            case Map<?, ?> m -> !m.isEmpty();
            case List<?> l -> !l.isEmpty();
            default -> !value.toString().isBlank();
        };
    }

    private static String text(Object value) {
        return switch (value) {
            case null -> "";
            case List<?> l -> String.join(",", list(l));
            default -> value.toString();
        };
    }

    private static List<String> list(Object value) {
        if (value instanceof List<?> l) {
            return l.stream().map(String::valueOf).toList();
        }
        List<String> items = new ArrayList<>();
        for (String item : text(value).split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> map(Setting s) {
        if (s.value() instanceof Map<?, ?> m) {
            return (Map<String, String>) m;
        }
        return pairs(text(s.value()));
    }

    /** Falcosidekick's "name:value,name:value" lists; an item without a colon is skipped. */
    public static Map<String, String> pairs(String list) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String item : list.split(",")) {
            int colon = item.indexOf(':');
            if (colon > 0) {
                m.put(item.substring(0, colon).trim(), item.substring(colon + 1).trim());
            }
        }
        return m;
    }

    /** The kind of a Falcosidekick key, TEXT for keys it does not have. */
    static Kind kindOf(String key) {
        return FalcosidekickKeys.get().kind(key).orElse(Kind.TEXT);
    }

    private static String[] indexTemplate() {
        return new String[] {
            "Peregrine does not create index templates",
            "create one in Elasticsearch (shards, replicas, mappings) for the index pattern"
        };
    }

    private static String[] oneByOne() {
        return new String[] {
            "Peregrine indexes each alert on its own, so that each is acknowledged before it leaves the spool",
            "remove it"
        };
    }

    private static String[] smtpAuth() {
        return new String[] {
            "Peregrine's email output authenticates with a username and password (PLAIN/LOGIN)",
            "username and password, or no authentication"
        };
    }
}
