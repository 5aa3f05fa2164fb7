package dev.peregrine.bench.outputs;

import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.output.Output;
import dev.peregrine.sidekick.output.OutputContext;
import dev.peregrine.sidekick.output.kafka.KafkaConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.tools.ProducerPerformance;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * The Kafka output against a KRaft broker in this JVM (spring-kafka-test, Kafka 4.1, one broker,
 * topics of 3 partitions), and as the ceiling Kafka's own {@code kafka-producer-perf-test}
 * (its class, {@link ProducerPerformance}, run in this JVM against the same broker) with the
 * same record values (the sample alerts as the output writes them, chosen at random per record),
 * {@code acks=all}, idempotence, and the output's {@code linger.ms=5}.
 */
final class KafkaBench {
    private static final Pattern FINAL = Pattern.compile(
            "(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency.*?(\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");

    private final OutputBench b;
    private final int ceilingRecords;

    KafkaBench(OutputBench b) {
        this.b = b;
        this.ceilingRecords = Integer.parseInt(b.arg("ceiling-records", "100000"));
    }

    void run() throws Exception {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
        broker.afterPropertiesSet();
        try {
            broker.addTopics(new NewTopic("alerts", 3, (short) 1), new NewTopic("perf", 3, (short) 1));
            String servers = broker.getBrokersAsString();
            OutputBench.OUT.println("kafka broker " + servers);

            // The ceiling's records: the samples as the output writes them (Falco JSON + uuid), one per line.
            Path payloads = Files.createTempFile("kafka-payloads", ".jsonl");
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < b.samples.size(); i++) {
                lines.add(new String(AlertJson.write(b.alert(i)), StandardCharsets.UTF_8));
            }
            Files.write(payloads, lines);
            double mean = lines.stream()
                    .mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length)
                    .average()
                    .orElse(0);
            OutputBench.OUT.printf("record values: %d samples, mean %.0f bytes%n", lines.size(), mean);

            KafkaConfig config =
                    new KafkaConfig(List.of(servers), "alerts", "none", null, Duration.ofSeconds(30), 1024, Map.of());
            try (Output output = config.create(new OutputContext("kafka", "peregrine.outputs.kafka"));
                    KafkaConsumer<byte[], byte[]> offsets = new KafkaConsumer<>(
                            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers),
                            new ByteArrayDeserializer(),
                            new ByteArrayDeserializer())) {
                OutputBench.Counter alertsTopic = () -> endOffsets(offsets, "alerts");
                OutputBench.Counter perfTopic = () -> endOffsets(offsets, "perf");
                // An output that submits has its own bound (alerts-in-flight) instead of a parallelism.
                boolean submits = output.alertsInFlight() > 0;
                int[] parallelism = submits ? new int[] {output.alertsInFlight()} : b.parallelism;
                String prefix = submits ? "output-inflight" : "output-p";
                int maxP = Arrays.stream(parallelism).max().orElse(4);
                // Warm-up (run 0, not in the medians): JIT, producer metadata, broker segments.
                b.measure(() -> ceiling(servers, payloads, 0, Math.max(10_000, ceilingRecords / 5), perfTopic));
                b.measure(() -> b.drive("kafka", prefix + maxP, 0, output, maxP, b.warmupAlerts, alertsTopic));
                for (int i = 1; i <= b.runs; i++) {
                    final int run = i;
                    b.measure(() -> ceiling(servers, payloads, run, ceilingRecords, perfTopic));
                    for (int p : parallelism) {
                        b.measure(() -> b.drive("kafka", prefix + p, run, output, p, b.maxAlerts, alertsTopic));
                    }
                }
            }
        } finally {
            broker.destroy();
        }
    }

    static long endOffsets(KafkaConsumer<?, ?> consumer, String topic) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        return consumer.endOffsets(partitions).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    /** kafka-producer-perf-test, in this JVM; its final line is the result. */
    private OutputBench.Result ceiling(String servers, Path payloads, int run, int records, OutputBench.Counter topic)
            throws Exception {
        String[] args = {
            "--topic",
            "perf",
            "--num-records",
            String.valueOf(records),
            "--throughput",
            "-1",
            "--payload-file",
            payloads.toString(),
            "--payload-delimiter",
            "\n",
            "--producer-props",
            "bootstrap.servers=" + servers,
            "acks=all",
            "enable.idempotence=true",
            "linger.ms=5",
            "client.id=perf-test"
        };
        long before = topic.count();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        try {
            ProducerPerformance.main(args);
        } finally {
            System.setOut(old);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        String text = captured.toString(StandardCharsets.UTF_8);
        Matcher m = FINAL.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no final line from ProducerPerformance:\n" + text);
        }
        long sent = Long.parseLong(m.group(1));
        double rate = Double.parseDouble(m.group(2));
        // Its own rate (records over the time from its first send to the last acknowledgement);
        // the seconds are derived from it so that rate() gives the tool's number exactly.
        double seconds = sent / rate;
        String note = String.format(
                Locale.ROOT, "tool:%s_rec/s_p50=%sms_p99=%sms_wall=%.1fs", m.group(2), m.group(5), m.group(7), wall);
        return new OutputBench.Result("kafka", "perf-test", run, sent, 0, seconds, topic.count() - before, note);
    }
}
