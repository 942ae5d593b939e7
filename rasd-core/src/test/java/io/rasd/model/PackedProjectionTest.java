package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A bf16 projection packed once for oneDNN ({@link Kernels#packedProjection}): speculative decoding verifies n rows where
 * plain decoding computes one, so every row must come out bitwise the same whatever else is in the batch; and it must
 * stay the bf16 projection (the unpacked matmul, up to f32 rounding of its sums).
 */
class PackedProjectionTest {

    @Test
    void oneDnnTakesBf16MatmulsOnlyWithAvx512BwVlDqOrAvxNeConvert() {
        assertThat(Precision.CpuFeatures.hasOneDnnBf16(Set.of("avx2", "fma"))).isFalse();
        assertThat(Precision.CpuFeatures.hasOneDnnBf16(Set.of("avx512f", "avx512bw", "avx512vl")))
                .isFalse();
        assertThat(Precision.CpuFeatures.hasOneDnnBf16(Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq")))
                .isTrue();
        assertThat(Precision.CpuFeatures.hasOneDnnBf16(Set.of("avx2", "avx_ne_convert")))
                .isTrue();
    }

    @Test
    void aPackedBf16ProjectionGivesEachRowBitwiseTheSameWhateverTheBatchAndStaysTheBf16Projection() {
        assumeTrue(Precision.CpuFeatures.ONEDNN_BF16, "this CPU's bf16 matmuls do not go to oneDNN: nothing is packed");
        Kernels k = Kernels.get();
        Random random = new Random(7);
        int[][] shapes = {{64, 96}, {96, 40}, {256, 688}, {688, 256}, {256, 4096}};
        try (NDManager m = DeviceTensors.newManager(DeviceTensors.host())) {
            for (int[] s : shapes) {
                int in = s[0];
                int out = s[1];
                NDArray wT = DeviceTensors.upload(m, gaussian(random, in * out, 0.05f), new Shape(in, out));
                NDArray packed = k.packedProjection(wT, m);
                NDArray plain = k.halfProjection(wT, Precision.BF16, m);
                int rows = 33;
                float[] x = gaussian(random, rows * in, 1f);
                float[] all =
                        DeviceTensors.readFloats(k.project(DeviceTensors.upload(m, x, new Shape(rows, in)), packed, m));
                float[] allPlain =
                        DeviceTensors.readFloats(k.project(DeviceTensors.upload(m, x, new Shape(rows, in)), plain, m));
                // the matmul rounds its output to bf16: packed and unpacked may sum in another order, one bf16 step
                // apart
                for (int i = 0; i < all.length; i++) {
                    assertThat(all[i])
                            .as("%dx%d, %d rows, packed vs unpacked at %d", in, out, rows, i)
                            .isCloseTo(allPlain[i], within(0x1p-7f * Math.max(1f, Math.abs(allPlain[i]))));
                }
                for (int n : new int[] {1, 2, 5, 8, 17, 32}) {
                    float[] head = Arrays.copyOf(x, n * in);
                    float[] few = DeviceTensors.readFloats(
                            k.project(DeviceTensors.upload(m, head, new Shape(n, in)), packed, m));
                    assertThat(few)
                            .as("%dx%d: the first %d rows alone vs within %d", in, out, n, rows)
                            .containsExactly(Arrays.copyOf(all, n * out));
                }
            }
        }
    }

    private static float[] gaussian(Random random, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * scale;
        }
        return v;
    }
}
