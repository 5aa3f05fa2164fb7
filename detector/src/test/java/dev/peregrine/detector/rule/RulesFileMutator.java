package dev.peregrine.detector.rule;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mutates the bytes of a rules file the way a careless editor, a bad merge or an attacker would:
 * flipped bits, bytes that are not UTF-8 or are control characters, YAML and condition tokens
 * dropped in anywhere, lines swapped, duplicated, re-indented or cut, words exchanged for other
 * words of the file, runs repeated into long lines or deep nesting. Everything it does depends
 * only on the {@link Random} it is given, so a seed reproduces a mutant exactly.
 */
final class RulesFileMutator {
    /** Tokens that mean something to YAML, to the condition language or to the loader. */
    private static final List<byte[]> TOKENS = tokens(
            "\t",
            "\n",
            "\r\n",
            "  ",
            ": ",
            "- ",
            "-",
            "#",
            "'",
            "\"",
            "|",
            ">",
            "|-",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&a ",
            "*a",
            "<<: *a",
            "? ",
            "---\n",
            "...\n",
            "!!binary ",
            "!!str ",
            "!!int ",
            "%YAML 1.2\n",
            "\\",
            "\\u0000",
            "and ",
            "or ",
            "not ",
            "(",
            ")",
            "()",
            "oneof ",
            "anyof ",
            "allof ",
            "in ",
            "= ",
            "!= ",
            "<= ",
            "exists ",
            "contains ",
            "icontains ",
            "startswith ",
            "glob ",
            "regex ",
            "pmatch ",
            "intersects ",
            "getopt(",
            "join(",
            "concat(",
            "tolower(",
            "toupper(",
            "b64(",
            "basename(",
            "len(",
            "val(",
            "proc.name",
            "proc.aname[2]",
            "evt.type",
            "evt.arg[",
            "fd.name",
            "fd.port",
            "k8s.ns.name",
            "unknown.field",
            "spawned_process",
            "shells",
            "etc_dirs",
            "override:",
            "append: true",
            "enabled: false",
            "exceptions:",
            "capture: true",
            "capture_duration: ",
            "required_engine_version: ",
            "required_plugin_versions:",
            "source: k8s_audit",
            "source: ",
            "priority: ",
            "condition: ",
            "output: ",
            "%proc.name",
            "%",
            "macro",
            "list",
            "rule",
            "items: ",
            "fields: ",
            "comps: ",
            "values: ",
            "9999999999999999999999",
            "-1",
            "0x1F",
            "1e400",
            "null",
            "~",
            "true",
            "yes");

    /** Raw bytes: lone continuation and lead bytes, overlong NUL, C0 and C1 controls, a BOM, NUL. */
    private static final byte[][] RAW = {
        {(byte) 0x80},
        {(byte) 0xC3},
        {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xFF},
        {(byte) 0xC0, (byte) 0x80},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {0x00},
        {0x01},
        {0x1B},
        {0x7F},
        {(byte) 0xC2, (byte) 0x85},
        {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80}
    };

    private static final Pattern WORD = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\[\\]]*");

    /** Mutants stop growing here: enough for long lines and deep nesting, small enough to stay quick. */
    private static final int MAX_BYTES = 256 * 1024;

    private final Random random;

    RulesFileMutator(Random random) {
        this.random = random;
    }

    /** {@code seed} with one to five mutations applied in turn; the result may be anything. */
    byte[] mutate(byte[] seed) {
        byte[] out = seed;
        int n = 1 + random.nextInt(5);
        for (int i = 0; i < n && out.length > 0; i++) {
            byte[] next = mutateOnce(out);
            if (next.length <= MAX_BYTES) out = next;
        }
        return out;
    }

    private byte[] mutateOnce(byte[] in) {
        return switch (random.nextInt(11)) {
            case 0 -> flipBit(in);
            case 1 -> insert(in, random.nextInt(in.length + 1), TOKENS.get(random.nextInt(TOKENS.size())));
            case 2 -> insert(in, random.nextInt(in.length + 1), RAW[random.nextInt(RAW.length)]);
            case 3 -> deleteRange(in);
            case 4 -> duplicateLines(in);
            case 5 -> swapLines(in);
            case 6 -> reindent(in);
            case 7 -> exchangeWords(in);
            case 8 -> repeatRun(in);
            case 9 -> Arrays.copyOf(in, random.nextInt(in.length));
            default -> insert(in, random.nextInt(in.length + 1), TOKENS.get(random.nextInt(TOKENS.size())));
        };
    }

    private byte[] flipBit(byte[] in) {
        byte[] out = in.clone();
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private static byte[] insert(byte[] in, int at, byte[] what) {
        byte[] out = new byte[in.length + what.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(what, 0, out, at, what.length);
        System.arraycopy(in, at, out, at + what.length, in.length - at);
        return out;
    }

    private byte[] deleteRange(byte[] in) {
        int from = random.nextInt(in.length);
        int to = Math.min(in.length, from + 1 + random.nextInt(64));
        byte[] out = new byte[in.length - (to - from)];
        System.arraycopy(in, 0, out, 0, from);
        System.arraycopy(in, to, out, from, in.length - to);
        return out;
    }

    /** Line starts (offsets), with the end of the file as the last entry. */
    private static List<Integer> lineStarts(byte[] in) {
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < in.length; i++) if (in[i] == '\n' && i + 1 < in.length) starts.add(i + 1);
        starts.add(in.length);
        return starts;
    }

    /** Copies one to eight whole lines to the start of another line: items defined twice, keys repeated. */
    private byte[] duplicateLines(byte[] in) {
        List<Integer> starts = lineStarts(in);
        int lines = starts.size() - 1;
        int first = random.nextInt(lines);
        int last = Math.min(lines, first + 1 + random.nextInt(8));
        byte[] block = Arrays.copyOfRange(in, starts.get(first), starts.get(last));
        if (block.length == 0 || block[block.length - 1] != '\n')
            block = insert(block, block.length, new byte[] {'\n'});
        return insert(in, starts.get(random.nextInt(lines + 1)), block);
    }

    private byte[] swapLines(byte[] in) {
        List<Integer> starts = lineStarts(in);
        int lines = starts.size() - 1;
        if (lines < 2) return in;
        int a = random.nextInt(lines);
        int b = random.nextInt(lines);
        if (a == b) return in;
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 1);
        out.write(in, 0, starts.get(a));
        writeLine(out, in, starts, b);
        out.write(in, starts.get(a + 1), starts.get(b) - starts.get(a + 1));
        writeLine(out, in, starts, a);
        out.write(in, starts.get(b + 1), in.length - starts.get(b + 1));
        return out.toByteArray();
    }

    private static void writeLine(ByteArrayOutputStream out, byte[] in, List<Integer> starts, int line) {
        int from = starts.get(line);
        int to = starts.get(line + 1);
        out.write(in, from, to - from);
        if (to == from || in[to - 1] != '\n') out.write('\n');
    }

    /** One line moved one or two columns left or right: items and keys that change their parent. */
    private byte[] reindent(byte[] in) {
        List<Integer> starts = lineStarts(in);
        int at = starts.get(random.nextInt(starts.size() - 1));
        if (random.nextBoolean())
            return insert(in, at, random.nextBoolean() ? new byte[] {' '} : new byte[] {' ', ' '});
        int spaces = 0;
        while (at + spaces < in.length && in[at + spaces] == ' ' && spaces < 2) spaces++;
        if (spaces == 0) return in;
        byte[] out = new byte[in.length - spaces];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(in, at + spaces, out, at, in.length - at - spaces);
        return out;
    }

    /** One word of the file replaced by another of its words: a macro for a list, a field for a name. */
    private byte[] exchangeWords(byte[] in) {
        String text = new String(in, StandardCharsets.ISO_8859_1);
        List<int[]> words = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find() && words.size() < 100_000) words.add(new int[] {m.start(), m.end()});
        if (words.size() < 2) return in;
        int[] target = words.get(random.nextInt(words.size()));
        int[] source = words.get(random.nextInt(words.size()));
        String replaced =
                text.substring(0, target[0]) + text.substring(source[0], source[1]) + text.substring(target[1]);
        return replaced.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A short run (often a bracket or a word) repeated up to 3,000 times: long lines, deep nesting. */
    private byte[] repeatRun(byte[] in) {
        int from = random.nextInt(in.length);
        int len = 1 + random.nextInt(Math.min(8, in.length - from));
        int times = 2 + random.nextInt(random.nextBoolean() ? 20 : 3000);
        byte[] run = new byte[len * times];
        for (int i = 0; i < times; i++) System.arraycopy(in, from, run, i * len, len);
        return insert(in, from, run);
    }

    private static List<byte[]> tokens(String... tokens) {
        List<byte[]> out = new ArrayList<>();
        for (String t : tokens) out.add(t.getBytes(StandardCharsets.UTF_8));
        return List.copyOf(out);
    }
}
