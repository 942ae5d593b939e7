package io.rasd.constrain;

import java.util.BitSet;

/**
 * The tokens a grammar allows in one state: every token whose bytes the automaton accepts from there, plus the
 * end-of-sequence tokens where the output is a complete document. Immutable; cached per state.
 */
public final class AllowedTokens {

    private final BitSet ids;
    private final int count;
    private final boolean accepting;
    private final boolean complete;

    AllowedTokens(BitSet ids, boolean accepting, boolean complete) {
        this.ids = ids;
        this.count = ids.cardinality();
        this.accepting = accepting;
        this.complete = complete;
    }

    public boolean allows(int token) {
        return token >= 0 && ids.get(token);
    }

    /** How many tokens are allowed. */
    public int count() {
        return count;
    }

    /** The allowed ids, ascending. */
    public int[] ids() {
        return ids.stream().toArray();
    }

    /** The allowed ids as a bit set (a copy). */
    public BitSet toBitSet() {
        return (BitSet) ids.clone();
    }

    /** Whether the output so far is a complete document (end-of-sequence tokens are allowed). */
    public boolean accepting() {
        return accepting;
    }

    /** A complete document that no token can continue: the generation is over. */
    public boolean complete() {
        return complete;
    }

    /** Bytes of heap this entry holds, for the cache's bound. */
    long weight() {
        return 64L + ids.size() / 8;
    }
}
