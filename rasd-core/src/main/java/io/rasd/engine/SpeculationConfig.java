package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.retrieval.PromptLookup;

/**
 * The speculation knobs. With {@code adaptive} on, the engine treats {@code treeBudget} and {@code draftDepth} as
 * upper bounds and picks the values that maximise expected tokens per second from the measured verify cost curve and
 * the acceptance it observes (see {@link AdaptiveController}); with it off they are used as given.
 *
 * @param treeBudget most proposed nodes verified per target forward (the root not counted). On CPU the verify cost
 *     grows quickly with the batch (t(8) is about 1.5 t(1) on a 20M model, t(64) about 3.8), so small trees win.
 * @param draftDepth most draft-model forwards per step (tree depth of the draft tree)
 * @param draftTopK EAGLE-2's K: frontier nodes expanded per depth, and children kept per expanded node
 * @param draftBudget draft-tree nodes kept (best cumulative probability) before fusion
 * @param pruneTopK a retrieval path survives only if its first token is among the draft's top-k at the root
 * @param pruneMinProb ... and has at least this draft probability there
 * @param retrievalBudget retrieval-tree nodes kept after pruning
 * @param adaptive choose budgets and depth from measured cost and acceptance, and fall back to plain decoding
 *     while speculation does not pay
 */
public record SpeculationConfig(
        int treeBudget,
        int draftDepth,
        int draftTopK,
        int draftBudget,
        int pruneTopK,
        double pruneMinProb,
        int retrievalBudget,
        boolean adaptive,
        PromptLookup.Config promptLookup,
        TokenDatastore.QueryConfig datastoreQuery) {

    public SpeculationConfig {
        check("tree budget", treeBudget, 0, 256);
        check("draft depth", draftDepth, 1, 32);
        check("draft top-k", draftTopK, 1, 32);
        check("draft budget", draftBudget, 1, 256);
        check("prune top-k", pruneTopK, 1, 1024);
        check("retrieval budget", retrievalBudget, 0, 256);
        if (!(pruneMinProb >= 0 && pruneMinProb < 1)) {
            throw new RasdException("prune min probability must be in [0, 1), got " + pruneMinProb);
        }
        if (promptLookup == null) {
            promptLookup = PromptLookup.Config.DEFAULT;
        }
        if (datastoreQuery == null) {
            datastoreQuery = TokenDatastore.QueryConfig.DEFAULT;
        }
    }

    private static void check(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new RasdException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /** Hand-set tree budget and prompt lookup, everything else default, adaptive control off. */
    public SpeculationConfig(int treeBudget, PromptLookup.Config promptLookup) {
        this(
                treeBudget,
                DEFAULT_DRAFT_DEPTH,
                DEFAULT_DRAFT_TOP_K,
                DEFAULT_DRAFT_BUDGET,
                DEFAULT_PRUNE_TOP_K,
                DEFAULT_PRUNE_MIN_PROB,
                DEFAULT_RETRIEVAL_BUDGET,
                false,
                promptLookup,
                TokenDatastore.QueryConfig.DEFAULT);
    }

    // The defaults as constants, so that annotations (CLI help) can show them; DEFAULT is made of them.
    public static final int DEFAULT_TREE_BUDGET = 12;
    public static final int DEFAULT_DRAFT_DEPTH = 5;
    public static final int DEFAULT_DRAFT_TOP_K = 3;
    public static final int DEFAULT_DRAFT_BUDGET = 10;
    public static final int DEFAULT_PRUNE_TOP_K = 8;
    public static final double DEFAULT_PRUNE_MIN_PROB = 0;
    public static final int DEFAULT_RETRIEVAL_BUDGET = 12;
    public static final boolean DEFAULT_ADAPTIVE = true;

    /** Defaults chosen on the 2-core CPU measurements in docs/architecture.md §5 and §9; adaptive control on. */
    public static final SpeculationConfig DEFAULT = new SpeculationConfig(
            DEFAULT_TREE_BUDGET,
            DEFAULT_DRAFT_DEPTH,
            DEFAULT_DRAFT_TOP_K,
            DEFAULT_DRAFT_BUDGET,
            DEFAULT_PRUNE_TOP_K,
            DEFAULT_PRUNE_MIN_PROB,
            DEFAULT_RETRIEVAL_BUDGET,
            DEFAULT_ADAPTIVE,
            PromptLookup.Config.DEFAULT,
            TokenDatastore.QueryConfig.DEFAULT);

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return new Builder(DEFAULT);
    }

    /** Copy-and-change builder: start from {@link #DEFAULT} or any config. */
    public static final class Builder {
        private int treeBudget;
        private int draftDepth;
        private int draftTopK;
        private int draftBudget;
        private int pruneTopK;
        private double pruneMinProb;
        private int retrievalBudget;
        private boolean adaptive;
        private PromptLookup.Config promptLookup;
        private TokenDatastore.QueryConfig datastoreQuery;

        private Builder(SpeculationConfig c) {
            treeBudget = c.treeBudget;
            draftDepth = c.draftDepth;
            draftTopK = c.draftTopK;
            draftBudget = c.draftBudget;
            pruneTopK = c.pruneTopK;
            pruneMinProb = c.pruneMinProb;
            retrievalBudget = c.retrievalBudget;
            adaptive = c.adaptive;
            promptLookup = c.promptLookup;
            datastoreQuery = c.datastoreQuery;
        }

        public Builder treeBudget(int v) {
            treeBudget = v;
            return this;
        }

        public Builder draftDepth(int v) {
            draftDepth = v;
            return this;
        }

        public Builder draftTopK(int v) {
            draftTopK = v;
            return this;
        }

        public Builder draftBudget(int v) {
            draftBudget = v;
            return this;
        }

        public Builder pruneTopK(int v) {
            pruneTopK = v;
            return this;
        }

        public Builder pruneMinProb(double v) {
            pruneMinProb = v;
            return this;
        }

        public Builder retrievalBudget(int v) {
            retrievalBudget = v;
            return this;
        }

        public Builder adaptive(boolean v) {
            adaptive = v;
            return this;
        }

        public Builder promptLookup(PromptLookup.Config v) {
            promptLookup = v;
            return this;
        }

        public Builder datastoreQuery(TokenDatastore.QueryConfig v) {
            datastoreQuery = v;
            return this;
        }

        public SpeculationConfig build() {
            return new SpeculationConfig(
                    treeBudget,
                    draftDepth,
                    draftTopK,
                    draftBudget,
                    pruneTopK,
                    pruneMinProb,
                    retrievalBudget,
                    adaptive,
                    promptLookup,
                    datastoreQuery);
        }
    }
}
