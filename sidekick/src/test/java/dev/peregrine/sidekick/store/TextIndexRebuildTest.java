package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.testing.GeneratedAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A store made before the full-text index had prefix indexes: it keeps answering searches, and
 * its writer rebuilds the index with them, storing new alerts into both meanwhile; the searches
 * then find the same alerts, and the new ones.
 */
class TextIndexRebuildTest {
    static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    /** alert_text as SqliteDialect created it before the prefix indexes. */
    static final String OLD_TEXT_TABLE = "CREATE VIRTUAL TABLE alert_text USING fts5(body, content='',"
            + " contentless_delete=1, detail=none, tokenize='unicode61 remove_diacritics 2')";

    /** Searches of every kind: short prefixes (prefix indexes), longer ones, several words, none. */
    static final List<String> SEARCHES =
            List.of("s", "c", "1", "py", "etc", "bash", "shado", "etc sha", "/etc/shadow", "c s", "nosuchword");

    @TempDir
    Path dir;

    AlertStore store;
    StoreWriter writer;
    final List<Alert> alerts = new ArrayList<>();

    @BeforeEach
    void openAnOldStore() throws Exception {
        store = AlertStore.sqlite(dir, 2);
        try (Connection c = store.dataSource().getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE " + TextTerms.VOCABULARY);
            s.execute("DROP TABLE alert_text");
            s.execute(OLD_TEXT_TABLE);
            s.execute(SqliteDialect.createVocabulary());
        }
        store.close();
        // opened again as a newer sidekick opens an older store: its alert_text is kept
        store = AlertStore.sqlite(dir, 2);
        writer = store.writer();
        insert(GeneratedAlerts.generate(42, 400, NOW, Duration.ofMinutes(3)));
    }

    @AfterEach
    void close() {
        writer.close();
        store.close();
    }

    void insert(List<Alert> batch) throws SQLException {
        writer.insert(batch.stream()
                .map(a -> new StoreWriter.NewAlert(a, AlertJson.write(a), List.of(), null))
                .toList());
        alerts.addAll(batch);
    }

    Set<Integer> prefixLengths() throws SQLException {
        try (Connection c = store.dataSource().getConnection()) {
            return TextTerms.prefixLengths(c);
        }
    }

    String query(String word) throws SQLException {
        try (Connection c = store.dataSource().getConnection()) {
            return TextTerms.query(c, List.of(word));
        }
    }

    /** Every search, its page, count and capped total, against the alerts' own words. */
    void searchesFindTheAlertsWhoseWordsStartSo() {
        for (String text : SEARCHES) {
            List<String> words = SearchText.words(text);
            List<String> want = alerts.stream()
                    .filter(a -> {
                        List<String> held = Arrays.asList(SearchText.of(a).split(" "));
                        return words.stream().allMatch(w -> held.stream().anyMatch(x -> x.startsWith(w)));
                    })
                    .sorted(Comparator.comparing(Alert::time).reversed())
                    .map(Alert::uuid)
                    .toList();
            AlertQuery q = AlertQuery.ALL.withText(text);
            assertThat(store.search(q, null, 0, 10_000))
                    .map(TextIndexRebuildTest::uuid)
                    .as(text)
                    .isEqualTo(want);
            assertThat(store.count(q)).as(text).isEqualTo(want.size());
            assertThat(store.total(q, 25))
                    .as(text)
                    .isEqualTo(new AlertStore.Total(Math.min(25, want.size()), want.size() > 25));
            store.commonTextAbove(0);
            assertThat(store.search(q, null, 0, 10_000))
                    .map(TextIndexRebuildTest::uuid)
                    .as("common %s", text)
                    .isEqualTo(want);
            store.commonTextAbove(AlertStore.COMMON_TEXT);
        }
    }

    static String uuid(StoredAlert s) {
        return JsonMapper.builder().build().readTree(s.body()).get("uuid").stringValue();
    }

    @Test
    void anOldStoreKeepsWorkingAndIsRebuiltWithPrefixIndexesWhileAlertsArrive() throws Exception {
        assertThat(prefixLengths()).isEmpty();
        try (Connection c = store.dataSource().getConnection()) {
            assertThat(TextIndexRebuild.needed(c)).isTrue();
        }
        // without prefix indexes a short prefix is its words or a prefix FTS5 merges, never a bare one
        for (String p : List.of("s", "py")) {
            assertThat(query(p)).as(p).isNotEqualTo(p + "*");
        }
        searchesFindTheAlertsWhoseWordsStartSo();

        AtomicInteger slices = new AtomicInteger();
        List<Alert> arriving = GeneratedAlerts.generate(7, 30, NOW.plusSeconds(60), Duration.ofSeconds(1));
        long rebuilt = writer.rebuildText(64, () -> {
            // alerts stored between slices go into both indexes
            int i = slices.getAndIncrement();
            if (i < 3) {
                try {
                    insert(arriving.subList(10 * i, 10 * i + 10));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
            return true;
        });

        // the 400 alerts there at the start (the 30 stored meanwhile went in by the writer)
        assertThat(rebuilt).isEqualTo(400);
        assertThat(slices.get()).isEqualTo(400 / 64);
        assertThat(prefixLengths()).isEqualTo(Set.copyOf(TextTerms.PREFIX_LENGTHS));
        assertThat(query("s")).isEqualTo("s*");
        assertThat(query("py")).isEqualTo("py*");
        assertThat(alerts).hasSize(430);
        searchesFindTheAlertsWhoseWordsStartSo();
        // and the writer goes on storing into the new index
        insert(GeneratedAlerts.generate(8, 20, NOW.plusSeconds(120), Duration.ofSeconds(1)));
        searchesFindTheAlertsWhoseWordsStartSo();
        assertThat(writer.rebuildText(64, () -> true)).isEqualTo(-1);
    }

    @Test
    void aRebuildCutShortLeavesTheOldIndexAndStartsAgainNextTime() throws Exception {
        assertThat(writer.rebuildText(64, () -> false)).isEqualTo(-1);
        assertThat(prefixLengths()).isEmpty();
        searchesFindTheAlertsWhoseWordsStartSo();
        insert(GeneratedAlerts.generate(9, 10, NOW.plusSeconds(60), Duration.ofSeconds(1)));

        assertThat(writer.rebuildText(64, () -> true)).isEqualTo(410);
        assertThat(prefixLengths()).isEqualTo(Set.copyOf(TextTerms.PREFIX_LENGTHS));
        searchesFindTheAlertsWhoseWordsStartSo();
    }

    @Test
    void theRecorderRebuildsAnOldStoreWhenItStarts() throws Exception {
        writer.close();
        try (AlertRecorder recorder =
                AlertRecorderTest.recorder(store, 10_000, Long.MAX_VALUE, new SimpleMeterRegistry())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !prefixLengths().isEmpty());
            assertThat(recorder.backlog()).isZero();
        }
        writer = store.writer();
        assertThat(prefixLengths()).isEqualTo(Set.copyOf(TextTerms.PREFIX_LENGTHS));
        searchesFindTheAlertsWhoseWordsStartSo();
    }
}
