package io.rasd.engine;

import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.Set;

/**
 * What one decoding step verifies: the fused tree (root = the last committed token), trimmed to the step's budget and
 * laid out best path first, and what proposing it involved, for adaptive control.
 *
 * @param speculative whether proposers ran (false: plain decoding or a fallback step, a tree of only the root)
 * @param proposers the proposers that ran this step (the drafter as {@link TokenOrigin#DRAFT}, each retrieval source
 *     as its origin; taken as given, not copied: the proposer hands over a set nothing changes afterwards); adaptive
 *     control judges each one on its own when more than one ran
 * @param proposerSeconds wall time each proposer took this step, by {@link TokenOrigin#ordinal()}
 */
record StepProposal(TokenTree tree, boolean speculative, Set<TokenOrigin> proposers, double[] proposerSeconds) {

    /** A plain step: the target alone decodes one token after {@code root}. */
    static StepProposal plain(int root) {
        return new StepProposal(new TokenTree(root), false, Set.of(), new double[TokenOrigin.values().length]);
    }
}
