package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.testing.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The TorchScript kernel module's forward pass ({@link Kernels}, what {@link CausalLm#forward} runs) against the same
 * math in DJL ops ({@code Decoder}, {@link CausalLm#forwardReference}) on the HF-written fixtures, and its half
 * precisions against transformers' own.
 */
class KernelForwardTest {

    static Stream<String> fixtures() {
        return HuggingFaceGoldenTest.fixtures();
    }

    /** Prefill, two decoding steps, then a token tree with logits for some rows and EAGLE-3 feature taps. */
    private static List<float[]> script(CausalLm lm, boolean reference) {
        List<float[]> out = new ArrayList<>();
        int[] prompt = {3, 17, 42, 99, 7, 12, 5, 61, 33};
        int layers = lm.config().numLayers();
        int[] taps = layers > 1 ? new int[] {0, layers - 1} : new int[] {0};
        try (KvCache cache = lm.newCache()) {
            int[] pos = new int[prompt.length];
            for (int i = 0; i < pos.length; i++) {
                pos[i] = i;
            }
            try (Logits l = run(lm, reference, cache, prompt, pos, AttentionMask.causal(), null, null)) {
                for (int r = 0; r < l.rows(); r++) {
                    out.add(l.row(r));
                }
            }
            for (int step = 0; step < 2; step++) {
                int p = cache.length();
                try (Logits l = run(
                        lm,
                        reference,
                        cache,
                        new int[] {20 + step},
                        new int[] {p},
                        AttentionMask.causal(),
                        null,
                        null)) {
                    out.add(l.row(0));
                    ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu(), "PyTorch");
                    try (m) {
                        out.add(l.hidden(m, new int[] {0}).toFloatArray());
                    }
                }
            }
            int base = cache.length();
            int[] tokens = {11, 12, 13, 14, 15, 16};
            int[] parents = {-1, 0, 0, 1, -1, 4};
            int[] depth = {0, 1, 1, 2, 0, 1};
            int[] tpos = new int[tokens.length];
            for (int i = 0; i < tpos.length; i++) {
                tpos[i] = base + depth[i];
            }
            try (Logits l = run(
                            lm,
                            reference,
                            cache,
                            tokens,
                            tpos,
                            AttentionMask.tree(parents),
                            new int[] {1, 3, 5},
                            taps);
                    ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                for (int r = 0; r < l.rows(); r++) {
                    out.add(l.row(r));
                }
                out.add(l.hidden(m, new int[] {0, 2, 4}).toFloatArray());
            }
        }
        return out;
    }

    private static Logits run(
            CausalLm lm,
            boolean reference,
            KvCache cache,
            int[] tokens,
            int[] pos,
            AttentionMask mask,
            int[] rows,
            int[] taps) {
        return reference
                ? lm.forwardReference(cache, tokens, pos, mask, rows, taps)
                : lm.forward(cache, tokens, pos, mask, rows, taps);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void kernelForwardMatchesTheDjlOpsOnPrefillDecodingAndTrees(String fixture) {
        try (CausalLm lm = CausalLm.load(
                TestData.hf(fixture),
                LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(Precision.F32))) {
            List<float[]> kernel = script(lm, false);
            List<float[]> reference = script(lm, true);
            assertThat(kernel).hasSameSizeAs(reference);
            for (int i = 0; i < kernel.size(); i++) {
                float[] a = kernel.get(i);
                float[] b = reference.get(i);
                assertThat(a).as("%s output %d", fixture, i).hasSameSizeAs(b);
                for (int j = 0; j < a.length; j++) {
                    // the same f32 math; only the attention kernel (fused SDPA vs matmul-softmax-matmul) differs
                    assertThat(Math.abs(a[j] - b[j]))
                            .as("%s output %d element %d: %s vs %s", fixture, i, j, a[j], b[j])
                            .isLessThanOrEqualTo(1e-4f * Math.max(1f, Math.abs(b[j])));
                }
            }
        }
    }

    static Stream<Arguments> halfFixtures() {
        return fixtures().flatMap(f -> Stream.of(Arguments.of(f, Precision.BF16), Arguments.of(f, Precision.F16)));
    }

    @ParameterizedTest
    @MethodSource("halfFixtures")
    void halfPrecisionLogitsAreAsCloseToTransformersF32AsTransformersOwnHalfLogits(String fixture, Precision p)
            throws IOException {
        Path dir = TestData.hf(fixture);
        JsonObject golden = JsonParser.parseString(Files.readString(dir.resolve("golden.json")))
                .getAsJsonObject();
        double theirs = JsonParser.parseString(Files.readString(dir.resolve("golden-half.json")))
                .getAsJsonObject()
                .getAsJsonObject(p.label())
                .get("max_abs_diff_top10")
                .getAsDouble();
        JsonArray promptJson = golden.getAsJsonArray("prompt_ids");
        int[] prompt = new int[promptJson.size()];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = promptJson.get(i).getAsInt();
        }
        JsonArray positions = golden.getAsJsonArray("positions");
        double ours = 0;
        try (CausalLm lm = CausalLm.load(
                        dir, LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(p));
                KvCache cache = lm.newCache();
                Logits logits = lm.forward(cache, prompt)) {
            assertThat(lm.precision()).isEqualTo(p);
            for (int pos = 0; pos < prompt.length; pos++) {
                JsonObject ref = positions.get(pos).getAsJsonObject();
                JsonArray ids = ref.getAsJsonArray("top_ids");
                JsonArray values = ref.getAsJsonArray("top_logits");
                float[] row = logits.row(pos);
                for (int i = 0; i < ids.size(); i++) {
                    ours = Math.max(
                            ours,
                            Math.abs(row[ids.get(i).getAsInt()] - values.get(i).getAsDouble()));
                }
            }
        }
        // rasd rounds other intermediates than transformers does (weights and activations at each projection, an f32
        // residual stream and attention), so the two errors are of one size, not equal. Measured (ours /
        // transformers'): bf16 0.5-1.5x; f16 0.9-1.4x except qwen2-tied-f32 at 3.7x, hence the looser bar there. A
        // Python emulation of rasd's rounding reproduces these numbers exactly; on qwen2-tied-f32 computing the q and
        // k projections in f32 brings its rms logit error from 0.054 to 0.024 (transformers' f16: 0.020). Not the
        // folded norm weights (all 1 in these fixtures, so folding is exact); the mechanism is not identified.
        double bar = p == Precision.BF16 ? 1.5 : 4.0;
        assertThat(ours)
                .as("%s %s: max |logit - f32 logit| on the top-10 ids", fixture, p)
                .isLessThanOrEqualTo(bar * theirs + 1e-3);
    }
}
