package io.rasd.draft;

import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenTree;

/**
 * One step's draft proposal.
 *
 * @param tree the best draft nodes (score = the draft's cumulative probability of the path), root = the root token
 * @param root the draft's distribution at the root (top-m), for pruning retrieved continuations
 * @param forwards draft forward passes this step took (catch-up included)
 */
public record DraftTree(TokenTree tree, RootDistribution root, int forwards) { }
