package dev.peregrine.detector.anomaly;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How the behaviour model learns and judges. {@link #defaults()} are what {@code run --anomaly}
 * uses; {@link AnomalySettingsFile} reads overrides from the detector's configuration.
 *
 * @param learning how long a profile learns before it is frozen and compared against
 * @param learningMinEvents events a profile must have seen before it is frozen, however long it learnt
 * @param window length of the windows whose statistics are scored
 * @param threshold isolation-forest score at or above which a window is an anomaly
 * @param rateFactor a rate (execs, connects per window) is an anomaly above this times the learnt maximum,
 * @param rateSlack and at least this much above it
 * @param minTrainingWindows learnt windows needed before windows are scored at all
 * @param maxTrainingWindows learnt windows kept per profile (a reservoir sample beyond that)
 * @param trees trees of the isolation forest
 * @param sampleSize points per tree
 * @param margin how far (in log units: 1.0 is a factor of e, 2.7) a cut may fall outside the learnt range
 * @param maxProfiles profiles held in memory; the least recently seen is saved and dropped beyond it
 * @param maxItems items per learnt set; a full set stops learning and never reports (it cannot tell)
 * @param writeDepth directories of a written path that make its learnt prefix (2: /var/log)
 * @param sensitivePaths path prefixes whose reads are learnt one by one
 * @param alertsPerMinute anomaly alerts per profile and kind per minute; more are counted, not sent
 * @param relearn null for never; else an item reported again this long after its first report
 *     joins the baseline, and normal windows keep feeding the forest, retrained this often
 * @param keyBy what makes a workload's identity
 * @param directory where profiles are saved; null keeps them in memory only
 * @param saveInterval how often changed profiles are written
 */
public record AnomalySettings(
        Duration learning,
        long learningMinEvents,
        Duration window,
        double threshold,
        double rateFactor,
        long rateSlack,
        int minTrainingWindows,
        int maxTrainingWindows,
        int trees,
        int sampleSize,
        double margin,
        int maxProfiles,
        int maxItems,
        int writeDepth,
        List<String> sensitivePaths,
        int alertsPerMinute,
        Duration relearn,
        WorkloadKey.KeyBy keyBy,
        Path directory,
        Duration saveInterval) {

    /** Files whose every read is worth learning: credentials, keys and secrets. */
    public static final List<String> SENSITIVE_PATHS = List.of(
            "/etc/shadow",
            "/etc/gshadow",
            "/etc/sudoers",
            "/etc/security/",
            "/etc/ssl/private/",
            "/etc/kubernetes/",
            "/root/.ssh/",
            "/root/.aws/",
            "/root/.kube/",
            "/root/.docker/",
            "/root/.gnupg/",
            "/home/",
            "/var/run/secrets/",
            "/run/secrets/");

    public AnomalySettings {
        sensitivePaths = List.copyOf(sensitivePaths);
    }

    public static AnomalySettings defaults() {
        return new AnomalySettings(
                Duration.ofHours(1),
                1_000,
                Duration.ofSeconds(10),
                0.70,
                3.0,
                10,
                6,
                512,
                100,
                256,
                1.0,
                512,
                1_000,
                2,
                SENSITIVE_PATHS,
                5,
                null,
                WorkloadKey.KeyBy.WORKLOAD,
                Path.of("var/detector-profiles"),
                Duration.ofSeconds(60));
    }

    public AnomalySettings withLearning(Duration v) {
        return new AnomalySettings(
                v,
                learningMinEvents,
                window,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                relearn,
                keyBy,
                directory,
                saveInterval);
    }

    public AnomalySettings withLearningMinEvents(long v) {
        return new AnomalySettings(
                learning,
                v,
                window,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                relearn,
                keyBy,
                directory,
                saveInterval);
    }

    public AnomalySettings withWindow(Duration v) {
        return new AnomalySettings(
                learning,
                learningMinEvents,
                v,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                relearn,
                keyBy,
                directory,
                saveInterval);
    }

    public AnomalySettings withThreshold(double v) {
        return new AnomalySettings(
                learning,
                learningMinEvents,
                window,
                v,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                relearn,
                keyBy,
                directory,
                saveInterval);
    }

    public AnomalySettings withRelearn(Duration v) {
        return new AnomalySettings(
                learning,
                learningMinEvents,
                window,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                v,
                keyBy,
                directory,
                saveInterval);
    }

    public AnomalySettings withDirectory(Path v) {
        return new AnomalySettings(
                learning,
                learningMinEvents,
                window,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                relearn,
                keyBy,
                v,
                saveInterval);
    }

    public AnomalySettings withAlertsPerMinute(int v) {
        return new AnomalySettings(
                learning,
                learningMinEvents,
                window,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                maxProfiles,
                maxItems,
                writeDepth,
                sensitivePaths,
                v,
                relearn,
                keyBy,
                directory,
                saveInterval);
    }
    /** For tests of eviction and loading on demand. */
    AnomalySettings withMaxProfilesForTest(int v) {
        return new AnomalySettings(
                learning,
                learningMinEvents,
                window,
                threshold,
                rateFactor,
                rateSlack,
                minTrainingWindows,
                maxTrainingWindows,
                trees,
                sampleSize,
                margin,
                v,
                maxItems,
                writeDepth,
                sensitivePaths,
                alertsPerMinute,
                relearn,
                keyBy,
                directory,
                saveInterval);
    }
}
