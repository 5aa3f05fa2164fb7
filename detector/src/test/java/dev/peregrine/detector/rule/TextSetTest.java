package dev.peregrine.detector.rule;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code in} operand set answers as a plain set would, whatever the lengths involved. */
class TextSetTest {
    @Test
    void answersAsAHashSet() {
        Random random = new Random(3);
        List<String> items =
                new ArrayList<>(List.of("", "/etc/shadow", "a".repeat(63), "b".repeat(64), "c".repeat(200)));
        for (int i = 0; i < 50; i++) items.add(word(random, 1 + random.nextInt(90)));
        ValueMatchers.TextSet set = new ValueMatchers.TextSet(items);
        Set<String> expected = new HashSet<>(items);
        for (String s : items) assertThat(set.contains(s)).as(s).isTrue();
        for (int i = 0; i < 20_000; i++) {
            String s = random.nextBoolean()
                    ? word(random, random.nextInt(120))
                    : items.get(random.nextInt(items.size())) + "x";
            assertThat(set.contains(s)).as(s).isEqualTo(expected.contains(s));
        }
        assertThat(new ValueMatchers.TextSet(List.of()).contains("")).isFalse();
    }

    private static String word(Random random, int length) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) sb.append((char) ('a' + random.nextInt(3)));
        return sb.toString();
    }
}
