package io.rasd.retrieval;

import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's retrieval tree: retrieved continuations merged into a trie rooted at the last context token, each node
 * counting the candidates that pass through it. {@link #pruneByDraft} (the paper's draft-guided pruning) scores and
 * trims it into a {@link TokenTree} ready for fusion.
 */
public final class RetrievalTree {

    private final int rootToken;
    private final List<Integer> tokens = new ArrayList<>();
    private final List<Integer> parents = new ArrayList<>();
    private final List<Integer> originBits = new ArrayList<>();
    private final List<Long> counts = new ArrayList<>();

    public RetrievalTree(int rootToken) {
        this.rootToken = rootToken;
        tokens.add(rootToken);
        parents.add(-1);
        originBits.add(0);
        counts.add(0L);
    }

    /** Adds a continuation of the root seen {@code count} times. */
    public void add(int[] continuation, int count, TokenOrigin origin) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        int node = 0;
        counts.set(0, counts.get(0) + count);
        for (int token : continuation) {
            int c = child(node, token);
            if (c < 0) {
                c = tokens.size();
                tokens.add(token);
                parents.add(node);
                originBits.add(0);
                counts.add(0L);
            }
            originBits.set(c, originBits.get(c) | origin.bit());
            counts.set(c, counts.get(c) + count);
            node = c;
        }
    }

    private int child(int node, int token) {
        // tries stay small (a few dozen nodes): a scan beats maintaining child lists
        for (int i = node + 1; i < tokens.size(); i++) {
            if (parents.get(i) == node && tokens.get(i) == token) {
                return i;
            }
        }
        return -1;
    }

    /** Nodes excluding the root. */
    public int size() {
        return tokens.size() - 1;
    }

    public boolean isEmpty() {
        return tokens.size() == 1;
    }

    /**
     * Scores every node and keeps the best {@code budget}. A first-level node scores the draft's root probability of
     * its token and is dropped outside the draft's top-{@code pruneTopK} or below {@code minProb}; without a draft
     * distribution ({@code root == null}, the retrieval-only modes) it scores its share of all candidates. A deeper
     * node scores parent × count(node) / count(parent). Scores never rise along a path, so the best-scored nodes
     * form a tree.
     */
    public TokenTree pruneByDraft(RootDistribution root, int pruneTopK, double minProb, int budget) {
        int n = tokens.size();
        double[] score = new double[n];
        boolean[] dropped = new boolean[n];
        score[0] = Double.POSITIVE_INFINITY;
        long total = counts.get(0);
        for (int i = 1; i < n; i++) {
            int p = parents.get(i);
            if (dropped[p]) {
                dropped[i] = true;
                continue;
            }
            if (p == 0) {
                if (root == null) {
                    score[i] = (double) counts.get(i) / total;
                } else {
                    int rank = root.rank(tokens.get(i));
                    double prob = root.prob(tokens.get(i));
                    dropped[i] = rank < 0 || rank >= pruneTopK || prob < minProb;
                    score[i] = prob;
                }
            } else {
                score[i] = score[p] * counts.get(i) / counts.get(p);
            }
        }
        TokenTree all = new TokenTree(rootToken);
        int[] map = new int[n];
        for (int i = 1; i < n; i++) {
            if (!dropped[i]) {
                map[i] = all.extend(map[parents.get(i)], tokens.get(i), originBits.get(i), score[i]);
            }
        }
        return all.trimTo(budget);
    }
}
