package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.model.RandomCheckpoint;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models, tokenizer and draft that do not belong together are refused when the engine is built, naming both sides;
 * differences that do not matter (a padded draft vocabulary, a shorter draft window) are accepted and stay lossless.
 */
class MismatchedModelsTest {

    @TempDir
    Path tmp;

    private static final int[] PROMPT = {0, 40, 41, 42, 43, 40, 41};

    private static Tokenizer tokenizer() {
        return Tokenizer.load(TestData.hf("tokenizer"));
    }

    private Path model(String name, RandomCheckpoint c) {
        return c.writeTo(tmp.resolve(name));
    }

    @Test
    void aTargetWithFewerIdsThanItsTokenizerIsRefused() {
        Path small = model("small-target", RandomCheckpoint.llama().vocab(300));
        try (CausalLm target = CausalLm.load(small, Device.cpu(), 0);
                Tokenizer tok = tokenizer()) {
            assertThatThrownBy(() ->
                            RasdEngine.builder().target(target).tokenizer(tok).build())
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("512 tokens")
                    .hasMessageContaining("vocab_size 300")
                    .hasMessageContaining(small.toString())
                    .hasMessageContaining("do not belong together");
        }
    }

    @Test
    void aDraftWithFewerIdsThanTheTokenizerIsRefusedByTheBuilder() {
        Path draftDir = model("small-draft", RandomCheckpoint.llama().vocab(256).layers(1));
        try (CausalLm target = CausalLm.load(model("t", RandomCheckpoint.llama()), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(draftDir, Device.cpu(), 0);
                Tokenizer tok = tokenizer()) {
            assertThatThrownBy(() -> RasdEngine.builder()
                            .target(target)
                            .draft(draft)
                            .tokenizer(tok)
                            .build())
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("Draft model " + draftDir)
                    .hasMessageContaining("vocab_size 256")
                    .hasMessageContaining("512 tokens");
        }
    }

    @Test
    void aDraftTrainedOnAnotherTokenizerIsRefusedByTheBuilder() throws Exception {
        Path draftDir = model("other-draft", RandomCheckpoint.llama().layers(1));
        String json = Files.readString(TestData.hf("tokenizer").resolve("tokenizer.json"))
                .replace("\"<pad>\"", "\"<padding>\"");
        Files.writeString(draftDir.resolve("tokenizer.json"), json);
        try (CausalLm target = CausalLm.load(model("t", RandomCheckpoint.llama()), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(draftDir, Device.cpu(), 0);
                Tokenizer tok = tokenizer()) {
            assertThatThrownBy(() -> RasdEngine.builder()
                            .target(target)
                            .draft(draft)
                            .tokenizer(tok)
                            .build())
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("different tokenizer")
                    .hasMessageContaining(draftDir.toString())
                    .hasMessageContaining("fingerprint");
        }
    }

    @Test
    void aDraftWithACorruptTokenizerFileIsRefusedNamingThatFile() throws Exception {
        Path draftDir = model("corrupt-draft", RandomCheckpoint.llama().layers(1));
        Files.writeString(draftDir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": {\"a\": \"zero\"}}}");
        try (CausalLm target = CausalLm.load(model("t", RandomCheckpoint.llama()), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(draftDir, Device.cpu(), 0);
                Tokenizer tok = tokenizer()) {
            assertThatThrownBy(() -> RasdEngine.builder()
                            .target(target)
                            .draft(draft)
                            .tokenizer(tok)
                            .build())
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining(draftDir.resolve("tokenizer.json").toString())
                    .hasMessageContaining("model.vocab[\"a\"]");
        }
    }

    @Test
    void aPaddedDraftVocabularyAndAShorterDraftWindowAreAcceptedAndStayLossless() {
        Path targetDir = model("t", RandomCheckpoint.llama().seed(4).maxPositions(256));
        // the draft pads its vocabulary and sees only 48 positions: past them it stops drafting, retrieval goes on
        Path draftDir =
                model("d", RandomCheckpoint.llama().seed(4).layers(1).vocab(640).maxPositions(48));
        try (CausalLm target = CausalLm.load(targetDir, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(draftDir, Device.cpu(), 0);
                Tokenizer tok = tokenizer();
                RasdEngine e = RasdEngine.builder()
                        .target(target)
                        .draft(draft)
                        .tokenizer(tok)
                        .speculation(SpeculationConfig.builder().adaptive(false).build())
                        .build()) {
            GenerationResult ar = e.generate(GenerationRequest.greedy(PROMPT, 100));
            for (DecodingMode mode : new DecodingMode[] {DecodingMode.DRAFT, DecodingMode.RASD_PLD}) {
                GenerationResult r = e.generate(new GenerationRequest(PROMPT, 100, mode, null, null, null));
                assertThat(r.tokens()).as(mode.cliName()).isEqualTo(ar.tokens());
                assertThat(java.util.Arrays.stream(r.tokens()).max().orElse(0))
                        .as(mode.cliName())
                        .isLessThan(512);
            }
        }
    }
}
