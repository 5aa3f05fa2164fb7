package dev.peregrine.detector.anomaly;

import static dev.peregrine.detector.anomaly.Workloads.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.peregrine.detector.capture.RawEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileStoreTest {
    @TempDir
    Path dir;

    /** Learns the workload with a store in {@code profiles}, saves and closes it as a stopping detector does. */
    static void learnAndStop(Path profiles) throws IOException {
        ProfileStore store = new ProfileStore(profiles);
        Recorder r = new Recorder(settings().withDirectory(profiles), store);
        long t = normal(r.model, T0, 90, 1);
        r.model.tick(t);
        r.model.save();
        store.close();
        assertThat(r.anomalies).isEmpty();
    }

    @Test
    void aFrozenProfileSurvivesARestartAndIsComparedAgainstAtOnce() throws IOException {
        Path profiles = dir.resolve("profiles");
        learnAndStop(profiles);
        try (ProfileStore store = new ProfileStore(profiles)) {
            Recorder r = new Recorder(settings().withDirectory(profiles), store);
            assertThat(r.model.keys()).containsExactly(KEY);
            assertThat(r.model.profileData(KEY).learning()).isFalse();
            // The normal workload is still normal, windows and sets alike, with no new learning.
            long t = normal(r.model, T0 + 200 * SECOND, 120, 3);
            r.model.tick(t + 10 * SECOND);
            assertThat(r.anomalies).isEmpty();
            r.model.observe(RawEvent.PROC_EXEC, exec(t + 20 * SECOND, proc(300, "sh", "/bin/sh"), NGINX_WORKER, WWW));
            assertThat(r.of(AnomalyKind.EXECUTABLE))
                    .singleElement()
                    .satisfies(a -> assertThat(a.explanation()).contains("executed /bin/sh for the first time"));
        }
    }

    @Test
    void anEvictedProfileIsSavedAndLoadedAgainWhenItsWorkloadShowsUp() throws IOException {
        Path profiles = dir.resolve("profiles");
        learnAndStop(profiles);
        try (ProfileStore store = new ProfileStore(profiles)) {
            Recorder r = new Recorder(settings().withDirectory(profiles).withMaxProfilesForTest(1), store);
            assertThat(r.model.keys()).containsExactly(KEY);
            // A host process's profile takes the only place: nginx's is saved and dropped.
            dev.peregrine.detector.event.Event host = dev.peregrine.detector.event.Event.builder()
                    .ts(T0 + 290 * SECOND)
                    .type("execve")
                    .proc(proc(7, "cron", "/usr/sbin/cron"))
                    .build();
            r.model.observe(RawEvent.PROC_EXEC, host);
            assertThat(r.model.keys()).containsExactly("exe:/usr/sbin/cron");
            // nginx shows up again: its frozen profile comes back from disk and judges at once.
            r.model.observe(RawEvent.PROC_EXEC, exec(T0 + 300 * SECOND, proc(300, "sh", "/bin/sh"), NGINX_WORKER, WWW));
            assertThat(r.model.keys()).containsExactly(KEY);
            assertThat(r.of(AnomalyKind.EXECUTABLE))
                    .singleElement()
                    .satisfies(a -> assertThat(a.profile()).isEqualTo(KEY));
        }
    }

    @Test
    void anExportedProfileImportedOnAnotherNodeDetectsTheSame() throws IOException {
        Path nodeA = dir.resolve("node-a");
        Path nodeB = dir.resolve("node-b");
        learnAndStop(nodeA);
        Path bundle = dir.resolve("export.json");
        try (ProfileStore a = new ProfileStore(nodeA)) {
            a.export(a.all(), "node-a", bundle);
        }
        try (ProfileStore b = new ProfileStore(nodeB)) {
            ProfileStore.Bundle read = ProfileStore.readBundle(bundle);
            assertThat(read.exportedFrom()).isEqualTo("node-a");
            read.profiles().forEach(b::saveNow);
        }
        try (ProfileStore b = new ProfileStore(nodeB)) {
            Recorder r = new Recorder(settings().withDirectory(nodeB), b);
            assertThat(r.model.profileData(KEY).learning()).isFalse();
            r.model.observe(Baselines.OPENAT, open(T0 + 300 * SECOND, NGINX_WORKER, "/etc/shadow", false));
            r.model.observe(Baselines.OPENAT, open(T0 + 300 * SECOND + 1, NGINX_WORKER, "/var/log/nginx/a.log", true));
            assertThat(r.anomalies).extracting(Anomaly::kind).containsExactly(AnomalyKind.SENSITIVE_READ);
            // The forest is rebuilt from the same windows with the same seed: it scores alike.
            try (ProfileStore a = new ProfileStore(nodeA)) {
                Recorder onA = new Recorder(settings().withDirectory(nodeA), a);
                Profile pa = ProfileData.of(onA.model.profileData(KEY).toProfile(settings()), settings())
                        .toProfile(settings());
                Profile pb = r.model.profileData(KEY).toProfile(settings());
                int[] window = pa.windows.training.getFirst().clone();
                window[EventSlots.slot("openat")] *= 5;
                assertThat(pb.windows.score(window)).isEqualTo(pa.windows.score(window));
            }
        }
    }

    @Test
    void aFileThatIsNotAnExportIsRefusedNamingIt() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.json"), "{\"hello\": 1}");
        assertThatThrownBy(() -> ProfileStore.readBundle(junk))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("junk.json");
        Path notJson = Files.writeString(dir.resolve("x.json"), "nope");
        assertThatThrownBy(() -> ProfileStore.readBundle(notJson)).hasMessageContaining("not a profile export");
    }

    @Test
    void fileNamesAreReadableAndDistinct() {
        String a = ProfileStore.fileName("image:nginx:1.25 nginx -g daemon off;");
        String b = ProfileStore.fileName("image:nginx:1.25 nginx -g daemon on;");
        assertThat(a).startsWith("image_nginx_1.25_nginx_-g_daemon_off_-").endsWith(".json");
        assertThat(a).isNotEqualTo(b);
        assertThat(List.of(a, b)).allMatch(n -> !n.contains("/") && !n.contains(" "));
    }
}
