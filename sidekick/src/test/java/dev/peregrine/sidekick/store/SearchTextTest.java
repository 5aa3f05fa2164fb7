package dev.peregrine.sidekick.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SearchTextTest {

    /** The words as the regex cuts them: what the scan must reproduce exactly. */
    private static List<String> byRegex(String text) {
        return List.copyOf(new LinkedHashSet<>(Arrays.stream(SearchText.SEPARATORS.split(text.toLowerCase(Locale.ROOT)))
                .filter(w -> !w.isEmpty())
                .toList()));
    }

    @Test
    void falcoOutputIsCutIntoLowerCaseWords() {
        assertThat(SearchText.words("Warning /etc/shadow read by CAT (user=root uid=0) k8s.ns=kube-system"))
                .containsExactly(
                        "warning", "etc", "shadow", "read", "by", "cat", "user", "root", "uid", "0", "k8s", "ns",
                        "kube", "system");
    }

    @Test
    void theScanCutsExactlyAsTheRegexOnMixedScripts() {
        // letters and numbers of several scripts, combining marks, symbols, surrogate pairs and
        // lone surrogates, and the Turkish dotted I whose lower case adds a combining mark
        String alphabet = "aZ09_-./: \t\u00e9\u00c9\u0130\u0131\u00df\u4e2d\u0661\u2163\u00bd\u0301\u02b0\u01c5"
                + "\ud83d\ude80\ud835\udc00\ud800\u00a0\u3000\u2028";
        Random r = new Random(18);
        for (int i = 0; i < 5000; i++) {
            StringBuilder s = new StringBuilder();
            int n = r.nextInt(40);
            for (int j = 0; j < n; j++) {
                s.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            assertThat(SearchText.words(s.toString())).as("words of '%s'", s).isEqualTo(byRegex(s.toString()));
        }
    }
}
