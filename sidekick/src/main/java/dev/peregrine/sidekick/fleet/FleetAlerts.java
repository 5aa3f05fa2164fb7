package dev.peregrine.sidekick.fleet;

import dev.peregrine.sidekick.alert.Alert;
import dev.peregrine.sidekick.alert.AlertJson;
import dev.peregrine.sidekick.alert.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The fleet's own alerts, shaped like Falco's so every output renders them as it renders any. */
final class FleetAlerts {
    static final String DOWN_RULE = "Peregrine detector down";
    static final String BACK_RULE = "Peregrine detector back";

    private FleetAlerts() {}

    /**
     * @param uuid the same on every replica for the same event (detector and last sighting), so
     *     that the Kafka log delivers it once should two replicas raise it
     */
    static Alert of(Detector d, boolean down, Duration downAfter, Instant now, String uuid) {
        Priority priority = down ? Priority.CRITICAL : Priority.NOTICE;
        String what = down
                ? "has sent nothing for more than " + downAfter + " (last seen " + d.lastSeen() + ")"
                : "is reporting again";
        String output = AlertJson.formatTime(now) + ": " + priority.falcoName() + " Detector on node "
                + (d.node().isEmpty() ? "?" : d.node()) + " (hostname " + d.hostname() + ") " + what
                + " | detector=" + d.id() + " version=" + d.version();
        Map<String, Object> fields = new TreeMap<>();
        fields.put("peregrine.detector.id", d.id());
        fields.put("peregrine.detector.hostname", d.hostname());
        fields.put("peregrine.detector.node", d.node());
        fields.put("peregrine.detector.cluster", d.cluster());
        fields.put("peregrine.detector.version", d.version());
        fields.put("peregrine.detector.last_seen", d.lastSeen().toString());
        return new Alert(
                uuid,
                now,
                down ? DOWN_RULE : BACK_RULE,
                priority,
                "peregrine",
                output,
                new TreeMap<>(fields),
                List.of("peregrine", "detector"),
                d.hostname(),
                null,
                Map.of());
    }
}
