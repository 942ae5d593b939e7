package io.rasd.engine;

import io.rasd.constrain.AllowedTokens;
import io.rasd.constrain.MatchState;
import io.rasd.constrain.TokenConstraint;
import io.rasd.model.GenerationConfig;
import io.rasd.tree.TokenTree;
import io.rasd.verify.TokenMask;
import java.util.Arrays;

/**
 * One generation's constrained decoding (docs/architecture.md §15): the grammar's state after the committed output,
 * and for each step's tree the state of every node (its parent's state advanced by its token). Proposals that leave
 * the grammar are dropped before verification; the verifier asks which tokens each node allows. Used by the
 * generating thread only.
 */
final class OutputConstraint {

    private final TokenConstraint constraint;
    private final GenerationConfig eos;
    /** After the committed output; null once an end-of-sequence token was committed. */
    private MatchState state;
    /** Time spent on masks and states this generation: the cost constrained decoding adds. */
    private long nanos;

    OutputConstraint(TokenConstraint constraint, GenerationConfig eos) {
        this.constraint = constraint;
        this.eos = eos;
        this.state = constraint.start();
    }

    /** Drops every node whose token the grammar does not allow after its parent, with its subtree. */
    TokenTree prune(TokenTree tree) {
        long t0 = System.nanoTime();
        MatchState[] states = states(tree);
        boolean[] ok = new boolean[tree.size()];
        for (int i = 1; i < tree.size(); i++) {
            ok[i] = states[i] != null || (eos.isEos(tree.token(i)) && states[tree.parent(i)] != null);
        }
        TokenTree kept = tree.retain(i -> ok[i]);
        nanos += System.nanoTime() - t0;
        return kept;
    }

    /**
     * Each node's state: null where the node's token leaves the grammar or ends the output (an end-of-sequence token),
     * and below such a node.
     */
    private MatchState[] states(TokenTree tree) {
        MatchState[] states = new MatchState[tree.size()];
        states[0] = state;
        for (int i = 1; i < states.length; i++) {
            MatchState parent = states[tree.parent(i)];
            states[i] = parent == null ? null : constraint.next(parent, tree.token(i));
        }
        return states;
    }

    /** The verifier's view: what each node of {@code tree} allows (computed for the nodes the walk reaches). */
    TokenMask mask(TokenTree tree) {
        long t0 = System.nanoTime();
        MatchState[] states = states(tree);
        nanos += System.nanoTime() - t0;
        AllowedTokens[] allowed = new AllowedTokens[states.length];
        return new TokenMask() {
            @Override
            public boolean allows(int node, int token) {
                if (allowed[node] != null) {
                    return allowed[node].allows(token);
                }
                long t0 = System.nanoTime();
                boolean ok = states[node] != null && constraint.allows(states[node], token);
                nanos += System.nanoTime() - t0;
                return ok;
            }

            @Override
            public int[] allowedIds(int node) {
                long t0 = System.nanoTime();
                int[] ids = at(node).ids();
                nanos += System.nanoTime() - t0;
                return ids;
            }

            private AllowedTokens at(int node) {
                if (allowed[node] == null) {
                    if (states[node] == null) {
                        // the walk reaches only nodes the grammar allows; an end-of-sequence node is never a parent
                        throw new IllegalStateException("node " + node + " is outside the grammar");
                    }
                    long t0 = System.nanoTime();
                    allowed[node] = constraint.allowed(states[node]);
                    nanos += System.nanoTime() - t0;
                }
                return allowed[node];
            }
        };
    }

    /**
     * Step 6 for one committed token; returns true when the output is now a complete document no token can continue
     * (the generation ends there, as at an end-of-sequence token).
     */
    boolean commit(int token) {
        long t0 = System.nanoTime();
        try {
            if (state == null || eos.isEos(token)) {
                state = null;
                return false; // the end-of-sequence token itself ends the generation
            }
            MatchState next = constraint.next(state, token);
            if (next == null) {
                throw new IllegalStateException("committed token " + token + " leaves the grammar after "
                        + Arrays.toString(new Object[] {state}));
            }
            state = next;
            return constraint.complete(state);
        } finally {
            nanos += System.nanoTime() - t0;
        }
    }

    /** Seconds spent on constraint work (masks, states, pruning) so far. */
    double seconds() {
        return nanos / 1e9;
    }
}
