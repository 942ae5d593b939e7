package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogitsTest {

    private static float[] softmax(float[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (float f : row) {
            max = Math.max(max, f);
        }
        double z = 0;
        for (float f : row) {
            z += Math.exp(f - max);
        }
        float[] p = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            p[i] = (float) (Math.exp(row[i] - max) / z);
        }
        return p;
    }

    @Test
    void probabilitiesOfChosenIdsAndTopKAgreeWithTheFullSoftmax(@TempDir Path tmp) {
        Path dir = RandomCheckpoint.llama().layers(1).writeTo(tmp.resolve("m"));
        try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                KvCache cache = lm.newCache();
                Logits l = lm.forward(cache, new int[] {0, 9, 99, 199})) {
            float[][] full = new float[4][];
            for (int r = 0; r < 4; r++) {
                full[r] = softmax(l.row(r));
            }
            TopK[] top = l.topKProbabilities(5);
            int[] argmax = l.argmax();
            for (int r = 0; r < 4; r++) {
                assertThat(top[r].ids()[0]).isEqualTo(argmax[r]);
                for (int i = 0; i < 5; i++) {
                    assertThat(top[r].values()[i]).isCloseTo(full[r][top[r].ids()[i]], offset(1e-5f));
                }
            }
            float[] chosen = l.probabilities(new int[] {0, 1, 3, 3}, new int[] {7, 8, 9, 500});
            assertThat(chosen[0]).isCloseTo(full[0][7], offset(1e-5f));
            assertThat(chosen[1]).isCloseTo(full[1][8], offset(1e-5f));
            assertThat(chosen[2]).isCloseTo(full[3][9], offset(1e-5f));
            assertThat(chosen[3]).isCloseTo(full[3][500], offset(1e-5f));
        }
    }
}
