package io.rasd.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rasd.RasdException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {

    static NDManager manager;
    // probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625 (logits are their logs)
    static final float[] LOGITS = {
        (float) Math.log(0.25),
        (float) Math.log(0.5),
        (float) Math.log(0.0625),
        (float) Math.log(0.125),
        (float) Math.log(0.0625)
    };

    @BeforeAll
    static void init() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static int[] histogram(SamplingParams p, int draws, long seed) {
        int[] h = new int[LOGITS.length];
        SplittableRandom rng = new SplittableRandom(seed);
        try (NDManager sm = manager.newSubManager()) {
            NDArray row = sm.create(LOGITS);
            for (int i = 0; i < draws; i++) {
                h[TokenSampler.sample(row, p, rng.nextDouble())]++;
            }
        }
        return h;
    }

    @Test
    void greedyPicksTheArgmax() {
        assertThat(histogram(SamplingParams.GREEDY, 10, 1)).containsExactly(0, 10, 0, 0, 0);
    }

    @Test
    void temperatureOneFollowsTheSoftmax() {
        int n = 20000;
        int[] h = histogram(new SamplingParams(1, 0, 1), n, 3);
        double[] expected = {0.25, 0.5, 0.0625, 0.125, 0.0625};
        for (int i = 0; i < h.length; i++) {
            // 5 standard deviations of a binomial: fails by chance with probability < 1e-6
            double sd = Math.sqrt(n * expected[i] * (1 - expected[i]));
            assertThat((double) h[i]).isCloseTo(n * expected[i], org.assertj.core.data.Offset.offset(5 * sd));
        }
    }

    @Test
    void topKKeepsOnlyTheKBestTokens() {
        int[] h = histogram(new SamplingParams(1, 2, 1), 5000, 5);
        assertThat(h[2]).isZero();
        assertThat(h[3]).isZero();
        assertThat(h[4]).isZero();
        assertThat(h[0] + h[1]).isEqualTo(5000);
    }

    @Test
    void topPKeepsTheSmallestSetReachingTheMass() {
        // sorted: 0.5 (id1), 0.25 (id0), 0.125 (id3), ... ; p = 0.7 needs ids 1 and 0 (0.75)
        int[] h = histogram(new SamplingParams(1, 0, 0.7), 5000, 9);
        assertThat(h[2] + h[3] + h[4]).isZero();
        assertThat(h[1]).isGreaterThan(h[0]);
    }

    @Test
    void sameSeedGivesTheSameDraws() {
        SamplingParams p = new SamplingParams(0.8, 4, 0.95);
        assertThat(histogram(p, 200, 11)).containsExactly(histogram(p, 200, 11));
    }

    @Test
    void invalidParametersAreRejectedWithTheirName() {
        assertThatThrownBy(() -> new SamplingParams(Double.NaN, 0, 1))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(-1, 0, 1)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> new SamplingParams(1, -2, 1)).hasMessageContaining("top-k");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> new SamplingParams(1, 0, 1.5)).hasMessageContaining("top-p");
    }
}
