package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An EAGLE head's forward through the kernel module ({@link EagleHead#forward}, one native call) against the same math
 * in DJL ops ({@link EagleHead#forwardReference}), as a drafting session runs it: a causal catch-up over the target's
 * features, a one-row step reading the head's own output, and a token tree under a tree mask with logits for some rows
 * only. Every golden head (EAGLE-1/2 with and without an fc bias, own or target embedding, q/k/v biases, grouped-query
 * attention; EAGLE-3 with a draft vocabulary and with the full one), over its target in f32 and in bf16.
 */
class EagleHeadKernelTest {

    static Stream<Arguments> heads() {
        return Stream.of(
                        "eagle/llama-gqa-f32-nobias",
                        "eagle/llama-linear-f16-bias-noemb",
                        "eagle/qwen2-qkvbias-f32",
                        "eagle3/head-8l-draftvocab-midlayer",
                        "eagle3/head-7l-fullvocab-layers0-emb")
                .flatMap(h -> Stream.of(Arguments.of(h, Precision.F32), Arguments.of(h, Precision.BF16)));
    }

    @ParameterizedTest
    @MethodSource("heads")
    void kernelForwardMatchesTheDjlOpsOnCatchUpStepsAndTrees(String name, Precision precision) throws IOException {
        Path dir = TestData.root().resolve(name);
        String target = JsonParser.parseString(Files.readString(dir.resolve("golden.json")))
                .getAsJsonObject()
                .get("target")
                .getAsString();
        Path targetDir = TestData.root().getParent().resolve(target);
        try (CausalLm lm = CausalLm.load(
                        targetDir,
                        LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(precision));
                EagleDrafter drafter = EagleDrafter.load(dir, lm, lm.config().vocabSize())) {
            EagleHead head = drafter.head();
            List<float[]> kernel = script(lm, head, false);
            List<float[]> reference = script(lm, head, true);
            assertThat(kernel).hasSameSizeAs(reference);
            for (int i = 0; i < kernel.size(); i++) {
                float[] a = kernel.get(i);
                float[] b = reference.get(i);
                boolean hidden = HIDDEN_OUTPUTS.contains(i);
                // the same f32 math; the attention kernel (fused SDPA vs matmul-softmax-matmul) sums in another order,
                // and the logits' projection adds its own rounding: f32 sums over the head's width, or, over a bf16
                // target's lm_head, the input rounded to bf16 (8 bits), where a last-bit difference of h may round
                // an element the other way
                float tolerance = hidden ? 1e-4f : precision == Precision.BF16 ? 2e-2f : 5e-4f;
                assertThat(a).as("%s %s output %d", name, precision, i).hasSameSizeAs(b);
                for (int j = 0; j < a.length; j++) {
                    assertThat(Math.abs(a[j] - b[j]))
                            .as(
                                    "%s %s %s %d element %d: %s vs %s",
                                    name, precision, hidden ? "h" : "logits", i, j, a[j], b[j])
                            .isLessThanOrEqualTo(tolerance * Math.max(1f, Math.abs(b[j])));
                }
            }
        }
    }

    /** Which outputs of {@link #script} are head outputs h (the rest are logit rows). */
    private static final java.util.Set<Integer> HIDDEN_OUTPUTS = java.util.Set.of(2, 4, 7);

    /** Logit rows and head outputs of a catch-up, a one-row step and a tree, each output as a flat array. */
    private static List<float[]> script(CausalLm lm, EagleHead head, boolean reference) {
        List<float[]> out = new ArrayList<>();
        int[] ids = {0, 37, 120, 5, 88, 301, 42, 19, 250};
        int n = ids.length;
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                KvCache tc = lm.newCache();
                KvCache hc = head.newCache()) {
            NDArray features;
            try (Logits t = lm.forward(
                    tc, ids, Positions.consecutive(0, n), AttentionMask.causal(), null, head.targetFeatureLayers())) {
                features = t.hidden(m, Positions.consecutive(0, n - 1));
            }
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
                own = h.hidden(m, new int[] {pairs - 1});
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
                own = h.hidden(m, new int[] {0});
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
