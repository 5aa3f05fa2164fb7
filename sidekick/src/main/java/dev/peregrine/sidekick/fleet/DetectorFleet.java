package dev.peregrine.sidekick.fleet;

import dev.peregrine.contract.v1.DetectorStatus;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.sidekick.alert.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detectors that report to this sidekick. Each stream's status reports and alerts keep its
 * detector's entry fresh; a watchdog marks one that stays silent longer than {@code downAfter} as
 * down and raises an alert about it through the normal pipeline (routed, spooled, delivered like
 * any other), and another when it is back.
 */
public final class DetectorFleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DetectorFleet.class);

    private final Duration downAfter;
    private final Clock clock;
    private final Consumer<Alert> raise;
    private final Map<String, Entry> detectors = new ConcurrentHashMap<>();
    private final Thread watchdog;
    private volatile boolean running = true;

    /**
     * @param raise takes the fleet's own alerts into intake
     */
    public DetectorFleet(Duration downAfter, Clock clock, Consumer<Alert> raise) {
        this.downAfter = downAfter;
        this.clock = clock;
        this.raise = raise;
        long every = Math.clamp(downAfter.toMillis() / 4, 100, 5000);
        this.watchdog = Thread.ofVirtual().name("detector-watchdog").start(() -> watch(every));
    }

    /** Records a status report; returns the detector's id (for {@link #seen} and {@link #disconnected}). */
    public String report(DetectorStatus s) {
        Entry e = entry(s.getOrigin());
        synchronized (e) {
            Instant at = instant(s.getTime().getSeconds(), s.getTime().getNanos());
            DetectorStatus previous = e.status;
            if (previous != null && s.getEventsTotal() >= previous.getEventsTotal()) {
                double seconds = Duration.between(
                                        instant(
                                                previous.getTime().getSeconds(),
                                                previous.getTime().getNanos()),
                                        at)
                                .toNanos()
                        / 1e9;
                e.eventsPerSecond = seconds > 0 ? (s.getEventsTotal() - previous.getEventsTotal()) / seconds : 0;
            } else {
                e.eventsPerSecond = 0;
            }
            e.status = s;
            e.connected = true;
        }
        seen(e);
        return e.id;
    }

    /** An alert from {@code origin} arrived: the detector is alive. Returns its id. */
    public String seen(Origin origin) {
        Entry e = entry(origin);
        e.connected = true;
        seen(e);
        return e.id;
    }

    /** Another alert from the detector {@code id} (as {@link #seen(Origin)} returned). */
    public void seen(String id) {
        Entry e = detectors.get(id);
        if (e != null) {
            seen(e);
        }
    }

    /** A detector's stream ended. */
    public void disconnected(String id) {
        Entry e = detectors.get(id);
        if (e != null) {
            e.connected = false;
        }
    }

    public List<Detector> list() {
        return detectors.values().stream()
                .map(Entry::view)
                .sorted(Comparator.comparing(Detector::id))
                .toList();
    }

    private void seen(Entry e) {
        e.lastSeen = clock.millis();
        if (e.down) {
            e.down = false;
            log.info("detector {} is back", e.id);
            raise(e, false);
        }
    }

    private Entry entry(Origin o) {
        String id = o.getClusterName() + "/" + o.getNodeName() + "/" + o.getHostname();
        return detectors.computeIfAbsent(id, k -> new Entry(k, o));
    }

    private void watch(long everyMillis) {
        while (running) {
            try {
                Thread.sleep(everyMillis);
            } catch (InterruptedException e) {
                return;
            }
            long now = clock.millis();
            for (Entry e : detectors.values()) {
                if (!e.down && now - e.lastSeen > downAfter.toMillis()) {
                    e.down = true;
                    log.warn("detector {} has sent nothing for {}: down", e.id, downAfter);
                    raise(e, true);
                }
            }
        }
    }

    private void raise(Entry e, boolean down) {
        try {
            raise.accept(FleetAlerts.of(e.view(), down, downAfter, clock.instant()));
        } catch (RuntimeException ex) {
            log.error(
                    "could not raise the alert that detector {} is {}: {}",
                    e.id,
                    down ? "down" : "back",
                    ex.getMessage());
        }
    }

    private static Instant instant(long seconds, int nanos) {
        return Instant.ofEpochSecond(seconds, nanos);
    }

    @Override
    public void close() {
        running = false;
        watchdog.interrupt();
    }

    private final class Entry {
        final String id;
        final Origin origin;
        volatile long lastSeen;
        volatile boolean connected;
        volatile boolean down;
        volatile DetectorStatus status; // guarded by this for updates
        volatile double eventsPerSecond;

        Entry(String id, Origin origin) {
            this.id = id;
            this.origin = origin;
            this.lastSeen = clock.millis();
        }

        Detector view() {
            DetectorStatus s = status;
            Origin o = s != null && s.hasOrigin() ? s.getOrigin() : origin;
            return new Detector(
                    id,
                    o.getHostname(),
                    o.getNodeName(),
                    o.getClusterName(),
                    o.getDetectorVersion(),
                    s == null ? 0 : s.getRulesLoaded(),
                    s == null || !s.hasStarted()
                            ? null
                            : instant(
                                    s.getStarted().getSeconds(), s.getStarted().getNanos()),
                    Instant.ofEpochMilli(lastSeen),
                    connected,
                    down,
                    eventsPerSecond,
                    s == null ? 0 : s.getKernelDropsTotal(),
                    s == null ? 0 : s.getSpoolAlerts(),
                    s == null ? 0 : s.getSpoolBytes(),
                    s == null
                            ? null
                            : instant(s.getTime().getSeconds(), s.getTime().getNanos()));
        }
    }
}
