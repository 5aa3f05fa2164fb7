package dev.peregrine.bench.fleet;

import com.google.protobuf.Timestamp;
import dev.peregrine.bench.transport.TransportLoad;
import dev.peregrine.contract.v1.Alert;
import dev.peregrine.contract.v1.Origin;
import dev.peregrine.detector.alert.AlertMessage;
import dev.peregrine.detector.transport.LinkSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A simulated fleet: {@code --links} detectors, each its own gRPC channel and stream to one
 * sidekick ({@link SimulatedLink}), each sending {@code --rate} alerts a second at a phase of its
 * own plus a burst of {@code --burst} alerts once every {@code --burst-every} seconds. Phases, each
 * bounded in time:
 *
 * <ol>
 *   <li>links start spread over {@code --ramp} seconds (a DaemonSet rolling out); CONNECTED once
 *       every link had an ack;
 *   <li>{@code --warmup} seconds unmeasured, then MEASURE_START, {@code --duration} seconds, a
 *       RESULT line (acked alerts/s, ack latency from when each alert was due) and MEASURE_END;
 *   <li>with {@code --restart}: AWAIT_RESTART, then it waits (up to {@code --restart-timeout}) for
 *       the harness to kill and restart the sidekick and reports when the links were lost and when
 *       1, 50, 90, 99 and 100 % of them had an ack again, in epoch milliseconds, so the harness can
 *       compare them with when the sidekick answered again;
 *   <li>with {@code --spread-wait S} (several replicas): for S seconds after that, a SPREAD line
 *       every 10 s with how many links are on each replica now (the sidekicks' connection age
 *       moves links back onto the restarted one).
 * </ol>
 *
 * A STAT line every second: connected links, acked alerts, connection attempts, alerts waiting.
 */
public final class FleetLoad {

    public static void main(String[] args) throws Exception {
        // Several replicas, comma-separated: link i starts on replica i mod n, as a Service would
        // spread them; its later streams go to a random replica.
        List<String> targets = List.of(arg(args, "--sidekick", "127.0.0.1:2813").split(","));
        int links = Integer.parseInt(arg(args, "--links", "5000"));
        int rate = Integer.parseInt(arg(args, "--rate", "1"));
        int burst = Integer.parseInt(arg(args, "--burst", "10"));
        int burstEvery = Integer.parseInt(arg(args, "--burst-every", "60"));
        int rampSeconds = Integer.parseInt(arg(args, "--ramp", "10"));
        int warmup = Integer.parseInt(arg(args, "--warmup", "20"));
        int duration = Integer.parseInt(arg(args, "--duration", "60"));
        int connectTimeout = Integer.parseInt(arg(args, "--connect-timeout", "180"));
        boolean restart = List.of(args).contains("--restart");
        int restartTimeout = Integer.parseInt(arg(args, "--restart-timeout", "300"));
        // The replica the harness kills; its links are the ones watched. Default: all links.
        String restartTarget = arg(args, "--restart-target", "");
        // Every uuid acknowledged DURABLE, one a line, written at the end (for a loss check).
        String ackedFile = arg(args, "--acked-file", "");
        int spreadWait = Integer.parseInt(arg(args, "--spread-wait", "0"));

        // The detector's own link settings: window 1,024, backoff 200 ms doubling up to 30 s.
        LinkSettings settings = LinkSettings.plaintext(targets.getFirst());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("fleet-timer").daemon().unstarted(r));
        Recorder latency = new Recorder(3);
        FleetCounters counters = new FleetCounters(!ackedFile.isEmpty());
        List<SimulatedLink> fleet = new ArrayList<>(links);
        for (int i = 0; i < links; i++) {
            fleet.add(new SimulatedLink(targets, i, settings, timer, latency, counters));
        }
        for (int i = 0; i < links; i++) {
            SimulatedLink link = fleet.get(i);
            timer.schedule(link::connect, (long) i * rampSeconds * 1000 / links, TimeUnit.MILLISECONDS);
        }
        Thread producer =
                Thread.ofPlatform().name("fleet-alerts").daemon().start(() -> produce(fleet, rate, burst, burstEvery));
        Thread stats = Thread.ofPlatform().name("fleet-stats").daemon().start(() -> stats(fleet, counters));

        long t0 = System.currentTimeMillis();
        if (!await(() -> connected(fleet) == links, connectTimeout)) {
            throw new IllegalStateException(
                    "only " + connected(fleet) + " of " + links + " links connected in " + connectTimeout + " s");
        }
        say("CONNECTED ms=" + System.currentTimeMillis() + " seconds=" + (System.currentTimeMillis() - t0) / 1000.0);
        Thread.sleep(warmup * 1000L);
        latency.getIntervalHistogram(); // forget the warm-up
        long acked0 = counters.acked.sum();
        long attempts0 = counters.attempts.sum();
        long start = System.nanoTime();
        say("MEASURE_START ms=" + System.currentTimeMillis());
        Thread.sleep(duration * 1000L);
        Histogram h = latency.getIntervalHistogram();
        double seconds = (System.nanoTime() - start) / 1e9;
        say("MEASURE_END ms=" + System.currentTimeMillis());
        say(String.format(
                "RESULT links=%d connected=%d acked_per_s=%.0f p50_ms=%.1f p99_ms=%.1f p999_ms=%.1f max_ms=%.1f"
                        + " reconnects=%d dropped=%d rejected=%d",
                links,
                connected(fleet),
                (counters.acked.sum() - acked0) / seconds,
                h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3,
                counters.attempts.sum() - attempts0,
                counters.dropped.sum(),
                counters.rejected.sum()));
        if (restart) {
            restart(fleet, counters, latency, restartTimeout, restartTarget);
            spread(fleet, counters, spreadWait);
        }
        producer.interrupt();
        stats.interrupt();
        fleet.forEach(SimulatedLink::close);
        timer.shutdownNow();
        if (!ackedFile.isEmpty()) {
            Files.write(Path.of(ackedFile), counters.ackedUuids);
            say("ACKED count=" + counters.ackedUuids.size() + " file=" + ackedFile);
        }
        say("DONE");
        System.exit(0);
    }

    private static void restart(
            List<SimulatedLink> fleet, FleetCounters counters, Recorder latency, int timeoutSeconds, String target)
            throws InterruptedException {
        say("AWAIT_RESTART");
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000L;
        // The links on the replica to be killed, and how many streams each had lost before.
        List<SimulatedLink> watched = new ArrayList<>();
        Map<SimulatedLink, Integer> lostBefore = new HashMap<>();
        for (SimulatedLink l : fleet) {
            if (target.isEmpty() || l.target().equals(target)) {
                watched.add(l);
                lostBefore.put(l, l.streamsLost());
            }
        }
        int links = watched.size();
        // Lost: its stream ended since; back: lost, and acked again on a new stream (any replica).
        // A link that rolled over to another replica (the sidekicks' connection age) just before
        // the kill counts as lost too: it left the replica that is killed.
        // Latched: a link that left and later rolled over back onto the restarted replica stays lost.
        Set<SimulatedLink> left = ConcurrentHashMap.newKeySet();
        Predicate<SimulatedLink> lost = l -> left.contains(l)
                || ((l.streamsLost() > lostBefore.get(l)
                                || (!target.isEmpty() && !l.target().equals(target)))
                        && left.add(l));
        if (links == 0 || !await(() -> count(watched, lost) == links, 120)) {
            say("RESTART_RESULT error=links-not-lost watched=" + links + " lost=" + count(watched, lost));
            return;
        }
        long lostAt = System.currentTimeMillis();
        long attempts0 = counters.attempts.sum();
        say("LOST ms=" + lostAt + " links=" + links);
        Predicate<SimulatedLink> back = l -> lost.test(l) && l.connected();
        int[] marks = {1, links / 2, links * 9 / 10, links * 99 / 100, links};
        long[] at = new long[marks.length];
        int next = 0;
        long peakAttempts = 0;
        long lastAttempts = attempts0;
        long lastSecond = System.currentTimeMillis();
        while (next < marks.length && System.currentTimeMillis() < deadline) {
            int c = count(watched, back);
            long now = System.currentTimeMillis();
            while (next < marks.length && c >= Math.max(1, marks[next])) {
                at[next++] = now;
            }
            if (now - lastSecond >= 1000) {
                long a = counters.attempts.sum();
                peakAttempts = Math.max(peakAttempts, (a - lastAttempts) * 1000 / (now - lastSecond));
                lastAttempts = a;
                lastSecond = now;
            }
            Thread.sleep(20);
        }
        if (next < marks.length) {
            say("RESTART_RESULT error=timeout back=" + count(watched, back) + " of " + links);
            return;
        }
        Map<String, Integer> where = new TreeMap<>();
        watched.forEach(l -> where.merge(l.target(), 1, Integer::sum));
        say("BACK_ON " + where);
        long backlog = waiting(fleet);
        latency.getIntervalHistogram();
        // The backlog each link held is sent on its new stream: wait until it is down to the steady
        // state again (at most about one alert per link in flight).
        long drainedBy = -1;
        while (System.currentTimeMillis() < deadline) {
            if (waiting(fleet) <= fleet.size()) {
                drainedBy = System.currentTimeMillis();
                break;
            }
            Thread.sleep(100);
        }
        say(String.format(
                "RESTART_RESULT links=%d lost_ms=%d first_ms=%d half_ms=%d p90_ms=%d p99_ms=%d all_ms=%d drained_ms=%d"
                        + " backlog=%d attempts=%d peak_attempts_per_s=%d",
                links,
                lostAt,
                at[0],
                at[1],
                at[2],
                at[3],
                at[4],
                drainedBy,
                backlog,
                counters.attempts.sum() - attempts0,
                peakAttempts));
    }

    /** Where the links are, every 10 s for {@code seconds}: SPREAD lines. */
    private static void spread(List<SimulatedLink> fleet, FleetCounters counters, int seconds)
            throws InterruptedException {
        long start = System.currentTimeMillis();
        for (int t = 0; t <= seconds; t += 10) {
            Map<String, Integer> where = new TreeMap<>();
            fleet.forEach(l -> where.merge(l.target(), 1, Integer::sum));
            say("SPREAD ms=" + System.currentTimeMillis() + " after_s=" + (System.currentTimeMillis() - start) / 1000
                    + " rollovers=" + counters.rollovers.sum() + " connected=" + connected(fleet) + " " + where);
            if (t + 10 <= seconds) {
                Thread.sleep(10_000);
            }
        }
    }

    /** Every 10 ms, the links whose phase falls in that 10 ms slot send their second's alerts. */
    private static void produce(List<SimulatedLink> fleet, int rate, int burst, int burstEvery) {
        int slots = 100;
        List<List<Integer>> bySlot = new ArrayList<>();
        for (int s = 0; s < slots; s++) {
            bySlot.add(new ArrayList<>());
        }
        int[] burstSecond = new int[fleet.size()];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < fleet.size(); i++) {
            bySlot.get(random.nextInt(slots)).add(i);
            burstSecond[i] = random.nextInt(Math.max(1, burstEvery));
        }
        Alert template = TransportLoad.alert(0);
        List<Origin> origins = new ArrayList<>(fleet.size());
        for (int i = 0; i < fleet.size(); i++) {
            origins.add(Origin.newBuilder()
                    .setHostname("node-" + i)
                    .setNodeName("node-" + i)
                    .setDetectorVersion("fleet-sim")
                    .build());
        }
        long start = System.nanoTime();
        for (long tick = 0; !Thread.currentThread().isInterrupted(); tick++) {
            long wait = start + tick * 10_000_000L - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            long second = tick / slots;
            Instant now = Instant.now();
            Timestamp ts = Timestamp.newBuilder()
                    .setSeconds(now.getEpochSecond())
                    .setNanos(now.getNano())
                    .build();
            for (int i : bySlot.get((int) (tick % slots))) {
                int n = rate + (burstEvery > 0 && second % burstEvery == burstSecond[i] ? burst : 0);
                for (int k = 0; k < n; k++) {
                    fleet.get(i)
                            .offer(template.toBuilder()
                                    .setUuid(AlertMessage.newUuid())
                                    .setTime(ts)
                                    .setHostname(origins.get(i).getHostname())
                                    .setOrigin(origins.get(i))
                                    .build());
                }
            }
        }
    }

    private static void stats(List<SimulatedLink> fleet, FleetCounters c) {
        while (!Thread.currentThread().isInterrupted()) {
            say(String.format(
                    "STAT ms=%d connected=%d acked=%d sent=%d attempts=%d failures=%d waiting=%d dropped=%d"
                            + " retry_later=%d ack_timeouts=%d rollovers=%d on=%s",
                    System.currentTimeMillis(),
                    connected(fleet),
                    c.acked.sum(),
                    c.sent.sum(),
                    c.attempts.sum(),
                    c.failures.sum(),
                    waiting(fleet),
                    c.dropped.sum(),
                    c.retryLater.sum(),
                    c.ackTimeouts.sum(),
                    c.rollovers.sum(),
                    where(fleet)));
            fleet.forEach(SimulatedLink::checkAckDeadline);
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** How many links are on each replica now, as "target:count,...". */
    private static String where(List<SimulatedLink> fleet) {
        Map<String, Integer> where = new TreeMap<>();
        fleet.forEach(l -> where.merge(l.target(), 1, Integer::sum));
        StringBuilder out = new StringBuilder();
        where.forEach((t, n) ->
                out.append(out.isEmpty() ? "" : ",").append(t).append(':').append(n));
        return out.toString();
    }

    private static int connected(List<SimulatedLink> fleet) {
        int n = 0;
        for (SimulatedLink l : fleet) {
            n += l.connected() ? 1 : 0;
        }
        return n;
    }

    private static int count(List<SimulatedLink> links, Predicate<SimulatedLink> p) {
        int n = 0;
        for (SimulatedLink l : links) {
            n += p.test(l) ? 1 : 0;
        }
        return n;
    }

    private static long waiting(List<SimulatedLink> fleet) {
        long n = 0;
        for (SimulatedLink l : fleet) {
            n += l.waiting();
        }
        return n;
    }

    private interface Condition {
        boolean holds();
    }

    /** Polls every 20 ms for at most {@code seconds}. */
    private static boolean await(Condition c, int seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        while (!c.holds()) {
            if (System.currentTimeMillis() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
