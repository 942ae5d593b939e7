package io.rasd.verify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.rasd.model.Logits;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every row of a verified tree is drawn in one batched call ({@link TokenSampler#sampleRows}), each with the uniform
 * of its depth ({@link Uniforms}): a row's draw does not depend on the rows beside it, the draws follow each row's
 * distribution, and a seeded walk through any tree emits exactly what one-token-at-a-time sampling emits.
 */
class BatchedSamplingTest {

    private static final int VOCAB = 6;
    private static NDManager manager;

    @BeforeAll
    static void init() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** A fixed, prefix-dependent logits row, peaked enough that trees are often accepted several deep. */
    private static float[] logitsAfter(int[] prefix) {
        float[] row = new float[VOCAB];
        long h = Arrays.hashCode(prefix) * 0x9E3779B97F4A7C15L;
        for (int t = 0; t < VOCAB; t++) {
            h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L;
            row[t] = (float) (((h >>> 11) & 0xFFFF) / 65536.0 * 4);
        }
        return row;
    }

    private static final SamplingParams[] PARAMS = {
        new SamplingParams(1, 0, 1),
        new SamplingParams(0.7, 3, 1),
        new SamplingParams(1.3, 0, 0.8),
        new SamplingParams(0.9, 4, 0.6),
        SamplingParams.GREEDY
    };

    @Test
    void aRowDrawsTheSameTokenAloneAsInABatch() {
        SplittableRandom rng = new SplittableRandom(17);
        int rows = 32;
        int vocab = 4096;
        float[] all = new float[rows * vocab];
        for (int i = 0; i < all.length; i++) {
            all[i] = (float) (rng.nextGaussian() * 3);
        }
        for (SamplingParams p : PARAMS) {
            for (int trial = 0; trial < 20; trial++) {
                double[] u = new double[rows];
                for (int r = 0; r < rows; r++) {
                    u[r] = rng.nextDouble();
                }
                try (NDManager sm = manager.newSubManager()) {
                    int[] batch = TokenSampler.sampleRows(sm.create(all, new Shape(rows, vocab)), p, u);
                    for (int r = 0; r < rows; r++) {
                        float[] one = Arrays.copyOfRange(all, r * vocab, (r + 1) * vocab);
                        int alone =
                                TokenSampler.sampleRows(sm.create(one, new Shape(1, vocab)), p, new double[] {u[r]})[0];
                        assertThat(batch[r]).as("row %d with %s", r, p).isEqualTo(alone);
                    }
                }
            }
        }
    }

    @Test
    void batchedDrawsFollowEachRowsDistributionAfterTopKAndTopP() {
        // row 0: probabilities 0.5, 0.25, 0.125, 0.0625, 0.0625, 0 (almost); row 1: the same, reversed
        float[] p0 = {0.5f, 0.25f, 0.125f, 0.0625f, 0.0625f, 1e-9f};
        float[] rows = new float[2 * VOCAB];
        for (int t = 0; t < VOCAB; t++) {
            rows[t] = (float) Math.log(p0[t]);
            rows[VOCAB + t] = (float) Math.log(p0[VOCAB - 1 - t]);
        }
        int n = 20000;
        SplittableRandom rng = new SplittableRandom(5);
        // top-p 0.7 keeps the two best of each row (0.75), renormalised to 2/3 and 1/3
        SamplingParams p = new SamplingParams(1, 0, 0.7);
        int[][] h = new int[2][VOCAB];
        try (NDManager sm = manager.newSubManager()) {
            NDArray logits = sm.create(rows, new Shape(2, VOCAB));
            for (int i = 0; i < n; i++) {
                int[] drawn = TokenSampler.sampleRows(logits, p, new double[] {rng.nextDouble(), rng.nextDouble()});
                h[0][drawn[0]]++;
                h[1][drawn[1]]++;
            }
        }
        double sd = Math.sqrt(n * (2 / 3.0) * (1 / 3.0));
        assertThat((double) h[0][0]).isCloseTo(n * 2 / 3.0, org.assertj.core.data.Offset.offset(5 * sd));
        assertThat(h[0][0] + h[0][1]).isEqualTo(n);
        assertThat((double) h[1][VOCAB - 1]).isCloseTo(n * 2 / 3.0, org.assertj.core.data.Offset.offset(5 * sd));
        assertThat(h[1][VOCAB - 1] + h[1][VOCAB - 2]).isEqualTo(n);
    }

    private static int[] append(int[] a, int t) {
        int[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = t;
        return out;
    }

    /** Verifies {@code tree} after {@code context}, each node's logits row computed from its own prefix. */
    private static Acceptance verify(TokenTree tree, int[] context, SamplingParams p, Uniforms uniforms) {
        float[] all = new float[tree.size() * VOCAB];
        int[][] prefix = new int[tree.size()][];
        for (int node = 0; node < tree.size(); node++) {
            int parent = tree.parent(node);
            prefix[node] = parent < 0 ? context : append(prefix[parent], tree.token(node));
            System.arraycopy(logitsAfter(prefix[node]), 0, all, node * VOCAB, VOCAB);
        }
        NDManager step = manager.newSubManager();
        try (Logits logits = Logits.of(step, step.create(all, new Shape(tree.size(), VOCAB)))) {
            return TreeVerifier.verify(tree, logits, p, uniforms);
        }
    }

    private static int[] generate(int steps, long seed, SamplingParams p, boolean speculate, int[] acceptedTotal) {
        SplittableRandom trees = new SplittableRandom(seed * 31);
        Uniforms uniforms = new Uniforms(new SplittableRandom(seed));
        List<Integer> out = new ArrayList<>(List.of(1));
        while (out.size() < steps) {
            int[] context = out.stream().mapToInt(Integer::intValue).toArray();
            TokenTree tree = new TokenTree(context[context.length - 1]);
            if (speculate) {
                // a few random paths, and the path the target itself likes best, so that some get accepted
                for (int i = 0; i < 3; i++) {
                    int[] path = new int[1 + trees.nextInt(4)];
                    for (int j = 0; j < path.length; j++) {
                        path[j] = trees.nextInt(VOCAB);
                    }
                    tree.insert(path, 0.5, TokenOrigin.DRAFT);
                }
                int[] likely = new int[3];
                int[] prefix = context;
                for (int j = 0; j < likely.length; j++) {
                    float[] row = logitsAfter(prefix);
                    int best = 0;
                    for (int t = 1; t < VOCAB; t++) {
                        best = row[t] > row[best] ? t : best;
                    }
                    likely[j] = best;
                    prefix = append(prefix, best);
                }
                tree.insert(likely, 0.9, TokenOrigin.PLD);
            }
            Acceptance a = verify(tree, context, p, uniforms);
            acceptedTotal[0] += a.acceptedCount();
            for (int node : a.acceptedNodes()) {
                out.add(tree.token(node));
            }
            out.add(a.bonusToken());
        }
        return out.subList(0, steps).stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void aSeededWalkThroughAnyTreeEmitsWhatPlainSamplingEmits() {
        int[] accepted = {0};
        for (SamplingParams p : PARAMS) {
            for (long seed = 1; seed <= 8; seed++) {
                int[] plain = generate(40, seed, p, false, new int[1]);
                int[] tree = generate(40, seed, p, true, accepted);
                assertThat(tree).as("seed %d, %s", seed, p).containsExactly(plain);
            }
        }
        // the trees did their job: many tokens came from accepted proposals, so rows past the root were used
        assertThat(accepted[0]).isGreaterThan(200);
    }

    @Test
    void uniformsPeekedAheadAreHandedOutInOrder() {
        SplittableRandom direct = new SplittableRandom(3);
        Uniforms u = new Uniforms(new SplittableRandom(3));
        SplittableRandom steps = new SplittableRandom(4);
        for (int i = 0; i < 200; i++) {
            int look = steps.nextInt(40);
            double[] ahead = new double[look];
            for (int j = look - 1; j >= 0; j--) {
                ahead[j] = u.peek(j); // out of order on purpose
            }
            int used = look == 0 ? 0 : steps.nextInt(look + 1);
            u.consume(used);
            for (int j = 0; j < used; j++) {
                assertThat(ahead[j]).isEqualTo(direct.nextDouble());
            }
        }
    }
}
