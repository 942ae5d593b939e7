package io.rasd.tree;

/**
 * The paper's tree fusion: every path of the retrieval tree is inserted into the draft tree by longest-prefix
 * matching (walk down while a child carries the same token, attach the rest as a new branch). Shared nodes keep the
 * union of their origins and the better score. Trimming to the verification budget is the caller's: the budget
 * depends on the fused tree ({@code AdaptiveController.treeBudget}).
 */
public final class TreeFusion {

    private TreeFusion() {}

    /** Fuses {@code others} into {@code base}, which is modified and returned; null trees are skipped. */
    public static TokenTree fuse(TokenTree base, TokenTree... others) {
        for (TokenTree other : others) {
            if (other == null) {
                continue;
            }
            if (other.token(0) != base.token(0)) {
                throw new IllegalArgumentException(
                        "trees have different roots: " + base.token(0) + " and " + other.token(0));
            }
            int[] map = new int[other.size()];
            // nodes are in topological order, so a parent is mapped before its children
            for (int i = 1; i < other.size(); i++) {
                map[i] = base.extend(map[other.parent(i)], other.token(i), other.originBits(i), other.score(i));
            }
        }
        return base;
    }
}
