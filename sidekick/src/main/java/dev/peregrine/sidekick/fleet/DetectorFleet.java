package dev.peregrine.sidekick.fleet;

import dev.peregrine.contract.v1.DetectorStatus;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.sidekick.alert.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The detectors that report to this sidekick. Each stream's status reports and alerts keep its
 * detector's entry fresh; a watchdog marks one that stays silent longer than {@code downAfter} as
 * down and raises an alert about it through the normal pipeline (routed, spooled, delivered like
 * any other), and another when it is back.
 *
 * <p>In Kafka mode a detector's stream may move to another replica; {@link ReplicaSightings}
 * tells each replica what the others heard, so a detector counts as down only when no replica
 * heard from it within {@code downAfter}. All replicas decide on the same shared sightings; the
 * one that heard from it last raises the alert (or, if that replica is gone, the first alive by
 * name), with a uuid every replica would give it, so the log's uuid dedup drops a second one.
 */
public final class DetectorFleet implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DetectorFleet.class);

    private final Duration downAfter;
    private final Clock clock;
    private final Consumer<Alert> raise;
    private final Map<String, Entry> detectors = new ConcurrentHashMap<>();
    /** Null with a single sidekick (spool mode). */
    private final ReplicaSightings shared;

    private final Thread watchdog;
    private volatile boolean running = true;
    /** When the watchdog last shared its sightings; its thread alone. */
    private long lastShared;

    /**
     * @param raise takes the fleet's own alerts into intake
     */
    public DetectorFleet(Duration downAfter, Clock clock, Consumer<Alert> raise) {
        this(downAfter, clock, raise, null);
    }

    /**
     * @param shared what the other replicas heard (Kafka mode), or null; closed with the fleet
     */
    public DetectorFleet(Duration downAfter, Clock clock, Consumer<Alert> raise, ReplicaSightings shared) {
        this.downAfter = downAfter;
        this.clock = clock;
        this.raise = raise;
        this.shared = shared;
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
            publish(e);
        }
    }

    public List<Detector> list() {
        adoptShared();
        return detectors.values().stream()
                .map(Entry::view)
                .sorted(Comparator.comparing(Detector::id))
                .toList();
    }

    private void seen(Entry e) {
        e.lastSeen = clock.millis();
        if (e.connected && !e.publishedConnected) {
            publish(e); // first seen here: the other replicas learn it at once
        }
        if (e.down) {
            e.down = false;
            e.downBy = null;
            log.info("detector {} is back", e.id);
            raise(e, false, clock.instant(), uuid("back", e.id, e.downLastSeen));
        }
    }

    private Entry entry(Origin o) {
        String id = o.getClusterName() + "/" + o.getNodeName() + "/" + o.getHostname();
        Entry e = detectors.computeIfAbsent(id, k -> new Entry(k, o, clock.millis()));
        if (e.lastSeen == 0) {
            e.lastSeen = clock.millis(); // known from another replica until now
        }
        return e;
    }

    /** Tells the other replicas what this one heard from {@code e}. */
    private void publish(Entry e) {
        if (shared == null || e.lastSeen == 0) {
            return;
        }
        long seen = e.lastSeen;
        boolean connected = e.connected;
        Origin o = e.origin;
        shared.publish(new ReplicaSightings.Sighting(
                shared.replica(),
                e.id,
                o.getHostname(),
                o.getNodeName(),
                o.getClusterName(),
                o.getDetectorVersion(),
                seen,
                connected));
        e.publishedSeen = seen;
        e.publishedConnected = connected;
    }

    /** Lists (and watches) the detectors only other replicas have heard from. */
    private void adoptShared() {
        if (shared == null) {
            return;
        }
        for (String id : shared.detectors()) {
            shared.latest(id)
                    .ifPresent(s -> detectors.computeIfAbsent(
                            id,
                            k -> new Entry(
                                    k,
                                    Origin.newBuilder()
                                            .setHostname(s.hostname())
                                            .setNodeName(s.node())
                                            .setClusterName(s.cluster())
                                            .setDetectorVersion(s.version())
                                            .build(),
                                    0)));
        }
    }

    /** Every tick: share what changed, then judge each detector on what every replica heard. */
    private void tick() {
        long now = clock.millis();
        // Every down-after/4 is enough for a live detector never to look silent for down-after,
        // and keeps the topic small with thousands of detectors.
        if (shared != null && now - lastShared >= downAfter.toMillis() / 4) {
            lastShared = now;
            shared.heartbeat(now);
            for (Entry e : detectors.values()) {
                if (e.lastSeen != e.publishedSeen || e.connected != e.publishedConnected) {
                    publish(e);
                }
            }
            adoptShared();
        }
        for (Entry e : detectors.values()) {
            ReplicaSightings.Sighting peer =
                    shared == null ? null : shared.latest(e.id).orElse(null);
            // What this replica has told the others, so that all judge on the same times; but an
            // entry just made for a detector heard here and not yet published (the watchdog can run
            // between the two) judges on its own time, or it would look silent since 1970.
            long mine = shared == null || e.publishedSeen == 0 ? e.lastSeen : e.publishedSeen;
            long last = peer == null ? mine : Math.max(mine, peer.lastSeen());
            if (e.down && last > e.downLastSeen) {
                e.down = false; // heard by another replica, which says it is back
                e.downBy = null;
            }
            if (!e.down && now - last > downAfter.toMillis()) {
                e.down = true;
                e.downLastSeen = last;
                e.downBy = heardLast(mine, peer);
            }
            if (e.downBy != null && raisesHere(e, now)) {
                e.downBy = null;
                log.warn("detector {} has sent nothing for {}: down", e.id, downAfter);
                // Shared: the time every replica would give it, as the uuid.
                Instant at = shared == null
                        ? clock.instant()
                        : Instant.ofEpochMilli(e.downLastSeen).plus(downAfter);
                raise(e, true, at, uuid("down", e.id, e.downLastSeen));
            }
        }
    }

    /** The replica that heard from the detector last: this one without others. */
    private String heardLast(long mine, ReplicaSightings.Sighting peer) {
        if (shared == null) {
            return "";
        }
        return peer == null
                        || mine > peer.lastSeen()
                        || (mine == peer.lastSeen() && shared.replica().compareTo(peer.replica()) < 0)
                ? shared.replica()
                : peer.replica();
    }

    /**
     * Whether this replica raises the down alert pending for {@code e}: yes when it heard from the
     * detector last; no (and no longer pending) once that replica's heartbeat shows it was alive
     * when the alert was due, for it raised it then; when it is gone, the first replica alive by
     * name raises it.
     */
    private boolean raisesHere(Entry e, long now) {
        if (shared == null || e.downBy.equals(shared.replica())) {
            return true;
        }
        if (shared.heartbeat(e.downBy) > e.downLastSeen + downAfter.toMillis()) {
            e.downBy = null;
            return false;
        }
        return !shared.alive(e.downBy, now) && shared.firstAlive(now).equals(shared.replica());
    }

    private static String uuid(String what, String id, long lastSeen) {
        return UUID.nameUUIDFromBytes((what + " " + id + " " + lastSeen).getBytes(StandardCharsets.UTF_8))
                .toString();
    }

    private void watch(long everyMillis) {
        while (running) {
            try {
                Thread.sleep(everyMillis);
            } catch (InterruptedException e) {
                return;
            }
            try {
                tick();
            } catch (RuntimeException e) {
                log.error("detector watchdog: {}", e.toString());
            }
        }
    }

    private void raise(Entry e, boolean down, Instant at, String uuid) {
        try {
            raise.accept(FleetAlerts.of(e.view(), down, downAfter, at, uuid));
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
        if (shared != null) {
            shared.close();
        }
    }

    private final class Entry {
        final String id;
        final Origin origin;
        /** Here, in epoch millis; 0 when only other replicas heard from it. */
        volatile long lastSeen;

        volatile boolean connected;
        volatile boolean down;
        /** The last sighting (by any replica) the down alert was about. */
        volatile long downLastSeen;
        /** The replica that is to raise the down alert, while it is not known to be raised. */
        volatile String downBy;

        volatile long publishedSeen;
        volatile boolean publishedConnected;
        volatile DetectorStatus status; // guarded by this for updates
        volatile double eventsPerSecond;

        Entry(String id, Origin origin, long lastSeen) {
            this.id = id;
            this.origin = origin;
            this.lastSeen = lastSeen;
        }

        Detector view() {
            ReplicaSightings.Sighting peer =
                    shared == null ? null : shared.latest(id).orElse(null);
            boolean peerConnected = peer != null && peer.connected() && shared.alive(peer.replica(), clock.millis());
            String replica =
                    connected ? (shared == null ? null : shared.replica()) : peerConnected ? peer.replica() : null;
            long seen = peer == null ? lastSeen : Math.max(lastSeen, peer.lastSeen());
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
                    Instant.ofEpochMilli(seen),
                    connected || peerConnected,
                    replica,
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
