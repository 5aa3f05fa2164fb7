package dev.peregrine.detector.anomaly;

import dev.peregrine.detector.event.ContainerInfo;
import dev.peregrine.detector.event.ProcessInfo;
import dev.peregrine.detector.event.UserInfo;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What one workload was seen doing: the learnt sets, the learnt windows and the window being
 * counted. Learning until frozen, then compared against. Owned by the event thread.
 */
final class Profile {
    /** Items reported as new, kept so that each is reported once; bounded like a learnt set. */
    static final int MAX_REPORTED = 1_000;

    final String key;
    boolean learning = true;
    long learningStartedNs;
    long frozenNs;
    long events;
    long lastSeenNs;
    final ItemSet[] sets = new ItemSet[AnomalyKind.SYSCALL.ordinal() + 1];
    /** "kind item" → when first reported (epoch ns). */
    final Map<String, Long> reported = new LinkedHashMap<>();

    final WindowBaseline windows = new WindowBaseline();
    /** The window being counted: events per slot, and when it ends (epoch ns; 0 before the first event). */
    final int[] window = new int[EventSlots.COUNT];

    long windowEndNs;
    int windowEvents;
    /** The last process seen in the window, for the context fields of a window's anomaly. */
    ProcessInfo lastProc;

    UserInfo lastUser;
    ContainerInfo lastContainer;
    /**
     * Capability sets already checked (the whole {@code capEffective} string, whose hash the
     * string keeps): a process switch then costs one lookup, not a split. Bounded.
     */
    final Set<String> capSetsChecked = new HashSet<>();
    /** The uid checked last, and the path written last: a repeat needs no set lookup. */
    long lastUid = Long.MIN_VALUE;

    String lastWritten;
    /**
     * Learnt parent -> child execs by parent, filled as they are checked: a known pair is found
     * without building its "parent -> child" string. Never larger than the learnt set.
     */
    final Map<String, Set<String>> learntExecsByParent = new HashMap<>();

    /** Per kind: the minute (epoch ns / 60 s) of the alerts counted in {@link #alertsInMinute}. */
    final long[] alertMinute = new long[AnomalyKind.values().length];

    final int[] alertsInMinute = new int[AnomalyKind.values().length];
    /** Changed since last saved. */
    boolean dirty = true;

    Profile(String key, int maxItems, long startedNs) {
        this.key = key;
        this.learningStartedNs = startedNs;
        for (int i = 0; i < sets.length; i++) sets[i] = new ItemSet(maxItems);
    }

    ItemSet set(AnomalyKind k) {
        return sets[k.ordinal()];
    }

    /** The learnt items of all sets, for explanations ("learnt 12 executables"). */
    int learntCount(AnomalyKind k) {
        return k.isSet() ? set(k).size() : windows.training.size();
    }

    /** Back to learning from scratch. */
    void reset(long nowNs) {
        learning = true;
        learningStartedNs = nowNs;
        frozenNs = 0;
        events = 0;
        for (ItemSet s : sets) s.clear();
        reported.clear();
        windows.clear();
        capSetsChecked.clear();
        learntExecsByParent.clear();
        lastUid = Long.MIN_VALUE;
        lastWritten = null;
        dirty = true;
    }
}
