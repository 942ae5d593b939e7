package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rasd.model.CausalLm;
import io.rasd.retrieval.PromptLookup;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The promise: every speculative mode produces what plain decoding produces. */
class LosslessDecodingTest {

    static Stream<String> fixtures() {
        return Stream.of(
                "llama-gqa-f32",
                "llama-tied-bf16",
                "llama-linear-f16-sharded",
                "qwen2-tied-f32",
                "qwen3-bf16",
                "mistral-f32");
    }

    /** Random prompts with repeated spans, so prompt lookup has something to propose. */
    static int[] promptWithRepeats(SplittableRandom rnd, int vocab) {
        int spanLen = 3 + rnd.nextInt(6);
        int[] span = rnd.ints(spanLen, 6, vocab).toArray();
        int[] prompt = new int[1 + 3 * spanLen + 4];
        int p = 0;
        prompt[p++] = 0;
        for (int r = 0; r < 3; r++) {
            for (int t : span) {
                prompt[p++] = t;
            }
            if (r == 0) {
                for (int i = 0; i < 4; i++) {
                    prompt[p++] = 6 + rnd.nextInt(vocab - 6);
                }
            }
        }
        return prompt;
    }

    private static RasdEngine engine(CausalLm lm, Tokenizer tok, int budget, PromptLookup.Config pld) {
        return RasdEngine.builder()
                .target(lm)
                .tokenizer(tok)
                .speculation(new SpeculationConfig(budget, pld))
                .build();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void greedyPromptLookupEqualsPlainDecodingTokenForToken(String fixture) {
        SplittableRandom rnd = new SplittableRandom(fixture.hashCode());
        try (CausalLm lm = CausalLm.load(TestData.hf(fixture), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf(fixture))) {
            for (int trial = 0; trial < 6; trial++) {
                int[] prompt = promptWithRepeats(rnd, 500);
                int budget = 1 + rnd.nextInt(16);
                PromptLookup.Config pld = new PromptLookup.Config(
                        1 + rnd.nextInt(2), 2 + rnd.nextInt(4), 1 + rnd.nextInt(8), 1 + rnd.nextInt(4));
                int max = 20 + rnd.nextInt(40);
                GenerationResult ar = engine(lm, tok, budget, pld)
                        .generate(new GenerationRequest(
                                prompt, max, DecodingMode.AR, SamplingParams.GREEDY, null, List.of()));
                GenerationResult spec = engine(lm, tok, budget, pld)
                        .generate(new GenerationRequest(
                                prompt, max, DecodingMode.PLD, SamplingParams.GREEDY, null, List.of()));
                assertThat(spec.tokens())
                        .as("%s trial %d (budget %d, %s)", fixture, trial, budget, pld)
                        .containsExactly(ar.tokens());
                assertThat(spec.text()).isEqualTo(ar.text());
                assertThat(spec.finishReason()).isEqualTo(ar.finishReason());
                assertThat(ar.stats().targetForwards()).isEqualTo(ar.tokens().length);
                int credited = spec.stats().acceptedByOrigin().values().stream()
                        .mapToInt(Integer::intValue)
                        .sum();
                assertThat(credited).isEqualTo(spec.tokens().length);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void sampledPromptLookupDrawsTheSameTokensAsPlainDecodingWithTheSameSeed(String fixture) {
        SplittableRandom rnd = new SplittableRandom(fixture.hashCode() * 31L);
        try (CausalLm lm = CausalLm.load(TestData.hf(fixture), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf(fixture))) {
            for (int trial = 0; trial < 4; trial++) {
                int[] prompt = promptWithRepeats(rnd, 500);
                SamplingParams sp =
                        new SamplingParams(0.5 + rnd.nextDouble(), rnd.nextInt(3) * 10, rnd.nextBoolean() ? 1.0 : 0.9);
                long seed = rnd.nextLong();
                GenerationResult ar = engine(lm, tok, 8, PromptLookup.Config.DEFAULT)
                        .generate(new GenerationRequest(prompt, 30, DecodingMode.AR, sp, seed, List.of()));
                GenerationResult spec = engine(lm, tok, 8, PromptLookup.Config.DEFAULT)
                        .generate(new GenerationRequest(prompt, 30, DecodingMode.PLD, sp, seed, List.of()));
                assertThat(spec.tokens())
                        .as("%s trial %d %s", fixture, trial, sp)
                        .containsExactly(ar.tokens());
            }
        }
    }

    /** A near-bigram random model (tiny residual updates) whose greedy output cycles within a few dozen tokens. */
    static java.nio.file.Path loopyModel(java.nio.file.Path dir, long seed) {
        return io.rasd.model.RandomCheckpoint.llama()
                .seed(seed)
                .residualScale(0.02)
                .tokenizerFrom(TestData.hf("tokenizer"))
                .writeTo(dir);
    }

    /**
     * The property on a model where speculation pays (so the accept-and-compact path runs constantly, not only on
     * the rare hits of the fixtures above): many prompts, budgets and lookup settings, greedy and sampled.
     */
    @org.junit.jupiter.api.Test
    void losslessOnAModelWherePromptLookupIsAcceptedOften(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        SplittableRandom rnd = new SplittableRandom(2026);
        try (CausalLm lm = CausalLm.load(loopyModel(tmp.resolve("loopy"), 2), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            int tokens = 0;
            int forwards = 0;
            for (int trial = 0; trial < 16; trial++) {
                int[] prompt = rnd.ints(2 + rnd.nextInt(12), 6, 500).toArray();
                int budget = 1 + rnd.nextInt(16);
                PromptLookup.Config pld = new PromptLookup.Config(
                        1 + rnd.nextInt(2), 2 + rnd.nextInt(4), 1 + rnd.nextInt(10), 1 + rnd.nextInt(4));
                boolean greedy = trial % 2 == 0;
                SamplingParams sp = greedy ? SamplingParams.GREEDY : new SamplingParams(0.7, 0, 0.95);
                long seed = rnd.nextLong();
                GenerationResult ar = engine(lm, tok, budget, pld)
                        .generate(new GenerationRequest(prompt, 80, DecodingMode.AR, sp, seed, List.of()));
                GenerationResult spec = engine(lm, tok, budget, pld)
                        .generate(new GenerationRequest(prompt, 80, DecodingMode.PLD, sp, seed, List.of()));
                assertThat(spec.tokens())
                        .as("trial %d budget %d %s %s", trial, budget, pld, sp)
                        .containsExactly(ar.tokens());
                if (greedy) {
                    tokens += spec.tokens().length;
                    forwards += spec.stats().targetForwards();
                }
            }
            assertThat((double) tokens / forwards)
                    .as("greedy tau over all trials")
                    .isGreaterThan(1.5);
        }
    }

    /** Datastore retrieval on the same property: the store holds the model's own earlier outputs, so it gets hits. */
    @org.junit.jupiter.api.Test
    void losslessWithDatastoreRetrieval(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        SplittableRandom rnd = new SplittableRandom(77);
        try (CausalLm lm = CausalLm.load(loopyModel(tmp.resolve("loopy"), 2), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            List<int[]> docs = new java.util.ArrayList<>();
            RasdEngine plain = engine(lm, tok, 8, PromptLookup.Config.DEFAULT);
            for (int d = 0; d < 12; d++) {
                docs.add(plain.generate(
                                GenerationRequest.greedy(rnd.ints(4, 6, 500).toArray(), 60))
                        .tokens());
            }
            io.rasd.datastore.TokenDatastore store = io.rasd.datastore.TokenDatastore.build(docs);
            int tokens = 0;
            int forwards = 0;
            int fromStore = 0;
            for (int trial = 0; trial < 10; trial++) {
                int[] prompt = rnd.ints(2 + rnd.nextInt(6), 6, 500).toArray();
                boolean greedy = trial % 2 == 0;
                SamplingParams sp = greedy ? SamplingParams.GREEDY : new SamplingParams(0.8, 20, 1.0);
                long seed = rnd.nextLong();
                int budget = 1 + rnd.nextInt(16);
                RasdEngine withStore = RasdEngine.builder()
                        .target(lm)
                        .tokenizer(tok)
                        .datastore(store)
                        .speculation(new SpeculationConfig(budget, PromptLookup.Config.DEFAULT))
                        .build();
                GenerationResult ar =
                        withStore.generate(new GenerationRequest(prompt, 60, DecodingMode.AR, sp, seed, List.of()));
                GenerationResult spec = withStore.generate(
                        new GenerationRequest(prompt, 60, DecodingMode.DATASTORE, sp, seed, List.of()));
                assertThat(spec.tokens())
                        .as("trial %d budget %d %s", trial, budget, sp)
                        .containsExactly(ar.tokens());
                if (greedy) {
                    tokens += spec.tokens().length;
                    forwards += spec.stats().targetForwards();
                }
                fromStore += spec.stats().acceptedByOrigin().getOrDefault(TokenOrigin.DATASTORE, 0);
            }
            assertThat(fromStore).as("tokens accepted from the datastore").isGreaterThan(20);
            assertThat((double) tokens / forwards).as("greedy tau").isGreaterThan(1.3);
        }
    }
}
