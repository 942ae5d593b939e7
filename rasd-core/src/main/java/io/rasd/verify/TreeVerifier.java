package io.rasd.verify;

import io.rasd.model.Logits;
import io.rasd.tree.TokenTree;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * Step 5 of the decoding step (docs/architecture.md §3): walks a verified token tree from the root. At each node the
 * target picks the next token from its own (processed) distribution given that node's prefix — argmax when greedy,
 * one draw when sampling — and the walk descends while a child carries that token. The first token no child carries
 * is the bonus token. Greedy and sampling are the same walk; only the target's choice differs.
 *
 * <p>Why this is lossless: every tree node is a deterministic proposal, so each emitted token is exactly the target's
 * choice after the tokens before it; proposals only decide how many of those choices one forward pass yields. When
 * sampling, each emitted token consumes one uniform, as in plain decoding, and the {@code n}-th token of the output
 * always gets the {@code n}-th uniform ({@link Uniforms}): a node at depth {@code d} can only emit the {@code d}-th
 * token of this step, so every row is drawn up front, in one batched call, with the uniform of its depth. A seeded run
 * emits the very tokens plain decoding emits with that seed.
 */
public final class TreeVerifier {

    private TreeVerifier() {}

    /** {@code logits} has one row per tree node, in tree order. */
    public static Acceptance verify(TokenTree tree, Logits logits, SamplingParams sampling, Uniforms uniforms) {
        return verify(tree, logits, sampling, uniforms, null);
    }

    /**
     * The same walk with the target's choice at each node restricted to what {@code mask} allows there (null: no
     * constraint). A node where nothing is allowed (a complete document without an end-of-sequence token) ends the
     * walk without a bonus token ({@link Acceptance#bonusToken()} -1).
     */
    public static Acceptance verify(
            TokenTree tree, Logits logits, SamplingParams sampling, Uniforms uniforms, TokenMask mask) {
        if (logits.rows() != tree.size()) {
            throw new IllegalArgumentException("logits has " + logits.rows() + " rows for " + tree.size() + " nodes");
        }
        IntUnaryOperator targetChoice;
        if (sampling.isGreedy()) {
            int[] argmax = logits.argmax(); // every row's in one copy: greedy never needs more
            targetChoice = mask == null
                    ? node -> argmax[node]
                    // the row's argmax, when allowed, is also the best allowed id (the lowest of equal ones)
                    : node -> mask.allows(node, argmax[node])
                            ? argmax[node]
                            : constrained(tree, logits, node, sampling, uniforms, mask);
        } else if (mask == null) {
            double[] u = new double[tree.size()];
            for (int node = 0; node < u.length; node++) {
                u[node] = uniforms.peek(tree.depth(node));
            }
            int[] drawn = TokenSampler.sampleRows(logits.array(), sampling, u);
            targetChoice = node -> drawn[node];
        } else {
            // each row has its own allowed set: drawn node by node, as the walk reaches it
            targetChoice = node -> constrained(tree, logits, node, sampling, uniforms, mask);
        }
        Acceptance acceptance = walk(tree, targetChoice);
        if (!sampling.isGreedy()) {
            uniforms.consume(acceptance.acceptedCount() + (acceptance.bonusToken() >= 0 ? 1 : 0));
        }
        return acceptance;
    }

    private static int constrained(
            TokenTree tree, Logits logits, int node, SamplingParams sampling, Uniforms uniforms, TokenMask mask) {
        int[] allowed = mask.allowedIds(node);
        if (allowed.length == 0) {
            return -1;
        }
        double u = sampling.isGreedy() ? 0 : uniforms.peek(tree.depth(node));
        return TokenSampler.sample(logits.array().get(node), sampling, u, allowed);
    }

    /**
     * The walk itself. {@code targetChoice} gives the target's next token after a node's prefix; it is asked once per
     * emitted token, in order, root first. A choice of -1 (nothing may follow) ends the walk without a bonus token.
     */
    public static Acceptance walk(TokenTree tree, IntUnaryOperator targetChoice) {
        int[] path = new int[tree.maxDepth()];
        int len = 0;
        int node = 0;
        while (true) {
            int choice = targetChoice.applyAsInt(node);
            int child = choice < 0 ? -1 : tree.child(node, choice);
            if (child < 0) {
                return new Acceptance(Arrays.copyOf(path, len), choice);
            }
            path[len++] = child;
            node = child;
        }
    }
}
