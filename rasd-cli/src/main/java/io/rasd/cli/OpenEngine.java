package io.rasd.cli;

import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.RasdEngine;
import io.rasd.model.CausalLm;
import io.rasd.text.Tokenizer;
import java.io.IOException;

/** An engine with the target, draft, tokenizer and datastore a command line names; closing it closes them all. */
record OpenEngine(RasdEngine engine, Tokenizer tokenizer, TokenDatastore datastore) implements AutoCloseable {

    static OpenEngine open(ModelOptions model, SpeculationOptions proposers) throws IOException {
        CausalLm target = null;
        CausalLm draft = null;
        Tokenizer tokenizer = null;
        TokenDatastore store = null;
        try {
            target = model.load();
            draft = proposers.draft == null ? null : model.load(proposers.draft);
            tokenizer = Tokenizer.load(model.model);
            store = proposers.datastore(tokenizer);
            RasdEngine engine = RasdEngine.builder()
                    .target(target)
                    .draft(draft)
                    .tokenizer(tokenizer)
                    .speculation(proposers.config())
                    .datastore(store)
                    .ownsModels(true)
                    .build();
            return new OpenEngine(engine, tokenizer, store);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {store, tokenizer, draft, target}) {
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
