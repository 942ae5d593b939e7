package io.rasd.tree;

import java.util.Locale;

/**
 * Where a token came from. A proposed tree node carries the set of proposers that proposed it (a fused node may have
 * several); a committed token is credited to one of them, or to {@link #TARGET} when it is the verifier's own bonus
 * token.
 */
public enum TokenOrigin {
    /** The target's bonus token after the accepted path: never proposed, so never a tree node's origin. */
    TARGET,
    /** The drafter's tree. */
    DRAFT,
    /** Prompt lookup (retrieval from the context). */
    PLD,
    /** The token datastore and the request's references. */
    DATASTORE;

    /** This origin in a node's origin bit set. */
    public int bit() {
        return 1 << ordinal();
    }

    public String wireName() {
        return this == TARGET ? "bonus" : name().toLowerCase(Locale.ROOT);
    }

    /**
     * The proposer a node of {@code tree} is credited to. A node proposed by several is credited to retrieval first
     * (prompt lookup, then the datastore): it costs nothing, and the drafter's agreement is what pruning already asked
     * of it.
     */
    public static TokenOrigin creditOf(TokenTree tree, int node) {
        if (tree.hasOrigin(node, PLD)) {
            return PLD;
        }
        if (tree.hasOrigin(node, DATASTORE)) {
            return DATASTORE;
        }
        return DRAFT;
    }
}
