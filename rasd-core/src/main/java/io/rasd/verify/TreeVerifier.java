package io.rasd.verify;

import io.rasd.model.Logits;
import io.rasd.tree.TokenTree;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Walks a verified token tree from the root. At each node the target picks the next token from its own (processed)
 * distribution given that node's prefix — argmax when greedy, one draw when sampling — and the walk descends while a
 * child carries that token. The first token no child carries is the bonus token.
 *
 * <p>Why this is lossless: every tree node is a deterministic proposal, so each emitted token is exactly the target's
 * choice after the tokens before it; proposals only decide how many of those choices one forward pass yields. When
 * sampling, each emitted token consumes one uniform draw, as in plain decoding.
 */
public final class TreeVerifier {

    private TreeVerifier() { }

    /** {@code logits} has one row per tree node, in tree order. */
    public static Acceptance verify(TokenTree tree, Logits logits, SamplingParams sampling, RandomGenerator rng) {
        if (logits.rows() != tree.size()) {
            throw new IllegalArgumentException("logits has " + logits.rows() + " rows for " + tree.size() + " nodes");
        }
        return sampling.isGreedy() ? greedy(tree, logits.argmax())
                : sample(tree, logits, sampling, rng);
    }

    static Acceptance greedy(TokenTree tree, int[] argmax) {
        int[] path = new int[tree.maxDepth()];
        int len = 0;
        int node = 0;
        while (true) {
            int choice = argmax[node];
            int child = tree.child(node, choice);
            if (child < 0) {
                return new Acceptance(Arrays.copyOf(path, len), choice);
            }
            path[len++] = child;
            node = child;
        }
    }

    private static Acceptance sample(TokenTree tree, Logits logits, SamplingParams sampling, RandomGenerator rng) {
        int[] path = new int[tree.maxDepth()];
        int len = 0;
        int node = 0;
        while (true) {
            int choice = TokenSampler.sample(logits.array().get(node), sampling, rng);
            int child = tree.child(node, choice);
            if (child < 0) {
                return new Acceptance(Arrays.copyOf(path, len), choice);
            }
            path[len++] = child;
            node = child;
        }
    }
}
