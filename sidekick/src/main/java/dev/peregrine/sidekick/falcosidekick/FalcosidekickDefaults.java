package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.falcosidekick.FalcosidekickSettings.Setting;
import java.util.Map;

/**
 * Falcosidekick's defaults of the keys no output declaration carries over, and why such a key is
 * refused when it is set to something else. A key left at its default changes nothing: skipped.
 */
final class FalcosidekickDefaults {
    private FalcosidekickDefaults() {}

    /** Falcosidekick's defaults of the keys no declaration carries over (lower-case values). */
    static final Map<String, String> DEFAULTS = Map.ofEntries(
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
    static final Map<String, String[]> UNMAPPED = Map.ofEntries(
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

    static boolean isDefault(String key, Setting s) {
        String d = DEFAULTS.get(key);
        return d != null && d.equalsIgnoreCase(SettingValues.text(s.value()).trim());
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

    static String[] smtpAuth() {
        return new String[] {
            "Peregrine's email output authenticates with a username and password (PLAIN/LOGIN)",
            "username and password, or no authentication"
        };
    }
}
