package dev.peregrine.detector.anomaly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The statistical half of a profile: the event counts per type of the windows seen while learning,
 * and, once frozen, an isolation forest over them plus the learnt maxima of the exec and connect
 * rates. A window is a vector of log(1 + count) per learnt event type, so a factor of two weighs
 * the same for a rare type as for a frequent one.
 */
final class WindowBaseline {
    /** Learnt windows, full slot arrays; a reservoir sample once there are more than the cap. */
    final List<int[]> training = new ArrayList<>();
    /** Windows offered for learning so far (for the reservoir). */
    long offered;

    int[] dims = new int[0];
    IsolationForest forest;
    double[] mean = new double[0];
    double[] spread = new double[0];
    long maxExec, maxConnect;
    /** Slots counted in some learnt window: another one appearing later is a new syscall type. */
    boolean[] learnt = new boolean[EventSlots.COUNT];

    void learn(int[] counts, int cap, SplittableRandom random) {
        offered++;
        if (training.size() < cap) {
            training.add(counts.clone());
        } else {
            long j = random.nextLong(offered);
            if (j < cap) training.set((int) j, counts.clone());
        }
    }

    /** Builds what scoring needs from the learnt windows; no forest with fewer than {@code minWindows}. */
    void freeze(AnomalySettings s, long seed) {
        Arrays.fill(learnt, false);
        maxExec = maxConnect = 0;
        for (int[] w : training) {
            for (int i = 0; i < w.length; i++) learnt[i] |= w[i] > 0;
            maxExec = Math.max(maxExec, w[EventSlots.EXEC_SLOT]);
            maxConnect = Math.max(maxConnect, w[EventSlots.CONNECT_SLOT]);
        }
        dims = IntStream.range(0, EventSlots.COUNT)
                .filter(i -> learnt[i] || i == EventSlots.EXEC_SLOT || i == EventSlots.CONNECT_SLOT)
                .toArray();
        forest = null;
        if (training.size() < Math.max(2, s.minTrainingWindows())) return;
        double[][] data = training.stream().map(this::vector).toArray(double[][]::new);
        forest = IsolationForest.train(data, s.trees(), s.sampleSize(), s.margin(), seed);
        mean = new double[dims.length];
        spread = new double[dims.length];
        for (int d = 0; d < dims.length; d++) {
            double sum = 0, sq = 0;
            for (double[] v : data) {
                sum += v[d];
                sq += v[d] * v[d];
            }
            mean[d] = sum / data.length;
            spread[d] = Math.sqrt(Math.max(0, sq / data.length - mean[d] * mean[d]));
        }
    }

    double[] vector(int[] counts) {
        double[] v = new double[dims.length];
        for (int d = 0; d < dims.length; d++) v[d] = Math.log1p(counts[dims[d]]);
        return v;
    }

    /** The isolation-forest score of a window, or NaN when there is no forest. */
    double score(int[] counts) {
        return forest == null ? Double.NaN : forest.score(vector(counts));
    }

    /** The event types that moved the most against the learnt windows, for the explanation. */
    String explain(int[] counts) {
        double[] v = vector(counts);
        Integer[] order = IntStream.range(0, dims.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(d -> -Math.abs(v[d] - mean[d]) / (spread[d] + 0.35)));
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(3, order.length); i++) {
            int d = order[i];
            if (i > 0) sb.append(", ");
            sb.append(EventSlots.name(dims[d]))
                    .append(' ')
                    .append(counts[dims[d]])
                    .append(" (usual ")
                    .append(Math.round(Math.expm1(mean[d])))
                    .append(')');
        }
        return sb.toString();
    }

    void clear() {
        training.clear();
        offered = 0;
        dims = new int[0];
        forest = null;
        Arrays.fill(learnt, false);
    }
}
