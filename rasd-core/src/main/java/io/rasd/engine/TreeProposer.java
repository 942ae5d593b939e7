package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.draft.DraftBudget;
import io.rasd.draft.DraftTree;
import io.rasd.draft.Drafter;
import io.rasd.retrieval.RetrievalSource;
import io.rasd.retrieval.RetrievalTree;
import io.rasd.tree.RootDistribution;
import io.rasd.tree.TokenOrigin;
import io.rasd.tree.TokenTree;
import io.rasd.tree.TreeFusion;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Steps 1-4 of a decoding step (docs/architecture.md §3) for one generation: the drafter grows a tree while a worker
 * thread retrieves continuations from every source (those adaptive control has not benched); each retrieval tree is
 * pruned by the drafter's root distribution apart (their counts are not comparable) and fused into the draft tree by
 * longest prefix; adaptive control picks how many of the fused nodes to verify.
 */
final class TreeProposer {

    private final Drafter.Session drafter;
    private final List<RetrievalSource> sources;
    private final ExecutorService retrievalPool;
    private final SpeculationConfig speculation;
    private final AdaptiveController control;
    private final Costs costs;
    /** Drops proposals that leave the grammar; null when the request is unconstrained. */
    private final OutputConstraint constraint;
    /** The mode's proposers: the drafter as DRAFT, each source as its origin; adaptive control may bench some. */
    private final Set<TokenOrigin> available;

    /** Time and forwards spent proposing, over the generation. */
    static final class Costs {
        long draftNanos;
        long retrievalNanos;
        int draftForwards;
    }

    /** @param drafter null in the retrieval-only modes */
    TreeProposer(
            Drafter.Session drafter,
            List<RetrievalSource> sources,
            ExecutorService retrievalPool,
            SpeculationConfig speculation,
            AdaptiveController control,
            Costs costs,
            OutputConstraint constraint) {
        this.drafter = drafter;
        this.sources = List.copyOf(sources);
        this.retrievalPool = retrievalPool;
        this.speculation = speculation;
        this.control = control;
        this.costs = costs;
        this.constraint = constraint;
        EnumSet<TokenOrigin> origins = EnumSet.noneOf(TokenOrigin.class);
        if (drafter != null) {
            origins.add(TokenOrigin.DRAFT);
        }
        for (RetrievalSource source : this.sources) {
            if (!origins.add(source.origin())) {
                throw new IllegalArgumentException("two retrieval sources with origin " + source.origin());
            }
        }
        this.available = Collections.unmodifiableSet(origins);
    }

    /** The engine's pool for retrieval beside drafting: daemon threads, created as generations need them. */
    static ExecutorService newRetrievalPool() {
        AtomicInteger n = new AtomicInteger();
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rasd-retrieval-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The tree to verify after {@code root}, at most {@code room} proposed nodes (the context window's room).
     *
     * @param stepStart when the step began (nanoTime): time already spent counts against a larger tree
     */
    StepProposal propose(int root, int room, long stepStart) {
        Set<TokenOrigin> running = control.proposersThisStep(available);
        double[] seconds = new double[TokenOrigin.values().length];
        List<RetrievalSource> active = new ArrayList<>(sources.size());
        for (RetrievalSource source : sources) {
            if (running.contains(source.origin())) {
                active.add(source);
            }
        }
        boolean drafts = running.contains(TokenOrigin.DRAFT);
        Future<List<RetrievalTree>> background = null;
        List<RetrievalTree> retrieved = List.of();
        if (!active.isEmpty() && drafts) {
            background = retrievalPool.submit(() -> retrieve(root, active, seconds)); // step 2 beside step 1
        } else if (!active.isEmpty()) {
            long r0 = System.nanoTime();
            retrieved = retrieve(root, active, seconds);
            costs.retrievalNanos += System.nanoTime() - r0;
        }
        long d0 = System.nanoTime();
        DraftTree draft = drafts ? draft() : null;
        if (drafts) {
            seconds[TokenOrigin.DRAFT.ordinal()] = (System.nanoTime() - d0) / 1e9;
        }
        if (background != null) {
            long w0 = System.nanoTime();
            retrieved = await(background);
            costs.retrievalNanos += System.nanoTime() - w0; // only the part drafting did not hide
        }
        long p0 = System.nanoTime();
        TokenTree fused = pruneAndFuse(root, draft, retrieved);
        costs.retrievalNanos += retrieved.isEmpty() ? 0 : System.nanoTime() - p0;
        if (constraint != null) {
            fused = constraint.prune(fused); // before the budget: nodes the target can never accept cost no verify
        }
        int budget = control.treeBudget(fused, (System.nanoTime() - stepStart) / 1e9);
        TokenTree verified = fused.trimTo(Math.min(budget, room)).bestPathFirst();
        return new StepProposal(verified, true, running, seconds);
    }

    /** Step 1: the drafter's tree, within the budget adaptive control allows. */
    private DraftTree draft() {
        long d0 = System.nanoTime();
        DraftBudget budget = new DraftBudget(
                control.maxDraftDepth(), speculation.draftTopK(), speculation.draftBudget(), speculation.pruneTopK());
        DraftTree tree = drafter.grow(budget, control.depthPolicy());
        long nanos = System.nanoTime() - d0;
        costs.draftNanos += nanos;
        costs.draftForwards += tree.forwards();
        if (tree.forwards() > 0) {
            control.observeDraftForward(nanos / 1e9 / tree.forwards());
        }
        return tree;
    }

    /** Step 2: one retrieval tree per active source; each source's time goes to {@code seconds} by its origin. */
    private static List<RetrievalTree> retrieve(int root, List<RetrievalSource> active, double[] seconds) {
        List<RetrievalTree> trees = new ArrayList<>(active.size());
        for (RetrievalSource source : active) {
            long t0 = System.nanoTime();
            trees.add(source.retrieve(root));
            seconds[source.origin().ordinal()] += (System.nanoTime() - t0) / 1e9;
        }
        return trees;
    }

    /** Steps 3 and 4: draft-guided pruning of every retrieval tree, then longest-prefix fusion into the draft tree. */
    private TokenTree pruneAndFuse(int root, DraftTree draft, List<RetrievalTree> retrieved) {
        RootDistribution rootDistribution = draft == null ? null : draft.rootDistribution();
        TokenTree[] pruned = new TokenTree[retrieved.size()];
        for (int i = 0; i < pruned.length; i++) {
            RetrievalTree r = retrieved.get(i);
            pruned[i] = r.isEmpty()
                    ? null
                    : r.pruneByDraft(
                            rootDistribution,
                            speculation.pruneTopK(),
                            speculation.pruneMinProb(),
                            speculation.retrievalBudget());
        }
        return TreeFusion.fuse(draft == null ? new TokenTree(root) : draft.tree(), pruned);
    }

    private static List<RetrievalTree> await(Future<List<RetrievalTree>> background) {
        try {
            return background.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RasdException("interrupted while waiting for retrieval", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re
                    ? re
                    : new RasdException("retrieval failed: " + e.getCause(), e.getCause());
        }
    }

    /** Step 6's bookkeeping: the committed tokens become every proposer's context. */
    void commit(int[] step) {
        if (drafter != null) {
            drafter.commit(step);
        }
        for (RetrievalSource source : sources) {
            source.append(step);
        }
    }
}
