package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.model.LoadOptions;
import io.rasd.model.Precision;
import io.rasd.model.RandomCheckpoint;
import io.rasd.retrieval.PromptLookup;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The promise for every mode: greedy output equals plain decoding token for token, and sampling with a seed draws the
 * same tokens as plain decoding with that seed. Random prompts, budgets, depths and seeds; drafts that agree with the
 * target always (self-drafting), often (the same loopy model with fewer layers) or rarely (unrelated random models,
 * one with a padded vocabulary).
 */
class SpeculativeModesLosslessTest {

    @TempDir
    static Path tmp;

    static Path loopy;
    static Path loopyShallow;

    @BeforeAll
    static void models() {
        loopy = LosslessDecodingTest.loopyModel(tmp.resolve("loopy"), 2);
        // same seed, fewer layers: identical embeddings and first layers, so it agrees with the target often
        loopyShallow = RandomCheckpoint.llama()
                .seed(2)
                .residualScale(0.02)
                .layers(1)
                .tokenizerFrom(TestData.hf("tokenizer"))
                .writeTo(tmp.resolve("loopy-shallow"));
    }

    static SpeculationConfig randomConfig(SplittableRandom rnd) {
        return SpeculationConfig.builder()
                .treeBudget(1 + rnd.nextInt(20))
                .draftDepth(1 + rnd.nextInt(6))
                .draftTopK(1 + rnd.nextInt(4))
                .draftBudget(1 + rnd.nextInt(16))
                .pruneTopK(1 + rnd.nextInt(10))
                .pruneMinProb(rnd.nextBoolean() ? 0 : 0.01)
                .retrievalBudget(rnd.nextInt(16))
                .adaptive(rnd.nextInt(3) == 0)
                .promptLookup(new PromptLookup.Config(
                        1 + rnd.nextInt(2), 2 + rnd.nextInt(4), 1 + rnd.nextInt(10), 1 + rnd.nextInt(4)))
                .datastoreQuery(new TokenDatastore.QueryConfig(
                        1 + rnd.nextInt(2),
                        3 + rnd.nextInt(4),
                        1 + rnd.nextInt(64),
                        1 + rnd.nextInt(10),
                        1 + rnd.nextInt(8)))
                .build();
    }

    /** Runs every mode on random prompts and checks each against plain decoding; returns tokens by mode and origin. */
    static Map<DecodingMode, int[]> checkAllModes(
            CausalLm target, CausalLm draft, Tokenizer tok, long seed, int trials, boolean sampled) {
        return checkAllModes(target, b -> b.draft(draft), tok, seed, trials, sampled);
    }

    /** The same with any drafter: {@code drafting} adds it to each engine's builder. */
    static Map<DecodingMode, int[]> checkAllModes(
            CausalLm target,
            java.util.function.UnaryOperator<RasdEngine.Builder> drafting,
            Tokenizer tok,
            long seed,
            int trials,
            boolean sampled) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<int[]> docs = new ArrayList<>();
        try (RasdEngine plain =
                RasdEngine.builder().target(target).tokenizer(tok).build()) {
            for (int d = 0; d < 8; d++) {
                docs.add(plain.generate(
                                GenerationRequest.greedy(rnd.ints(4, 6, 500).toArray(), 50))
                        .tokens());
            }
        }
        TokenDatastore store = TokenDatastore.build(docs);
        Map<DecodingMode, int[]> totals = new EnumMap<>(DecodingMode.class); // {tokens, forwards, draft, pld, ds}
        for (int trial = 0; trial < trials; trial++) {
            int[] prompt = trial % 2 == 0
                    ? rnd.ints(2 + rnd.nextInt(10), 6, 500).toArray()
                    : LosslessDecodingTest.promptWithRepeats(rnd, 500);
            SpeculationConfig config = randomConfig(rnd);
            SamplingParams sp = !sampled
                    ? SamplingParams.GREEDY
                    : new SamplingParams(0.6 + rnd.nextDouble(), rnd.nextInt(3) * 10, rnd.nextBoolean() ? 1 : 0.9);
            long genSeed = rnd.nextLong();
            int max = 20 + rnd.nextInt(50);
            try (RasdEngine engine = drafting.apply(RasdEngine.builder().target(target))
                    .tokenizer(tok)
                    .datastore(store)
                    .speculation(config)
                    .costCurve(randomCurve(rnd))
                    .build()) {
                GenerationResult ar =
                        engine.generate(new GenerationRequest(prompt, max, DecodingMode.AR, sp, genSeed, List.of()));
                for (DecodingMode mode : DecodingMode.values()) {
                    GenerationResult r =
                            engine.generate(new GenerationRequest(prompt, max, mode, sp, genSeed, List.of()));
                    assertThat(r.tokens())
                            .as("%s trial %d %s %s", mode, trial, config, sp)
                            .containsExactly(ar.tokens());
                    assertThat(r.text()).isEqualTo(ar.text());
                    assertThat(r.finishReason()).isEqualTo(ar.finishReason());
                    int credited = r.stats().acceptedByOrigin().values().stream()
                            .mapToInt(Integer::intValue)
                            .sum();
                    assertThat(credited).isEqualTo(r.tokens().length);
                    if (!mode.usesDraft()) {
                        assertThat(r.stats().accepted(TokenOrigin.DRAFT)).isZero();
                        assertThat(r.stats().draftForwards()).isZero();
                    }
                    if (!mode.usesPromptLookup()) {
                        assertThat(r.stats().accepted(TokenOrigin.PLD)).isZero();
                    }
                    if (!mode.usesDatastore()) {
                        assertThat(r.stats().accepted(TokenOrigin.DATASTORE)).isZero();
                    }
                    int[] t = totals.computeIfAbsent(mode, m -> new int[5]);
                    t[0] += r.tokens().length;
                    t[1] += r.stats().targetForwards();
                    t[2] += r.stats().accepted(TokenOrigin.DRAFT);
                    t[3] += r.stats().accepted(TokenOrigin.PLD);
                    t[4] += r.stats().accepted(TokenOrigin.DATASTORE);
                }
            }
        }
        return totals;
    }

    /** A plausible CPU cost curve (t(1) 2-20 ms, growing 1-8x by 64 tokens) so adaptive control makes varied choices. */
    static VerifyCostCurve randomCurve(SplittableRandom rnd) {
        int[] sizes = {1, 2, 4, 8, 16, 32, 64};
        double t1 = 0.002 + rnd.nextDouble() * 0.018;
        double growth = 1 + rnd.nextDouble() * 7;
        double[] seconds = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            seconds[i] = t1 * (1 + (growth - 1) * (sizes[i] - 1) / 63.0);
        }
        return new VerifyCostCurve(128, sizes, seconds);
    }

    static double tau(int[] t) {
        return (double) t[0] / t[1];
    }

    @Test
    void everyModeMatchesPlainDecodingWhenTheTargetDraftsItself() {
        try (CausalLm lm = CausalLm.load(loopy, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            Map<DecodingMode, int[]> t = checkAllModes(lm, lm, tok, 1, 6, false);
            // a model drafting for itself is always right under greedy decoding: the draft tree's best path is the
            // target's own choice, so every step accepts as deep as the draft went. The bar leaves room for the
            // adaptive trials, which size trees from measured time: on a loaded machine they draft shallower (1.77
            // seen under a load average of 8 on 2 cores; above 1.8 in quiet runs before)
            assertThat(tau(t.get(DecodingMode.DRAFT))).isGreaterThan(1.5);
            assertThat(t.get(DecodingMode.RASD)[2] + t.get(DecodingMode.RASD)[3] + t.get(DecodingMode.RASD)[4])
                    .isGreaterThan(0);
        }
    }

    @Test
    void everyModeMatchesPlainDecodingWithAShallowDraftThatOftenAgrees() {
        try (CausalLm lm = CausalLm.load(loopy, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(loopyShallow, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            Map<DecodingMode, int[]> t = checkAllModes(lm, draft, tok, 2, 6, false);
            assertThat(t.get(DecodingMode.DRAFT)[2])
                    .as("tokens accepted from the draft")
                    .isGreaterThan(20);
            assertThat(t.get(DecodingMode.RASD_DATASTORE)[4])
                    .as("datastore tokens in rasd-datastore")
                    .isGreaterThan(0);
        }
    }

    @Test
    void sampledEveryModeDrawsWhatPlainDecodingDrawsWithTheSameSeed() {
        try (CausalLm lm = CausalLm.load(loopy, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(loopyShallow, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            checkAllModes(lm, draft, tok, 3, 6, true);
            checkAllModes(lm, lm, tok, 4, 3, true);
        }
    }

    /**
     * Within a half precision the promise is the same: every mode equals plain decoding of that precision. It can
     * hold only if the verify forward of n tree rows computes each row as a one-row step does (measured for bf16
     * projections of 1, 8 and 32 rows in Python; f16 and attention are not measured apart): this checks the outcome.
     */
    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"BF16", "F16"})
    void everyModeMatchesPlainDecodingWithinAHalfPrecision(Precision p) {
        LoadOptions half = LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(p);
        try (CausalLm lm = CausalLm.load(loopy, half);
                CausalLm draft = CausalLm.load(loopyShallow, half);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            assertThat(lm.precision()).isEqualTo(p);
            // half matmuls are emulated on CPUs without native support (slow): fewer trials than in f32, f16 fewest
            boolean bf16 = p == Precision.BF16;
            Map<DecodingMode, int[]> t = checkAllModes(lm, draft, tok, 8, bf16 ? 2 : 1, false);
            assertThat(t.get(DecodingMode.DRAFT)[2])
                    .as("tokens accepted from the draft")
                    .isGreaterThan(0);
            checkAllModes(lm, draft, tok, 9, 1, true);
        }
    }

    @Test
    void unrelatedFixturesIncludingAPaddedDraftVocabularyStayLossless() {
        // qwen2-tied-f32 pads its vocabulary to 576 ids over the tokenizer's 512: ids past 512 must never be proposed
        try (CausalLm target = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(TestData.hf("qwen2-tied-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"))) {
            checkAllModes(target, draft, tok, 5, 3, false);
            checkAllModes(target, draft, tok, 6, 2, true);
        }
        try (CausalLm target = CausalLm.load(TestData.hf("mistral-f32"), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(TestData.hf("qwen3-bf16"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("mistral-f32"))) {
            checkAllModes(target, draft, tok, 7, 3, false);
        }
    }

    @Test
    void adaptiveControlStaysLosslessAndFallsBackWhenTheDraftIsUseless() {
        // a cost curve where verifying anything beyond the root is expensive: speculation cannot pay for a draft
        // that is never right, so the controller must fall back to plain steps
        VerifyCostCurve steep = new VerifyCostCurve(
                128, new int[] {1, 2, 4, 8, 16, 32, 64}, new double[] {0.001, 0.003, 0.005, 0.009, 0.017, 0.033, 0.065
                });
        try (CausalLm target = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(TestData.hf("qwen2-tied-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"));
                RasdEngine engine = RasdEngine.builder()
                        .target(target)
                        .draft(draft)
                        .tokenizer(tok)
                        .costCurve(steep)
                        .speculation(SpeculationConfig.builder().adaptive(true).build())
                        .build()) {
            int[] prompt = {0, 10, 20, 30, 40};
            GenerationResult ar = engine.generate(GenerationRequest.greedy(prompt, 100));
            GenerationResult spec = engine.generate(
                    new GenerationRequest(prompt, 100, DecodingMode.DRAFT, SamplingParams.GREEDY, null, List.of()));
            assertThat(spec.tokens()).containsExactly(ar.tokens());
            assertThat(spec.stats().fallbacks()).isGreaterThan(0);
            assertThat(spec.stats().plainSteps()).isGreaterThan(spec.stats().targetForwards() / 2);
        }
    }
}
