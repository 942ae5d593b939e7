package io.rasd.draft.eagle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rasd.draft.DraftBudget;
import io.rasd.draft.DraftTree;
import io.rasd.draft.Drafter;
import io.rasd.engine.DecodingMode;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.RasdEngine;
import io.rasd.engine.SpeculationConfig;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.Positions;
import io.rasd.model.RandomCheckpoint;
import io.rasd.model.TopK;
import io.rasd.testing.RandomEagleHead;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EagleSessionTest {

    @TempDir
    static Path tmp;

    /**
     * The head's distribution after {@code context} read from scratch: one target forward for the features, one head
     * forward over every pair (context[j+1], f_j).
     */
    private static TopK freshRoot(CausalLm lm, EagleHead head, int[] context, int k) {
        return freshRoot(lm, head, context, k, Integer.MAX_VALUE);
    }

    /** The same over only the last {@code window} pairs, each at its own position. */
    private static TopK freshRoot(CausalLm lm, EagleHead head, int[] context, int k, int window) {
        int n = context.length;
        int first = Math.max(0, n - 1 - window);
        try (KvCache tc = lm.newCache();
                Logits t = lm.forward(
                        tc,
                        Arrays.copyOf(context, n - 1),
                        Positions.consecutive(0, n - 1),
                        AttentionMask.causal(),
                        null,
                        head.targetFeatureLayers());
                NDManager m = NDManager.newBaseManager(lm.device(), "PyTorch");
                KvCache hc = head.newCache()) {
            NDArray f = t.hidden(m, Positions.consecutive(first, n - 1 - first));
            try (Logits h = head.forward(
                    hc,
                    Arrays.copyOfRange(context, first + 1, n),
                    f,
                    Positions.consecutive(first, n - 1 - first),
                    AttentionMask.causal(),
                    new int[] {n - 2 - first})) {
                TopK top = h.topKProbabilities(k)[0];
                int[] ids = top.ids().clone();
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = head.targetId(ids[i]); // an EAGLE-3 head's draft ids as target ids
                }
                return new TopK(ids, top.values());
            }
        }
    }

    /** What the engine does each step: the target verifies the committed tokens and hands over their features. */
    private static void targetReads(CausalLm lm, KvCache cache, EagleSession s, int[] tokens, int firstIndex) {
        try (Logits l = lm.forward(
                cache,
                tokens,
                Positions.consecutive(cache.length(), tokens.length),
                AttentionMask.causal(),
                null,
                s.targetFeatureLayers())) {
            s.targetFeatures(l, Positions.consecutive(0, tokens.length), firstIndex);
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"eagle-1/2", "eagle-3"})
    void theRootDistributionAfterEachCatchUpEqualsAFreshTeacherForcedRead(String variant) {
        boolean eagle3 = variant.equals("eagle-3");
        Path target = eagle3 ? TestData.root().resolve("eagle3/target-8l-gqa-f32") : TestData.hf("llama-gqa-f32");
        int[] prompt = {0, 17, 99, 250, 31, 44};
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                EagleDrafter drafter = EagleDrafter.load(
                        eagle3
                                ? TestData.root().resolve("eagle3/head-8l-draftvocab-midlayer")
                                : RandomEagleHead.write(target, tmp.resolve("h1"), 5, true, false),
                        lm,
                        512);
                KvCache cache = lm.newCache();
                EagleSession s = new EagleSession(drafter.head(), prompt, 512)) {
            EagleHead head = drafter.head();
            // prefill: every prompt token but the root
            targetReads(lm, cache, s, Arrays.copyOf(prompt, prompt.length - 1), 0);
            int[] context = prompt.clone();
            int[][] steps = {{7, 8, 9}, {10}, {11, 12}, {13}, {14, 15, 16, 17}, {18}};
            int liveAfterSingleSteps = -1;
            for (int[] step : steps) {
                DraftTree dt = s.grow(new DraftBudget(3, 3, 10, 8), Drafter.DepthPolicy.ALWAYS);
                TopK fresh = freshRoot(lm, head, context, 8);
                assertThat(dt.rootDistribution().ids()).containsExactly(fresh.ids());
                for (int i = 0; i < fresh.ids().length; i++) {
                    assertThat((double) dt.rootDistribution().probs()[i]).isCloseTo(fresh.values()[i], within(1e-4));
                }
                assertThat(dt.tree().size()).isGreaterThan(1);
                // the step verified the root and accepted all but the bonus; the target hands their features over
                int rootIndex = context.length - 1;
                int[] verified = new int[step.length];
                verified[0] = context[rootIndex];
                System.arraycopy(step, 0, verified, 1, step.length - 1);
                targetReads(lm, cache, s, verified, rootIndex);
                s.commit(step);
                context = concat(context, step);
                if (step.length == 1) {
                    liveAfterSingleSteps = liveAfterSingleSteps < 0 ? s.liveArrays() : liveAfterSingleSteps;
                }
            }
            // the session holds only the features of pairs not yet read: none after a catch-up and a one-token step
            assertThat(s.liveArrays()).as("session arrays").isLessThanOrEqualTo(liveAfterSingleSteps + 2);
        }
    }

    @Test
    void liveArraysStayFlatAcrossGenerationsWithAHead() {
        Path target = TestData.hf("llama-gqa-f32");
        Path headDir = RandomEagleHead.write(target, tmp.resolve("h2"), 6, false, true);
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(target);
                EagleHead head = EagleHead.load(headDir, lm, false);
                RasdEngine engine = RasdEngine.builder()
                        .target(lm)
                        .drafter(new EagleDrafter(head, tok.vocabSize()))
                        .tokenizer(tok)
                        .speculation(SpeculationConfig.builder().adaptive(false).build())
                        .build()) {
            int headAtLoad = head.liveWeightArrays();
            int targetAtLoad = lm.liveWeightArrays();
            for (int round = 0; round < 3; round++) {
                int[] during = {-1};
                int[] tokens = {0};
                SamplingParams sp = round == 1 ? new SamplingParams(0.8, 0, 1) : SamplingParams.GREEDY;
                engine.generate(
                        new GenerationRequest(new int[] {0, 5, 6, 7, 8}, 80, DecodingMode.DRAFT, sp, 3L, List.of()),
                        (ids, origins, text) -> {
                            int live = head.liveWeightArrays();
                            if (tokens[0]++ == 30) {
                                during[0] = live;
                            } else if (tokens[0] > 30) {
                                assertThat(live)
                                        .as("head arrays at token %d", tokens[0])
                                        .isEqualTo(during[0]);
                            }
                        });
                assertThat(tokens[0]).isGreaterThan(40);
                assertThat(head.liveWeightArrays())
                        .as("head arrays after generation %d", round)
                        .isEqualTo(headAtLoad);
                assertThat(lm.liveWeightArrays()).isEqualTo(targetAtLoad);
            }
        }
    }

    @Test
    void aCatchUpReadsOnlyTheLastPairsOfALongPrompt() {
        Path target = RandomCheckpoint.llama().maxPositions(512).seed(3).writeTo(tmp.resolve("long-target"));
        int n = EagleSession.CATCH_UP_WINDOW + 60;
        int[] prompt = new java.util.SplittableRandom(11).ints(n, 2, 512).toArray();
        try (CausalLm lm = CausalLm.load(target, Device.cpu(), 0);
                EagleDrafter drafter = EagleDrafter.load(
                        RandomEagleHead.write(target, tmp.resolve("long-head"), 9, true, false), lm, 512);
                KvCache cache = lm.newCache();
                EagleSession s = new EagleSession(drafter.head(), prompt, 512)) {
            targetReads(lm, cache, s, Arrays.copyOf(prompt, n - 1), 0);
            DraftTree dt = s.grow(new DraftBudget(1, 3, 10, 8), Drafter.DepthPolicy.ALWAYS);
            TopK windowed = freshRoot(lm, drafter.head(), prompt, 8, EagleSession.CATCH_UP_WINDOW);
            assertThat(dt.rootDistribution().ids()).containsExactly(windowed.ids());
            for (int i = 0; i < windowed.ids().length; i++) {
                assertThat((double) dt.rootDistribution().probs()[i]).isCloseTo(windowed.values()[i], within(1e-4));
            }
            // the window changes what the head sees: reading every pair gives another distribution
            TopK everything = freshRoot(lm, drafter.head(), prompt, 8);
            double diff = 0;
            for (int i = 0; i < everything.ids().length; i++) {
                diff = Math.max(diff, Math.abs(everything.values()[i] - windowed.values()[i]));
            }
            assertThat(diff).isGreaterThan(1e-3);
            assertThat(s.liveArrays()).as("features before the window released").isZero();
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
