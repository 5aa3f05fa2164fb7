package dev.peregrine.detector.rule;

import dev.peregrine.detector.event.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Enabled rules indexed by event type, so an event only visits the rules that can match it.
 * Within a type, rules keep their definition order: with {@link #firstMatch} the earliest wins,
 * like Falco's default {@code rule_matching: first}.
 */
public final class Ruleset {
    private static final CompiledRule[] NONE = new CompiledRule[0];

    private final List<CompiledRule> rules;
    private final Map<String, CompiledRule[]> byType = new HashMap<>();
    /** Rules whose types are "all except ...": they apply to types no positive set mentions. */
    private final CompiledRule[] otherTypes;

    public Ruleset(List<CompiledRule> all) {
        this.rules = all.stream().filter(CompiledRule::enabled).toList();
        Set<String> named = new HashSet<>();
        for (CompiledRule r : rules) named.addAll(r.eventTypes().names());
        for (String type : named) {
            List<CompiledRule> list = new ArrayList<>();
            for (CompiledRule r : rules) if (r.eventTypes().contains(type)) list.add(r);
            list.sort(Comparator.comparingInt(CompiledRule::order));
            byType.put(type, list.toArray(NONE));
        }
        otherTypes = rules.stream().filter(r -> r.eventTypes().negated()).toArray(CompiledRule[]::new);
    }

    public List<CompiledRule> rules() { return rules; }

    /** The rules an event of this type must be checked against. */
    public CompiledRule[] candidates(String type) {
        CompiledRule[] c = byType.get(type);
        return c != null ? c : otherTypes;
    }

    /** The first enabled rule matching the event, or null. Allocates nothing. */
    public CompiledRule firstMatch(Event e) {
        for (CompiledRule r : candidates(e.type)) {
            if (r.predicate().test(e)) return r;
        }
        return null;
    }

    public List<CompiledRule> allMatches(Event e) {
        List<CompiledRule> out = new ArrayList<>();
        for (CompiledRule r : candidates(e.type)) {
            if (r.predicate().test(e)) out.add(r);
        }
        return out;
    }
}
