package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every store (SQLite, PostgreSQL) must do, checked against the same filters applied in Java
 * to the alerts that were stored.
 */
abstract class AlertStoreContract {
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    static final JsonMapper JSON = JsonMapper.builder().build();

    AlertStore store;
    StoreWriter writer;
    List<Alert> alerts;

    abstract AlertStore open() throws Exception;

    /** The store {@link #open()} opened, opened again (as a restarted sidekick opens it). */
    abstract AlertStore reopen() throws Exception;

    @BeforeEach
    void fill() throws Exception {
        store = open();
        writer = store.writer();
        alerts = GeneratedAlerts.generate(42, 400, NOW, Duration.ofMinutes(3));
        List<StoreWriter.NewAlert> batch = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i++) {
            Alert a = alerts.get(i);
            batch.add(new StoreWriter.NewAlert(a, AlertJson.write(a), List.of("slack"), i % 10 == 0 ? "m1" : null));
        }
        writer.insert(batch.subList(0, 150));
        writer.insert(batch.subList(150, batch.size()));
    }

    @AfterEach
    void close() {
        writer.close();
        store.close();
    }

    /** The uuids the store returns for {@code q}, in its order. */
    List<String> uuids(AlertQuery q) {
        return store.search(q, null, 0, 10_000).stream()
                .map(AlertStoreContract::uuid)
                .toList();
    }

    static String uuid(StoredAlert s) {
        return JSON.readTree(s.body()).get("uuid").stringValue();
    }

    /** The same, computed here: newest first. */
    List<String> expected(Predicate<Alert> filter) {
        return alerts.stream()
                .filter(filter)
                .sorted(Comparator.comparing(Alert::time).reversed())
                .map(Alert::uuid)
                .toList();
    }

    @Test
    void everyDimensionFiltersByOneOrSeveralValues() {
        for (Dimension d : Dimension.values()) {
            List<String> values = alerts.stream()
                    .flatMap(a -> valuesOf(a, d).stream())
                    .filter(v -> !v.isEmpty())
                    .distinct()
                    .sorted()
                    .toList();
            assertThat(values).as(d.toString()).hasSizeGreaterThan(1);
            for (Set<String> accepted : List.of(Set.of(values.get(0)), Set.of(values.get(0), values.get(1)))) {
                List<String> got = uuids(AlertQuery.ALL.with(d, accepted));
                List<String> want = expected(a -> valuesOf(a, d).stream().anyMatch(accepted::contains));
                assertThat(got).as(d + " in " + accepted).isNotEmpty().isEqualTo(want);
                assertThat(store.count(AlertQuery.ALL.with(d, accepted))).isEqualTo(want.size());
            }
        }
    }

    @Test
    void dimensionsCombineAndTimeBoundsApply() {
        Instant from = NOW.minus(Duration.ofHours(10));
        Instant until = NOW.minus(Duration.ofHours(2));
        AlertQuery q = AlertQuery.ALL
                .with(Dimension.HOSTNAME, Set.of("node-a", "node-b"))
                .withPriorities(Set.of(Priority.WARNING, Priority.ERROR, Priority.NOTICE, Priority.CRITICAL))
                .between(from, until);
        List<String> want = expected(a -> Set.of("node-a", "node-b").contains(a.hostname())
                && a.priority().atLeast(Priority.NOTICE)
                && a.priority().ordinal() >= Priority.CRITICAL.ordinal()
                && !a.time().isBefore(from)
                && a.time().isBefore(until));
        assertThat(want).isNotEmpty();
        assertThat(uuids(q)).isEqualTo(want);
    }

    @Test
    void mutedAlertsAreMarkedAndFilterable() {
        List<String> muted = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i += 10) {
            muted.add(alerts.get(i).uuid());
        }
        assertThat(uuids(AlertQuery.ALL.withMuted(true))).containsExactlyInAnyOrderElementsOf(muted);
        assertThat(store.count(AlertQuery.ALL.withMuted(false))).isEqualTo(alerts.size() - muted.size());
        assertThat(store.find(muted.get(0)).orElseThrow().muted()).isEqualTo("m1");
    }

    @Test
    void fullTextFindsWordsAndPrefixesInOutputAndFieldValues() {
        // fd.name is in the fields; "/etc/sha" is the phrase etc + prefix sha
        assertThat(uuids(AlertQuery.ALL.withText("/etc/sha")))
                .isNotEmpty()
                .isEqualTo(expected(a -> a.outputFields().get("fd.name").equals("/etc/shadow")));
        // a prefix of a word inside an image name
        assertThat(uuids(AlertQuery.ALL.withText("ngin")))
                .isEqualTo(expected(a ->
                        a.output().contains("nginx") || a.fieldText("proc.name").equals("nginx")));
        // every word must match, in any field
        assertThat(uuids(AlertQuery.ALL.withText("python3 cron")))
                .isNotEmpty()
                .isEqualTo(expected(a -> a.fieldText("proc.name").equals("python3")
                        && a.fieldText("fd.name").contains("cron")));
        assertThat(uuids(AlertQuery.ALL.withText("nosuchword"))).isEmpty();
        // punctuation alone is no filter at all
        assertThat(store.count(AlertQuery.ALL.withText("| ;"))).isEqualTo(alerts.size());
    }

    @Test
    void offsetAndCursorPagesWalkTheSameOrderWithoutGapsOrRepeats() throws Exception {
        AlertQuery q = AlertQuery.ALL.with(Dimension.SOURCE, Set.of("syscall"));
        List<String> all = uuids(q);
        List<String> byOffset = new ArrayList<>();
        for (int page = 0; page * 30 < all.size() + 30; page++) {
            store.search(q, null, page * 30, 30).forEach(s -> byOffset.add(uuid(s)));
        }
        assertThat(byOffset).isEqualTo(all);

        List<String> byCursor = new ArrayList<>();
        Cursor cursor = null;
        for (int i = 0; i < 100; i++) {
            List<StoredAlert> page = store.search(q, cursor, 0, 30);
            if (page.isEmpty()) {
                break;
            }
            page.forEach(s -> byCursor.add(uuid(s)));
            cursor = page.getLast().cursor();
            if (i == 0) {
                // newer alerts arriving meanwhile do not shift the next page
                Alert late = GeneratedAlerts.generate(7, 1, NOW.plusSeconds(60), Duration.ZERO)
                        .getFirst();
                writer.insert(List.of(new StoreWriter.NewAlert(late, AlertJson.write(late), List.of(), null)));
            }
        }
        assertThat(byCursor).isEqualTo(all);
    }

    @Test
    void countsByEveryDimensionMatchTheAlerts() {
        for (Dimension d : Dimension.values()) {
            Map<String, Long> want = new HashMap<>();
            for (Alert a : alerts) {
                valuesOf(a, d).stream().filter(v -> !v.isEmpty()).forEach(v -> want.merge(v, 1L, Long::sum));
            }
            Map<String, Long> got = store.countBy(AlertQuery.ALL, d, 100);
            assertThat(got).as(d.toString()).isEqualTo(want);
            List<Long> order = new ArrayList<>(got.values());
            assertThat(order).isSortedAccordingTo(Comparator.reverseOrder());
        }
        assertThat(store.countBy(AlertQuery.ALL, Dimension.RULE, 2)).hasSize(2);
    }

    @Test
    void histogramBucketsAddUpPerPriority() {
        AlertQuery lastDay = AlertQuery.ALL.between(NOW.minus(Duration.ofHours(24)), null);
        List<AlertStore.Bucket> buckets =
                store.histogram(lastDay, Duration.ofHours(1).toNanos() / 1000);
        Map<Priority, Long> perPriority = new TreeMap<>();
        buckets.forEach(b -> perPriority.merge(b.priority(), b.count(), Long::sum));
        Map<Priority, Long> want = alerts.stream()
                .filter(a -> !a.time().isBefore(NOW.minus(Duration.ofHours(24))))
                .collect(Collectors.groupingBy(Alert::priority, TreeMap::new, Collectors.counting()));
        assertThat(perPriority).isEqualTo(want);
        assertThat(buckets)
                .allSatisfy(b -> assertThat(b.start().getEpochSecond() % 3600).isZero());
    }

    @Test
    void retentionDeletesByAgeThenBySizeOldestFirst() throws Exception {
        assertThat(store.oldest()).contains(alerts.getFirst().time());
        var metrics = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        java.time.Clock clock = java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC);
        new Retention(Duration.ofHours(12), Long.MAX_VALUE, clock, metrics).enforce(writer, () -> {});
        Instant cutoff = NOW.minus(Duration.ofHours(12));
        long young = alerts.stream().filter(a -> !a.time().isBefore(cutoff)).count();
        assertThat(store.count(AlertQuery.ALL)).isEqualTo(young);
        assertThat(store.oldest().orElseThrow()).isAfterOrEqualTo(cutoff);
        assertThat(metrics.counter("peregrine.store.deleted", "reason", "age").count())
                .isEqualTo(alerts.size() - young);

        long used = writer.usedBytes();
        new Retention(Duration.ofDays(365), used / 2, clock, metrics).enforce(writer, () -> {});
        long left = store.count(AlertQuery.ALL);
        assertThat(left).isLessThan(young).isGreaterThan(0);
        // the newest ones are the ones kept
        assertThat(uuids(AlertQuery.ALL))
                .isEqualTo(expected(a -> !a.time().isBefore(cutoff)).subList(0, (int) left));
        assertThat(metrics.counter("peregrine.store.deleted", "reason", "size").count())
                .isEqualTo(young - left);
        assertThat(uuids(AlertQuery.ALL.withText("shadow")))
                .allMatch(u -> uuids(AlertQuery.ALL).contains(u));
    }

    @Test
    void perMinuteCountsAgreeWithTheAlertsAfterInsertsAndRetention() throws Exception {
        // more alerts at odd seconds, several in one minute, so that ranges cut minutes
        java.util.Random r = new java.util.Random(5);
        List<StoreWriter.NewAlert> extra = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            Alert a = GeneratedAlerts.one(
                    r, NOW.minusSeconds(r.nextInt(26 * 3600)).minusMillis(r.nextInt(1000)));
            alerts.add(a);
            extra.add(new StoreWriter.NewAlert(a, AlertJson.write(a), List.of(), null));
        }
        // and some in the part-minutes on both sides of every bound countsAgree cuts at
        for (long cut : new long[] {24 * 3600, 20 * 3600 + 17, 90, 3600, 3 * 3600 + 41, 75}) {
            for (long off : new long[] {-7, -1, 0, 3, 11}) {
                Alert a = GeneratedAlerts.one(r, NOW.minusSeconds(cut + off).plusMillis(r.nextInt(1000)));
                alerts.add(a);
                extra.add(new StoreWriter.NewAlert(a, AlertJson.write(a), List.of(), null));
            }
        }
        writer.insert(extra);
        countsAgree();
        java.time.Clock clock = java.time.Clock.fixed(NOW, java.time.ZoneOffset.UTC);
        new Retention(Duration.ofHours(13).plusSeconds(29), Long.MAX_VALUE, clock, new SimpleMeterRegistry())
                .enforce(writer, () -> {});
        countsAgree();
        writer.deleteBefore(Long.MAX_VALUE, 37);
        countsAgree();
        writer.deleteBefore(Long.MAX_VALUE, 100_000);
        assertThat(writer.count()).isZero();
        assertThat(store.countBy(AlertQuery.ALL, Dimension.PRIORITY, 10)).isEmpty();
        for (Dimension d : ValueCounts.KEPT) {
            assertThat(store.countBy(AlertQuery.ALL, d, 10)).as(d.toString()).isEmpty();
        }
    }

    /** Counts from the per-minute table (priority and time filters) against the alerts still stored. */
    void countsAgree() throws Exception {
        Set<String> kept = Set.copyOf(uuids(AlertQuery.ALL));
        List<Alert> left = alerts.stream().filter(a -> kept.contains(a.uuid())).toList();
        assertThat(writer.count()).isEqualTo(left.size());
        List<AlertQuery> queries = new ArrayList<>();
        for (Instant from : java.util.Arrays.asList(
                null, NOW.minus(Duration.ofHours(24)), NOW.minusSeconds(20 * 3600 + 17), NOW.minusSeconds(90))) {
            for (Instant until : java.util.Arrays.asList(
                    null, NOW.minusSeconds(3600), NOW.minusSeconds(3 * 3600 + 41), NOW.minusSeconds(75))) {
                queries.add(AlertQuery.ALL.between(from, until));
                queries.add(
                        AlertQuery.ALL.between(from, until).withPriorities(Set.of(Priority.WARNING, Priority.ERROR)));
            }
        }
        for (AlertQuery q : queries) {
            Predicate<Alert> in = a -> (q.from() == null || !a.time().isBefore(q.from()))
                    && (q.until() == null || a.time().isBefore(q.until()))
                    && (q.of(Dimension.PRIORITY).isEmpty()
                            || q.of(Dimension.PRIORITY).contains(a.priority().falcoName()));
            Map<String, Long> byPriority = left.stream()
                    .filter(in)
                    .collect(Collectors.groupingBy(a -> a.priority().falcoName(), Collectors.counting()));
            assertThat(store.count(q))
                    .as("count %s", q)
                    .isEqualTo(byPriority.values().stream().mapToLong(x -> x).sum());
            assertThat(store.total(q, 5).count()).isEqualTo(store.count(q));
            assertThat(store.countBy(q, Dimension.PRIORITY, 10))
                    .as("by priority %s", q)
                    .isEqualTo(byPriority);
            for (Dimension d : ValueCounts.KEPT) {
                assertThat(ValueCounts.answers(q, d))
                        .as("%s counted per value", d)
                        .isTrue();
                Map<String, Long> want = new HashMap<>();
                left.stream()
                        .filter(in)
                        .forEach(a -> valuesOf(a, d).stream()
                                .filter(v -> !v.isEmpty())
                                .distinct()
                                .forEach(v -> want.merge(v, 1L, Long::sum)));
                assertThat(store.countBy(q, d, 1000)).as("by %s %s", d, q).isEqualTo(want);
                // the same values in the same order as counted over the alerts, also when cut at top
                for (int top : List.of(1000, 3)) {
                    assertThat(List.copyOf(store.countBy(q, d, top).entrySet()))
                            .as("by %s %s top %d", d, q, top)
                            .isEqualTo(
                                    List.copyOf(store.countByAlerts(q, d, top).entrySet()));
                }
            }
            for (Duration width : List.of(Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofSeconds(90))) {
                long w = width.toNanos() / 1000;
                Map<String, Long> want = new TreeMap<>();
                left.stream()
                        .filter(in)
                        .forEach(a -> want.merge(
                                (QuerySql.micros(a.time()) / w) * w + "/"
                                        + a.priority().falcoName(),
                                1L,
                                Long::sum));
                Map<String, Long> got = new TreeMap<>();
                store.histogram(q, w)
                        .forEach(b -> got.put(
                                QuerySql.micros(b.start()) + "/" + b.priority().falcoName(), b.count()));
                assertThat(got).as("histogram %s by %s", q, width).isEqualTo(want);
            }
        }
    }

    /**
     * A store made before containers, images, namespaces and pods were counted per value has the
     * rule, source, hostname and tag rows only: opening it counts the others once, from the alerts,
     * and leaves the rows it has alone.
     */
    @Test
    void aStoreWithoutPerValueCountsOfSomeDimensionsCountsThemWhenOpened() throws Exception {
        List<Dimension> added = List.of(Dimension.CONTAINER, Dimension.IMAGE, Dimension.NAMESPACE, Dimension.POD);
        Map<Dimension, Map<String, Long>> before = new java.util.EnumMap<>(Dimension.class);
        for (Dimension d : ValueCounts.KEPT) {
            before.put(d, store.countByAlerts(AlertQuery.ALL, d, 1000));
            assertThat(before.get(d)).as(d.toString()).isNotEmpty();
        }
        try (java.sql.Connection c = store.dataSource().getConnection();
                java.sql.Statement s = c.createStatement()) {
            for (Schema.ValueTable t : Schema.VALUE_TABLES) {
                int deleted = s.executeUpdate("DELETE FROM " + t.name() + " WHERE dimension IN ("
                        + added.stream().map(d -> "'" + d.column() + "'").collect(Collectors.joining(", "))
                        + ")");
                assertThat(deleted).as(t.name()).isPositive();
            }
        }
        writer.close();
        store.close();
        store = reopen();
        writer = store.writer();
        for (Dimension d : ValueCounts.KEPT) {
            assertThat(store.countBy(AlertQuery.ALL, d, 1000)).as(d.toString()).isEqualTo(before.get(d));
        }
        // and kept from there on: the next alerts and a deletion count as in a new store
        List<Alert> more = GeneratedAlerts.generate(43, 50, NOW, Duration.ofSeconds(37));
        List<StoreWriter.NewAlert> batch = new ArrayList<>();
        for (Alert a : more) {
            batch.add(new StoreWriter.NewAlert(a, AlertJson.write(a), List.of(), null));
        }
        writer.insert(batch);
        alerts.addAll(more);
        writer.deleteBefore(Long.MAX_VALUE, 61);
        for (Dimension d : added) {
            assertThat(store.countBy(AlertQuery.ALL, d, 1000))
                    .as(d.toString())
                    .isEqualTo(store.countByAlerts(AlertQuery.ALL, d, 1000));
        }
    }

    @Test
    void commonWordsFindTheSamePagesThroughTheTimeIndex() {
        List<AlertQuery> searches = List.of(
                AlertQuery.ALL.withText("shadow"),
                AlertQuery.ALL.withText("bash"),
                AlertQuery.ALL.withText("etc").between(NOW.minus(Duration.ofHours(7)), NOW.minusSeconds(3600)),
                AlertQuery.ALL
                        .withText("c")
                        .with(Dimension.HOSTNAME, Set.of(alerts.get(3).hostname())));
        for (AlertQuery q : searches) {
            List<String> rare = uuids(q);
            List<String> firstPage = store.search(q, null, 0, 7).stream()
                    .map(AlertStoreContract::uuid)
                    .toList();
            store.commonTextAbove(0);
            assertThat(uuids(q)).as("%s", q).isEqualTo(rare);
            List<StoredAlert> page = store.search(q, null, 0, 7);
            assertThat(page).map(AlertStoreContract::uuid).isEqualTo(firstPage);
            if (page.size() == 7) {
                assertThat(store.search(q, page.getLast().cursor(), 0, 1000))
                        .map(AlertStoreContract::uuid)
                        .isEqualTo(rare.subList(7, rare.size()));
            }
            store.commonTextAbove(AlertStore.COMMON_TEXT);
            assertThat(rare).isNotEmpty();
        }
    }

    /**
     * Every prefix (1 to 5 letters) of words the alerts hold, alone and in pairs: the page (through
     * the matches, and through the time index as for common words), the count and the capped total
     * against the alerts whose words start so, computed here. Covers prefixes the index answers as
     * its exact words and those with too many words for that (one letter).
     */
    @Test
    void prefixSearchesMatchTheAlertsWordsHowEverTheIndexIsAsked() {
        Map<Alert, Set<String>> wordsOf = new HashMap<>();
        alerts.forEach(a -> wordsOf.put(a, Set.of(SearchText.of(a).split(" "))));
        java.util.Random r = new java.util.Random(11);
        List<String> all = wordsOf.values().stream()
                .flatMap(Set::stream)
                .distinct()
                .sorted()
                .toList();
        List<String> searches = new ArrayList<>(List.of("c", "s", "1"));
        for (int i = 0; i < 30; i++) {
            String w = all.get(r.nextInt(all.size()));
            String p = w.substring(0, Math.min(w.length(), 1 + r.nextInt(5)));
            searches.add(i % 3 == 0 ? p + " " + all.get(r.nextInt(all.size())).substring(0, 1) : p);
        }
        for (String text : searches) {
            List<String> words = SearchText.words(text);
            AlertQuery q = AlertQuery.ALL.withText(text);
            List<String> want = expected(a ->
                    words.stream().allMatch(w -> wordsOf.get(a).stream().anyMatch(x -> x.startsWith(w))));
            assertThat(uuids(q)).as(text).isEqualTo(want);
            assertThat(store.count(q)).as(text).isEqualTo(want.size());
            assertThat(store.total(q, 25))
                    .as(text)
                    .isEqualTo(new AlertStore.Total(Math.min(25, want.size()), want.size() > 25));
            store.commonTextAbove(0);
            assertThat(uuids(q)).as("common %s", text).isEqualTo(want);
            assertThat(store.search(q, null, 3, 5))
                    .map(AlertStoreContract::uuid)
                    .as("common %s, offset 3", text)
                    .isEqualTo(want.subList(Math.min(3, want.size()), Math.min(8, want.size())));
            store.commonTextAbove(AlertStore.COMMON_TEXT);
        }
    }

    @Test
    void aSearchTotalIsExactUpToItsCapAndSaysMoreAbove() {
        AlertQuery notMuted = AlertQuery.ALL.withMuted(false);
        long all = store.count(notMuted);
        assertThat(store.total(notMuted, (int) all)).isEqualTo(new AlertStore.Total(all, false));
        assertThat(store.total(notMuted, (int) all - 1)).isEqualTo(new AlertStore.Total(all - 1, true));
        assertThat(store.total(notMuted, 10)).isEqualTo(new AlertStore.Total(10, true));
        AlertQuery shadow = AlertQuery.ALL.withText("shadow");
        assertThat(store.total(shadow, 100_000)).isEqualTo(new AlertStore.Total(store.count(shadow), false));
    }

    static List<String> valuesOf(Alert a, Dimension d) {
        return switch (d) {
            case PRIORITY -> List.of(a.priority().falcoName());
            case TAGS -> a.tags();
            default -> List.of(d.of(a));
        };
    }
}
