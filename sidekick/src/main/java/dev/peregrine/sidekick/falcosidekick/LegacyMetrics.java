package dev.peregrine.sidekick.falcosidekick;

import dev.peregrine.sidekick.alert.Priority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Falcosidekick's metric names before 2.30 ({@code falcosidekick_inputs},
 * {@code falcosidekick_outputs}, {@code falco_events}), beside today's, for dashboards and alerts
 * that still query them ({@code peregrine.metrics.legacy-names: true}). Each reads the counter of
 * today's name; it is exposed as a gauge because Prometheus gives every counter a {@code _total}
 * suffix, which the old names lack ({@code rate()} and {@code increase()} work on it all the same).
 */
public final class LegacyMetrics {
    /** Today's name → the one before 2.30. */
    private static final Map<String, String> NAMES = Map.of(
            "falcosecurity.falcosidekick.inputs", "falcosidekick.inputs",
            "falcosecurity.falcosidekick.outputs", "falcosidekick.outputs",
            "falcosecurity.falcosidekick.falco.events", "falco.events");

    private final MeterRegistry registry;

    public LegacyMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.config().onMeterAdded(this::mirror);
        List.copyOf(registry.getMeters()).forEach(this::mirror);
    }

    private void mirror(Meter meter) {
        String legacy = NAMES.get(meter.getId().getName());
        if (legacy == null || !(meter instanceof Counter counter)) {
            return;
        }
        Gauge.builder(legacy, counter, Counter::count)
                .tags(legacyTags(meter.getId().getTags()))
                .register(registry);
    }

    /** Before 2.30 the event counter's priority was the name (Warning) and there was no priority_raw. */
    static List<Tag> legacyTags(List<Tag> tags) {
        String raw = tags.stream()
                .filter(t -> t.getKey().equals("priority_raw"))
                .map(Tag::getValue)
                .findFirst()
                .orElse(null);
        List<Tag> legacy = new ArrayList<>();
        for (Tag t : tags) {
            if (t.getKey().equals("priority_raw")) {
                continue;
            }
            legacy.add(
                    t.getKey().equals("priority") && raw != null
                            ? Tag.of("priority", Priority.parse(raw).falcoName())
                            : t);
        }
        return legacy;
    }
}
