package io.rasd.tree;

/**
 * The paper's tree fusion: every path of the retrieval tree is inserted into the draft tree by longest-prefix
 * matching (walk down while a child carries the same token, attach the rest as a new branch). Shared nodes keep the
 * union of their sources and the better score; the result is trimmed to the verification budget by dropping the
 * lowest-scored leaves.
 */
public final class TreeFusion {

    private TreeFusion() { }

    /** Fuses {@code others} into a copy-free extension of {@code base} (which is modified) and trims to budget. */
    public static TokenTree fuse(TokenTree base, int budget, TokenTree... others) {
        for (TokenTree other : others) {
            if (other == null) {
                continue;
            }
            if (other.token(0) != base.token(0)) {
                throw new IllegalArgumentException("trees have different roots: " + base.token(0) + " and "
                        + other.token(0));
            }
            int[] map = new int[other.size()];
            // nodes are in topological order, so a parent is mapped before its children
            for (int i = 1; i < other.size(); i++) {
                map[i] = base.extend(map[other.parent(i)], other.token(i), other.sourceBits(i), other.score(i));
            }
        }
        return base.prune(budget);
    }
}
