package io.rasd.draft.eagle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.rasd.draft.BestNodes;
import io.rasd.draft.DraftBudget;
import io.rasd.draft.DraftTree;
import io.rasd.draft.Drafter;
import io.rasd.draft.ProposableIds;
import io.rasd.model.AttentionMask;
import io.rasd.model.DeviceTensors;
import io.rasd.model.EagleHead;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.TopK;
import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenTree;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One generation's EAGLE head state. The head reads pairs: pair j is (context token j+1, the target's feature of
 * context token j) at head position j, and its output predicts context token j+2. So the pair ending at the root
 * (the root token with the feature of the token before it) gives the distribution of the root's children.
 *
 * <p>The target's features arrive through {@link #targetFeatures}: the prefill's rows, then each step's root and
 * accepted path. {@link #grow} first reads every pair that has become complete (the catch-up, one causal forward),
 * then expands the tree depth by depth: a node's pair is (its token, its parent's head output h), as EAGLE drafts. At
 * {@link #commit} the tree's rows are dropped: the accepted tokens are read again at the next catch-up with the
 * target's own features, as the reference implementation does.
 *
 * <p>Prompt rows restored from a prefix cache have no features: the head's context then starts after them (drafts
 * may be worse, output is unchanged).
 *
 * <p>NDArrays: features wait in this session's manager until their pair is read and are closed then; every array of a
 * {@link #grow} lives in a sub-manager closed at its end.
 */
final class EagleSession implements Drafter.Session, Drafter.ReadsTargetFeatures {

    /**
     * The most pairs one catch-up reads: the last ones before the root. The first catch-up would otherwise read the
     * whole prompt (a head "prefill" of 600-1,500 pairs on a RAG prompt; in a profile of {@code draft} on a Summary
     * prompt the head's catch-up forwards took three quarters of its drafting time), as would the first after a long
     * bench. Skipping older pairs costs the head nothing measurable:
     * its features already carry the target's view of the whole context (the demo head's depth-1 agreement on the
     * bench's 12 prompts, τ at depth 1: 1.459 reading everything, 1.480 with 256 pairs, 1.468 with 96).
     */
    static final int CATCH_UP_WINDOW = 256;

    private final EagleHead head;
    private final KvCache cache;
    private final NDManager manager;
    private final ProposableIds proposable;
    /** Committed context: prompt + output. */
    private int[] context;

    private int contextLength;
    /** The target's feature of context token j ({@code [1, hidden]}), until pair j is read; null when unknown. */
    private final List<NDArray> features = new ArrayList<>();
    /** The next pair to read; pairs before it are in the cache (or were skipped for want of a feature). */
    private int nextPair;

    /** This step's candidates (index 0 = root); parents precede children. */
    private final List<Candidate> candidates = new ArrayList<>();

    /** A tree node; {@code h} is the head's output at it (its children's feature) once it has been expanded. */
    private static final class Candidate {
        final int token;
        final int parent;
        final int depth;
        final double logProb;
        int row = -1;
        NDArray h;

        Candidate(int token, int parent, int depth, double logProb) {
            this.token = token;
            this.parent = parent;
            this.depth = depth;
            this.logProb = logProb;
        }
    }

    EagleSession(EagleHead head, int[] prompt, int proposableVocab) {
        this.head = head;
        this.cache = head.newCache();
        this.manager = DeviceTensors.newManager(head.target().device());
        this.proposable = proposableIds(head, proposableVocab);
        this.context = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
        this.contextLength = prompt.length;
    }

    /** Ids below the tokenizer's vocabulary; an EAGLE-3 head's draft ids count by the target id they map to. */
    private static ProposableIds proposableIds(EagleHead head, int proposableVocab) {
        if (head.targetFeatureLayers() == null) {
            return new ProposableIds(head.config().vocabSize(), proposableVocab);
        }
        int limit = Math.min(proposableVocab, head.config().vocabSize());
        int unproposable = 0;
        for (int d = 0; d < head.logitVocabSize(); d++) {
            unproposable += head.targetId(d) >= limit ? 1 : 0;
        }
        return ProposableIds.mapped(limit, unproposable);
    }

    /** The best proposals of a head distribution, as target ids, without those past the tokenizer's vocabulary. */
    private TopK proposals(TopK top) {
        int[] ids = top.ids().clone();
        for (int i = 0; i < ids.length; i++) {
            ids[i] = head.targetId(ids[i]);
        }
        return proposable.filter(new TopK(ids, top.values()));
    }

    @Override
    public int[] targetFeatureLayers() {
        return head.targetFeatureLayers();
    }

    @Override
    public void targetFeatures(Logits logits, int[] rows, int firstContextIndex) {
        NDArray all = logits.hidden(manager, rows);
        for (int i = 0; i < rows.length; i++) {
            int j = firstContextIndex + i;
            while (features.size() <= j) {
                features.add(null);
            }
            if (j >= nextPair && features.get(j) == null) {
                features.set(j, all.get(i + ":" + (i + 1)));
            }
        }
        all.close();
    }

    @Override
    public DraftTree grow(DraftBudget budget, Drafter.DepthPolicy policy) {
        candidates.clear();
        int root = context[contextLength - 1];
        int rootPair = contextLength - 2;
        int from = firstReadablePair(rootPair);
        if (from < 0 || cache.length() + (rootPair - from + 1) + 1 > cache.limit() || rootPair + 1 >= cache.limit()) {
            return DraftTree.empty(root);
        }
        try (NDManager step = manager.newSubManager()) {
            List<Integer> frontier = new ArrayList<>();
            RootDistribution rootDistribution = catchUp(from, rootPair, budget, frontier, step);
            int forwards = 1;
            int committedRows = cache.length();
            for (int depth = 1; depth < budget.maxDepth() && !frontier.isEmpty(); depth++) {
                // EAGLE-2: expand only the topK best nodes of the newest layer
                frontier.sort(Comparator.comparingDouble((Integer c) -> -candidates.get(c).logProb)
                        .thenComparingInt(c -> c));
                List<Integer> expand = frontier.subList(0, Math.min(budget.topK(), frontier.size()));
                if (!policy.expand(depth + 1, Math.exp(candidates.get(expand.get(0)).logProb))
                        || cache.length() + expand.size() > cache.limit()
                        || rootPair + depth + 1 >= cache.limit()) {
                    break;
                }
                frontier = expand(expand, committedRows, rootPair, budget.topK(), step);
                forwards++;
            }
            return new DraftTree(bestNodes(root, budget.nodes()), rootDistribution, forwards);
        }
    }

    /**
     * The first pair of the run of pairs ending at {@code rootPair} that all have their feature, at most
     * {@link #CATCH_UP_WINDOW} of them, or -1 when the root pair itself has none (no target forward has produced it
     * yet). Pairs before a gap or before the window are skipped for good.
     */
    private int firstReadablePair(int rootPair) {
        if (rootPair < nextPair || rootPair >= features.size() || features.get(rootPair) == null) {
            return -1;
        }
        int from = rootPair;
        while (from > nextPair && features.get(from - 1) != null && rootPair - from + 1 < CATCH_UP_WINDOW) {
            from--;
        }
        for (int j = nextPair; j < from; j++) {
            release(j);
        }
        return from;
    }

    /**
     * Reads pairs {@code [from, rootPair]} in one causal forward; the last row gives the root distribution and the
     * first depth's candidates, whose feature is that row's h.
     */
    private RootDistribution catchUp(
            int from, int rootPair, DraftBudget budget, List<Integer> frontier, NDManager step) {
        int n = rootPair - from + 1;
        int[] tokens = Arrays.copyOfRange(context, from + 1, rootPair + 2);
        int[] positions = new int[n];
        NDList feats = new NDList(n);
        for (int i = 0; i < n; i++) {
            positions[i] = from + i;
            feats.add(features.get(from + i));
        }
        Candidate rootNode = new Candidate(context[rootPair + 1], -1, 0, 0);
        candidates.add(rootNode);
        RootDistribution rootDistribution;
        int k = proposable.fetch(Math.max(budget.rootTopM(), budget.topK()));
        try (NDArray f = n == 1 ? null : NDArrays.concat(feats, 0);
                Logits logits = head.forward(
                        cache,
                        tokens,
                        f == null ? feats.get(0) : f,
                        positions,
                        AttentionMask.causal(),
                        new int[] {n - 1},
                        k)) {
            TopK top = proposals(logits.topKProbabilities(k)[0]);
            rootDistribution = new RootDistribution(top.ids(), top.values());
            for (int i = 0; i < Math.min(budget.topK(), top.ids().length); i++) {
                candidates.add(new Candidate(top.ids()[i], 0, 1, Math.log(top.values()[i])));
                frontier.add(candidates.size() - 1);
            }
            rootNode.h = logits.hidden(step, new int[] {n - 1});
        }
        for (int j = from; j <= rootPair; j++) {
            release(j);
        }
        nextPair = rootPair + 1;
        return rootDistribution;
    }

    /**
     * One depth: each node of {@code expand} is read as the pair (its token, its parent's h) at the position after
     * its parent's, seeing the committed rows and its ancestors' rows (a tree mask), in one batched forward.
     */
    private List<Integer> expand(List<Integer> expand, int committedRows, int rootPair, int topK, NDManager step) {
        int n = expand.size();
        int[] tokens = new int[n];
        int[] positions = new int[n];
        NDList feats = new NDList(n);
        boolean[][] mask = new boolean[n][cache.length() - committedRows + n];
        for (int i = 0; i < n; i++) {
            Candidate c = candidates.get(expand.get(i));
            tokens[i] = c.token;
            positions[i] = rootPair + c.depth;
            feats.add(candidates.get(c.parent).h);
            for (int a = c.parent; a > 0; a = candidates.get(a).parent) {
                mask[i][candidates.get(a).row - committedRows] = true;
            }
            mask[i][cache.length() - committedRows + i] = true;
            c.row = cache.length() + i;
        }
        List<Integer> next = new ArrayList<>();
        NDArray f = NDArrays.concat(feats, 0);
        f.attach(step);
        int k = proposable.fetch(topK);
        try (Logits logits =
                head.forward(cache, tokens, f, positions, AttentionMask.explicit(committedRows, mask), null, k)) {
            TopK[] tops = logits.topKProbabilities(k);
            NDArray h = logits.hidden(step, rangeOf(n));
            for (int i = 0; i < n; i++) {
                Candidate parent = candidates.get(expand.get(i));
                parent.h = h.get(i + ":" + (i + 1));
                TopK top = proposals(tops[i]);
                for (int j = 0; j < Math.min(topK, top.ids().length); j++) {
                    candidates.add(new Candidate(
                            top.ids()[j], expand.get(i), parent.depth + 1, parent.logProb + Math.log(top.values()[j])));
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
                i -> candidates.get(i).token,
                i -> candidates.get(i).parent,
                i -> candidates.get(i).logProb);
    }

    /** Drops the tree's rows (the committed tokens are read again with the target's features) and extends the context. */
    @Override
    public void commit(int[] tokens) {
        cache.truncate(committedPairsInCache());
        candidates.clear();
        if (contextLength + tokens.length > context.length) {
            context = Arrays.copyOf(context, Math.max(context.length * 2, contextLength + tokens.length));
        }
        System.arraycopy(tokens, 0, context, contextLength, tokens.length);
        contextLength += tokens.length;
    }

    /** Cache rows that hold read pairs (the tree's rows come after them). */
    private int committedPairsInCache() {
        return cache.length()
                - (int) candidates.stream().filter(c -> c.row >= 0).count();
    }

    private void release(int j) {
        if (j < features.size() && features.get(j) != null) {
            features.get(j).close();
            features.set(j, null);
        }
    }

    private static int[] rangeOf(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** Arrays this session holds (features waiting for their pair): for tests that memory stays flat. */
    int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        try {
            cache.close();
        } finally {
            manager.close();
        }
    }
}
