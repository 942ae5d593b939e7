package io.rasd.verify;

import io.rasd.model.Logits;
import io.rasd.tree.TokenTree;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;
import java.util.random.RandomGenerator;

/**
 * Step 5 of the decoding step (docs/architecture.md §3): walks a verified token tree from the root. At each node the
 * target picks the next token from its own (processed) distribution given that node's prefix — argmax when greedy,
 * one draw when sampling — and the walk descends while a child carries that token. The first token no child carries
 * is the bonus token. Greedy and sampling are the same walk; only the target's choice differs.
 *
 * <p>Why this is lossless: every tree node is a deterministic proposal, so each emitted token is exactly the target's
 * choice after the tokens before it; proposals only decide how many of those choices one forward pass yields. When
 * sampling, each emitted token consumes one uniform draw, as in plain decoding, so a seeded run emits the very tokens
 * plain decoding emits with that seed.
 */
public final class TreeVerifier {

    private TreeVerifier() {}

    /** {@code logits} has one row per tree node, in tree order. */
    public static Acceptance verify(TokenTree tree, Logits logits, SamplingParams sampling, RandomGenerator rng) {
        if (logits.rows() != tree.size()) {
            throw new IllegalArgumentException("logits has " + logits.rows() + " rows for " + tree.size() + " nodes");
        }
        IntUnaryOperator targetChoice;
        if (sampling.isGreedy()) {
            int[] argmax = logits.argmax(); // every row's in one copy: greedy never needs more
            targetChoice = node -> argmax[node];
        } else {
            targetChoice = node -> TokenSampler.sample(logits.array().get(node), sampling, rng);
        }
        return walk(tree, targetChoice);
    }

    /**
     * The walk itself. {@code targetChoice} gives the target's next token after a node's prefix; it is asked once per
     * emitted token, in order, root first.
     */
    public static Acceptance walk(TokenTree tree, IntUnaryOperator targetChoice) {
        int[] path = new int[tree.maxDepth()];
        int len = 0;
        int node = 0;
        while (true) {
            int choice = targetChoice.applyAsInt(node);
            int child = tree.child(node, choice);
            if (child < 0) {
                return new Acceptance(Arrays.copyOf(path, len), choice);
            }
            path[len++] = child;
            node = child;
        }
    }
}
