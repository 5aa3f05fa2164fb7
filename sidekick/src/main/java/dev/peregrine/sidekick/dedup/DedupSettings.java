package dev.peregrine.sidekick.dedup;

import java.time.Duration;
import java.util.List;

/**
 * Deduplication settings as written: the global default under {@code peregrine.dedup} or one
 * output's override under {@code peregrine.outputs.<name>.dedup}. A value left out (null) is
 * inherited: an output's from the global section, the global section's from the built-in
 * defaults. A section that is present enables dedup unless it says {@code enabled: false}.
 *
 * @param enabled whether alerts with the same key are delivered once per window
 * @param window how long after the first alert of a key its duplicates are suppressed
 * @param key what makes two alerts duplicates: rule, priority, hostname, source, output, tags,
 *     Falco output fields (container.id, proc.aname[2]) or output_fields.NAME for any field
 */
public record DedupSettings(Boolean enabled, Duration window, List<String> key) {

    static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
    static final List<String> DEFAULT_KEY = List.of("rule", "priority", "hostname", "container.id");
}
