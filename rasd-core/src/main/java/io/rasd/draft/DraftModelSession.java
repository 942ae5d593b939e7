package io.rasd.draft;

import io.rasd.RasdException;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.KvSnapshot;
import io.rasd.model.Logits;
import io.rasd.model.Positions;
import io.rasd.model.TopK;
import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The {@link DraftModel}'s side of one generation: its KV cache and the committed tokens it has not seen yet.
 *
 * <p>{@link #grow} is EAGLE-2's dynamic expansion: the catch-up tokens and the root go through the draft in one causal
 * forward (the root's distribution is kept for pruning), then at every depth the {@code topK} frontier nodes with the
 * best cumulative log-probability are expanded by their {@code topK} most likely children in one batched forward over
 * the draft's cache with a tree mask, and finally the best {@code budget} nodes overall are kept. {@link #commit}
 * keeps the cache rows of the accepted draft path (a gather, as for the target) and queues the rest of the committed
 * tokens for the next catch-up.
 *
 * <p>Cache layout during a step: rows {@code [0, committed)} are context every tree node sees; the rows after them
 * are expanded tree nodes, each visible only to its own descendants.
 */
final class DraftModelSession implements Drafter.Session, Drafter.PrefixCacheRows {

    private final DraftModel draft;
    private final CausalLm lm;
    private final KvCache cache;
    private final ProposableIds proposable;
    /** Rows of the cache that hold committed context. */
    private int committed;
    /** Committed tokens not yet in the cache; after a commit it always ends with the next root. */
    private int[] pending = new int[0];

    /** This step's candidates (index 0 = root); parents precede children. */
    private final List<Candidate> candidates = new ArrayList<>();

    private record Candidate(int token, int parent, int depth, double logProb, int[] row) {}

    /** Queues the prompt: the draft reads it in the first {@link #grow}'s catch-up forward. */
    DraftModelSession(DraftModel draft, int[] prompt) {
        this.draft = draft;
        this.lm = draft.model();
        this.cache = lm.newCache();
        this.proposable = new ProposableIds(lm.config().vocabSize(), draft.proposableVocab());
        append(prompt);
    }

    private void append(int[] tokens) {
        int[] p = Arrays.copyOf(pending, pending.length + tokens.length);
        System.arraycopy(tokens, 0, p, pending.length, tokens.length);
        pending = p;
    }

    /**
     * Puts the cached rows of the first {@code rows} queued tokens in place instead of reading them (a prefix cache
     * hit): only the rest is read at the first catch-up. Call before the first {@link #grow};
     * {@code parts} must hold this draft model's rows for exactly those tokens, and one queued token (the root) must
     * remain. Returns the rows restored: none when the queued tokens exceed the draft's window anyway (it never drafts
     * then).
     */
    @Override
    public int restore(List<KvSnapshot> parts, int rows) {
        if (committed != 0 || cache.length() != 0 || rows >= pending.length) {
            throw new RasdException("draft restore of " + rows + " rows needs a fresh session with more queued tokens"
                    + " (" + pending.length + " queued, " + committed + " read)");
        }
        if (rows == 0 || pending.length + 1 > cache.limit()) {
            return 0;
        }
        cache.restore(parts, rows);
        committed = rows;
        pending = Arrays.copyOfRange(pending, rows, pending.length);
        return rows;
    }

    /** Rows of the draft's cache that hold committed context (the first tokens of prompt + committed output). */
    @Override
    public int committedRows() {
        return committed;
    }

    /** A heap copy of committed rows {@code [from, to)}, for a prefix cache. */
    @Override
    public KvSnapshot snapshot(int from, int to) {
        if (to > committed) {
            throw new RasdException("draft snapshot up to row " + to + " but only " + committed + " are committed");
        }
        return cache.snapshot(from, to);
    }

    /**
     * Reads the queued tokens but the last (the first root) in one causal forward: the prompt, beside the target's
     * prefill. Only its last row gets logits (the forward needs one; nothing reads them). Call before the first
     * {@link #grow}, after any {@link #restore}.
     */
    @Override
    public void readPrompt() {
        int n = pending.length - 1;
        if (n <= 0 || committed + pending.length + 1 > cache.limit()) {
            return; // nothing to read ahead, or the draft never drafts in this window
        }
        int[] tokens = Arrays.copyOf(pending, n);
        try (Logits ignored = lm.forward(
                cache, tokens, Positions.consecutive(committed, n), AttentionMask.causal(), new int[] {n - 1})) {
            committed += n;
            pending = new int[] {pending[n]};
        }
    }

    /** Committed tokens the draft has not read yet (catch-up work for the next {@link #grow}). */
    public int pendingTokens() {
        return pending.length;
    }

    /**
     * Grows this step's draft tree under the root (the last committed token). Returns an empty tree when the draft's
     * context window has no room left.
     */
    @Override
    public DraftTree grow(DraftBudget budget, Drafter.DepthPolicy policy) {
        candidates.clear();
        int root = pending[pending.length - 1];
        if (committed + pending.length + 1 > cache.limit()) {
            return DraftTree.empty(root);
        }
        List<Integer> frontier = new ArrayList<>();
        RootDistribution rootDistribution = catchUp(root, budget, frontier);
        int forwards = 1;
        int rootPosition = committed - 1;
        for (int depth = 1; depth < budget.maxDepth() && !frontier.isEmpty(); depth++) {
            // EAGLE-2: expand only the topK best nodes of the newest layer
            frontier.sort(
                    Comparator.comparingDouble((Integer c) -> -candidates.get(c).logProb())
                            .thenComparingInt(c -> c));
            List<Integer> expand = frontier.subList(0, Math.min(budget.topK(), frontier.size()));
            if (!policy.expand(depth + 1, Math.exp(candidates.get(expand.get(0)).logProb()))
                    || cache.length() + expand.size() > cache.limit()
                    || rootPosition + depth + 1 >= cache.limit()) {
                break;
            }
            frontier = expand(expand, depth, rootPosition, budget.topK());
            forwards++;
        }
        return new DraftTree(bestNodes(root, budget.nodes()), rootDistribution, forwards);
    }

    /**
     * The catch-up forward: every queued committed token and the root in one causal forward over the cache. The
     * root's row gives the root distribution (top-m, for pruning) and the first depth's candidates, added to
     * {@code frontier}.
     */
    private RootDistribution catchUp(int root, DraftBudget budget, List<Integer> frontier) {
        RootDistribution rootDistribution;
        candidates.add(new Candidate(root, -1, 0, 0, new int[] {-1}));
        try (Logits logits = lm.forward(
                cache, pending, Positions.consecutive(committed, pending.length), AttentionMask.causal(), new int[] {
                    pending.length - 1
                })) {
            TopK top = proposable.filter(
                    logits.topKProbabilities(proposable.fetch(Math.max(budget.rootTopM(), budget.topK())))[0]);
            rootDistribution = new RootDistribution(top.ids(), top.values());
            for (int i = 0; i < Math.min(budget.topK(), top.ids().length); i++) {
                candidates.add(new Candidate(top.ids()[i], 0, 1, Math.log(top.values()[i]), new int[] {-1}));
                frontier.add(candidates.size() - 1);
            }
        }
        committed += pending.length;
        pending = new int[0];
        return rootDistribution;
    }

    /**
     * One depth: the {@code expand} nodes go through the draft in one batched forward over its cache, each seeing the
     * committed context and its own ancestors (a tree mask); each gets its {@code topK} most likely children. Returns
     * the new frontier.
     */
    private List<Integer> expand(List<Integer> expand, int depth, int rootPosition, int topK) {
        int n = expand.size();
        int[] tokens = new int[n];
        int[] pos = new int[n];
        int tailWidth = cache.length() - committed + n;
        boolean[][] mask = new boolean[n][tailWidth];
        for (int i = 0; i < n; i++) {
            Candidate c = candidates.get(expand.get(i));
            tokens[i] = c.token();
            pos[i] = rootPosition + c.depth();
            for (int a = c.parent(); a > 0; a = candidates.get(a).parent()) {
                mask[i][candidates.get(a).row()[0] - committed] = true;
            }
            mask[i][cache.length() - committed + i] = true;
            c.row()[0] = cache.length() + i;
        }
        List<Integer> next = new ArrayList<>();
        try (Logits logits = lm.forward(cache, tokens, pos, AttentionMask.explicit(committed, mask), null)) {
            TopK[] tops = logits.topKProbabilities(proposable.fetch(topK));
            for (int i = 0; i < n; i++) {
                TopK top = proposable.filter(tops[i]);
                Candidate parent = candidates.get(expand.get(i));
                for (int j = 0; j < Math.min(topK, top.ids().length); j++) {
                    candidates.add(new Candidate(
                            top.ids()[j],
                            expand.get(i),
                            depth + 1,
                            parent.logProb() + Math.log(top.values()[j]),
                            new int[] {-1}));
                    next.add(candidates.size() - 1);
                }
            }
        }
        return next;
    }

    /** The best {@code budget} candidates as a tree (EAGLE-2's rerank). */
    private TokenTree bestNodes(int root, int budget) {
        return BestNodes.tree(
                root,
                candidates.size(),
                budget,
                i -> candidates.get(i).token(),
                i -> candidates.get(i).parent(),
                i -> candidates.get(i).logProb());
    }

    /**
     * The step committed {@code tokens} (accepted path, then the bonus token). Cache rows of the longest prefix the
     * draft itself expanded are kept in place of the tree; the other tokens are read at the next catch-up.
     */
    @Override
    public void commit(int[] tokens) {
        int[] rows = new int[tokens.length];
        int kept = 0;
        int node = 0;
        // the last token is the next root: it is always read fresh, its distribution is needed
        while (kept < tokens.length - 1 && !candidates.isEmpty()) {
            int next = -1;
            for (int i = node + 1; i < candidates.size(); i++) {
                Candidate c = candidates.get(i);
                if (c.parent() == node && c.token() == tokens[kept] && c.row()[0] >= 0) {
                    next = i;
                    break;
                }
            }
            if (next < 0) {
                break;
            }
            rows[kept++] = candidates.get(next).row()[0];
            node = next;
        }
        cache.retain(committed, Arrays.copyOf(rows, kept));
        committed += kept;
        candidates.clear();
        append(Arrays.copyOfRange(tokens, kept, tokens.length));
    }

    @Override
    public void close() {
        cache.close();
    }
}
