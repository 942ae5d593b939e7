package io.rasd.langchain4j;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;

/** The trained demo models under {@code models/}, loaded once per test JVM and shared (weights are read-only). */
final class DemoModels {

    static final CausalLm TARGET;
    static final CausalLm DRAFT;
    static final Tokenizer TOKENIZER;

    static {
        Path models = TestData.root().getParent().resolve("models");
        TARGET = CausalLm.load(models.resolve("demo-target"), Device.cpu(), 0);
        DRAFT = CausalLm.load(models.resolve("demo-draft"), Device.cpu(), 0);
        TOKENIZER = Tokenizer.load(models.resolve("demo-target"));
    }

    private DemoModels() {}

    static Path corpus() {
        return TestData.root().getParent().resolve("models/demo-corpus");
    }

    /** Hand-set speculation (adaptive control off): every step speculates, so every source is exercised. */
    static final SpeculationConfig HAND_SET =
            SpeculationConfig.builder().adaptive(false).build();

    /** An engine with the draft model and an empty datastore; close it (the models stay loaded). */
    static RasdEngine engine() {
        return engine(TokenDatastore.empty());
    }

    static RasdEngine engine(TokenDatastore datastore) {
        return RasdEngine.builder()
                .target(TARGET)
                .draft(DRAFT)
                .tokenizer(TOKENIZER)
                .datastore(datastore)
                .speculation(HAND_SET)
                .build();
    }
}
