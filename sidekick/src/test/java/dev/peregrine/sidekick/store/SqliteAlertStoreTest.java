package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.sidekick.alert.AlertJson;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteAlertStoreTest extends AlertStoreContract {
    @TempDir
    Path dir;

    @Override
    AlertStore open() {
        return AlertStore.sqlite(dir, 2);
    }

    @Override
    AlertStore reopen() {
        return open();
    }

    @Test
    void sizeShrinksWhenRetentionDeletes() throws Exception {
        long before = writer.usedBytes();
        writer.deleteBefore(Long.MAX_VALUE, 300);
        assertThat(writer.usedBytes()).isLessThan(before);
        assertThat(java.nio.file.Files.size(dir.resolve("alerts.db"))).isLessThan(before);
    }

    @Test
    void idsContinueAfterReopening() throws Exception {
        long last = store.search(AlertQuery.ALL, null, 0, 1000).stream()
                .mapToLong(StoredAlert::id)
                .max()
                .orElseThrow();
        store.close();
        store = open();
        var a = dev.peregrine.sidekick.testing.GeneratedAlerts.generate(9, 1, NOW, java.time.Duration.ZERO)
                .getFirst();
        long[] ids = store.writer().insert(List.of(new StoreWriter.NewAlert(a, AlertJson.write(a), List.of(), null)));
        assertThat(ids[0]).isEqualTo(last + 1);
    }

    @Test
    void shortPrefixesReadTheirPrefixIndexLongerOnesBecomeTheIndexedWordsTheyStart() throws Exception {
        try (java.sql.Connection c = store.dataSource().getConnection()) {
            // etc: its prefix index; shadow is the one indexed word starting shado (in /etc/shadow)
            assertThat(TextTerms.query(c, List.of("etc", "shado"))).isEqualTo("etc* AND (\"shadow\")");
            // none: the prefix itself (which finds none)
            assertThat(TextTerms.query(c, List.of("nosuchword"))).isEqualTo("\"nosuchword\"*");
            // not plain ASCII: the index folds it, so the prefix as the index reads it
            assertThat(TextTerms.query(c, List.of("é"))).isEqualTo("\"é\"*");
            // one to four characters: the prefix index of that length, bare
            for (String p : List.of("s", "n", "1", "py", "etc", "shad")) {
                assertThat(TextTerms.query(c, List.of(p))).as(p).isEqualTo(p + "*");
            }
            // longer: every word the alerts hold starting so, in order, or the prefix when there are too many
            List<String> longer = alerts.stream()
                    .flatMap(a -> java.util.Arrays.stream(SearchText.of(a).split(" ")))
                    .filter(w -> w.length() >= 6 && TextTerms.plain(w))
                    .map(w -> w.substring(0, 5))
                    .distinct()
                    .sorted()
                    .limit(20)
                    .toList();
            assertThat(longer).hasSize(20);
            for (String p : longer) {
                List<String> held = alerts.stream()
                        .flatMap(a -> java.util.Arrays.stream(SearchText.of(a).split(" ")))
                        .filter(w -> w.startsWith(p))
                        .distinct()
                        .sorted()
                        .toList();
                assertThat(held).as(p).isNotEmpty();
                assertThat(TextTerms.query(c, List.of(p)))
                        .as(p)
                        .isEqualTo(
                                held.size() > TextTerms.MAX_WORDS
                                        ? "\"" + p + "\"*"
                                        : held.stream()
                                                .map(w -> "\"" + w + "\"")
                                                .collect(java.util.stream.Collectors.joining(" OR ", "(", ")")));
            }
        }
    }

    @Test
    void aStoreWithoutPerValueCountsCountsThemWhenOpened() throws Exception {
        Map<Dimension, Map<String, Long>> before = new java.util.EnumMap<>(Dimension.class);
        for (Dimension d : ValueCounts.KEPT) {
            before.put(d, store.countByAlerts(AlertQuery.ALL, d, 1000));
            assertThat(before.get(d)).as(d.toString()).isNotEmpty();
        }
        try (java.sql.Connection c = store.dataSource().getConnection();
                java.sql.Statement s = c.createStatement()) {
            for (Schema.ValueTable t : Schema.VALUE_TABLES) {
                s.execute("DELETE FROM " + t.name());
            }
        }
        writer.close();
        store.close();
        store = open();
        writer = store.writer();
        for (Dimension d : ValueCounts.KEPT) {
            assertThat(store.countBy(AlertQuery.ALL, d, 1000)).as(d.toString()).isEqualTo(before.get(d));
        }
    }
}
