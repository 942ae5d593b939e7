package io.rasd.draft;

import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenTree;

/**
 * One step's draft proposal.
 *
 * @param tree the best draft nodes (score = the drafter's cumulative probability of the path), root = the root token
 * @param rootDistribution the drafter's distribution at the root (top-m), for the draft-guided pruning of retrieval
 *     trees
 * @param forwards drafter forward passes this step took (catch-up included)
 */
public record DraftTree(TokenTree tree, RootDistribution rootDistribution, int forwards) {

    /** No proposal: the drafter had no room left in its context window. */
    public static DraftTree empty(int root) {
        return new DraftTree(new TokenTree(root), new RootDistribution(new int[0], new float[0]), 0);
    }
}
