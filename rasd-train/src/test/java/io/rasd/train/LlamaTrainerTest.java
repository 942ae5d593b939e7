package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rasd.model.CausalLm;
import io.rasd.model.DType;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaTrainerTest {

    static final LlamaTrainer.Architecture TINY = new LlamaTrainer.Architecture(64, 32, 64, 2, 4, 64);

    @Test
    void lossFallsOnALearnablePatternAndMemoryStaysFlat() {
        try (LlamaTrainer t = new LlamaTrainer(TINY, 1)) {
            SplittableRandom rnd = new SplittableRandom(2);
            float first = 0;
            float last = 0;
            int arrays = -1;
            for (int s = 0; s < 60; s++) {
                int[][] batch = new int[8][17];
                for (int[] row : batch) {
                    int start = rnd.nextInt(64);
                    for (int i = 0; i < row.length; i++) {
                        row[i] = (start + 3 * i) % 64; // each token determines the next
                    }
                }
                float loss = t.step(batch, 0.01, 0.01, 1.0);
                if (s == 0) {
                    first = loss;
                }
                if (s == 1) {
                    arrays = t.liveArrays(); // the first backward allocated one gradient per parameter
                }
                last = loss;
                if (s >= 1) {
                    assertThat(t.liveArrays()).as("step %d", s).isEqualTo(arrays);
                }
            }
            assertThat(first).isGreaterThan(3.5f); // ~ln 64 at random init
            assertThat(last).isLessThan(first / 3);
        }
    }

    @Test
    void theSavedCheckpointLoadsAndComputesWhatTheTrainerComputes(@TempDir Path dir) {
        try (LlamaTrainer t = new LlamaTrainer(TINY, 3)) {
            SplittableRandom rnd = new SplittableRandom(4);
            for (int s = 0; s < 5; s++) {
                int[][] batch = new int[4][9];
                for (int[] row : batch) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rnd.nextInt(64);
                    }
                }
                t.step(batch, 0.01, 0.01, 1.0);
            }
            t.save(dir, DType.F32, 0, 1);
            int[] tokens = {5, 9, 33, 2, 17, 60, 8};
            float[][] expected = t.logits(tokens);
            try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                    KvCache cache = lm.newCache();
                    Logits l = lm.forward(cache, tokens)) {
                for (int i = 0; i < tokens.length; i++) {
                    float[] row = l.row(i);
                    for (int v = 0; v < 64; v++) {
                        assertThat(row[v]).as("position %d id %d", i, v).isCloseTo(expected[i][v], within(1e-3f));
                    }
                }
            }
        }
    }
}
