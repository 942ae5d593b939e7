package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Greedy speculation is lossless only if every row of a tree verify is bitwise the logits a one-row decoding step
 * gives for the same token after the same context. In a half precision the next projection rounds its input to bf16 or
 * f16, which turns a last-bit difference in f32 into a different token now and then: measured on the demo models with
 * attention in f32, 12-25% of the bench's greedy prompts left plain decoding's path, since the fused attention kernel
 * sums in an order that depends on how many query rows and keys a call holds (here: from about 500 keys on). The
 * kernel module computes a half model's attention in f64; this holds it to that, on the shipped demo target, past the
 * kernel's 512-key block and for a branching tree (ancestors not contiguous in the cache).
 */
class HalfTreeRowsTest {

    private static final Path DEMO_TARGET = Path.of("../models/demo-target");

    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"BF16", "F16"})
    void everyTreeRowIsBitwiseTheOneRowStepOfItsPath(Precision precision) {
        // verified where libtorch's half projections are row-independent by measurement (oneDNN bf16, ATen f16 with
        // AVX-512); on an AVX2-only CPU they run other kernels, not checked yet (no such machine in that session)
        assumeTrue(
                Precision.CpuFeatures.ONEDNN_BF16,
                "half projections on this CPU (no AVX-512 BW/VL/DQ) are not yet checked for row independence");
        try (CausalLm lm = CausalLm.load(
                DEMO_TARGET, LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(precision))) {
            Random random = new Random(3);
            int[] text = random.ints(800, 10, 4000).toArray();
            // a chain of 13, and a tree whose second branch's rows sit after the first's in the cache
            int[][] trees = {{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {-1, 0, 1, 2, 0, 4, 5, 6, 5}};
            for (int past : new int[] {20, 509, 700}) {
                for (int[] parents : trees) {
                    assertTreeRowsEqualSteps(lm, text, past, parents, precision);
                }
            }
        }
    }

    private static void assertTreeRowsEqualSteps(
            CausalLm lm, int[] text, int past, int[] parents, Precision precision) {
        int n = parents.length;
        int[] tokens = Arrays.copyOfRange(text, past, past + n);
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = parents[i] < 0 ? past : positions[parents[i]] + 1;
        }
        float[][] treeRows = new float[n][];
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, Arrays.copyOf(text, past)).close();
            try (Logits l = lm.forward(cache, tokens, positions, AttentionMask.tree(parents), null)) {
                for (int i = 0; i < n; i++) {
                    treeRows[i] = l.row(i);
                }
            }
        }
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, Arrays.copyOf(text, past)).close();
            for (int i = 0; i < n; i++) {
                // node i's path from the root, decoded one row at a time after the same context
                int depth = positions[i] - past;
                int[] path = new int[depth + 1];
                for (int node = i, d = depth; node >= 0; node = parents[node], d--) {
                    path[d] = tokens[node];
                }
                cache.truncate(past);
                float[] step = null;
                for (int token : path) {
                    try (Logits l = lm.forward(cache, new int[] {token})) {
                        step = l.row(0);
                    }
                }
                assertThat(treeRows[i])
                        .as(
                                "%s, %d keys of context, tree %s: row %d vs its one-row step",
                                precision, past, Arrays.toString(parents), i)
                        .containsExactly(step);
            }
        }
    }
}
