package dev.peregrine.sidekick.intake;

import dev.peregrine.contract.v1.FieldValue;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertRejectedException;
import dev.peregrine.sidekick.alert.AlertText;
import dev.peregrine.sidekick.alert.Priority;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The contract's Alert message to the sidekick's {@link Alert}, with the HTTP intake's checks.
 * Text that comes from rules files and settings (rule, source, hostname, tags, origin) is refused
 * when it is not {@link AlertText alert text}; text that comes from the watched processes (output,
 * message, field values) has such characters replaced by U+FFFD instead, as libsinsp does before
 * Falco writes it: a process must not be able to get its own alert refused by putting a control
 * character in its command line.
 */
final class ProtoAlerts {
    private ProtoAlerts() {}

    static Alert toAlert(dev.peregrine.contract.v1.Alert a, Supplier<Instant> now) {
        if (a.getRule().isBlank()) {
            throw new AlertRejectedException("missing_field", "rule", "required field is missing");
        }
        check("rule", a.getRule());
        check("source", a.getSource());
        check("hostname", a.getHostname());
        for (String tag : a.getTagsList()) {
            check("tags", tag);
        }
        Priority priority = switch (a.getPriority()) {
            case EMERGENCY -> Priority.EMERGENCY;
            case ALERT -> Priority.ALERT;
            case CRITICAL -> Priority.CRITICAL;
            case ERROR -> Priority.ERROR;
            case WARNING -> Priority.WARNING;
            case NOTICE -> Priority.NOTICE;
            case INFORMATIONAL -> Priority.INFORMATIONAL;
            case DEBUG -> Priority.DEBUG;
            case PRIORITY_UNSPECIFIED ->
                throw new AlertRejectedException("missing_field", "priority", "required field is missing");
            case UNRECOGNIZED ->
                throw new AlertRejectedException(
                        "invalid_field", "priority", "unknown priority number " + a.getPriorityValue());
        };
        String uuid;
        if (a.getUuid().isEmpty()) {
            uuid = UUID.randomUUID().toString();
        } else {
            try {
                uuid = UUID.fromString(a.getUuid()).toString();
            } catch (IllegalArgumentException e) {
                throw new AlertRejectedException(
                        "invalid_field", "uuid", "not a UUID: " + AlertText.quoted(a.getUuid()));
            }
        }
        Instant time = a.hasTime()
                ? Instant.ofEpochSecond(a.getTime().getSeconds(), a.getTime().getNanos())
                : now.get();
        TreeMap<String, Object> fields = new TreeMap<>();
        a.getOutputFieldsMap().forEach((k, v) -> {
            check("output_fields", k);
            fields.put(k, value("output_fields." + k, v));
        });
        return new Alert(
                uuid,
                time,
                a.getRule(),
                priority,
                a.getSource(),
                AlertText.sanitized(a.getOutput()),
                fields,
                a.getTagsList(),
                a.getHostname(),
                a.getMessage().isEmpty() ? null : AlertText.sanitized(a.getMessage()),
                origin(a));
    }

    private static Object value(String field, FieldValue v) {
        return switch (v.getKindCase()) {
            case STRING_VALUE -> AlertText.sanitized(v.getStringValue());
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> {
                if (!Double.isFinite(v.getDoubleValue())) {
                    throw new AlertRejectedException("invalid_field", field, "must be a finite number");
                }
                yield v.getDoubleValue();
            }
            case BOOL_VALUE -> v.getBoolValue();
            case LIST_VALUE ->
                v.getListValue().getValuesList().stream()
                        .map(AlertText::sanitized)
                        .toList();
            case NULL_VALUE, KIND_NOT_SET -> null;
        };
    }

    private static void check(String field, String text) {
        String problem = AlertText.problem(text);
        if (problem != null) {
            throw new AlertRejectedException("invalid_field", field, problem);
        }
    }

    private static Map<String, String> origin(dev.peregrine.contract.v1.Alert a) {
        if (!a.hasOrigin()) {
            return Map.of();
        }
        Origin o = a.getOrigin();
        Map<String, String> m = new LinkedHashMap<>();
        put(m, "hostname", o.getHostname());
        put(m, "node_name", o.getNodeName());
        put(m, "cluster_name", o.getClusterName());
        put(m, "detector_version", o.getDetectorVersion());
        return m;
    }

    private static void put(Map<String, String> m, String k, String v) {
        check("origin." + k, v);
        if (!v.isEmpty()) {
            m.put(k, v);
        }
    }
}
