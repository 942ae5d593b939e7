package io.rasd.engine;

import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.PromptLookup;

/**
 * Hand-set speculation knobs.
 *
 * @param treeBudget most proposed nodes verified per target forward (the root not counted). On CPU the verify cost
 *     grows quickly with the batch (t(8) is about 1.5 t(1) on a 20M model, t(64) about 3.8), so small trees win.
 */
public record SpeculationConfig(int treeBudget, PromptLookup.Config promptLookup,
                                TokenDatastore.QueryConfig datastoreQuery) {

    public SpeculationConfig {
        if (treeBudget < 0) {
            throw new RasdException("tree budget must be >= 0, got " + treeBudget);
        }
        if (promptLookup == null) {
            promptLookup = PromptLookup.Config.DEFAULT;
        }
        if (datastoreQuery == null) {
            datastoreQuery = TokenDatastore.QueryConfig.DEFAULT;
        }
    }

    public SpeculationConfig(int treeBudget, PromptLookup.Config promptLookup) {
        this(treeBudget, promptLookup, TokenDatastore.QueryConfig.DEFAULT);
    }

    public static final SpeculationConfig DEFAULT = new SpeculationConfig(12, PromptLookup.Config.DEFAULT,
            TokenDatastore.QueryConfig.DEFAULT);
}
