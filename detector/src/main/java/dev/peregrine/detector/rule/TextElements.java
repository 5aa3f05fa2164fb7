package dev.peregrine.detector.rule;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * The elements of an operator's list, precompiled so that one text is checked against all of them
 * in one pass: how many elements {@code e} satisfy {@code text op e}, duplicates counted, as a
 * comparison modifier needs ({@code oneof}: exactly one, {@code anyof}: some, {@code allof}: all).
 * Equality is a hash lookup, startswith/endswith a walk down a trie of the elements, contains a
 * walk through an Aho-Corasick automaton; glob and regex elements, which cannot be merged, are
 * precompiled matchers tried in turn.
 */
abstract class TextElements {
    /** How many elements there are, duplicates counted. */
    final int size;

    TextElements(int size) {
        this.size = size;
    }

    /** How many elements {@code s} satisfies; may stop counting once past {@code limit}. */
    abstract int count(String s, int limit);

    /** Whether {@code s} satisfies some element. */
    boolean any(String s) {
        return count(s, 0) > 0;
    }

    /** The elements for operator {@code op} (=, ==, contains, startswith, glob, ...), or null when none applies. */
    static TextElements of(String op, List<String> values, String field) {
        return switch (op) {
            case "=", "==" -> new Equal(values);
            case "startswith" -> new Prefixes(values, false);
            case "endswith" -> new Prefixes(values, true);
            case "bstartswith" -> new Prefixes(hex(values, field), false);
            case "contains" -> new Substrings(values, false);
            case "icontains" -> new Substrings(values, true);
            case "bcontains" -> new Substrings(hex(values, field), false);
            case "glob", "iglob", "regex" -> new EachOf(op, values, field);
            default -> null;
        };
    }

    private static List<String> hex(List<String> values, String field) {
        return values.stream().map(v -> ValueMatchers.hexBytes(v, field)).toList();
    }

    /** Distinct values with how many times each was listed, in first-seen order. */
    static Map<String, Integer> weights(List<String> values) {
        Map<String, Integer> w = new LinkedHashMap<>();
        for (String v : values) w.merge(v, 1, Integer::sum);
        return w;
    }

    /** {@code s == e}: a hash lookup of how many elements equal s. */
    static final class Equal extends TextElements {
        private final Map<String, Integer> counts;
        private final ValueMatchers.TextSet set;

        Equal(List<String> values) {
            super(values.size());
            counts = new HashMap<>(weights(values));
            set = new ValueMatchers.TextSet(values);
        }

        @Override
        int count(String s, int limit) {
            return set.contains(s) ? counts.get(s) : 0;
        }

        @Override
        boolean any(String s) {
            return set.contains(s);
        }
    }

    /**
     * startswith (or with {@code reversed}, endswith): a trie of the elements; walking the text's
     * characters from its start (end) down the trie passes every element it starts (ends) with.
     */
    static final class Prefixes extends TextElements {
        private final Trie trie;
        private final boolean reversed;

        Prefixes(List<String> values, boolean reversed) {
            super(values.size());
            this.reversed = reversed;
            trie = new Trie();
            for (Map.Entry<String, Integer> w : weights(values).entrySet()) {
                String key = reversed ? new StringBuilder(w.getKey()).reverse().toString() : w.getKey();
                trie.add(key, w.getValue(), false);
            }
            trie.freeze();
        }

        @Override
        int count(String s, int limit) {
            int node = 0, total = trie.weight[0];
            int n = s.length();
            for (int i = 0; i < n && total <= limit; i++) {
                node = trie.next(node, s.charAt(reversed ? n - 1 - i : i));
                if (node < 0) break;
                total += trie.weight[node];
            }
            return total;
        }
    }

    /**
     * contains (icontains: on case-folded characters): an Aho-Corasick automaton over the
     * elements, so one pass over the text finds every element it contains.
     */
    static final class Substrings extends TextElements {
        private final Trie trie;
        private final boolean fold;
        /** Weight of the empty element, which every text contains. */
        private final int always;
        /** For each state, the nearest state on its failure chain (itself included) that ends an element, or -1. */
        private final int[] output;
        /** For each element-ending state, the next one on its failure chain, or -1. */
        private final int[] nextOutput;

        private final int[] fail;
        /** Element-ending states in a fixed order, their index used to count each element once. */
        private final int[] slot;

        private final int slots;

        Substrings(List<String> values, boolean fold) {
            super(values.size());
            this.fold = fold;
            trie = new Trie();
            int empty = 0;
            for (Map.Entry<String, Integer> w : weights(values).entrySet()) {
                if (w.getKey().isEmpty()) {
                    empty += w.getValue();
                } else {
                    trie.add(w.getKey(), w.getValue(), fold);
                }
            }
            always = empty;
            trie.freeze();
            int states = trie.size();
            fail = new int[states];
            output = new int[states];
            nextOutput = new int[states];
            slot = new int[states];
            Arrays.fill(slot, -1);
            int s = 0;
            for (int i = 1; i < states; i++) if (trie.weight[i] > 0) slot[i] = s++;
            slots = s;
            buildLinks(states);
        }

        private void buildLinks(int states) {
            Queue<Integer> queue = new ArrayDeque<>();
            output[0] = -1;
            nextOutput[0] = -1;
            for (int k = 0; k < trie.keys[0].length; k++) {
                int child = trie.targets[0][k];
                fail[child] = 0;
                queue.add(child);
            }
            while (!queue.isEmpty()) {
                int node = queue.poll();
                int f = fail[node];
                nextOutput[node] = output[f];
                output[node] = trie.weight[node] > 0 ? node : output[f];
                for (int k = 0; k < trie.keys[node].length; k++) {
                    char c = trie.keys[node][k];
                    int child = trie.targets[node][k];
                    int g = f;
                    int next = trie.next(g, c);
                    while (next < 0 && g != 0) {
                        g = fail[g];
                        next = trie.next(g, c);
                    }
                    fail[child] = next >= 0 && next != child ? next : 0;
                    queue.add(child);
                }
            }
        }

        private int step(int state, char c) {
            if (fold) c = Trie.fold(c);
            while (true) {
                int next = trie.next(state, c);
                if (next >= 0) return next;
                if (state == 0) return 0;
                state = fail[state];
            }
        }

        @Override
        boolean any(String s) {
            if (always > 0) return true;
            int state = 0;
            for (int i = 0; i < s.length(); i++) {
                state = step(state, s.charAt(i));
                if (output[state] >= 0) return true;
            }
            return false;
        }

        @Override
        int count(String s, int limit) {
            int total = always;
            if (slots <= 64) {
                // Which elements were already counted: one bit each, no allocation.
                long seen = 0;
                int state = 0;
                for (int i = 0; i < s.length() && total <= limit; i++) {
                    state = step(state, s.charAt(i));
                    for (int o = output[state]; o >= 0; o = nextOutput[o]) {
                        long bit = 1L << slot[o];
                        if ((seen & bit) == 0) {
                            seen |= bit;
                            total += trie.weight[o];
                        }
                    }
                }
                return total;
            }
            boolean[] seen = new boolean[slots];
            int state = 0;
            for (int i = 0; i < s.length() && total <= limit; i++) {
                state = step(state, s.charAt(i));
                for (int o = output[state]; o >= 0; o = nextOutput[o]) {
                    if (!seen[slot[o]]) {
                        seen[slot[o]] = true;
                        total += trie.weight[o];
                    }
                }
            }
            return total;
        }
    }

    /** glob, iglob and regex: one precompiled matcher per distinct element, tried in turn. */
    static final class EachOf extends TextElements {
        private final ValueMatchers.TextMatcher[] matchers;
        private final int[] weights;

        EachOf(String op, List<String> values, String field) {
            super(values.size());
            Map<String, Integer> w = weights(values);
            matchers = new ValueMatchers.TextMatcher[w.size()];
            weights = new int[w.size()];
            int i = 0;
            for (Map.Entry<String, Integer> e : w.entrySet()) {
                matchers[i] = ValueMatchers.text(op, List.of(e.getKey()), field);
                weights[i++] = e.getValue();
            }
        }

        @Override
        int count(String s, int limit) {
            int total = 0;
            for (int i = 0; i < matchers.length && total <= limit; i++) {
                if (matchers[i].matches(s)) total += weights[i];
            }
            return total;
        }
    }

    /** A character trie with sorted transitions per node; node 0 is the root. */
    static final class Trie {
        private final List<StringBuilder> keyBuilders = new ArrayList<>();
        private final List<List<Integer>> targetBuilders = new ArrayList<>();
        private final List<Integer> weightBuilder = new ArrayList<>();
        char[][] keys;
        int[][] targets;
        int[] weight;

        Trie() {
            newNode();
        }

        /** Case folding as String.regionMatches(true, ...) compares characters. */
        static char fold(char c) {
            return Character.toLowerCase(Character.toUpperCase(c));
        }

        private int newNode() {
            keyBuilders.add(new StringBuilder());
            targetBuilders.add(new ArrayList<>());
            weightBuilder.add(0);
            return weightBuilder.size() - 1;
        }

        void add(String key, int w, boolean fold) {
            int node = 0;
            for (int i = 0; i < key.length(); i++) {
                char c = fold ? fold(key.charAt(i)) : key.charAt(i);
                int at = keyBuilders.get(node).indexOf(String.valueOf(c));
                if (at < 0) {
                    int child = newNode();
                    keyBuilders.get(node).append(c);
                    targetBuilders.get(node).add(child);
                    node = child;
                } else {
                    node = targetBuilders.get(node).get(at);
                }
            }
            weightBuilder.set(node, weightBuilder.get(node) + w);
        }

        void freeze() {
            int n = weightBuilder.size();
            keys = new char[n][];
            targets = new int[n][];
            weight = new int[n];
            for (int i = 0; i < n; i++) {
                char[] k = keyBuilders.get(i).toString().toCharArray();
                List<Integer> t = targetBuilders.get(i);
                Integer[] order = new Integer[k.length];
                for (int j = 0; j < k.length; j++) order[j] = j;
                Arrays.sort(order, (a, b) -> Character.compare(k[a], k[b]));
                keys[i] = new char[k.length];
                targets[i] = new int[k.length];
                for (int j = 0; j < k.length; j++) {
                    keys[i][j] = k[order[j]];
                    targets[i][j] = t.get(order[j]);
                }
                weight[i] = weightBuilder.get(i);
            }
        }

        int size() {
            return weight.length;
        }

        /** The child of {@code node} by {@code c}, or -1. */
        int next(int node, char c) {
            char[] k = keys[node];
            int lo = 0, hi = k.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                char m = k[mid];
                if (m < c) lo = mid + 1;
                else if (m > c) hi = mid - 1;
                else return targets[node][mid];
            }
            return -1;
        }
    }
}
