package dev.peregrine.detector.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IsolationForestTest {
    /** 300 points around (5, 5, 2) with a spread of about 0.3. */
    static double[][] cluster(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] data = new double[300][];
        for (int i = 0; i < data.length; i++) {
            data[i] = new double[] {5 + r.nextGaussian() * 0.3, 5 + r.nextGaussian() * 0.3, 2};
        }
        return data;
    }

    @Test
    void pointsLikeTheTrainingDataScoreLowAndOutliersHigh() {
        IsolationForest f = IsolationForest.train(cluster(1), 100, 256, 0.7, 42);
        double inside = f.score(new double[] {5, 5, 2});
        double outside = f.score(new double[] {9, 1, 2});
        assertThat(inside).isLessThan(0.5);
        assertThat(outside).isGreaterThan(0.7);
        // Scores of fresh points from the same distribution stay low on average.
        double sum = 0;
        for (double[] p : cluster(2)) sum += f.score(p);
        assertThat(sum / 300).isLessThan(0.5);
    }

    @Test
    void aFeatureThatNeverVariedStillIsolatesAPointThatMovesIt() {
        IsolationForest f = IsolationForest.train(cluster(1), 100, 256, 0.7, 42);
        assertThat(f.score(new double[] {5, 5, 2})).isLessThan(0.5);
        // The third feature was 2 in every training point; 4 is beyond the margin.
        assertThat(f.score(new double[] {5, 5, 4})).isGreaterThan(0.6);
    }

    @Test
    void theForestIsAFunctionOfDataAndSeed() {
        double[] x = {6, 4.5, 2.1};
        assertThat(IsolationForest.train(cluster(1), 50, 64, 0.7, 7).score(x))
                .isEqualTo(IsolationForest.train(cluster(1), 50, 64, 0.7, 7).score(x));
    }

    @Test
    void fewTrainingPointsStillMakeAForest() {
        double[][] data = {{1, 1}, {1.1, 0.9}, {0.9, 1.0}, {1.0, 1.1}};
        IsolationForest f = IsolationForest.train(data, 100, 256, 0.2, 1);
        assertThat(f.score(new double[] {5, 5})).isGreaterThan(f.score(new double[] {1, 1}));
    }

    @Test
    @org.junit.jupiter.api.Timeout(10)
    void treesThatOutgrowTheirFirstArraysStillScore() {
        // A wide margin puts most cuts outside the data: many empty nodes, arrays regrown mid-tree.
        IsolationForest f = IsolationForest.train(cluster(1), 20, 256, 100, 3);
        double s = f.score(new double[] {5, 5, 2});
        assertThat(s).isBetween(0.0, 1.0);
    }

    @Test
    void averagePathLengthIsTheBinarySearchTreeFormula() {
        assertThat(IsolationForest.averagePathLength(1)).isZero();
        assertThat(IsolationForest.averagePathLength(2)).isEqualTo(1);
        // c(256) = 2 H(255) - 2 * 255/256 ≈ 10.24
        assertThat(IsolationForest.averagePathLength(256)).isBetween(10.2, 10.3);
    }

    @Test
    void aPointOfOtherDimensionsIsRefused() {
        IsolationForest f = IsolationForest.train(cluster(1), 10, 16, 0.7, 1);
        assertThatThrownBy(() -> f.score(new double[] {1, 2})).isInstanceOf(IllegalArgumentException.class);
    }
}
