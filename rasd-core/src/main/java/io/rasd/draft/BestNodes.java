package io.rasd.draft;

import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.IntToDoubleFunction;
import java.util.function.IntUnaryOperator;

/**
 * EAGLE-2's rerank: of a step's expanded candidates, the {@code budget} with the best cumulative log-probability form
 * the draft tree. A child never beats its parent and ties keep the earlier candidate (the parent), so what is kept is a
 * tree. Shared by every drafter that grows a dynamic tree.
 */
public final class BestNodes {

    private BestNodes() {}

    /**
     * @param count candidates, index 0 the root; parents precede children
     * @param token the token of candidate i
     * @param parent the parent of candidate i (i ≥ 1)
     * @param logProb the cumulative log-probability of candidate i
     */
    public static TokenTree tree(
            int root,
            int count,
            int budget,
            IntUnaryOperator token,
            IntUnaryOperator parent,
            IntToDoubleFunction logProb) {
        Integer[] order = new Integer[count - 1];
        for (int i = 0; i < order.length; i++) {
            order[i] = i + 1;
        }
        Arrays.sort(
                order,
                Comparator.comparingDouble((Integer c) -> -logProb.applyAsDouble(c))
                        .thenComparingInt(c -> c));
        boolean[] keep = new boolean[count];
        for (int i = 0; i < Math.min(budget, order.length); i++) {
            keep[order[i]] = true;
        }
        TokenTree tree = new TokenTree(root);
        int[] node = new int[count];
        for (int i = 1; i < count; i++) {
            int p = parent.applyAsInt(i);
            if (keep[i] && (p == 0 || keep[p])) {
                node[i] = tree.insertChild(
                        node[p], token.applyAsInt(i), Math.exp(logProb.applyAsDouble(i)), TokenOrigin.DRAFT);
            }
        }
        return tree;
    }
}
