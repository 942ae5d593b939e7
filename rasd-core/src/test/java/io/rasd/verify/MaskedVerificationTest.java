package io.rasd.verify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.rasd.model.Logits;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Constrained verification on hand-built probabilities (no model): the target's choice at a node is made among the
 * tokens the mask allows there, greedy or sampled, whatever the tree proposes; a proposal the mask forbids is never
 * accepted, so correctness does not depend on the engine pruning it first.
 */
class MaskedVerificationTest {

    static NDManager manager;
    // probabilities 0.25, 0.5, 0.0625, 0.125, 0.0625 (logits are their logs)
    static final float[] ROW = {
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

    /** The same mask at every node. */
    static TokenMask everywhere(IntPredicate allowed) {
        return new TokenMask() {
            @Override
            public boolean allows(int node, int token) {
                return allowed.test(token);
            }

            @Override
            public int[] allowedIds(int node) {
                return java.util.stream.IntStream.range(0, ROW.length)
                        .filter(allowed)
                        .toArray();
            }
        };
    }

    static Acceptance verify(TokenTree tree, SamplingParams p, SplittableRandom rng, TokenMask mask) {
        float[] rows = new float[tree.size() * ROW.length];
        for (int r = 0; r < tree.size(); r++) {
            System.arraycopy(ROW, 0, rows, r * ROW.length, ROW.length);
        }
        NDManager step = manager.newSubManager();
        try (Logits logits =
                Logits.of(step, step.create(rows, new ai.djl.ndarray.types.Shape(tree.size(), ROW.length)))) {
            return TreeVerifier.verify(tree, logits, p, new Uniforms(rng), mask);
        }
    }

    @Test
    void greedyTakesTheBestAllowedTokenAndNeverEntersAForbiddenProposal() {
        TokenTree tree = new TokenTree(7);
        tree.insert(new int[] {1, 1}, 0.9, TokenOrigin.DRAFT); // the unmasked argmax, twice: forbidden below
        tree.insert(new int[] {0, 1}, 0.5, TokenOrigin.PLD);
        Acceptance a = verify(tree, SamplingParams.GREEDY, new SplittableRandom(1), everywhere(t -> t != 1));
        assertThat(a.acceptedCount()).isEqualTo(1);
        assertThat(tree.token(a.acceptedNodes()[0])).isEqualTo(0); // token 1 is the row's argmax, but forbidden
        assertThat(a.bonusToken()).isEqualTo(0); // the proposal 1 below it is not entered either
    }

    @Test
    void nothingAllowedEndsTheWalkWithoutABonusToken() {
        TokenTree tree = new TokenTree(7);
        tree.insert(new int[] {1}, 0.9, TokenOrigin.DRAFT);
        TokenMask onlyOneThenNothing = new TokenMask() {
            @Override
            public boolean allows(int node, int token) {
                return node == 0 && token == 1;
            }

            @Override
            public int[] allowedIds(int node) {
                return node == 0 ? new int[] {1} : new int[0];
            }
        };
        Acceptance a = verify(tree, SamplingParams.GREEDY, new SplittableRandom(1), onlyOneThenNothing);
        assertThat(a.acceptedCount()).isEqualTo(1);
        assertThat(a.bonusToken()).isEqualTo(-1);
    }

    @Test
    void samplingIsRenormalisedOverTheAllowedTokens() {
        int n = 20000;
        int[] h = new int[ROW.length];
        SplittableRandom rng = new SplittableRandom(5);
        TokenMask mask = everywhere(t -> t == 0 || t == 2 || t == 3);
        try (NDManager sm = manager.newSubManager()) {
            ai.djl.ndarray.NDArray row = sm.create(ROW);
            for (int i = 0; i < n; i++) {
                h[TokenSampler.sample(row, new SamplingParams(1, 0, 1), rng.nextDouble(), mask.allowedIds(0))]++;
            }
        }
        double[] expected = {0.25 / 0.4375, 0, 0.0625 / 0.4375, 0.125 / 0.4375, 0};
        for (int t = 0; t < ROW.length; t++) {
            double sd = Math.sqrt(n * expected[t] * (1 - expected[t]));
            assertThat((double) h[t])
                    .as("token %d of %s", t, Arrays.toString(h))
                    .isCloseTo(n * expected[t], org.assertj.core.data.Offset.offset(5 * sd + 1e-9));
        }
    }

    @Test
    void topKAndTopPApplyAfterTheMask() {
        SplittableRandom rng = new SplittableRandom(9);
        int[] allowed = {2, 3, 4};
        try (NDManager sm = manager.newSubManager()) {
            ai.djl.ndarray.NDArray row = sm.create(ROW);
            for (int i = 0; i < 200; i++) {
                // top-1 of the allowed tokens is 3 (0.125), whatever the forbidden 0 and 1 weigh
                assertThat(TokenSampler.sample(row, new SamplingParams(1, 1, 1), rng.nextDouble(), allowed))
                        .isEqualTo(3);
                // top-p 0.5 of {2: 0.25, 3: 0.5, 4: 0.25} renormalised keeps 3 alone
                assertThat(TokenSampler.sample(row, new SamplingParams(1, 0, 0.5), rng.nextDouble(), allowed))
                        .isEqualTo(3);
                int any = TokenSampler.sample(row, new SamplingParams(1, 0, 1), rng.nextDouble(), allowed);
                assertThat(any).isIn(2, 3, 4);
            }
            assertThat(TokenSampler.sample(row, SamplingParams.GREEDY, rng.nextDouble(), new int[] {2, 4}))
                    .as("equal logits: the lowest id, as argmax")
                    .isEqualTo(2);
        }
    }
}
