package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.RandomCheckpoint;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sampling is lossless in distribution: on a model with an 8-token vocabulary, the first two tokens sampled under each
 * speculative mode follow the target's exact (processed) distribution, computed from its logits. Pearson's
 * chi-square goodness-of-fit at significance 0.001 (cells with expected count below 5 pooled); the seeds are fixed,
 * so the verdict is deterministic.
 */
class SamplingDistributionTest {

    static final int VOCAB = 8;
    static final int EOS = 1;
    static final int SAMPLES = 800;

    @TempDir
    static Path tmp;

    static Path target;
    static Path draft;

    @BeforeAll
    static void models() throws Exception {
        Path tok = tmp.resolve("tok");
        Files.createDirectories(tok);
        StringBuilder vocab = new StringBuilder("\"<s>\": 0, \"</s>\": 1");
        for (int i = 2; i < VOCAB; i++) {
            vocab.append(", \"w").append(i).append("\": ").append(i);
        }
        Files.writeString(tok.resolve("tokenizer.json"), """
                {"version": "1.0", "truncation": null, "padding": null,
                 "added_tokens": [
                   {"id": 0, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true},
                   {"id": 1, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": true}],
                 "normalizer": null, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null,
                 "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {%s}, "unk_token": "<s>"}}
                """.formatted(vocab));
        target = RandomCheckpoint.llama()
                .vocab(VOCAB)
                .hidden(32)
                .intermediate(64)
                .layers(2)
                .heads(4, 2)
                .seed(11)
                .scale(0.5)
                .tokenizerFrom(tok)
                .writeTo(tmp.resolve("target"));
        draft = RandomCheckpoint.llama()
                .vocab(VOCAB)
                .hidden(32)
                .intermediate(64)
                .layers(1)
                .heads(4, 2)
                .seed(12)
                .scale(0.5)
                .tokenizerFrom(tok)
                .writeTo(tmp.resolve("draft"));
    }

    /** The processed distribution (temperature, then top-k) of the row after {@code context}. */
    static double[] exact(CausalLm lm, int[] context, SamplingParams sp) {
        float[] logits;
        try (KvCache cache = lm.newCache();
                Logits l = lm.forward(cache, context)) {
            logits = l.row(context.length - 1);
        }
        double[] p = new double[logits.length];
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x / sp.temperature());
        }
        double[] sorted = new double[logits.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] / sp.temperature() - max);
            sorted[i] = p[i];
        }
        Arrays.sort(sorted);
        double kth = sp.topK() > 0 ? sorted[sorted.length - sp.topK()] : 0;
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = p[i] >= kth ? p[i] : 0;
            z += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= z;
        }
        return p;
    }

    /** Cell of a two-token outcome; a first token that is EOS ends the generation: cell (EOS, -1). */
    static int cell(int[] tokens) {
        return tokens[0] == EOS ? tokens[0] * (VOCAB + 1) + VOCAB : tokens[0] * (VOCAB + 1) + tokens[1];
    }

    @Test
    void theFirstTwoSampledTokensFollowTheTargetDistributionInEveryMode() {
        int[] prompt = {0, 2, 3, 4, 2, 3, 4, 2};
        List<SamplingParams> settings = List.of(new SamplingParams(1.0, 0, 1), new SamplingParams(0.7, 4, 1));
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                CausalLm dm = CausalLm.load(draft, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(target)) {
            assertThat(tok.vocabSize()).isEqualTo(VOCAB);
            TokenDatastore store = TokenDatastore.build(List.of(new int[] {2, 3, 4, 5, 6, 2, 3, 7, 7, 2, 3, 4, 2}));
            SpeculationConfig config = SpeculationConfig.builder()
                    .adaptive(false)
                    .treeBudget(8)
                    .draftDepth(3)
                    .draftTopK(2)
                    .build();
            for (SamplingParams sp : settings) {
                Map<Integer, Double> expected = new HashMap<>();
                double[] first = exact(lm, prompt, sp);
                for (int a = 0; a < VOCAB; a++) {
                    if (first[a] == 0) {
                        continue;
                    }
                    if (a == EOS) {
                        expected.put(cell(new int[] {a}), first[a]);
                        continue;
                    }
                    int[] ctx = Arrays.copyOf(prompt, prompt.length + 1);
                    ctx[prompt.length] = a;
                    double[] second = exact(lm, ctx, sp);
                    for (int b = 0; b < VOCAB; b++) {
                        if (second[b] > 0) {
                            expected.put(cell(new int[] {a, b}), first[a] * second[b]);
                        }
                    }
                }
                double maxCell = expected.values().stream()
                        .mapToDouble(Double::doubleValue)
                        .max()
                        .orElseThrow();
                assertThat(maxCell).as("a distribution worth testing").isLessThan(0.5);
                for (DecodingMode mode :
                        List.of(DecodingMode.AR, DecodingMode.DRAFT, DecodingMode.PLD, DecodingMode.RASD)) {
                    Map<Integer, Integer> observed = new HashMap<>();
                    SplittableRandom seeds = new SplittableRandom(mode.ordinal() * 1000L + sp.topK());
                    int fromProposals = 0;
                    try (RasdEngine engine = RasdEngine.builder()
                            .target(lm)
                            .draft(dm)
                            .tokenizer(tok)
                            .datastore(store)
                            .speculation(config)
                            .build()) {
                        for (int i = 0; i < SAMPLES; i++) {
                            GenerationResult r = engine.generate(
                                    new GenerationRequest(prompt, 2, mode, sp, seeds.nextLong(), List.of()));
                            observed.merge(cell(r.tokens()), 1, Integer::sum);
                            fromProposals += r.tokens().length - r.stats().accepted(TokenOrigin.TARGET);
                        }
                    }
                    if (mode != DecodingMode.AR) {
                        assertThat(fromProposals)
                                .as("%s must actually accept proposals", mode)
                                .isGreaterThan(SAMPLES / 10);
                    }
                    double[] stat = chiSquare(expected, observed, SAMPLES);
                    assertThat(stat[0])
                            .as(
                                    "%s %s: chi-square %.1f with %d degrees of freedom (critical %.1f)",
                                    mode, sp, stat[0], (int) stat[1], stat[2])
                            .isLessThan(stat[2]);
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameSampledOutputRunToRun() {
        int[] prompt = {0, 2, 3, 4, 2, 3};
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                CausalLm dm = CausalLm.load(draft, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(target);
                RasdEngine engine = RasdEngine.builder()
                        .target(lm)
                        .draft(dm)
                        .tokenizer(tok)
                        .datastore(TokenDatastore.build(List.of(new int[] {2, 3, 4, 5, 2, 3})))
                        .speculation(SpeculationConfig.builder().adaptive(false).build())
                        .build()) {
            SamplingParams sp = new SamplingParams(0.9, 0, 0.95);
            for (DecodingMode mode : DecodingMode.values()) {
                int[] a = engine.generate(new GenerationRequest(prompt, 30, mode, sp, 123L, List.of()))
                        .tokens();
                int[] b = engine.generate(new GenerationRequest(prompt, 30, mode, sp, 123L, List.of()))
                        .tokens();
                assertThat(b).as("%s", mode).containsExactly(a);
            }
        }
    }

    /** {statistic, degrees of freedom, critical value at 0.001}, pooling cells expected below 5. */
    static double[] chiSquare(Map<Integer, Double> expectedProb, Map<Integer, Integer> observed, int n) {
        for (Integer c : observed.keySet()) {
            assertThat(expectedProb)
                    .as("an outcome the target gives probability 0")
                    .containsKey(c);
        }
        double stat = 0;
        int cells = 0;
        double pooledExpected = 0;
        int pooledObserved = 0;
        List<Integer> keys = new ArrayList<>(expectedProb.keySet());
        for (int c : keys) {
            double e = expectedProb.get(c) * n;
            int o = observed.getOrDefault(c, 0);
            if (e < 5) {
                pooledExpected += e;
                pooledObserved += o;
            } else {
                stat += (o - e) * (o - e) / e;
                cells++;
            }
        }
        if (pooledExpected > 0) {
            stat += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }
        int df = cells - 1;
        // Wilson-Hilferty: chi2 quantile ~ df (1 - 2/(9df) + z sqrt(2/(9df)))^3, z = 3.090 for 0.001
        double h = 2.0 / (9 * df);
        double critical = df * Math.pow(1 - h + 3.090 * Math.sqrt(h), 3);
        return new double[] {stat, df, critical};
    }
}
