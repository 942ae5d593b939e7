package io.rasd.cli;

import io.rasd.datastore.TokenDatastore;
import io.rasd.draft.Drafter;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.draft.eagle.EagleHeadFormat;
import io.rasd.engine.RasdEngine;
import io.rasd.model.CausalLm;
import io.rasd.text.Tokenizer;
import java.io.IOException;

/**
 * An engine with the target, draft (a small model or an EAGLE head, told apart by its files), tokenizer and datastore a
 * command line names; closing it closes them all.
 */
record OpenEngine(RasdEngine engine, Tokenizer tokenizer, TokenDatastore datastore) implements AutoCloseable {

    static OpenEngine open(ModelOptions model, SpeculationOptions proposers) throws IOException {
        CausalLm target = null;
        CausalLm draft = null;
        Drafter head = null;
        Tokenizer tokenizer = null;
        TokenDatastore store = null;
        try {
            target = model.load();
            tokenizer = Tokenizer.load(model.model);
            if (proposers.draft != null && EagleHeadFormat.looksLikeEagleHead(proposers.draft)) {
                // --draft DIR names an EAGLE head: it drafts from the target's own features
                head = EagleDrafter.load(proposers.draft, target, tokenizer.vocabSize());
            } else if (proposers.draft != null) {
                draft = model.load(proposers.draft);
            }
            store = proposers.datastore(tokenizer);
            RasdEngine engine = RasdEngine.builder()
                    .target(target)
                    .draft(draft)
                    .drafter(head)
                    .tokenizer(tokenizer)
                    .speculation(proposers.config())
                    .datastore(store)
                    .ownsModels(true)
                    .build();
            return new OpenEngine(engine, tokenizer, store);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {store, tokenizer, head, draft, target}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
    }

    @Override
    public void close() {
        engine.close();
        if (datastore != null) {
            datastore.close();
        }
    }
}
