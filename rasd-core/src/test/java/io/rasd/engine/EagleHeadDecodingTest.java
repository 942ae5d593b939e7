package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;
import io.rasd.model.LoadOptions;
import io.rasd.model.Precision;
import io.rasd.model.RandomCheckpoint;
import io.rasd.testing.RandomEagleHead;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every mode with an EAGLE head as the drafter emits what plain decoding emits, greedy and sampled with a seed. */
class EagleHeadDecodingTest {

    @TempDir
    static Path tmp;

    @Test
    void everyModeWithAHeadOnAGroupedQueryTargetMatchesPlainDecoding() {
        Path target = TestData.hf("llama-gqa-f32");
        Path head = RandomEagleHead.write(target, tmp.resolve("gqa-head"), 1, false, false);
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(target);
                EagleHead eagle = EagleHead.load(head, lm, false)) {
            EagleDrafter drafter = new EagleDrafter(eagle, tok.vocabSize());
            Map<DecodingMode, int[]> t =
                    SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, 21, 4, false);
            assertThat(t.get(DecodingMode.DRAFT)[1])
                    .as("target forwards in draft mode")
                    .isPositive();
            SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, 22, 3, true);
        }
    }

    /**
     * A bf16 target: the head reads the target's embedding rows and lm_head through the kernel module (a tied half
     * head is the embedding itself, with the final norm applied apart), and stays f32 itself.
     */
    @Test
    void headsOnABf16TargetStayLossless() {
        Path tied = TestData.hf("llama-tied-bf16");
        Path head = RandomEagleHead.write(tied, tmp.resolve("tied-head"), 3, false, false);
        LoadOptions bf16 = LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(Precision.BF16);
        try (CausalLm lm = CausalLm.load(tied, bf16);
                Tokenizer tok = Tokenizer.load(tied);
                EagleHead eagle = EagleHead.load(head, lm, false)) {
            EagleDrafter drafter = new EagleDrafter(eagle, tok.vocabSize());
            SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, 41, 1, false);
            SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, 42, 1, true);
        }
        Path eagle3 = TestData.root().resolve("eagle3");
        try (CausalLm lm = CausalLm.load(eagle3.resolve("target-7l-tied-bf16"), bf16);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
                EagleDrafter drafter =
                        EagleDrafter.load(eagle3.resolve("head-7l-fullvocab-layers0-emb"), lm, tok.vocabSize())) {
            SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, 43, 1, false);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "target-8l-gqa-f32, head-8l-draftvocab-midlayer, 31",
        "target-7l-tied-bf16, head-7l-fullvocab-layers0-emb, 32"
    })
    void everyModeWithAnEagle3HeadMatchesPlainDecoding(String target, String head, long seed) {
        Path eagle3 = TestData.root().resolve("eagle3");
        try (CausalLm lm = CausalLm.load(eagle3.resolve(target), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
                EagleDrafter drafter = EagleDrafter.load(eagle3.resolve(head), lm, tok.vocabSize())) {
            Map<DecodingMode, int[]> t =
                    SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, seed, 4, false);
            assertThat(t.get(DecodingMode.DRAFT)[1])
                    .as("target forwards in draft mode")
                    .isPositive();
            SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, seed + 100, 3, true);
        }
    }

    @Test
    void aPromptRestoredFromThePrefixCacheLeavesTheHeadWithoutItsFeaturesButTheOutputUnchanged() {
        Path target = TestData.hf("llama-gqa-f32");
        Path head = RandomEagleHead.write(target, tmp.resolve("cached-head"), 3, false, false);
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(target);
                EagleHead eagle = EagleHead.load(head, lm, false);
                RasdEngine engine = RasdEngine.builder()
                        .target(lm)
                        .drafter(new EagleDrafter(eagle, tok.vocabSize()))
                        .tokenizer(tok)
                        .prefixCache(PrefixCache.ofBytes(16L << 20))
                        .speculation(SpeculationConfig.builder().adaptive(false).build())
                        .build()) {
            int[] shared = new java.util.SplittableRandom(9).ints(40, 6, 500).toArray();
            int[] prompt = java.util.Arrays.copyOf(shared, 44);
            prompt[40] = 7;
            prompt[41] = 8;
            prompt[42] = 9;
            prompt[43] = 10;
            engine.generate(GenerationRequest.builder(shared).maxNewTokens(4).build()); // fills the cache
            GenerationResult drafted = engine.generate(GenerationRequest.builder(prompt)
                    .maxNewTokens(24)
                    .mode(DecodingMode.DRAFT)
                    .build());
            assertThat(drafted.stats().cachedPromptTokens())
                    .as("prompt rows from the cache")
                    .isPositive();
            assertThat(drafted.stats().draftForwards())
                    .as("the head still drafts")
                    .isPositive();
            GenerationResult plain = engine.generate(
                    GenerationRequest.builder(prompt).maxNewTokens(24).build());
            assertThat(drafted.tokens()).containsExactly(plain.tokens());
        }
    }

    @Test
    void aHeadWithAnFcBiasAndItsOwnEmbeddingOnALoopyTargetStaysLosslessAndDrafts() {
        Path target = RandomCheckpoint.llama()
                .seed(1)
                .residualScale(0.02)
                .tokenizerFrom(TestData.hf("tokenizer"))
                .writeTo(tmp.resolve("loopy"));
        Path head = RandomEagleHead.write(target, tmp.resolve("loopy-head"), 2, true, true);
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"));
                EagleHead eagle = EagleHead.load(head, lm, true)) {
            EagleDrafter drafter = new EagleDrafter(eagle, tok.vocabSize());
            SpeculativeModesLosslessTest.checkAllModes(lm, b -> b.drafter(drafter), tok, 23, 4, false);
            try (RasdEngine engine = RasdEngine.builder()
                    .target(lm)
                    .drafter(drafter)
                    .tokenizer(tok)
                    .speculation(SpeculationConfig.builder().adaptive(false).build())
                    .build()) {
                GenerationResult r = engine.generate(new GenerationRequest(
                        new int[] {0, 17, 99, 250, 31, 17, 99}, 40, DecodingMode.DRAFT, null, null, List.of()));
                assertThat(r.stats().draftForwards())
                        .as("head forwards")
                        .isGreaterThan(r.stats().targetForwards());
            }
        }
    }
}
