package dev.peregrine.detector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peregrine.detector.anomaly.ProfileData;
import dev.peregrine.detector.anomaly.ProfileStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code profiles list|show|reset|export|import} on a real profile directory. */
class ProfilesCommandTest {
    static final String WEB = "image:nginx:1.25 nginx -g daemon off;";
    static final String CRON = "exe:/usr/sbin/cron";

    @TempDir
    Path dir;

    Path profiles;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code = Commands.run(
                args,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static ProfileData profile(String key, boolean learning, List<String> executables) {
        long t = 1_800_000_000_000_000_000L;
        return new ProfileData(
                ProfileData.VERSION,
                key,
                learning,
                t,
                learning ? 0 : t + 3_600_000_000_000L,
                12_345,
                t + 7_200_000_000_000L,
                10,
                Map.of("new-executable", executables, "new-outbound-peer", List.of("10.0.0.5:5432")),
                List.of(),
                Map.of("new-executable /bin/sh", t + 5_000_000_000_000L),
                List.of(Map.of("openat", 120, "connect", 3)),
                1);
    }

    @BeforeEach
    void store() throws Exception {
        profiles = dir.resolve("profiles");
        try (ProfileStore s = new ProfileStore(profiles)) {
            s.saveNow(profile(WEB, false, List.of("/usr/sbin/nginx")));
            s.saveNow(profile(CRON, true, List.of("/usr/sbin/cron", "/bin/sh")));
        }
    }

    @Test
    void listShowsEveryProfileWithItsState() {
        Run r = run("profiles", "--dir", profiles.toString(), "list");
        assertThat(r.code()).isZero();
        assertThat(r.out().lines()).hasSize(3);
        assertThat(r.out()).containsPattern("frozen +2 +12345 +1 .*" + java.util.regex.Pattern.quote(WEB));
        assertThat(r.out()).containsPattern("learning +3 +12345 +1 .*" + CRON);
        assertThat(r.err()).contains("2 profiles in " + profiles);
    }

    @Test
    void showPrintsTheLearntSetsAndWhatWasReported() {
        Run r = run("profiles", "--dir", profiles.toString(), "show", WEB);
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("key:       " + WEB)
                .contains("state:     frozen")
                .contains("new-executable (1):\n  /usr/sbin/nginx")
                .contains("new-outbound-peer (1):\n  10.0.0.5:5432")
                .contains("reported as new:\n  new-executable /bin/sh");
        assertThat(run("profiles", "--dir", profiles.toString(), "show", "exe:/nope")
                        .code())
                .isEqualTo(1);
    }

    @Test
    void resetDeletesTheProfileSoItLearnsAnew() throws Exception {
        assertThat(run("profiles", "--dir", profiles.toString(), "reset", CRON).code())
                .isZero();
        try (ProfileStore s = new ProfileStore(profiles)) {
            assertThat(s.keys()).containsExactly(WEB);
        }
        assertThat(run("profiles", "--dir", profiles.toString(), "reset", CRON).err())
                .contains("no profile");
    }

    @Test
    void exportedProfilesImportIntoAnotherDirectory() throws Exception {
        Path bundle = dir.resolve("web.json");
        Run exported = run("profiles", "--dir", profiles.toString(), "export", bundle.toString(), WEB);
        assertThat(exported.code()).isZero();
        assertThat(exported.err()).contains("1 exported");
        Path other = dir.resolve("other-node");
        Run imported = run("profiles", "--dir", other.toString(), "import", bundle.toString());
        assertThat(imported.code()).isZero();
        try (ProfileStore s = new ProfileStore(other)) {
            assertThat(s.keys()).containsExactly(WEB);
            assertThat(s.load(WEB)).isEqualTo(profile(WEB, false, List.of("/usr/sbin/nginx")));
        }
        Files.writeString(dir.resolve("bad.json"), "[]");
        Run bad = run(
                "profiles",
                "--dir",
                other.toString(),
                "import",
                dir.resolve("bad.json").toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("bad.json");
    }

    @Test
    void aMissingSubcommandShowsTheUsage() {
        Run r = run("profiles", "--dir", profiles.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("profiles [--dir DIR] export FILE [KEY...]");
    }
}
