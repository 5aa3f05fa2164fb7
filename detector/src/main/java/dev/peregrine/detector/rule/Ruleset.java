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
 * like Falco's default {@code rule_matching: first}. Each rule is evaluated through its predicate
 * for that type, whose evt.type checks were decided at load time.
 */
public final class Ruleset {
    /** The rules an event type visits, with the predicate each one uses for that type. */
    private record Candidates(CompiledRule[] rules, EventPredicate[] predicates) {
        static Candidates of(List<CompiledRule> rules, String type) {
            List<CompiledRule> kept = new ArrayList<>();
            List<EventPredicate> predicates = new ArrayList<>();
            for (CompiledRule r : rules) {
                EventPredicate p = type == null ? r.predicate() : r.predicateFor(type);
                if (p == CompiledRule.NEVER) continue;
                kept.add(r);
                predicates.add(p);
            }
            return new Candidates(kept.toArray(CompiledRule[]::new), predicates.toArray(EventPredicate[]::new));
        }
    }

    private final List<CompiledRule> rules;
    private final Map<String, Candidates> byType = new HashMap<>();
    /** Rules whose types are "all except ...": they apply to types no positive set mentions. */
    private final Candidates otherTypes;

    public Ruleset(List<CompiledRule> all) {
        this.rules = all.stream().filter(CompiledRule::enabled).toList();
        Set<String> named = new HashSet<>();
        for (CompiledRule r : rules) named.addAll(r.eventTypes().names());
        for (String type : named) {
            List<CompiledRule> list = new ArrayList<>();
            for (CompiledRule r : rules) if (r.eventTypes().contains(type)) list.add(r);
            list.sort(Comparator.comparingInt(CompiledRule::order));
            byType.put(type, Candidates.of(list, type));
        }
        otherTypes = Candidates.of(
                rules.stream().filter(r -> r.eventTypes().negated()).toList(), null);
    }

    public List<CompiledRule> rules() {
        return rules;
    }

    /** The rules an event of this type must be checked against. */
    public CompiledRule[] candidates(String type) {
        return candidatesFor(type).rules().clone();
    }

    private Candidates candidatesFor(String type) {
        Candidates c = byType.get(type);
        return c != null ? c : otherTypes;
    }

    /** The first enabled rule matching the event, or null. Allocates nothing. */
    public CompiledRule firstMatch(Event e) {
        Candidates c = candidatesFor(e.type);
        EventPredicate[] predicates = c.predicates();
        for (int i = 0; i < predicates.length; i++) {
            if (predicates[i].test(e)) return c.rules()[i];
        }
        return null;
    }

    public List<CompiledRule> allMatches(Event e) {
        Candidates c = candidatesFor(e.type);
        List<CompiledRule> out = new ArrayList<>();
        for (int i = 0; i < c.predicates().length; i++) {
            if (c.predicates()[i].test(e)) out.add(c.rules()[i]);
        }
        return out;
    }
}
