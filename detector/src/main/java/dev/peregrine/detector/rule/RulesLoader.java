package dev.peregrine.detector.rule;

import dev.peregrine.detector.field.FieldCatalogue;
import java.io.IOException;
import java.io.InputStream;
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
        public static RulesSource of(Path path) throws IOException {
            return new RulesSource(path.toString(), Files.readString(path, StandardCharsets.UTF_8));
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

    /** Loads files from disk; an unreadable file is a LOAD_ERR_FILE_READ error. */
    public Loaded loadFiles(List<Path> files) {
        List<RulesSource> sources = new ArrayList<>();
        for (Path p : files) {
            try {
                sources.add(RulesSource.of(p));
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
