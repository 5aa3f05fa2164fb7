package dev.peregrine.sidekick.fleet;

import java.time.Instant;

/**
 * One detector as the sidekick knows it, from its status reports and its alerts.
 *
 * @param id how the fleet tells detectors apart: cluster/node/hostname
 * @param lastSeen its last status report or alert
 * @param connected whether its stream to this sidekick (or, in Kafka mode, to another replica) is open
 * @param replica which sidekick replica its stream is open to, in Kafka mode; null otherwise or
 *     when none
 * @param down silent for longer than peregrine.ui.detectors.down-after (an alert said so)
 * @param eventsPerSecond kernel events read per second, between its last two reports
 * @param kernelDrops events the kernel dropped since it started
 * @param spoolAlerts alerts waiting in its node spool
 * @param statusAt its last status report's time, null before the first
 */
public record Detector(
        String id,
        String hostname,
        String node,
        String cluster,
        String version,
        int rulesLoaded,
        Instant started,
        Instant lastSeen,
        boolean connected,
        String replica,
        boolean down,
        double eventsPerSecond,
        long kernelDrops,
        long spoolAlerts,
        long spoolBytes,
        Instant statusAt) {}
