package dev.peregrine.sidekick.spool.kafka;

import dev.peregrine.sidekick.spool.OutputQueue;
import dev.peregrine.sidekick.spool.SpoolEntry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One output's topic as this replica sees it: a member of the output's consumer group, owning
 * some of its partitions. A thread of its own polls (so a slow or unreachable output never makes
 * the replica miss its poll deadline and lose its partitions), pausing while deliveries have
 * enough to do. A partition's offset is committed only up to its first entry not yet delivered:
 * an entry in flight when a replica dies is delivered again by the next owner, never skipped.
 */
final class KafkaOutputQueue implements OutputQueue {
    private static final Logger log = LoggerFactory.getLogger(KafkaOutputQueue.class);
    /** Entries read ahead of deliveries; past this the partitions are paused. */
    private static final int READ_AHEAD = 2048;
    /** At most this many uuids are remembered per output, whatever the window. */
    private static final int MAX_UUIDS = 1_000_000;

    /**
     * Offsets are committed at most this often while running (and always when a partition moves
     * or the queue closes): a commit per poll was an offset write per few alerts. A replica killed
     * in between delivers up to this much again from its successor (at least once).
     */
    private static final Duration COMMIT_EVERY = Duration.ofMillis(200);

    /** How long a partition that moves to another replica waits for its deliveries in flight. */
    private static final Duration FINISH_IN_FLIGHT = Duration.ofSeconds(10);

    private final KafkaLog kafka;
    /** Notified on each delivery, for {@link #finishInFlight}. */
    private final Object delivered = new Object();

    private volatile boolean draining;
    private long lastCommit = System.nanoTime(); // poll thread only
    private final String output;
    private final String topic;
    private final Clock clock;
    private final Duration uuidWindow;
    private final KafkaConsumer<String, byte[]> consumer;
    private final LinkedBlockingQueue<SpoolEntry> ready = new LinkedBlockingQueue<>();
    private final Map<Integer, Progress> owned = new ConcurrentHashMap<>();
    private final RecentUuids recent;
    private final Thread poller;
    private volatile boolean running = true;
    /** Stopped as a killed replica stops: nothing more is committed ({@link #halt}). */
    private volatile boolean halted;

    /** One owned partition: entries handed out and not yet delivered, and where reading got to. */
    private static final class Progress {
        final ConcurrentSkipListSet<Long> pending = new ConcurrentSkipListSet<>();
        /** The offset after the last one read; -1 before the first. */
        volatile long next = -1;

        long committed = -1;

        /** Everything before this offset is delivered. */
        long deliveredUpTo() {
            Long first = pending.isEmpty() ? null : pending.first();
            long n = next;
            return first == null ? n : Math.min(first, n);
        }
    }

    KafkaOutputQueue(KafkaLog kafka, String output, Duration uuidWindow, Clock clock) {
        this.kafka = kafka;
        this.output = output;
        this.topic = kafka.topic(output);
        this.clock = clock;
        this.uuidWindow = uuidWindow;
        this.recent = new RecentUuids(uuidWindow, MAX_UUIDS);
        this.consumer =
                new KafkaConsumer<>(consumerProperties(true), new StringDeserializer(), new ByteArrayDeserializer());
        this.poller = Thread.ofPlatform().name("log-" + output).daemon().start(this::pollLoop);
    }

    private Map<String, Object> consumerProperties(boolean member) {
        Map<String, Object> p = kafka.common();
        if (member) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, kafka.settings().groupPrefix() + output);
            p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            // A replica that died gives its partitions up after this long.
            p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
            p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        // A fetch per few alerts cost the broker more than the alerts: wait briefly for company.
        p.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        p.putAll(kafka.settings().properties());
        return p;
    }

    /** Entry ids: the offset with the partition in the low bits, so they grow within a partition. */
    static long id(int partition, long offset) {
        return offset * KafkaLog.MAX_PARTITIONS + partition;
    }

    private static int partitionOf(long id) {
        return (int) (id % KafkaLog.MAX_PARTITIONS);
    }

    private static long offsetOf(long id) {
        return id / KafkaLog.MAX_PARTITIONS;
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(topic), new Rebalance());
            while (running) {
                if (System.nanoTime() - lastCommit >= COMMIT_EVERY.toNanos()) {
                    commit(false);
                    lastCommit = System.nanoTime();
                }
                Set<TopicPartition> assigned = consumer.assignment();
                if (ready.size() >= READ_AHEAD) {
                    consumer.pause(assigned);
                } else if (!consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    take(r);
                }
            }
        } catch (WakeupException e) {
            // close() asked to stop
        } catch (RuntimeException e) {
            log.error("output {}: reading topic {} stopped: {}", output, topic, e.toString(), e);
        } finally {
            try {
                if (!halted) {
                    commitLast();
                }
            } catch (RuntimeException e) {
                log.warn(
                        "output {}: last offset commit failed, deliveries since the previous one repeat: {}",
                        output,
                        e.toString());
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The final commit; close()'s wakeup may still be pending and abort the first try. */
    private void commitLast() {
        try {
            commit(true);
        } catch (WakeupException e) {
            commit(true);
        }
    }

    private void take(ConsumerRecord<String, byte[]> r) {
        Progress p = owned.get(r.partition());
        if (p == null) {
            return; // revoked while polling; the next owner reads it
        }
        String uuid = uuid(r);
        if (recent.seenBefore(uuid, clock.millis())) {
            log.debug("output {}: alert {} came again (a resend), delivered once", output, uuid);
            p.next = r.offset() + 1;
            return;
        }
        p.pending.add(r.offset());
        p.next = r.offset() + 1;
        ready.add(new SpoolEntry(id(r.partition(), r.offset()), output, uuid, r.timestamp(), r.value()));
    }

    private static String uuid(ConsumerRecord<?, ?> r) {
        Header h = r.headers().lastHeader(KafkaLog.UUID_HEADER);
        return h == null
                ? r.topic() + "-" + r.partition() + "-" + r.offset()
                : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Commits each owned partition up to its first undelivered entry, where that moved. */
    private void commit(boolean sync) {
        commit(owned.keySet(), sync);
    }

    private void commit(Collection<Integer> partitions, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Integer partition : partitions) {
            Progress p = owned.get(partition);
            if (p == null) {
                continue;
            }
            long upTo = p.deliveredUpTo();
            if (upTo > p.committed) {
                offsets.put(new TopicPartition(topic, partition), new OffsetAndMetadata(upTo));
                p.committed = upTo;
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, (done, error) -> {
                if (error != null) {
                    log.warn(
                            "output {}: committing offsets failed, those deliveries may repeat: {}",
                            output,
                            error.toString());
                }
            });
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            List<Integer> numbers =
                    partitions.stream().map(TopicPartition::partition).toList();
            if (halted) {
                forget(numbers);
                return;
            }
            finishInFlight(numbers);
            try {
                commit(numbers, true);
            } catch (RuntimeException e) {
                log.warn(
                        "output {}: committing revoked partitions failed, their deliveries may repeat: {}",
                        output,
                        e.toString());
            }
            forget(numbers);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions.stream().map(TopicPartition::partition).toList());
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            partitions.forEach(tp -> owned.put(tp.partition(), new Progress()));
            rememberDelivered(partitions);
            log.info("output {}: now delivers partitions {} of {}", output, numbers(partitions), topic);
        }

        private void forget(List<Integer> numbers) {
            numbers.forEach(owned::remove);
            Set<Integer> gone = new HashSet<>(numbers);
            // Not handed out yet: the next owner reads them. Entries already being delivered
            // finish here and may be delivered there too (at least once).
            ready.removeIf(e -> gone.contains(partitionOf(e.id())));
            if (!numbers.isEmpty()) {
                log.info("output {}: gave up partitions {} of {}", output, numbers, topic);
            }
        }
    }

    /**
     * Before a partition moves to another replica: entries not handed out yet stay for the next
     * owner; those being delivered get a bounded while to finish, so the commit covers them and
     * the next owner does not deliver them a second time (an output that does not answer within
     * it makes them repeat there: at least once).
     */
    private void finishInFlight(List<Integer> numbers) {
        Set<Integer> leaving = new HashSet<>(numbers);
        Map<Integer, Set<Long>> notHandedOut = new HashMap<>();
        ready.removeIf(e -> {
            if (!leaving.contains(partitionOf(e.id()))) {
                return false;
            }
            notHandedOut
                    .computeIfAbsent(partitionOf(e.id()), k -> new HashSet<>())
                    .add(offsetOf(e.id()));
            return true;
        });
        if (!running) {
            return; // closing: the deliveries have stopped, whatever they did not finish repeats
        }
        long deadline = System.nanoTime() + FINISH_IN_FLIGHT.toNanos();
        draining = true;
        try {
            synchronized (delivered) {
                while (inFlight(numbers, notHandedOut) && System.nanoTime() < deadline) {
                    delivered.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            draining = false;
        }
    }

    private boolean inFlight(List<Integer> numbers, Map<Integer, Set<Long>> notHandedOut) {
        for (Integer n : numbers) {
            Progress p = owned.get(n);
            Set<Long> skip = notHandedOut.getOrDefault(n, Set.of());
            if (p != null && p.pending.stream().anyMatch(o -> !skip.contains(o))) {
                return true;
            }
        }
        return false;
    }

    private static List<Integer> numbers(Collection<TopicPartition> partitions) {
        return partitions.stream().map(TopicPartition::partition).sorted().toList();
    }

    /**
     * Reads the uuids of what the previous owners delivered within the uuid window, up to the
     * committed offsets, so a resend that arrives after its first copy was delivered elsewhere is
     * still recognised. Bounded in count and time: past them, a resend may be delivered twice.
     */
    private void rememberDelivered(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
        long since = clock.millis() - uuidWindow.toMillis();
        try (KafkaConsumer<String, byte[]> reader =
                new KafkaConsumer<>(consumerProperties(false), new StringDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> until = new HashMap<>();
            committed.forEach((tp, c) -> {
                if (c != null && c.offset() > 0) {
                    until.put(tp, c.offset());
                }
            });
            if (until.isEmpty()) {
                return;
            }
            reader.assign(until.keySet());
            Map<TopicPartition, Long> times = new HashMap<>();
            until.keySet().forEach(tp -> times.put(tp, since));
            reader.offsetsForTimes(times).forEach((tp, found) -> {
                if (found == null) {
                    reader.seek(tp, until.get(tp)); // nothing that recent
                } else {
                    reader.seek(tp, found.offset());
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int read = 0;
            Set<TopicPartition> left = new HashSet<>(until.keySet());
            left.removeIf(tp -> reader.position(tp) >= until.get(tp));
            while (!left.isEmpty() && read < MAX_UUIDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : reader.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() < until.get(tp)) {
                        recent.seenBefore(uuid(r), Math.max(r.timestamp(), since));
                        read++;
                    }
                }
                left.removeIf(tp -> reader.position(tp) >= until.get(tp));
            }
            log.info("output {}: {} uuids delivered before by other replicas remembered", output, read);
        } catch (RuntimeException e) {
            log.warn(
                    "output {}: could not read back delivered uuids; resends may be delivered twice: {}",
                    output,
                    e.toString());
        }
    }

    @Override
    public List<SpoolEntry> next(int max, Duration wait) throws InterruptedException {
        List<SpoolEntry> entries = new ArrayList<>(Math.min(max, 64));
        SpoolEntry first = ready.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        if (first != null) {
            entries.add(first);
            ready.drainTo(entries, max - 1);
        }
        return entries;
    }

    @Override
    public CompletableFuture<Boolean> remove(SpoolEntry entry) {
        Progress p = owned.get(partitionOf(entry.id()));
        boolean removed = p != null && p.pending.remove(offsetOf(entry.id()));
        if (draining) {
            synchronized (delivered) {
                delivered.notifyAll();
            }
        }
        return CompletableFuture.completedFuture(removed);
    }

    /** To the output's dead-letter topic, with the reason in a header; then off the queue. */
    @Override
    public CompletableFuture<Boolean> bury(SpoolEntry entry, String reason) {
        return kafka.send(
                        kafka.deadTopic(output),
                        entry.uuid(),
                        entry.uuid(),
                        entry.payload(),
                        reason == null ? "unknown" : reason)
                .thenCompose(sent -> remove(entry));
    }

    @Override
    public CompletableFuture<Boolean> append(String uuid, byte[] payload) {
        return kafka.send(topic, uuid, uuid, payload, null);
    }

    /**
     * Stops reading and leaves the group without committing what was delivered since the last
     * commit, as a replica killed at this moment would (tests: the next owner must deliver it).
     */
    void halt() {
        halted = true;
        close();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            poller.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
