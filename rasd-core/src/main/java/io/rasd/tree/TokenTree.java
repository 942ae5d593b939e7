package io.rasd.tree;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/**
 * A tree of proposed continuations rooted at the last context token, verified by the target in one forward pass.
 * Node 0 is the root; nodes are stored in insertion order, which is topological (a parent precedes its children), so
 * the order is also the order of the verification batch.
 *
 * <p>Paths are inserted by longest-prefix matching (the paper's fusion): walk down while a child carries the next
 * token, attach the rest as a new branch. A node keeps the best score any path gave it and the union of origins.
 */
public final class TokenTree {

    private int[] tokens = new int[16];
    private int[] parents = new int[16];
    private int[] depths = new int[16];
    private int[] origins = new int[16];
    private double[] scores = new double[16];
    private int[] firstChild = new int[16];
    private int[] nextSibling = new int[16];
    private int size;

    public TokenTree(int rootToken) {
        add(rootToken, -1, 0, Double.POSITIVE_INFINITY);
    }

    private int add(int token, int parent, int originBits, double score) {
        if (size == tokens.length) {
            int cap = size * 2;
            tokens = Arrays.copyOf(tokens, cap);
            parents = Arrays.copyOf(parents, cap);
            depths = Arrays.copyOf(depths, cap);
            origins = Arrays.copyOf(origins, cap);
            scores = Arrays.copyOf(scores, cap);
            firstChild = Arrays.copyOf(firstChild, cap);
            nextSibling = Arrays.copyOf(nextSibling, cap);
        }
        int n = size++;
        tokens[n] = token;
        parents[n] = parent;
        depths[n] = parent < 0 ? 0 : depths[parent] + 1;
        origins[n] = originBits;
        scores[n] = score;
        firstChild[n] = -1;
        nextSibling[n] = -1;
        if (parent >= 0) {
            // append as last child: keeps children in insertion order (earlier = better-ranked proposals)
            int c = firstChild[parent];
            if (c < 0) {
                firstChild[parent] = n;
            } else {
                while (nextSibling[c] >= 0) {
                    c = nextSibling[c];
                }
                nextSibling[c] = n;
            }
        }
        return n;
    }

    /** The child of {@code node} carrying {@code token}, or -1. */
    public int child(int node, int token) {
        for (int c = firstChild[node]; c >= 0; c = nextSibling[c]) {
            if (tokens[c] == token) {
                return c;
            }
        }
        return -1;
    }

    /**
     * Inserts a continuation of the root by longest-prefix match. {@code pathScores[i]} scores the node of
     * {@code path[i]} (non-increasing along the path); a shared node keeps the higher score.
     *
     * @return the number of nodes added
     */
    public int insert(int[] path, double[] pathScores, TokenOrigin origin) {
        int node = 0;
        int added = 0;
        for (int i = 0; i < path.length; i++) {
            int c = child(node, path[i]);
            if (c < 0) {
                c = add(path[i], node, origin.bit(), pathScores[i]);
                added++;
            } else {
                origins[c] |= origin.bit();
                scores[c] = Math.max(scores[c], pathScores[i]);
            }
            node = c;
        }
        return added;
    }

    /**
     * The child of {@code node} carrying {@code token}: an existing one gains {@code originBits} and keeps the higher
     * score, otherwise a new node is attached. Fusion and draft-guided pruning insert another tree node by node with this.
     */
    public int extend(int node, int token, int originBits, double score) {
        int c = child(node, token);
        if (c < 0) {
            return add(token, node, originBits, score);
        }
        origins[c] |= originBits;
        scores[c] = Math.max(scores[c], score);
        return c;
    }

    /** Attaches (or reuses) the child of {@code node} carrying {@code token}; returns its index. */
    public int insertChild(int node, int token, double score, TokenOrigin origin) {
        return extend(node, token, origin.bit(), score);
    }

    /** The origins of {@code node} as a bit set, for {@link #extend}. */
    public int originBits(int node) {
        return origins[node];
    }

    /** Same as {@link #insert(int[], double[], TokenOrigin)} with one score for the whole path. */
    public int insert(int[] path, double score, TokenOrigin origin) {
        double[] s = new double[path.length];
        Arrays.fill(s, score);
        return insert(path, s, origin);
    }

    /**
     * Keeps at most {@code maxNodes} non-root nodes, dropping the lowest-scored leaves first (a leaf goes before its
     * parent, so what remains is still a tree). Node indices are renumbered; the order stays topological. A budget trim,
     * not the paper's pruning (that is {@code RetrievalTree.pruneByDraft}).
     */
    public TokenTree trimTo(int maxNodes) {
        if (size - 1 <= maxNodes) {
            return this;
        }
        int[] childCount = new int[size];
        for (int i = 1; i < size; i++) {
            childCount[parents[i]]++;
        }
        boolean[] removed = new boolean[size];
        java.util.PriorityQueue<Integer> leaves = new java.util.PriorityQueue<>((a, b) -> {
            int cmp = Double.compare(scores[a], scores[b]);
            return cmp != 0 ? cmp : Integer.compare(b, a); // equal scores: drop the later-inserted first
        });
        for (int i = 1; i < size; i++) {
            if (childCount[i] == 0) {
                leaves.add(i);
            }
        }
        int remaining = size - 1;
        while (remaining > maxNodes) {
            int leaf = leaves.poll();
            removed[leaf] = true;
            remaining--;
            int p = parents[leaf];
            if (p > 0 && --childCount[p] == 0) {
                leaves.add(p);
            }
        }
        TokenTree kept = new TokenTree(tokens[0]);
        int[] map = new int[size];
        map[0] = 0;
        for (int i = 1; i < size; i++) {
            if (!removed[i]) {
                map[i] = kept.add(tokens[i], map[parents[i]], origins[i], scores[i]);
            }
        }
        return kept;
    }

    /**
     * The tree without the nodes {@code keep} rejects and everything below them (constrained decoding drops
     * proposals that leave the grammar before they cost verification). The root always stays; order stays
     * topological.
     */
    public TokenTree retain(java.util.function.IntPredicate keep) {
        TokenTree kept = new TokenTree(tokens[0]);
        int[] map = new int[size];
        map[0] = 0;
        boolean same = true;
        for (int i = 1; i < size; i++) {
            int p = map[parents[i]];
            if (p >= 0 && keep.test(i)) {
                map[i] = kept.add(tokens[i], p, origins[i], scores[i]);
            } else {
                map[i] = -1;
                same = false;
            }
        }
        return same ? this : kept;
    }

    /**
     * The same tree in depth-first order with the best-scored child first: the most likely path sits in consecutive
     * verification rows right after the root, so when it is accepted the target's KV cache already holds it in place
     * and no gather is needed (measured: a gather of the accepted rows costs about 2 ms per step on a 6-layer model).
     */
    public TokenTree bestPathFirst() {
        TokenTree out = new TokenTree(tokens[0]);
        int[] stack = new int[size];
        int[] mapped = new int[size];
        int top = 0;
        stack[top++] = 0;
        while (top > 0) {
            int n = stack[--top];
            if (n != 0) {
                mapped[n] = out.add(tokens[n], mapped[parents[n]], origins[n], scores[n]);
            }
            // push children worst first so the best is popped (and laid out) first; ties keep insertion order
            List<Integer> children = new ArrayList<>();
            for (int c = firstChild[n]; c >= 0; c = nextSibling[c]) {
                children.add(c);
            }
            children.sort((a, b) -> Double.compare(scores[a], scores[b]) != 0
                    ? Double.compare(scores[a], scores[b])
                    : Integer.compare(b, a));
            for (int c : children) {
                stack[top++] = c;
            }
        }
        return out;
    }

    /** Nodes including the root. */
    public int size() {
        return size;
    }

    public int token(int node) {
        return tokens[node];
    }

    public int parent(int node) {
        return parents[node];
    }

    public int depth(int node) {
        return depths[node];
    }

    public double score(int node) {
        return scores[node];
    }

    /** The proposers that proposed {@code node}. */
    public EnumSet<TokenOrigin> origins(int node) {
        EnumSet<TokenOrigin> s = EnumSet.noneOf(TokenOrigin.class);
        for (TokenOrigin o : TokenOrigin.values()) {
            if ((origins[node] & o.bit()) != 0) {
                s.add(o);
            }
        }
        return s;
    }

    public boolean hasOrigin(int node, TokenOrigin origin) {
        return (origins[node] & origin.bit()) != 0;
    }

    public int maxDepth() {
        int d = 0;
        for (int i = 0; i < size; i++) {
            d = Math.max(d, depths[i]);
        }
        return d;
    }

    /** All node tokens in verification order (root first). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, size);
    }

    /**
     * Parent index of every node, for {@link io.rasd.model.AttentionMask#tree}: the root's parent is -1 (it attends
     * to the cached context).
     */
    public int[] parents() {
        return Arrays.copyOf(parents, size);
    }

    /** RoPE positions: the root sits at {@code rootPosition}, every node one further per depth. */
    public int[] positions(int rootPosition) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = rootPosition + depths[i];
        }
        return p;
    }

    /** Root-to-leaf token paths (for tests and debugging). */
    public List<int[]> paths() {
        List<int[]> out = new ArrayList<>();
        for (int i = 1; i < size; i++) {
            if (firstChild[i] < 0) {
                int[] path = new int[depths[i]];
                for (int n = i; n > 0; n = parents[n]) {
                    path[depths[n] - 1] = tokens[n];
                }
                out.add(path);
            }
        }
        return out;
    }
}
