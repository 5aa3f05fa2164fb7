package dev.peregrine.sidekick.route;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.Priority;
import java.util.List;
import java.util.Set;

/**
 * Which alerts one output receives: a minimum priority and, when given, the rule names, tags
 * and sources it is limited to. Within a list any entry matches; all given lists must match.
 *
 * @param tags an alert matches when it has at least one of them
 */
public record Route(Priority minimumPriority, Set<String> rules, Set<String> tags, Set<String> sources) {

    public static final Route ALL = new Route(Priority.DEBUG, Set.of(), Set.of(), Set.of());

    public Route {
        rules = Set.copyOf(rules);
        tags = Set.copyOf(tags);
        sources = Set.copyOf(sources);
    }

    public boolean matches(Alert alert) {
        return alert.priority().atLeast(minimumPriority)
                && (rules.isEmpty() || rules.contains(alert.rule()))
                && (sources.isEmpty() || sources.contains(alert.source()))
                && (tags.isEmpty() || anyOf(alert.tags()));
    }

    private boolean anyOf(List<String> alertTags) {
        for (String t : alertTags) {
            if (tags.contains(t)) {
                return true;
            }
        }
        return false;
    }
}
