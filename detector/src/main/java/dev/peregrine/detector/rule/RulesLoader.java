package dev.peregrine.detector.rule;

import dev.peregrine.detector.field.FieldCatalogue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Loads rules files in order, later files amending earlier ones, into compiled rules and a
 * {@link LoadResult} with Falco's codes. The entry point of the rules engine.
 */
public final class RulesLoader {
    /** The bundled default: Falco's stable rules file. */
    public static final String BUNDLED_RULES = "/rules/falco_rules.yaml";

    /** One rules file: a display name and its text. */
    public record RulesSource(String name, String content) {
        /** Reads a file as UTF-8; bytes that are not UTF-8 are an {@link InvalidEncodingException} saying where. */
        public static RulesSource of(Path path) throws IOException {
            return new RulesSource(path.toString(), decode(Files.readAllBytes(path)));
        }

        public static RulesSource bundled() {
            try (InputStream in = RulesLoader.class.getResourceAsStream(BUNDLED_RULES)) {
                if (in == null) throw new IllegalStateException("bundled rules missing from the jar: " + BUNDLED_RULES);
                return new RulesSource(
                        "falco_rules.yaml (bundled)", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The outcome: rules are empty when the load failed. */
    public record Loaded(LoadResult result, List<CompiledRule> rules) {
        public Ruleset ruleset() {
            return new Ruleset(rules);
        }
    }

    private final FieldCatalogue catalogue;

    public RulesLoader(FieldCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    public RulesLoader() {
        this(FieldCatalogue.standard());
    }

    public Loaded load(List<RulesSource> sources) {
        LoadResult result = new LoadResult();
        RuleCollector collector = new RuleCollector(Set.of("syscall"), catalogue);
        for (RulesSource s : sources) {
            if (!new RulesFileReader(collector, result).read(s.name(), s.content()))
                return new Loaded(result, List.of());
        }
        List<CompiledRule> rules = new RuleCompiler(catalogue, result).compile(collector);
        return new Loaded(result, result.successful() ? rules : List.of());
    }

    /**
     * A file that is not UTF-8, with where: the byte offset of the first byte that cannot be
     * decoded and its line and column (1-based; columns count characters).
     */
    public static final class InvalidEncodingException extends IOException {
        private final long offset;
        private final int line;
        private final int column;

        InvalidEncodingException(long offset, int line, int column, int value) {
            super(String.format(
                    "invalid UTF-8 byte 0x%02X at byte offset %d (line %d, column %d): rules files must be UTF-8",
                    value, offset, line, column));
            this.offset = offset;
            this.line = line;
            this.column = column;
        }

        public long offset() {
            return offset;
        }

        public int line() {
            return line;
        }

        public int column() {
            return column;
        }
    }

    /** Strict UTF-8: a malformed or truncated sequence is refused, not replaced. */
    static String decode(byte[] bytes) throws InvalidEncodingException {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) r = decoder.flush(out);
        if (r.isError()) {
            int offset = in.position();
            int line = 1, column = 1;
            for (int i = 0; i < offset; i++) {
                byte b = bytes[i];
                if (b == '\n' || (b == '\r' && (i + 1 >= bytes.length || bytes[i + 1] != '\n'))) {
                    // Lines as the loader counts them everywhere (YamlText): '\n', or '\r' alone.
                    line++;
                    column = 1;
                } else if ((b & 0xC0) != 0x80) {
                    // Continuation bytes belong to the character their lead byte started.
                    column++;
                }
            }
            throw new InvalidEncodingException(offset, line, column, bytes[offset] & 0xFF);
        }
        return out.flip().toString();
    }

    /**
     * Loads files from disk; an unreadable file is a LOAD_ERR_FILE_READ error, one that is not
     * UTF-8 a LOAD_ERR_YAML_PARSE error at the first bad byte.
     */
    public Loaded loadFiles(List<Path> files) {
        List<RulesSource> sources = new ArrayList<>();
        for (Path p : files) {
            try {
                sources.add(RulesSource.of(p));
            } catch (InvalidEncodingException e) {
                LoadResult result = new LoadResult();
                result.error(
                        LoadCode.LOAD_ERR_YAML_PARSE,
                        e.getMessage(),
                        Context.ofFile(p.toString()).at(e.line(), e.column()));
                return new Loaded(result, List.of());
            } catch (IOException e) {
                LoadResult result = new LoadResult();
                result.error(
                        LoadCode.LOAD_ERR_FILE_READ,
                        "Could not open " + p + " for reading",
                        Context.ofFile(p.toString()));
                return new Loaded(result, List.of());
            }
        }
        return load(sources);
    }
}
