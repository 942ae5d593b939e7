package io.rasd.engine;

import io.rasd.tree.TokenTree;

/**
 * What one decoding step verifies: the fused tree (root = the last committed token), trimmed to the step's budget and
 * laid out best path first, and what proposing it involved, for adaptive control.
 *
 * @param speculative whether proposers ran (false: plain decoding or a fallback step, a tree of only the root)
 * @param drafted whether the drafter grew a tree this step
 * @param retrieved whether retrieval sources ran this step
 * @param draftNanos wall time of this step's drafting
 */
record StepProposal(TokenTree tree, boolean speculative, boolean drafted, boolean retrieved, long draftNanos) {

    /** A plain step: the target alone decodes one token after {@code root}. */
    static StepProposal plain(int root) {
        return new StepProposal(new TokenTree(root), false, false, false, 0);
    }

    /** Whether the drafter ran beside retrieval: then adaptive control judges the drafter on its own. */
    boolean draftedBesideRetrieval() {
        return drafted && retrieved;
    }
}
