package dev.peregrine.detector.anomaly;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Isolation forest (Liu, Ting and Zhou, ICDM 2008): random trees that cut random features at
 * random values; a point that is cut off from the others in few steps is anomalous. The score is
 * {@code 2^(-E[h(x)] / c(psi))}: about 0.5 or less for points like the training data, towards 1
 * for points unlike it.
 *
 * <p>Written here rather than taken from a library: Smile has one but is GPL-3.0 from version 3,
 * Tribuo (Apache-2.0) has none, LinkedIn's (BSD) runs on Spark, and AWS's Random Cut Forest
 * (Apache-2.0) is a different, streaming algorithm with its own score scale and serialisation. The
 * algorithm is this one class; the forest is rebuilt from the training windows a profile keeps,
 * so nothing but those windows is ever persisted.
 *
 * <p>One change to the textbook algorithm: a cut value is drawn from the node's range widened by
 * {@code margin} on both sides, so a feature that never varied during learning can still be cut
 * and a window that moves it by more than the margin is isolated. Without that, a syscall type
 * counted at the same rate in every learning window could never take part in a score. And a point
 * beyond that widened range at a node is isolated there: in the textbook forest a point far
 * outside the training data follows the most extreme training point down the tree, so its score
 * can never exceed that point's, however far out it lies.
 */
public final class IsolationForest {
    /** Per tree, nodes in preorder: feature (-1 for a leaf), cut value, right child, leaf size. */
    private final int[][] feature;

    private final double[][] cut;
    /** Per internal node: the range of its feature over the node's points, widened by the margin. */
    private final double[][] low, high;

    private final int[][] right;
    private final int[][] size;
    private final int dimensions;
    private final double normaliser;

    private IsolationForest(int trees, int dimensions, double normaliser) {
        feature = new int[trees][];
        cut = new double[trees][];
        low = new double[trees][];
        high = new double[trees][];
        right = new int[trees][];
        size = new int[trees][];
        this.dimensions = dimensions;
        this.normaliser = normaliser;
    }

    /**
     * @param data training points, all of one dimension
     * @param trees number of trees (100 in the paper)
     * @param sampleSize points per tree, psi (256 in the paper); fewer when there is less data
     * @param margin how far beyond a node's range a cut may fall, in the features' units
     * @param seed the forest is a function of the data and the seed alone
     */
    public static IsolationForest train(double[][] data, int trees, int sampleSize, double margin, long seed) {
        if (data.length == 0) throw new IllegalArgumentException("no training data");
        int dims = data[0].length;
        int psi = Math.min(sampleSize, data.length);
        IsolationForest f = new IsolationForest(trees, dims, averagePathLength(psi));
        SplittableRandom random = new SplittableRandom(seed);
        int heightLimit = (int) Math.ceil(Math.log(Math.max(psi, 2)) / Math.log(2));
        for (int t = 0; t < trees; t++) {
            int[] sample = sample(data.length, psi, random);
            Builder b = new Builder(data, margin, heightLimit, random, 2 * psi);
            b.grow(sample, 0, sample.length, 0);
            f.feature[t] = Arrays.copyOf(b.feature, b.count);
            f.cut[t] = Arrays.copyOf(b.cut, b.count);
            f.low[t] = Arrays.copyOf(b.low, b.count);
            f.high[t] = Arrays.copyOf(b.high, b.count);
            f.right[t] = Arrays.copyOf(b.right, b.count);
            f.size[t] = Arrays.copyOf(b.size, b.count);
        }
        return f;
    }

    public int dimensions() {
        return dimensions;
    }

    /** The anomaly score of {@code x}, in (0, 1]. */
    public double score(double[] x) {
        if (x.length != dimensions)
            throw new IllegalArgumentException(x.length + " features, trained on " + dimensions);
        double total = 0;
        for (int t = 0; t < feature.length; t++) {
            int[] fe = feature[t];
            int node = 0;
            int depth = 0;
            double leafSize = -1;
            while (fe[node] >= 0) {
                double v = x[fe[node]];
                depth++;
                if (v < low[t][node] || v > high[t][node]) {
                    leafSize = 0; // beyond every cut this node could make: isolated here
                    break;
                }
                node = v < cut[t][node] ? node + 1 : right[t][node];
            }
            total += depth + (leafSize == 0 ? 0 : averagePathLength(size[t][node]));
        }
        return Math.pow(2, -(total / feature.length) / normaliser);
    }

    /** c(n): the average path length of an unsuccessful search in a binary search tree of n points. */
    static double averagePathLength(int n) {
        if (n <= 1) return 0;
        if (n == 2) return 1;
        double harmonic = Math.log(n - 1) + 0.5772156649;
        return 2 * harmonic - 2.0 * (n - 1) / n;
    }

    private static int[] sample(int n, int k, SplittableRandom random) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        return Arrays.copyOf(all, k);
    }

    /** Grows one tree into flat arrays, left child right after its parent. */
    private static final class Builder {
        final double[][] data;
        final double margin;
        final int heightLimit;
        final SplittableRandom random;
        int[] feature;
        double[] cut, low, high;
        int[] right;
        int[] size;
        int count;

        Builder(double[][] data, double margin, int heightLimit, SplittableRandom random, int capacity) {
            this.data = data;
            this.margin = margin;
            this.heightLimit = heightLimit;
            this.random = random;
            feature = new int[capacity];
            cut = new double[capacity];
            low = new double[capacity];
            high = new double[capacity];
            right = new int[capacity];
            size = new int[capacity];
        }

        int grow(int[] idx, int from, int to, int depth) {
            int node = add();
            int n = to - from;
            if (depth >= heightLimit || n <= 1) {
                leaf(node, n);
                return node;
            }
            int dims = data[0].length;
            int f = random.nextInt(dims);
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (int i = from; i < to; i++) {
                double v = data[idx[i]][f];
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            double lo = min - margin, hi = max + margin;
            if (!(hi > lo)) {
                leaf(node, n);
                return node;
            }
            double c = lo + random.nextDouble() * (hi - lo);
            int mid = from;
            for (int i = from; i < to; i++) {
                if (data[idx[i]][f] < c) {
                    int tmp = idx[mid];
                    idx[mid++] = idx[i];
                    idx[i] = tmp;
                }
            }
            feature[node] = f;
            cut[node] = c;
            low[node] = lo;
            high[node] = hi;
            grow(idx, from, mid, depth + 1);
            // Not "right[node] = grow(...)": Java would pick the array before grow() may replace it.
            int r = grow(idx, mid, to, depth + 1);
            right[node] = r;
            return node;
        }

        private int add() {
            if (count == feature.length) {
                int n = count * 2;
                feature = Arrays.copyOf(feature, n);
                cut = Arrays.copyOf(cut, n);
                low = Arrays.copyOf(low, n);
                high = Arrays.copyOf(high, n);
                right = Arrays.copyOf(right, n);
                size = Arrays.copyOf(size, n);
            }
            return count++;
        }

        private void leaf(int node, int n) {
            feature[node] = -1;
            size[node] = n;
        }
    }
}
