package dev.peregrine.sidekick.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the metric series that input can create. Labels whose values come from alerts (a rule's
 * name, a hostname, a Kubernetes namespace or pod: anyone who can post an alert chooses them) keep
 * at most {@code maxLabelValues} distinct values per metric; later values are counted under
 * {@link #OTHER}. As the product of a few capped labels can still be large, a metric with such
 * labels also keeps at most {@code maxSeries} series; beyond, every capped label reads
 * {@link #OTHER}. Nothing is dropped: every alert is still counted, only less precisely.
 *
 * <p>A Micrometer {@link MeterFilter}, so every meter is bounded wherever it is registered, in one
 * place. It runs when a meter is registered, not when it is incremented; how many values were
 * turned away is in {@code peregrine_metric_label_overflows_total{label}}.
 */
public final class LabelLimits implements MeterFilter, MeterBinder {
    public static final String OTHER = "other";

    private final Map<String, Integer> maxLabelValues;
    private final int maxSeries;
    private final Map<String, Metric> metrics = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> overflows = new TreeMap<>();

    /** What one metric has admitted so far. Guarded by itself. */
    private static final class Metric {
        final Map<String, Set<String>> values = new HashMap<>();
        final Set<List<Tag>> series = new HashSet<>();
    }

    /**
     * @param maxLabelValues label name to the most distinct values it may take per metric
     * @param maxSeries the most series a metric with a capped label may have
     */
    public LabelLimits(Map<String, Integer> maxLabelValues, int maxSeries) {
        this.maxLabelValues = Map.copyOf(maxLabelValues);
        this.maxSeries = maxSeries;
        maxLabelValues.keySet().forEach(label -> overflows.put(label, new AtomicLong()));
    }

    /** The most series any metric can have, for caches keyed like one. */
    public int maxSeries() {
        return maxSeries;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        List<Tag> tags = id.getTags();
        boolean capped = false;
        for (Tag t : tags) {
            capped |= maxLabelValues.containsKey(t.getKey());
        }
        if (!capped) {
            return id;
        }
        Metric metric = metrics.computeIfAbsent(id.getName(), n -> new Metric());
        synchronized (metric) {
            List<Tag> mapped = new ArrayList<>(tags.size());
            for (Tag t : tags) {
                Integer max = maxLabelValues.get(t.getKey());
                mapped.add(max == null ? t : Tag.of(t.getKey(), admit(metric, t.getKey(), t.getValue(), max)));
            }
            if (!metric.series.contains(mapped)) {
                if (metric.series.size() >= maxSeries) {
                    mapped.replaceAll(t -> maxLabelValues.containsKey(t.getKey()) ? Tag.of(t.getKey(), OTHER) : t);
                }
                metric.series.add(List.copyOf(mapped));
            }
            return id.replaceTags(mapped);
        }
    }

    /** Holds the metric's lock. */
    private String admit(Metric metric, String label, String value, int max) {
        Set<String> seen = metric.values.computeIfAbsent(label, l -> new HashSet<>());
        if (seen.contains(value)) {
            return value;
        }
        if (seen.size() < max) {
            seen.add(value);
            return value;
        }
        overflows.get(label).incrementAndGet();
        return OTHER;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        overflows.forEach(
                (label, count) -> FunctionCounter.builder("peregrine.metric.label.overflows", count, AtomicLong::get)
                        .tag("label", label)
                        .description("Label values refused because their metric had as many as"
                                + " peregrine.metrics.max-label-values allows; counted as 'other' instead")
                        .register(registry));
        Gauge.builder("peregrine.metric.label.limit", () -> maxSeries)
                .tag("limit", "series")
                .description("Most series a metric with a label fed by alerts may have (peregrine.metrics.max-series)")
                .register(registry);
    }
}
