package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonParser;
import io.rasd.draft.eagle.EagleDrafter;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An EAGLE head's forward through the kernel module ({@link EagleHead#forward}, one native call) against the same math
 * in DJL ops ({@link EagleHead#forwardReference}), as a drafting session runs it: a causal catch-up over the target's
 * features, a one-row step reading the head's own output, and a token tree under a tree mask with logits for some rows
 * only. Every golden head (EAGLE-1/2 with and without an fc bias, own or target embedding, q/k/v biases, grouped-query
 * attention; EAGLE-3 with a draft vocabulary and with the full one), over its target in f32 and in bf16.
 */
class EagleHeadKernelTest {

    static Stream<String> heads() {
        return Stream.of(
                "eagle/llama-gqa-f32-nobias",
                "eagle/llama-linear-f16-bias-noemb",
                "eagle/qwen2-qkvbias-f32",
                "eagle3/head-8l-draftvocab-midlayer",
                "eagle3/head-7l-fullvocab-layers0-emb");
    }

    @ParameterizedTest
    @MethodSource("heads")
    void kernelForwardMatchesTheDjlOpsOnCatchUpStepsAndTrees(String name) throws IOException {
        try (CausalLm lm = load(targetOf(name), Precision.F32);
                EagleDrafter drafter = EagleDrafter.load(
                        TestData.root().resolve(name), lm, lm.config().vocabSize())) {
            EagleHead head = drafter.head();
            List<float[]> kernel = script(lm, head, false);
            List<float[]> reference = script(lm, head, true);
            // the same f32 math; the attention kernel (fused SDPA vs matmul-softmax-matmul) sums in another order
            assertClose(name + " f32", kernel, reference, 1e-4f, 5e-4f);
        }
    }

    @ParameterizedTest
    @MethodSource("heads")
    void theTopKReturnedWithTheForwardIsTheTopKOfItsLogits(String name) throws IOException {
        try (CausalLm lm = load(targetOf(name), Precision.F32);
                EagleDrafter drafter = EagleDrafter.load(
                        TestData.root().resolve(name), lm, lm.config().vocabSize());
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            EagleHead head = drafter.head();
            int[] ids = {0, 37, 120, 5, 88, 301, 42};
            int pairs = ids.length - 1;
            NDArray features = targetFeatures(lm, head, ids, pairs, m);
            int[] tokens = Arrays.copyOfRange(ids, 1, pairs + 1);
            for (int k : new int[] {1, 5}) {
                try (KvCache a = head.newCache();
                        KvCache b = head.newCache();
                        Logits with = head.forward(
                                a,
                                tokens,
                                features,
                                Positions.consecutive(0, pairs),
                                AttentionMask.causal(),
                                new int[] {pairs - 1, 1},
                                k);
                        Logits without = head.forward(
                                b,
                                tokens,
                                features,
                                Positions.consecutive(0, pairs),
                                AttentionMask.causal(),
                                new int[] {pairs - 1, 1})) {
                    assertThat(with.precomputedTopK())
                            .as("k %d computed in the forward's call", k)
                            .isEqualTo(k);
                    assertThat(without.precomputedTopK()).isZero();
                    TopK[] x = with.topKProbabilities(k);
                    TopK[] y = without.topKProbabilities(k);
                    assertThat(x).hasSize(2);
                    for (int r = 0; r < x.length; r++) {
                        assertThat(x[r].ids()).as("%s row %d ids", name, r).containsExactly(y[r].ids());
                        assertThat(x[r].values())
                                .as("%s row %d probabilities", name, r)
                                .containsExactly(y[r].values(), within(1e-6f));
                    }
                }
            }
        }
    }

    /**
     * Over a bf16 target the head's projections are bf16 too (as the target's): fed the same features, it computes
     * what the f32 head computes, within bf16's rounding of weights and inputs.
     */
    @ParameterizedTest
    @MethodSource("heads")
    void aHeadOverABf16TargetHoldsBf16WeightsAndMatchesItsF32Self(String name) throws IOException {
        Path dir = TestData.root().resolve(name);
        try (CausalLm f32 = load(targetOf(name), Precision.F32);
                CausalLm bf16 = load(targetOf(name), Precision.BF16);
                EagleDrafter exact = EagleDrafter.load(dir, f32, f32.config().vocabSize());
                EagleDrafter half = EagleDrafter.load(dir, bf16, bf16.config().vocabSize())) {
            // the same inputs at every depth: fed its own outputs, an unnormalised EAGLE-1 head carries each depth's
            // rounding into the next (5-13% by the tree on these random heads)
            List<float[]> reference = script(f32, exact.head(), false, false);
            List<float[]> rounded = script(f32, half.head(), false, false);
            assertThat(rounded).hasSameSizeAs(reference);
            for (int i = 0; i < rounded.size(); i++) {
                // bf16 keeps 8 bits: each weight and input within 2^-9 relative, so each output vector within a
                // few per cent of its norm (measured on these heads: at most 1.9%); a wrong layout, a lost bias or a
                // missing norm is off by its whole size
                double error = distance(rounded.get(i), reference.get(i)) / norm(reference.get(i));
                assertThat(error)
                        .as("%s output %d, relative to its norm", name, i)
                        .isLessThan(0.04);
            }
            assertThatThrownBy(() -> script(f32, half.head(), true))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("f32 heads only");
        }
    }

    private static double norm(float[] a) {
        return distance(a, new float[a.length]);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }

    private static Path targetOf(String head) throws IOException {
        String target = JsonParser.parseString(
                        Files.readString(TestData.root().resolve(head).resolve("golden.json")))
                .getAsJsonObject()
                .get("target")
                .getAsString();
        return TestData.root().getParent().resolve(target);
    }

    private static CausalLm load(Path dir, Precision p) {
        return CausalLm.load(
                dir, LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(p));
    }

    /**
     * Each output within {@code hTol} (head outputs) or {@code logitTol} (logits) of the reference, relative above 1.
     */
    private static void assertClose(
            String what, List<float[]> actual, List<float[]> reference, float hTol, float logitTol) {
        assertThat(actual).hasSameSizeAs(reference);
        for (int i = 0; i < actual.size(); i++) {
            float[] a = actual.get(i);
            float[] b = reference.get(i);
            boolean hidden = HIDDEN_OUTPUTS.contains(i);
            assertThat(a).as("%s output %d", what, i).hasSameSizeAs(b);
            for (int j = 0; j < a.length; j++) {
                float err = Math.abs(a[j] - b[j]) / Math.max(1f, Math.abs(b[j]));
                assertThat(err)
                        .as("%s %s %d element %d: %s vs %s", what, hidden ? "h" : "logits", i, j, a[j], b[j])
                        .isLessThanOrEqualTo(hidden ? hTol : logitTol);
            }
        }
    }

    /** Which outputs of {@link #script} are head outputs h (the rest are logit rows). */
    private static final java.util.Set<Integer> HIDDEN_OUTPUTS = java.util.Set.of(2, 4, 7);

    /**
     * Logit rows and head outputs of a catch-up, a one-row step and a tree, each output as a flat array; the features
     * are {@code lm}'s (the head may be loaded over another copy of its target).
     */
    private static List<float[]> script(CausalLm lm, EagleHead head, boolean reference) {
        return script(lm, head, reference, true);
    }

    /**
     * {@link #script}; with {@code ownOutputs} false the step and the tree read target features instead of the head's
     * own output (so that two heads compared read the same inputs at every depth).
     */
    private static List<float[]> script(CausalLm lm, EagleHead head, boolean reference, boolean ownOutputs) {
        List<float[]> out = new ArrayList<>();
        int[] ids = {0, 37, 120, 5, 88, 301, 42, 19, 250};
        int n = ids.length;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                KvCache hc = head.newCache()) {
            NDArray features = targetFeatures(lm, head, ids, n - 1, m);
            // catch-up: pairs (ids[i + 1], the target's feature of ids[i]), causal, logits of two rows
            int pairs = n - 2;
            NDArray own;
            try (Logits h = run(
                    head,
                    reference,
                    hc,
                    Arrays.copyOfRange(ids, 1, pairs + 1),
                    features.get("0:" + pairs),
                    Positions.consecutive(0, pairs),
                    AttentionMask.causal(),
                    new int[] {pairs - 1, 2})) {
                collect(out, h, m, pairs);
                own = ownOutputs ? h.hidden(m, new int[] {pairs - 1}) : features.get(pairs + ":" + (pairs + 1));
            }
            // one row reading the head's own output (a depth beyond the first)
            try (Logits h = run(
                    head,
                    reference,
                    hc,
                    new int[] {ids[n - 1]},
                    own,
                    new int[] {pairs},
                    AttentionMask.causal(),
                    null)) {
                collect(out, h, m, 1);
                own = ownOutputs ? h.hidden(m, new int[] {0}) : features.get("0:1");
            }
            // a tree of five nodes over the cache: two roots, children reading their parent's output
            int base = hc.length();
            int[] tokens = {11, 12, 13, 14, 15};
            int[] parents = {-1, 0, 0, 1, -1};
            int[] depth = {0, 1, 1, 2, 0};
            int[] positions = new int[tokens.length];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = base + depth[i];
            }
            NDArray rows = own.repeat(0, tokens.length);
            try (Logits h =
                    run(head, reference, hc, tokens, rows, positions, AttentionMask.tree(parents), new int[] {3, 1})) {
                collect(out, h, m, tokens.length);
            }
        }
        return out;
    }

    /** The target's features of the first {@code rows} of {@code ids} (what the head reads), owned by {@code m}. */
    private static NDArray targetFeatures(CausalLm lm, EagleHead head, int[] ids, int rows, NDManager m) {
        try (KvCache tc = lm.newCache();
                Logits t = lm.forward(
                        tc,
                        ids,
                        Positions.consecutive(0, ids.length),
                        AttentionMask.causal(),
                        null,
                        head.targetFeatureLayers())) {
            return t.hidden(m, Positions.consecutive(0, rows));
        }
    }

    private static void collect(List<float[]> out, Logits h, NDManager m, int rows) {
        for (int r = 0; r < h.rows(); r++) {
            out.add(h.row(r));
        }
        out.add(h.hidden(m, Positions.consecutive(0, rows)).toFloatArray());
    }

    private static Logits run(
            EagleHead head,
            boolean reference,
            KvCache cache,
            int[] tokens,
            NDArray features,
            int[] positions,
            AttentionMask mask,
            int[] rows) {
        return reference
                ? head.forwardReference(cache, tokens, features, positions, mask, rows)
                : head.forward(cache, tokens, features, positions, mask, rows);
    }
}
