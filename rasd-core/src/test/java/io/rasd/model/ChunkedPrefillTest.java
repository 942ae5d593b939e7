package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A causal forward longer than {@link CausalLm#PREFILL_CHUNK} runs chunk by chunk with a mask the kernel module builds;
 * to its caller it is one forward: the same logits (in the order asked), hidden rows and cache as one call would give.
 */
class ChunkedPrefillTest {

    private static final Path DEMO_TARGET = Path.of("../models/demo-target");

    /** 2.3 chunks: two whole ones and a partial one. */
    private static final int N = 2 * CausalLm.PREFILL_CHUNK + 88;

    private static int[] text(int n, long seed) {
        return new Random(seed).ints(n, 10, 4000).toArray();
    }

    private static int[] consecutive(int from, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = from + i;
        }
        return p;
    }

    @Test
    void chunkedF32PrefillMatchesOneUnchunkedPassOfTheDjlOpsRowForRowInTheOrderAsked() {
        try (CausalLm lm = CausalLm.load(
                        DEMO_TARGET,
                        LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(Precision.F32));
                NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            int[] tokens = text(N, 1);
            // unordered, repeated, and in every chunk; the first chunk's rows come last
            int[] rows = {N - 1, CausalLm.PREFILL_CHUNK, 3, N - 1, 2 * CausalLm.PREFILL_CHUNK - 1, 0};
            int[] hiddenRows = {0, 255, 256, 511, 512, N - 1};
            try (KvCache chunked = lm.newCache();
                    KvCache whole = lm.newCache();
                    Logits a = lm.forward(chunked, tokens, consecutive(0, N), AttentionMask.causal(), rows);
                    Logits b =
                            lm.forwardReference(whole, tokens, consecutive(0, N), AttentionMask.causal(), rows, null)) {
                assertThat(chunked.length()).isEqualTo(N);
                assertThat(a.rows()).isEqualTo(rows.length);
                for (int r = 0; r < rows.length; r++) {
                    assertClose(a.row(r), b.row(r), "logit row " + r + " (token " + rows[r] + ")");
                }
                assertClose(
                        a.hidden(m, hiddenRows).toFloatArray(),
                        b.hidden(m, hiddenRows).toFloatArray(),
                        "hidden rows");
                // the cache rows the chunks wrote serve the next step as one call's would
                try (Logits c = lm.forward(chunked, new int[] {7});
                        Logits d = lm.forwardReference(
                                whole, new int[] {7}, new int[] {N}, AttentionMask.causal(), null, null)) {
                    assertClose(c.row(0), d.row(0), "the step after the prefill");
                }
            }
            try (KvCache chunked = lm.newCache();
                    Logits all = lm.forward(chunked, tokens)) {
                assertThat(all.rows()).as("no logit rows asked: every row").isEqualTo(N);
            }
        }
    }

    @Test
    void halfPrecisionRowsAreBitwiseTheSameWhereverTheChunksStartAndAsOneRowSteps() {
        assumeTrue(
                Precision.CpuFeatures.ONEDNN_BF16,
                "half projections on this CPU (no AVX-512 BW/VL/DQ) are not yet checked for row independence");
        try (CausalLm lm = CausalLm.load(
                DEMO_TARGET, LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(Precision.BF16))) {
            int[] tokens = text(N, 2);
            float[][] once = new float[N][];
            try (KvCache cache = lm.newCache();
                    Logits l = lm.forward(cache, tokens)) {
                for (int r = 0; r < N; r++) {
                    once[r] = l.row(r);
                }
            }
            // the same prompt in two calls: the second's chunks start 300 tokens later than the first call's did
            int split = 300;
            try (KvCache cache = lm.newCache()) {
                try (Logits l = lm.forward(cache, Arrays.copyOf(tokens, split))) {
                    for (int r = 0; r < split; r += 37) {
                        assertThat(l.row(r)).as("row %d, first call", r).containsExactly(once[r]);
                    }
                }
                try (Logits l = lm.forward(cache, Arrays.copyOfRange(tokens, split, N))) {
                    for (int r = split; r < N; r += 37) {
                        assertThat(l.row(r - split))
                                .as("row %d, second call", r)
                                .containsExactly(once[r]);
                    }
                }
            }
            // the last rows of the prompt as one-row decoding steps after the rest
            int steps = 6;
            try (KvCache cache = lm.newCache()) {
                lm.forward(cache, Arrays.copyOf(tokens, N - steps)).close();
                for (int r = N - steps; r < N; r++) {
                    try (Logits l = lm.forward(cache, new int[] {tokens[r]})) {
                        assertThat(l.row(0)).as("row %d as a one-row step", r).containsExactly(once[r]);
                    }
                }
            }
        }
    }

    private static void assertClose(float[] a, float[] b, String what) {
        assertThat(a).as(what).hasSameSizeAs(b);
        for (int j = 0; j < a.length; j++) {
            // the same f32 math in another order (fused attention per chunk vs matmul-softmax-matmul over all keys)
            assertThat(Math.abs(a[j] - b[j]))
                    .as("%s element %d: %s vs %s", what, j, a[j], b[j])
                    .isLessThanOrEqualTo(1e-4f * Math.max(1f, Math.abs(b[j])));
        }
    }
}
