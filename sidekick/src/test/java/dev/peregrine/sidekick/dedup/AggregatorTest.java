package dev.peregrine.sidekick.dedup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.spool.SpoolEntry;
import dev.peregrine.sidekick.testing.MutableClock;
import dev.peregrine.sidekick.testing.SampleAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AggregatorTest {
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(T0);
    final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    final FakeQueue queue = new FakeQueue();
    final List<DedupStore> stores = new ArrayList<>();
    long nextId = 1;

    /** The output's queue as the aggregator sees it: what it removed and what it queued. */
    static final class FakeQueue implements Aggregator.Queue {
        final List<SpoolEntry> removed = new ArrayList<>();
        final Map<String, byte[]> queued = new LinkedHashMap<>();
        final List<String> enqueued = new ArrayList<>();
        boolean full;
        boolean crashAfterEnqueue;

        @Override
        public void remove(SpoolEntry entry) {
            removed.add(entry);
        }

        @Override
        public boolean enqueue(Map<String, byte[]> followUps) {
            if (full) {
                return false;
            }
            followUps.forEach((uuid, payload) -> {
                enqueued.add(uuid);
                queued.putIfAbsent(uuid, payload); // a uuid queued before is not queued again, as the spool does
            });
            if (crashAfterEnqueue) {
                throw new IllegalStateException("crash");
            }
            return true;
        }

        List<Alert> followUps() {
            return queued.values().stream()
                    .map(p -> AlertJson.read(p, Instant::now))
                    .toList();
        }
    }

    @AfterEach
    void close() {
        stores.forEach(DedupStore::close);
    }

    DedupStore store() {
        DedupStore s = new DedupStore(dir);
        stores.add(s);
        return s;
    }

    Aggregator aggregator(Policy policy) {
        return new Aggregator("chat", policy, store(), clock, queue, metrics);
    }

    static Policy dedup(Duration window, String... key) {
        List<String> problems = new ArrayList<>();
        AlertKey k = AlertKey.parse("k", key.length == 0 ? DedupSettings.DEFAULT_KEY : List.of(key), problems);
        assertThat(problems).isEmpty();
        return new Policy.Dedup(window, k);
    }

    static Policy group(Duration window) {
        return new Policy.Group(window, AlertKey.parse("k", GroupSettings.DEFAULT_BY, new ArrayList<>()));
    }

    /** Sample alert {@code i} at {@code time}, with {@code fields} replacing output fields. */
    SpoolEntry entry(int sample, Instant time, Map<String, Object> fields) {
        Alert a = SampleAlerts.alert(sample);
        Map<String, Object> f = new HashMap<>(a.outputFields());
        f.putAll(fields);
        Alert b = new Alert(
                UUID.randomUUID().toString(),
                time,
                a.rule(),
                a.priority(),
                a.source(),
                a.output(),
                new TreeMap<>(f),
                a.tags(),
                a.hostname(),
                a.message(),
                a.origin());
        return new SpoolEntry(nextId++, "chat", b.uuid(), clock.millis(), AlertJson.write(b));
    }

    SpoolEntry entry(int sample, Instant time) {
        return entry(sample, time, Map.of());
    }

    SpoolEntry withPriority(SpoolEntry e, Priority p) {
        Alert a = AlertJson.read(e.payload(), Instant::now);
        Alert b = new Alert(
                a.uuid(),
                a.time(),
                a.rule(),
                p,
                a.source(),
                a.output(),
                a.outputFields(),
                a.tags(),
                a.hostname(),
                a.message(),
                a.origin());
        return new SpoolEntry(e.id(), e.output(), e.uuid(), e.acceptedAtMillis(), AlertJson.write(b));
    }

    double suppressed(String rule) {
        var c = metrics.find("peregrine.dedup.suppressed")
                .tag("output", "chat")
                .tag("rule", rule)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void theFirstAlertGoesAtOnceDuplicatesAreCountedAndTheFollowUpCarriesTheCount() {
        Aggregator agg = aggregator(dedup(Duration.ofMinutes(1)));
        SpoolEntry first = entry(0, T0);
        assertThat(agg.admit(List.of(first))).containsExactly(first);

        List<SpoolEntry> dups = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            dups.add(entry(0, T0.plusSeconds(i)));
        }
        clock.advance(Duration.ofSeconds(10));
        assertThat(agg.admit(dups)).isEmpty();
        assertThat(queue.removed).containsExactlyElementsOf(dups);
        assertThat(suppressed("Terminal shell in container")).isEqualTo(5);

        agg.flush(true);
        assertThat(queue.queued).as("the window is still open").isEmpty();

        clock.advance(Duration.ofSeconds(50));
        agg.flush(true);
        assertThat(queue.followUps()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("Terminal shell in container");
            assertThat(f.priority()).isEqualTo(Priority.NOTICE);
            assertThat(f.outputFields())
                    .containsEntry(Aggregator.DEDUP_COUNT, 5L)
                    .containsEntry(Aggregator.DEDUP_FIRST_SEEN, "2026-01-05T10:00:00.000000000Z")
                    .containsEntry(Aggregator.DEDUP_LAST_SEEN, "2026-01-05T10:00:05.000000000Z")
                    .containsEntry(Aggregator.DEDUP_FIRST_UUID, first.uuid())
                    .containsEntry("container.id", "3ad7b26ded6d");
            assertThat(f.output())
                    .startsWith("09:14:02.118734512: Notice A shell was spawned")
                    .contains(
                            "(repeated: 5 more suppressed from 2026-01-05T10:00:00.000000000Z to 2026-01-05T10:00:05.000000000Z)");
            assertThat(f.uuid()).isNotEqualTo(first.uuid());
        });
        assertThat(agg.windows()).isZero();

        // A follow-up read back from the queue is delivered, not counted again.
        Alert f = queue.followUps().getFirst();
        SpoolEntry followUp = new SpoolEntry(nextId++, "chat", f.uuid(), clock.millis(), AlertJson.write(f));
        assertThat(agg.admit(List.of(followUp))).containsExactly(followUp);

        // After the window, the same alert is news again.
        SpoolEntry later = entry(0, T0.plusSeconds(70));
        assertThat(agg.admit(List.of(later))).containsExactly(later);
    }

    @Test
    void aWindowWithoutDuplicatesEndsWithoutFollowUp() {
        Aggregator agg = aggregator(dedup(Duration.ofSeconds(30)));
        agg.admit(List.of(entry(1, T0)));
        clock.advance(Duration.ofSeconds(30));
        agg.flush(true);
        assertThat(queue.queued).isEmpty();
        assertThat(agg.windows()).isZero();
    }

    @Test
    void differentRulesPrioritiesHostsOrContainersAreNeverSuppressedByTheDefaultKey() {
        Aggregator agg = aggregator(dedup(Duration.ofMinutes(1)));
        SpoolEntry a = entry(0, T0);
        SpoolEntry otherRule = entry(1, T0);
        SpoolEntry otherPriority = withPriority(entry(0, T0), Priority.CRITICAL);
        SpoolEntry otherContainer = entry(0, T0, Map.of("container.id", "ffffffffffff"));
        SpoolEntry sameButOtherProcess = entry(0, T0, Map.of("proc.cmdline", "sh"));
        assertThat(agg.admit(List.of(a, otherRule, otherPriority, otherContainer, sameButOtherProcess)))
                .containsExactly(a, otherRule, otherPriority, otherContainer);
    }

    @Test
    void configuredKeyFieldsSeparateWhatTheyName() {
        Aggregator agg = aggregator(
                dedup(Duration.ofMinutes(1), "rule", "priority", "hostname", "container.id", "proc.cmdline"));
        SpoolEntry a = entry(0, T0);
        SpoolEntry otherProcess = entry(0, T0, Map.of("proc.cmdline", "sh"));
        SpoolEntry same = entry(0, T0);
        assertThat(agg.admit(List.of(a, otherProcess, same))).containsExactly(a, otherProcess);
    }

    @Test
    void windowsSurviveARestartAndEntriesCountedBeforeItAreNotCountedTwice() {
        Aggregator agg = aggregator(dedup(Duration.ofMinutes(1)));
        SpoolEntry first = entry(0, T0);
        SpoolEntry d1 = entry(0, T0.plusSeconds(1));
        SpoolEntry d2 = entry(0, T0.plusSeconds(2));
        agg.admit(List.of(first));
        agg.admit(List.of(d1, d2));
        stores.getFirst().close();

        // Restart: the first alert was not delivered yet, d2's removal never reached the disk.
        queue.removed.clear();
        Aggregator again = aggregator(dedup(Duration.ofMinutes(1)));
        assertThat(again.windows()).isEqualTo(1);
        SpoolEntry d3 = entry(0, T0.plusSeconds(3));
        assertThat(again.admit(List.of(first, d2, d3)))
                .as("the first is delivered again; d2 and d3 are counted once")
                .containsExactly(first);
        assertThat(queue.removed).containsExactly(d2, d3);

        // A repeat is still suppressed after the restart: no flood.
        clock.advance(Duration.ofSeconds(59));
        assertThat(again.admit(List.of(entry(0, T0.plusSeconds(59))))).isEmpty();

        clock.advance(Duration.ofSeconds(1));
        again.flush(true);
        assertThat(queue.followUps())
                .singleElement()
                .satisfies(f -> assertThat(f.outputFields()).containsEntry(Aggregator.DEDUP_COUNT, 4L));
    }

    @Test
    void aWindowThatEndedBeforeARestartIsClosedOnlyAfterItsEntriesWereReadAgain() {
        Aggregator agg = aggregator(dedup(Duration.ofMinutes(1)));
        SpoolEntry first = entry(0, T0);
        SpoolEntry d1 = entry(0, T0.plusSeconds(1));
        agg.admit(List.of(first, d1));
        stores.getFirst().close();
        clock.advance(Duration.ofMinutes(5));

        Aggregator again = aggregator(dedup(Duration.ofMinutes(1)));
        again.flush(false);
        assertThat(queue.queued).as("d1 may still be in the queue, unread").isEmpty();
        assertThat(again.admit(List.of(d1))).isEmpty();
        again.flush(false);
        assertThat(queue.followUps())
                .singleElement()
                .satisfies(f -> assertThat(f.outputFields()).containsEntry(Aggregator.DEDUP_COUNT, 1L));
    }

    @Test
    void aFollowUpIsKeptWhileTheSpoolIsFullAndNotQueuedTwiceAfterACrash() {
        Aggregator agg = aggregator(dedup(Duration.ofSeconds(10)));
        agg.admit(List.of(entry(0, T0), entry(0, T0)));
        clock.advance(Duration.ofSeconds(10));
        queue.full = true;
        agg.flush(true);
        assertThat(queue.queued).as("spool full: kept for later").isEmpty();
        assertThat(agg.windows()).isEqualTo(1);

        // The follow-up reaches the queue, then the process dies before the window is forgotten.
        queue.full = false;
        queue.crashAfterEnqueue = true;
        try {
            agg.flush(true);
        } catch (IllegalStateException expected) {
            // the crash
        }
        assertThat(queue.queued).hasSize(1);
        stores.getFirst().close();

        queue.crashAfterEnqueue = false;
        Aggregator again = aggregator(dedup(Duration.ofSeconds(10)));
        assertThat(again.windows()).isEqualTo(1);
        again.flush(true);
        assertThat(queue.enqueued)
                .as("the same uuid both times, so the spool queues it once")
                .hasSize(2)
                .containsOnly(queue.enqueued.getFirst());
        assertThat(queue.queued).hasSize(1);
        assertThat(again.windows()).isZero();
    }

    @Test
    void whenTheStateCannotBeWrittenNothingIsRemovedFromTheQueue() {
        Aggregator agg = aggregator(dedup(Duration.ofMinutes(1)));
        stores.getFirst().close(); // the disk is gone
        SpoolEntry first = entry(0, T0);
        SpoolEntry dup = entry(0, T0);
        assertThatThrownBy(() -> agg.admit(List.of(first, dup))).isInstanceOf(IllegalStateException.class);
        assertThat(queue.removed).as("the caller delivers the batch as it is").isEmpty();
        assertThat(suppressed("Terminal shell in container")).isZero();
    }

    @Test
    void aGroupDeliversItsFirstAlertThenOneSummaryWithCountsByHostAndContainer() {
        Aggregator agg = aggregator(group(Duration.ofSeconds(30)));
        SpoolEntry first = entry(0, T0);
        List<SpoolEntry> burst = List.of(
                entry(0, T0.plusSeconds(1)),
                entry(0, T0.plusSeconds(2), Map.of("container.id", "bbbbbbbbbbbb")),
                entry(0, T0.plusSeconds(3), Map.of("proc.cmdline", "sh")));
        SpoolEntry otherRule = entry(1, T0.plusSeconds(4));
        List<SpoolEntry> all = new ArrayList<>();
        all.add(first);
        all.addAll(burst);
        all.add(otherRule);
        assertThat(agg.admit(all)).containsExactly(first, otherRule);
        assertThat(metrics.find("peregrine.dedup.suppressed")
                        .tag("mode", "group")
                        .counter()
                        .count())
                .isEqualTo(3);

        clock.advance(Duration.ofSeconds(30));
        agg.flush(true);
        assertThat(queue.followUps()).singleElement().satisfies(s -> {
            assertThat(s.rule()).isEqualTo("Terminal shell in container");
            assertThat(s.priority()).isEqualTo(Priority.NOTICE);
            assertThat(s.outputFields())
                    .containsEntry(Aggregator.GROUP_COUNT, 4L)
                    .containsEntry(Aggregator.GROUP_BY, "hostname,container.id")
                    .containsEntry(
                            Aggregator.GROUP_COUNTS,
                            List.of(
                                    "ip-10-0-1-23.eu-west-1.compute.internal/3ad7b26ded6d=3",
                                    "ip-10-0-1-23.eu-west-1.compute.internal/bbbbbbbbbbbb=1"))
                    .containsEntry("k8s.ns.name", "shop")
                    .doesNotContainKey("container.id")
                    .doesNotContainKey("proc.cmdline");
            assertThat(s.output())
                    .startsWith("Terminal shell in container: 4 alerts from 2026-01-05T10:00:00.000000000Z");
            assertThat(s.hostname()).isEqualTo("ip-10-0-1-23.eu-west-1.compute.internal");
        });
    }

    @Test
    void aMoreSevereAlertIsDeliveredAtOnceAndEndsTheWindowItWouldHaveJoined() {
        Aggregator agg = aggregator(group(Duration.ofSeconds(30)));
        SpoolEntry first = entry(0, T0);
        SpoolEntry same = entry(0, T0.plusSeconds(1));
        SpoolEntry critical = withPriority(entry(0, T0.plusSeconds(2)), Priority.CRITICAL);
        SpoolEntry lessSevere = entry(0, T0.plusSeconds(3));
        assertThat(agg.admit(List.of(first, same, critical, lessSevere))).containsExactly(first, critical);

        agg.flush(true);
        assertThat(queue.followUps())
                .as("the escalated window reports at once")
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.priority()).isEqualTo(Priority.NOTICE);
                    assertThat(s.outputFields()).containsEntry(Aggregator.GROUP_COUNT, 2L);
                });
        clock.advance(Duration.ofSeconds(30));
        agg.flush(true);
        assertThat(queue.followUps()).hasSize(2).last().satisfies(s -> {
            assertThat(s.priority()).isEqualTo(Priority.CRITICAL);
            assertThat(s.outputFields()).containsEntry(Aggregator.GROUP_COUNT, 2L);
        });

        // Dedup with priority left out of the key: the same.
        Aggregator dedup = aggregator(dedup(Duration.ofMinutes(1), "rule", "hostname"));
        SpoolEntry w1 = entry(1, T0);
        SpoolEntry w2 = entry(1, T0);
        SpoolEntry escalated = withPriority(entry(1, T0), Priority.EMERGENCY);
        assertThat(dedup.admit(List.of(w1, w2, escalated))).containsExactly(w1, escalated);
    }

    @Test
    void aGroupOfOneNeedsNoSummary() {
        Aggregator agg = aggregator(group(Duration.ofSeconds(30)));
        agg.admit(List.of(entry(2, T0)));
        clock.advance(Duration.ofSeconds(31));
        agg.flush(true);
        assertThat(queue.queued).isEmpty();
    }
}
