package io.rasd.engine;

import io.rasd.tree.Source;
import io.rasd.tree.TokenTree;

/** Which proposer a committed token is credited to; {@link #TARGET} is the verifier's own bonus token. */
public enum TokenOrigin {
    TARGET, DRAFT, PLD, DATASTORE;

    public String wireName() {
        return this == TARGET ? "bonus" : name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A node proposed by several sources is credited to retrieval first (prompt lookup, then the datastore): it
     * costs nothing, and the draft model's agreement is what pruning already asked of it.
     */
    static TokenOrigin of(TokenTree tree, int node) {
        if (tree.hasSource(node, Source.PLD)) {
            return PLD;
        }
        if (tree.hasSource(node, Source.DATASTORE)) {
            return DATASTORE;
        }
        return DRAFT;
    }
}
