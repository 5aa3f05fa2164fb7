package dev.peregrine.detector.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Path normalisation, including its shortcut for paths that are normal already. */
class PathsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /                       | /
            /etc/shadow             | /etc/shadow
            /etc/                   | /etc
            //etc//shadow           | /etc/shadow
            /etc/./shadow           | /etc/shadow
            /etc/../shadow          | /shadow
            /..                     | /
            /.                      | /
            /etc/.hidden            | /etc/.hidden
            /etc/..hidden/...       | /etc/..hidden/...
            /a/b/..                 | /a
            """)
    void normalizes(String path, String normal) {
        assertThat(Paths.normalize(path)).isEqualTo(normal);
        assertThat(Paths.isNormal(normal)).isTrue();
    }

    @Test
    void joinsRelativeNamesToTheirBase() {
        assertThat(Paths.join("/root", "notes.txt")).isEqualTo("/root/notes.txt");
        assertThat(Paths.join("/root", "../etc/./passwd")).isEqualTo("/etc/passwd");
        assertThat(Paths.join("/root", "/etc/passwd")).isEqualTo("/etc/passwd");
        assertThat(Paths.join(null, "x")).isEqualTo("/x");
    }

    /** The shortcut changes nothing: on random paths the result is what split-and-fold gives. */
    @Test
    void agreesWithFoldingEveryComponentOnRandomPaths() {
        Random random = new Random(7);
        char[] alphabet = {'/', '/', '.', '.', 'a', 'b'};
        for (int n = 0; n < 200_000; n++) {
            StringBuilder sb = new StringBuilder("/");
            int len = random.nextInt(12);
            for (int i = 0; i < len; i++) sb.append(alphabet[random.nextInt(alphabet.length)]);
            String path = sb.toString();
            String folded = fold(path);
            assertThat(Paths.normalize(path)).as(path).isEqualTo(folded);
            assertThat(Paths.isNormal(path)).as(path).isEqualTo(path.equals(folded));
        }
    }

    private static String fold(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..")) parts.pollLast();
            else parts.addLast(s);
        }
        return "/" + String.join("/", parts);
    }
}
