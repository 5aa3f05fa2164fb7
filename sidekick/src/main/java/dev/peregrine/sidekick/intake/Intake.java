package dev.peregrine.sidekick.intake;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import dev.peregrine.sidekick.delivery.ConfiguredOutput;
import dev.peregrine.sidekick.mute.Mute;
import dev.peregrine.sidekick.mute.Mutes;
import dev.peregrine.sidekick.spool.AlertLog;
import dev.peregrine.sidekick.spool.SpoolFullException;
import dev.peregrine.sidekick.store.AlertRecorder;
import dev.peregrine.sidekick.template.AlertTemplate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path every alert takes, whatever input it came from: enrich (custom fields), route
 * (which outputs want it, none when a mute holds it back), spool (durably, once per output). The
 * returned future completes when the alert is durable in the {@link AlertLog}; only then may the
 * sender be told so. After that the alert is offered to the dashboard's store, which never makes
 * intake wait.
 */
public final class Intake {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);
    /** Prometheus label names; custom fields that are not valid names are left out of the labels. */
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    public enum Result {
        ACCEPTED,
        DUPLICATE
    }

    private final AlertLog spool;
    private final List<ConfiguredOutput> outputs;
    private final Map<String, String> customFields;
    private final Map<String, AlertTemplate> templatedFields;
    private final List<String> customLabels;
    private final MeterRegistry metrics;
    private final Mutes mutes;
    private final AlertRecorder recorder;
    private final WaitingAlerts waiting;
    private final Map<InputKey, List<Counter>> inputCounters = new ConcurrentHashMap<>();
    private final Map<EventKey, Counter> eventCounters = new ConcurrentHashMap<>();
    private final Set<String> failedTemplates = ConcurrentHashMap.newKeySet();

    /**
     * @param templatedFields compiled templates by output field name (see {@link #templatedFields})
     * @param mutes held-back alerts are accepted and stored but routed to no output
     * @param recorder the dashboard's store; null without one
     * @param waiting bounds the alerts taken from senders and not yet durable
     */
    public Intake(
            AlertLog spool,
            List<ConfiguredOutput> outputs,
            Map<String, String> customFields,
            Map<String, AlertTemplate> templatedFields,
            MeterRegistry metrics,
            Mutes mutes,
            AlertRecorder recorder,
            WaitingAlerts waiting) {
        this.waiting = waiting;
        this.mutes = mutes;
        this.recorder = recorder;
        this.spool = spool;
        this.outputs = List.copyOf(outputs);
        this.customFields = Map.copyOf(customFields);
        this.templatedFields = new TreeMap<>(templatedFields);
        this.customLabels = customFields.keySet().stream()
                .filter(k -> LABEL.matcher(k).matches())
                .sorted()
                .toList();
        this.metrics = metrics;
    }

    /**
     * Takes an alert from {@code input} ("http" or "grpc").
     *
     * @throws SpoolFullException when the disk budget is used up (nothing written)
     * @throws IntakeFullException when too many alerts wait to be made durable (nothing written)
     */
    public CompletableFuture<Result> accept(Alert alert, String input) {
        return spoolFor(alert, input, false, true);
    }

    /**
     * Like {@link #accept}; {@code senderUuid} false says the uuid was assigned on intake, so it
     * cannot be a resend and is not remembered for dedup.
     */
    public CompletableFuture<Result> accept(Alert alert, String input, boolean senderUuid) {
        return spoolFor(alert, input, false, senderUuid);
    }

    /** Like {@link #accept}, but to every output whatever its route: Falcosidekick's POST /test. */
    public CompletableFuture<Result> acceptTest(Alert alert) {
        return spoolFor(alert, "http", true, false);
    }

    /**
     * Compiles {@code peregrine.templatedfields}: a template error stops startup naming the key
     * and line.
     */
    public static Map<String, AlertTemplate> templatedFields(Map<String, String> sources) {
        Map<String, AlertTemplate> compiled = new TreeMap<>();
        sources.forEach((name, source) ->
                compiled.put(name, AlertTemplate.compile("peregrine.templatedfields." + name, source)));
        return compiled;
    }

    private CompletableFuture<Result> spoolFor(Alert received, String input, boolean everyOutput, boolean senderUuid) {
        Alert alert = withTemplatedFields(received.withOutputFields(customFields));
        Mute mute = everyOutput ? null : mutes.holding(alert);
        List<String> targets = new ArrayList<>(outputs.size());
        for (ConfiguredOutput o : outputs) {
            if (mute == null && (everyOutput || o.route().matches(alert))) {
                targets.add(o.name());
            }
        }
        byte[] payload = AlertJson.write(alert);
        // The sidekick's own alerts (a detector gone silent) are few and not resent by anyone: never refused.
        boolean bounded = !input.equals("fleet");
        long size = payload.length;
        if (bounded) {
            try {
                waiting.take(size, input.equals("grpc"));
            } catch (IntakeFullException e) {
                count(input, alert.source(), "retry_later");
                throw e;
            }
        }
        CompletableFuture<Boolean> written;
        try {
            written = spool.append(alert, payload, targets, senderUuid);
        } catch (RuntimeException e) {
            if (bounded) {
                waiting.settled(size);
            }
            if (e instanceof SpoolFullException) {
                count(input, alert.source(), "retry_later");
            }
            throw e;
        }
        return written.handle((fresh, error) -> {
            if (bounded) {
                waiting.settled(size);
            }
            if (error != null) {
                count(input, alert.source(), "retry_later");
                throw new IllegalStateException("spool write failed: " + error.getMessage(), error);
            }
            if (!fresh) {
                count(input, alert.source(), "duplicate");
                return Result.DUPLICATE;
            }
            count(input, alert.source(), mute == null ? "accepted" : "muted");
            if (mute != null) {
                mutes.held(mute);
            }
            countFalcoEvent(alert);
            if (recorder != null) {
                recorder.record(payload, targets, mute == null ? null : mute.id());
            }
            return Result.ACCEPTED;
        });
    }

    /**
     * Adds the templated fields, each rendered over the alert as it is after the custom fields.
     * A template that fails on this alert leaves its field out (as Falcosidekick does) and is
     * logged once per field; the alert itself goes on.
     */
    private Alert withTemplatedFields(Alert alert) {
        if (templatedFields.isEmpty()) {
            return alert;
        }
        Map<String, Object> model = AlertTemplate.model(alert);
        Map<String, Object> values = new TreeMap<>();
        templatedFields.forEach((name, template) -> {
            try {
                values.put(name, template.render(model));
            } catch (AlertTemplate.RenderException e) {
                if (failedTemplates.add(name)) {
                    log.warn(
                            "peregrine.templatedfields.{} failed on alert {} and is left out of it: {} (logged once)",
                            name,
                            alert.uuid(),
                            e.getMessage());
                }
            }
        });
        return alert.withOutputFields(values);
    }

    /** The alerts taken and not yet durable, and their bound. */
    public WaitingAlerts waiting() {
        return waiting;
    }

    /** Counts an input refused before it reached the pipeline. */
    public void countRejected(String input) {
        count(input, "unknown", "rejected");
    }

    private void count(String input, String source, String status) {
        InputKey key = new InputKey(input, source.isEmpty() ? "unknown" : source, status);
        List<Counter> counters = inputCounters.get(key);
        if (counters == null) {
            counters = inputCounters(key);
            if (inputCounters.size() < CACHED_KEYS) {
                inputCounters.putIfAbsent(key, counters);
            }
        }
        counters.forEach(Counter::increment);
    }

    /** Ours and Falcosidekick's counter for one (input, source, status). */
    private List<Counter> inputCounters(InputKey k) {
        // muted alerts were accepted too, only not delivered
        String sidekickStatus = k.status.equals("rejected") || k.status.equals("retry_later") ? "rejected" : "accepted";
        return List.of(
                Counter.builder("peregrine.intake.alerts")
                        .tag("input", k.input)
                        .tag("source", k.source)
                        .tag("status", k.status)
                        .description("Alerts received, by input, Falco source and outcome")
                        .register(metrics),
                Counter.builder("falcosecurity.falcosidekick.inputs")
                        .tag("source", k.input.equals("http") ? "requestbody" : k.input)
                        .tag("status", sidekickStatus)
                        .register(metrics));
    }

    /** Falcosidekick's per-event counter, labelled as it labels it. */
    private void countFalcoEvent(Alert alert) {
        EventKey key = new EventKey(
                alert.hostname(),
                alert.rule(),
                alert.priority(),
                alert.source(),
                alert.fieldText("k8s.ns.name"),
                alert.fieldText("k8s.pod.name"));
        Counter counter = eventCounters.get(key);
        if (counter == null) {
            counter = eventCounter(key);
            if (eventCounters.size() < CACHED_KEYS) {
                eventCounters.putIfAbsent(key, counter);
            }
        }
        counter.increment();
    }

    private Counter eventCounter(EventKey k) {
        Tags tags = Tags.of(
                "hostname", k.hostname,
                "rule", k.rule,
                "priority", String.valueOf(k.priority.falcosidekickLevel()),
                "priority_raw", k.priority.name().toLowerCase(Locale.ROOT),
                "source", k.source,
                "k8s_ns_name", k.namespace,
                "k8s_pod_name", k.pod);
        for (String c : customLabels) {
            tags = tags.and(c, customFields.get(c));
        }
        return Counter.builder("falcosecurity.falcosidekick.falco.events")
                .tags(tags)
                .register(metrics);
    }

    /**
     * Meter lookups by name and tags cost more than the rest of counting an alert: cached per key.
     * Keys come from alerts, so the caches are bounded; a key beyond is looked up each time (and
     * counted as "other" by {@link dev.peregrine.sidekick.metrics.LabelLimits} once its labels are
     * full).
     */
    static final int CACHED_KEYS = 10_000;

    private record InputKey(String input, String source, String status) {}

    private record EventKey(
            String hostname, String rule, Priority priority, String source, String namespace, String pod) {}
}
