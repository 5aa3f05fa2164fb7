package dev.peregrine.sidekick.mute;

import dev.peregrine.sidekick.alert.Alert;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An exception made from the dashboard ("mute"): alerts of {@code rule} whose output fields have
 * all of {@code fields}' values are held back from every output until {@code expiresAt}. The same
 * exception, as a Falco rules file, lets Falco (or a detector) stop raising them at the source.
 *
 * @param fields Falco field name to the value it must have, e.g. {@code proc.name: bash}
 * @param expiresAt null: until it is deleted
 * @param hits alerts held back so far
 */
public record Mute(
        String id,
        String rule,
        SortedMap<String, String> fields,
        String comment,
        String createdBy,
        Instant createdAt,
        Instant expiresAt,
        long hits) {

    public Mute {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rule, "rule");
        fields = Collections.unmodifiableSortedMap(new TreeMap<>(fields));
        comment = comment == null ? "" : comment;
        createdBy = createdBy == null ? "" : createdBy;
    }

    public boolean activeAt(Instant now) {
        return expiresAt == null || now.isBefore(expiresAt);
    }

    /** Whether this mute holds {@code alert} back (its expiry aside). */
    public boolean matches(Alert alert) {
        if (!rule.equals(alert.rule())) {
            return false;
        }
        for (Map.Entry<String, String> f : fields.entrySet()) {
            if (!f.getValue().equals(alert.fieldText(f.getKey()))) {
                return false;
            }
        }
        return true;
    }

    Mute withHits(long h) {
        return new Mute(id, rule, fields, comment, createdBy, createdAt, expiresAt, h);
    }
}
