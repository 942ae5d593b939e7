package io.rasd.verify;

import static org.assertj.core.api.Assertions.assertThat;

import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The verifier's walk on hand-built trees and a hand-built target distribution (no model), as vLLM tests its
 * rejection sampler: greedy acceptance, the bonus token, and that sampling through any tree emits exactly what plain
 * sampling emits with the same draws.
 */
class TreeVerifierTest {

    private static final int VOCAB = 5;

    /** A fixed, prefix-dependent target distribution over {@value #VOCAB} tokens (never uniform, never one-hot). */
    private static double[] target(int[] prefix) {
        double[] p = new double[VOCAB];
        long h = Arrays.hashCode(prefix) * 0x9E3779B97F4A7C15L;
        double sum = 0;
        for (int t = 0; t < VOCAB; t++) {
            h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L;
            p[t] = 0.05 + ((h >>> 11) & 0xFFFF) / 65536.0;
            sum += p[t];
        }
        for (int t = 0; t < VOCAB; t++) {
            p[t] /= sum;
        }
        return p;
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int t = 1; t < p.length; t++) {
            best = p[t] > p[best] ? t : best;
        }
        return best;
    }

    /** Inverse-CDF draw with one uniform number, as the engine's sampler does. */
    private static int draw(double[] p, SplittableRandom rng) {
        double u = rng.nextDouble();
        double cdf = 0;
        for (int t = 0; t < p.length; t++) {
            cdf += p[t];
            if (u < cdf) {
                return t;
            }
        }
        return p.length - 1;
    }

    /** The tokens from the root to {@code node}, root excluded: the prefix the target conditions on there. */
    private static int[] prefix(TokenTree tree, int node) {
        int[] path = new int[tree.depth(node)];
        for (int n = node; n > 0; n = tree.parent(n)) {
            path[tree.depth(n) - 1] = tree.token(n);
        }
        return path;
    }

    private static IntUnaryOperator greedyTarget(TokenTree tree) {
        return node -> argmax(target(prefix(tree, node)));
    }

    private static IntUnaryOperator sampledTarget(TokenTree tree, SplittableRandom rng) {
        return node -> draw(target(prefix(tree, node)), rng);
    }

    /** The tokens a step emits: the accepted path, then the bonus token. */
    private static int[] emitted(TokenTree tree, Acceptance a) {
        int[] out = new int[a.acceptedCount() + 1];
        int[] nodes = a.acceptedNodes();
        for (int i = 0; i < nodes.length; i++) {
            out[i] = tree.token(nodes[i]);
        }
        out[nodes.length] = a.bonusToken();
        return out;
    }

    /** Plain decoding: {@code n} tokens, one target choice each. */
    private static int[] plainGreedy(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = argmax(target(Arrays.copyOf(out, i)));
        }
        return out;
    }

    private static int[] plainSampled(int n, SplittableRandom rng) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = draw(target(Arrays.copyOf(out, i)), rng);
        }
        return out;
    }

    /** Every path of length {@code depth} over the vocabulary: the tree that holds every possible continuation. */
    private static TokenTree fullTree(int depth) {
        TokenTree t = new TokenTree(99);
        List<int[]> paths = new ArrayList<>();
        paths.add(new int[0]);
        for (int d = 0; d < depth; d++) {
            List<int[]> next = new ArrayList<>();
            for (int[] p : paths) {
                for (int tok = 0; tok < VOCAB; tok++) {
                    int[] q = Arrays.copyOf(p, p.length + 1);
                    q[p.length] = tok;
                    next.add(q);
                }
            }
            paths = next;
        }
        for (int[] p : paths) {
            t.insert(p, 0.5, TokenOrigin.DRAFT);
        }
        return t;
    }

    private static TokenTree randomTree(SplittableRandom rng) {
        TokenTree t = new TokenTree(99);
        int paths = 1 + rng.nextInt(4);
        for (int i = 0; i < paths; i++) {
            int[] p = new int[1 + rng.nextInt(4)];
            for (int j = 0; j < p.length; j++) {
                p[j] = rng.nextInt(VOCAB);
            }
            t.insert(p, 0.5, i % 2 == 0 ? TokenOrigin.DRAFT : TokenOrigin.PLD);
        }
        return t;
    }

    @Test
    void aTreeOfOnlyTheRootYieldsTheTargetsTokenAsTheBonus() {
        TokenTree root = new TokenTree(99);
        Acceptance a = TreeVerifier.walk(root, greedyTarget(root));
        assertThat(a.acceptedNodes()).isEmpty();
        assertThat(a.bonusToken()).isEqualTo(plainGreedy(1)[0]);
    }

    @Test
    void greedyAcceptsTheLongestPathThatAgreesWithTheTargetAndEndsWithItsNextChoice() {
        int[] plain = plainGreedy(4);
        TokenTree t = new TokenTree(99);
        int wrong = (plain[0] + 1) % VOCAB;
        t.insert(new int[] {wrong, plain[1]}, 0.9, TokenOrigin.DRAFT); // wrong at depth 1
        t.insert(new int[] {plain[0], plain[1], (plain[2] + 1) % VOCAB}, 0.5, TokenOrigin.PLD); // wrong at depth 3
        Acceptance a = TreeVerifier.walk(t, greedyTarget(t));
        assertThat(a.acceptedCount()).isEqualTo(2);
        assertThat(emitted(t, a)).containsExactly(plain[0], plain[1], plain[2]);
    }

    @Test
    void greedyThroughAFullTreeAcceptsEveryDepth() {
        TokenTree t = fullTree(3);
        Acceptance a = TreeVerifier.walk(t, greedyTarget(t));
        assertThat(emitted(t, a)).containsExactly(plainGreedy(4));
    }

    @Test
    void greedyThroughAnyTreeEmitsAPrefixOfPlainGreedyDecoding() {
        SplittableRandom trees = new SplittableRandom(7);
        int[] plain = plainGreedy(6);
        for (int i = 0; i < 500; i++) {
            TokenTree t = randomTree(trees);
            int[] got = emitted(t, TreeVerifier.walk(t, greedyTarget(t)));
            assertThat(got).as("tree %d: %s", i, t.paths()).containsExactly(Arrays.copyOf(plain, got.length));
        }
    }

    @Test
    void samplingThroughAnyTreeEmitsWhatPlainSamplingEmitsWithTheSameSeed() {
        SplittableRandom trees = new SplittableRandom(11);
        for (int seed = 0; seed < 500; seed++) {
            TokenTree t = randomTree(trees);
            int[] got = emitted(t, TreeVerifier.walk(t, sampledTarget(t, new SplittableRandom(seed))));
            int[] plain = plainSampled(got.length, new SplittableRandom(seed));
            assertThat(got).as("seed %d, tree %s", seed, t.paths()).containsExactly(plain);
        }
    }

    @Test
    void theFirstTokenOfASampledStepFollowsTheTargetDistributionWhateverTheTreeProposes() {
        // a tree that proposes the target's least likely token twice, deep, and nothing else
        double[] p0 = target(new int[0]);
        int unlikely = 0;
        for (int tok = 1; tok < VOCAB; tok++) {
            unlikely = p0[tok] < p0[unlikely] ? tok : unlikely;
        }
        TokenTree t = new TokenTree(99);
        t.insert(new int[] {unlikely, unlikely, unlikely}, 0.99, TokenOrigin.DRAFT);
        int trials = 40_000;
        Map<Integer, Integer> counts = new HashMap<>();
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < trials; i++) {
            counts.merge(emitted(t, TreeVerifier.walk(t, sampledTarget(t, rng)))[0], 1, Integer::sum);
        }
        for (int tok = 0; tok < VOCAB; tok++) {
            double freq = counts.getOrDefault(tok, 0) / (double) trials;
            // 5 standard errors of a binomial proportion: a wrong distribution fails, noise does not
            double tolerance = 5 * Math.sqrt(p0[tok] * (1 - p0[tok]) / trials);
            assertThat(freq).as("token %d", tok).isBetween(p0[tok] - tolerance, p0[tok] + tolerance);
        }
    }

    @Test
    void theTargetIsAskedOncePerEmittedTokenRootFirst() {
        TokenTree t = fullTree(2);
        List<Integer> asked = new ArrayList<>();
        IntUnaryOperator greedy = greedyTarget(t);
        Acceptance a = TreeVerifier.walk(t, node -> {
            asked.add(node);
            return greedy.applyAsInt(node);
        });
        assertThat(asked).hasSize(a.acceptedCount() + 1);
        assertThat(asked.get(0)).isZero();
        for (int i = 1; i < asked.size(); i++) {
            assertThat(t.parent(asked.get(i))).isEqualTo(asked.get(i - 1));
        }
    }
}
