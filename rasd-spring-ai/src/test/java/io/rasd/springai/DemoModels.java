package io.rasd.springai;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;

/** The trained demo models under {@code models/}: loaded once per test JVM and shared, their weights are read-only. */
final class DemoModels {

    private static final Path DIR = TestData.root().getParent().resolve("models");

    static final CausalLm TARGET = CausalLm.load(DIR.resolve("demo-target"), Device.cpu(), 0);
    static final CausalLm DRAFT = CausalLm.load(DIR.resolve("demo-draft"), Device.cpu(), 0);
    static final Tokenizer TOKENIZER = Tokenizer.load(DIR.resolve("demo-target"));

    /** The engine the tests share; they run one at a time, and the ones that need their own build it. */
    static final RasdEngine ENGINE = engine();

    /**
     * The chat model the tests share: greedy, {@link #MAX_TOKENS} long, and prompt lookup by default, the cheapest
     * speculation (the tests that are about modes name theirs).
     */
    static final RasdSpringAiChatModel MODEL = chatModel(ENGINE);

    /** Short answers: the suite stays fast on a 2-core CPU. */
    static final int MAX_TOKENS = 24;

    private DemoModels() {}

    static RasdSpringAiChatModel chatModel(RasdEngine engine) {
        return RasdSpringAiChatModel.builder()
                .engine(engine)
                .defaultOptions(RasdSpringAiChatOptions.builder()
                        .maxTokens(MAX_TOKENS)
                        .mode(DecodingMode.PLD)
                        .build())
                .build();
    }

    /** An engine with the draft model and an empty datastore; close it (the models stay loaded). */
    static RasdEngine engine() {
        return engine(RasdEngine.builder());
    }

    /**
     * Completes {@code builder} with the demo models, an empty datastore and hand-set speculation: adaptive control
     * off, so every step speculates and every source is exercised.
     */
    static RasdEngine engine(RasdEngine.Builder builder) {
        return builder.target(TARGET)
                .draft(DRAFT)
                .tokenizer(TOKENIZER)
                .datastore(TokenDatastore.empty())
                .speculation(SpeculationConfig.builder().adaptive(false).build())
                .build();
    }
}
