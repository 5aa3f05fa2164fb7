package dev.peregrine.detector.rule;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * A rules file's YAML documents, composed with bounds (nesting depth, aliases of collections, file
 * size), and every way that can fail turned into one LOAD_ERR_YAML_PARSE error at a line and
 * column: SnakeYAML gives a mark for syntax errors, a character index for forbidden characters,
 * and nothing for the bounds, whose position is found again by replaying the file's events.
 */
final class YamlDocuments {
    /** Nesting deeper than this is refused; Falco's rules files nest about five levels. */
    static final int MAX_NESTING = 50;

    /** Aliases of collections (the "billion laughs" shape); Falco's rules files use none. */
    static final int MAX_COLLECTION_ALIASES = 50;

    static final int MAX_CODE_POINTS = 64 * 1024 * 1024;

    /**
     * Characters in a row without a blank or line break. SnakeYAML's reader copies its window
     * every 1,024 characters while it scans one such run, which makes a run quadratic (a 10 MB
     * one takes minutes); a run this long is refused before parsing instead. A condition of any
     * length whose words are separated by blanks is unaffected.
     */
    static final int MAX_RUN = 256 * 1024;

    private YamlDocuments() {}

    private static LoaderOptions options() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setNestingDepthLimit(MAX_NESTING);
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setAllowRecursiveKeys(false);
        return options;
    }

    /** The documents, or null once the error was recorded in {@code result}. */
    static List<Node> compose(YamlText text, Context fileCtx, LoadResult result) {
        String content = text.forParser();
        int run = longRun(content);
        if (run >= 0) {
            int end = run;
            while (end < content.length() && !isBlank(content.charAt(end))) end++;
            result.error(
                    LoadCode.LOAD_ERR_YAML_PARSE,
                    "exceeded max token length of " + MAX_RUN + " characters: " + (end - run)
                            + " characters without a blank or line break",
                    text.atCodePoint(fileCtx, content.codePointCount(0, run)));
            return null;
        }
        List<Node> docs = new ArrayList<>();
        try {
            for (Node doc : new Yaml(options()).composeAll(new StringReader(content))) docs.add(doc);
            return docs;
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            result.error(LoadCode.LOAD_ERR_YAML_PARSE, e.getProblem(), at(text, fileCtx, m));
        } catch (ReaderException e) {
            result.error(
                    LoadCode.LOAD_ERR_YAML_PARSE,
                    String.format("unacceptable code point U+%04X: %s", e.getCodePoint(), e.getMessage()),
                    text.atCodePoint(fileCtx, e.getPosition()));
        } catch (YAMLException e) {
            String message = e.getMessage();
            Context ctx = message != null && message.contains("exceeds the limit")
                    ? text.atCodePoint(fileCtx, MAX_CODE_POINTS)
                    : boundExceeded(content, text, fileCtx);
            result.error(LoadCode.LOAD_ERR_YAML_PARSE, message, ctx);
        }
        return null;
    }

    /** Where the first run of more than {@link #MAX_RUN} non-blank characters starts, or -1. */
    private static int longRun(String content) {
        int start = 0;
        for (int i = 0; i < content.length(); i++) {
            if (isBlank(content.charAt(i))) {
                start = i + 1;
            } else if (i - start >= MAX_RUN) {
                return start;
            }
        }
        return -1;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    /**
     * Where nesting or collection aliases first go past their bounds, found from the event stream
     * (which SnakeYAML parses without those checks); the start of the file when neither does.
     */
    private static Context boundExceeded(String content, YamlText text, Context fileCtx) {
        int depth = 0, aliases = 0;
        Set<String> collections = new HashSet<>();
        try {
            for (Event ev : new Yaml(options()).parse(new StringReader(content))) {
                if (ev instanceof CollectionStartEvent start) {
                    if (++depth > MAX_NESTING) return at(text, fileCtx, ev.getStartMark());
                    if (start.getAnchor() != null) collections.add(start.getAnchor());
                } else if (ev instanceof CollectionEndEvent) {
                    depth--;
                } else if (ev instanceof AliasEvent alias
                        && collections.contains(alias.getAnchor())
                        && ++aliases > MAX_COLLECTION_ALIASES) {
                    return at(text, fileCtx, ev.getStartMark());
                }
            }
        } catch (YAMLException e) {
            // The composer failed first: no better position than the start.
        }
        return fileCtx.at(1, 1);
    }

    private static Context at(YamlText text, Context ctx, Mark mark) {
        return mark == null ? ctx.at(1, 1) : text.at(ctx, mark);
    }
}
