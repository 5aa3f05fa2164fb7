package dev.peregrine.detector.rule;

import java.util.Arrays;
import java.util.BitSet;
import org.yaml.snakeyaml.error.Mark;

/**
 * A rules file's text as SnakeYAML is given it, and places in the file as line and column
 * (1-based, columns in characters; lines end at '\n', "\r\n" or a '\r' alone).
 *
 * <p>SnakeYAML reads YAML 1.1, where U+0085 (NEL), U+2028 and U+2029 end lines; in YAML 1.2 and
 * in Falco's yaml-cpp they are ordinary characters. Left as they are, one of them in a comment
 * makes the rest of the comment YAML (a file Falco loads is refused), and every line number after
 * it is one too many. So the parser is given the text with each of them replaced by a private-use
 * character the file does not contain (one UTF-16 unit for one, so indexes and columns are
 * unchanged), and scalar values are given them back through {@link #value}.
 */
final class YamlText {
    private static final char[] YAML11_BREAKS = {'\u0085', '\u2028', '\u2029'};

    private final String content;
    private final String forParser;
    /** The stand-in of each of {@link #YAML11_BREAKS}; empty when the file has none of them. */
    private final char[] standIns;
    /** Code point index at which each line starts, made when first needed. */
    private int[] lineStarts;

    YamlText(String content) {
        this.content = content;
        this.standIns = standIns(content);
        String text = content;
        for (int i = 0; i < standIns.length; i++) text = text.replace(YAML11_BREAKS[i], standIns[i]);
        this.forParser = text;
    }

    /** Private-use characters absent from {@code content}, one per YAML 1.1 break, if it has any. */
    private static char[] standIns(String content) {
        boolean any = false;
        BitSet used = new BitSet();
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (c == '\u0085' || c == '\u2028' || c == '\u2029') any = true;
            if (c >= '\uE000' && c <= '\uF8FF') used.set(c - '\uE000');
        }
        if (!any) return new char[0];
        char[] out = new char[YAML11_BREAKS.length];
        int next = 0;
        for (int i = 0; i < out.length; i++) {
            next = used.nextClearBit(next);
            out[i] = (char) ('\uE000' + next++);
        }
        return out;
    }

    /** What SnakeYAML parses. */
    String forParser() {
        return forParser;
    }

    /** A scalar as the file wrote it: stand-ins turned back into the characters they replaced. */
    String value(String parsed) {
        if (standIns.length == 0 || parsed == null) return parsed;
        String out = parsed;
        for (int i = 0; i < standIns.length; i++) out = out.replace(standIns[i], YAML11_BREAKS[i]);
        return out;
    }

    /** Where {@code mark} is; {@code ctx} unchanged when there is no mark. */
    Context at(Context ctx, Mark mark) {
        return mark == null ? ctx : ctx.at(mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** Where the {@code index}-th code point is (on the last line when past the end). */
    Context atCodePoint(Context ctx, int index) {
        if (lineStarts == null) lineStarts = lineStarts(content);
        int line = Arrays.binarySearch(lineStarts, index);
        if (line < 0) line = -line - 2;
        return ctx.at(line + 1, index - lineStarts[line] + 1);
    }

    private static int[] lineStarts(String content) {
        int[] starts = new int[16];
        int lines = 1;
        int cp = 0;
        for (int i = 0; i < content.length(); cp++) {
            int c = content.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n' || (c == '\r' && (i >= content.length() || content.charAt(i) != '\n'))) {
                if (lines == starts.length) starts = Arrays.copyOf(starts, lines * 2);
                starts[lines++] = cp + 1;
            }
        }
        return Arrays.copyOf(starts, lines);
    }
}
