package io.rasd.draft;

import io.rasd.RasdException;

/**
 * How large one step's draft tree may grow.
 *
 * @param maxDepth most drafter forwards after the catch-up (the tree's depth)
 * @param topK EAGLE-2's K: frontier nodes expanded per depth, and children kept per expanded node
 * @param nodes draft-tree nodes kept (best cumulative probability), the root not counted
 * @param rootTopM tokens of the root distribution kept for the draft-guided pruning of retrieval trees
 */
public record DraftBudget(int maxDepth, int topK, int nodes, int rootTopM) {

    public DraftBudget {
        if (maxDepth < 1 || topK < 1 || nodes < 0 || rootTopM < 1) {
            throw new RasdException("draft budget needs maxDepth >= 1, topK >= 1, nodes >= 0, rootTopM >= 1; got "
                    + "maxDepth=" + maxDepth + ", topK=" + topK + ", nodes=" + nodes + ", rootTopM=" + rootTopM);
        }
    }
}
