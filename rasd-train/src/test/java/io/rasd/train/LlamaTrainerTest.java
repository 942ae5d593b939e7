package io.rasd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

    private static int[][] randomBatch(SplittableRandom rnd, int rows, int len) {
        int[][] batch = new int[rows][len];
        for (int[] row : batch) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rnd.nextInt(64);
            }
        }
        return batch;
    }

    @Test
    void weightsChooseWhichTokensTheLossCounts() {
        try (LlamaTrainer t = new LlamaTrainer(TINY, 5)) {
            int[][] batch = randomBatch(new SplittableRandom(6), 2, 9);
            float[][] ones = new float[2][9];
            for (float[] row : ones) {
                java.util.Arrays.fill(row, 1f);
            }
            double plain = t.evaluate(java.util.Collections.singletonList(batch));
            assertThat(t.evaluate(
                            java.util.Collections.singletonList(batch), java.util.Collections.singletonList(ones)))
                    .isCloseTo(plain, within(1e-5));
            // only the second row counted: the loss of that row alone
            float[][] secondRow = new float[2][9];
            java.util.Arrays.fill(secondRow[1], 1f);
            double second = t.evaluate(java.util.Collections.singletonList(new int[][] {batch[1]}));
            assertThat(t.evaluate(
                            java.util.Collections.singletonList(batch), java.util.Collections.singletonList(secondRow)))
                    .isCloseTo(second, within(1e-5));
            float[][] none = new float[2][9];
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.step(batch, none, 0.01, 0.0, 1.0))
                    .hasMessageContaining("no token with a positive loss weight");
        }
    }

    @Test
    void trainingContinuesFromASavedModelAndResumesFromACheckpointExactly(@TempDir Path dir) {
        SplittableRandom rnd = new SplittableRandom(8);
        int[][] a = randomBatch(rnd, 4, 9);
        int[][] b = randomBatch(rnd, 4, 9);
        try (LlamaTrainer t = new LlamaTrainer(TINY, 7)) {
            t.step(a, 0.01, 0.01, 1.0);
            t.save(dir.resolve("model"), DType.F32, 0, 1, 5);
            t.saveCheckpoint(dir.resolve("ckpt"), new com.google.gson.JsonObject());
            float next = t.step(b, 0.01, 0.01, 1.0);
            float after = t.step(a, 0.01, 0.01, 1.0);
            try (LlamaTrainer continued = new LlamaTrainer(TINY, 99)) {
                continued.loadWeights(dir.resolve("model"));
                // the same weights: the same loss before any update
                assertThat(continued.step(b, 0.01, 0.01, 1.0)).isCloseTo(next, within(1e-5f));
            }
            try (LlamaTrainer resumed = new LlamaTrainer(TINY, 99)) {
                resumed.loadCheckpoint(dir.resolve("ckpt"));
                assertThat(resumed.steps()).isEqualTo(1);
                assertThat(resumed.step(b, 0.01, 0.01, 1.0)).isCloseTo(next, within(1e-5f));
                // the optimizer's moments came back too: the second update lands where the original's did
                assertThat(resumed.step(a, 0.01, 0.01, 1.0)).isCloseTo(after, within(1e-5f));
            }
        }
    }

    @Test
    void distillingMovesTheStudentTowardTheTeachersDistribution() {
        try (LlamaTrainer teacher = new LlamaTrainer(TINY, 5);
                LlamaTrainer student = new LlamaTrainer(TINY, 6)) {
            SplittableRandom rnd = new SplittableRandom(7);
            for (int s = 0; s < 20; s++) { // a teacher with a distribution of its own, not the uniform start
                teacher.step(pattern(rnd), 0.01, 0.01, 1.0);
            }
            int[][] probe = pattern(new SplittableRandom(8));
            float[] target = teacher.nextTokenProbabilities(probe);
            double before = kl(target, student.nextTokenProbabilities(probe));
            int arrays = -1;
            for (int s = 0; s < 40; s++) {
                int[][] batch = pattern(rnd);
                student.step(batch, null, teacher.nextTokenProbabilities(batch), 0.01, 0.01, 1.0);
                if (s == 1) {
                    arrays = student.liveArrays();
                }
                if (s >= 1) {
                    assertThat(student.liveArrays()).as("step %d", s).isEqualTo(arrays);
                }
            }
            double after = kl(target, student.nextTokenProbabilities(probe));
            assertThat(after).isLessThan(before / 3);
        }
    }

    @Test
    void aOneHotTeacherIsTheOrdinaryLossAndAMisshapenOneIsRefused() {
        int[][] batch = pattern(new SplittableRandom(9));
        float[] oneHot = new float[batch.length * (batch[0].length - 1) * 64];
        for (int r = 0; r < batch.length; r++) {
            for (int c = 0; c + 1 < batch[r].length; c++) {
                oneHot[(r * (batch[r].length - 1) + c) * 64 + batch[r][c + 1]] = 1f;
            }
        }
        try (LlamaTrainer a = new LlamaTrainer(TINY, 10);
                LlamaTrainer b = new LlamaTrainer(TINY, 10)) {
            assertThat(b.step(batch, null, oneHot, 0.01, 0.01, 1.0))
                    .isCloseTo(a.step(batch, 0.01, 0.01, 1.0), within(1e-5f));
            assertThatThrownBy(() -> a.step(batch, null, new float[64], 0.01, 0.01, 1.0))
                    .isInstanceOf(io.rasd.RasdException.class)
                    .hasMessageContaining("teacher distributions hold 64 values");
        }
    }

    /** Rows where each token determines the next ({@code +3 mod 64}) from a random start. */
    private static int[][] pattern(SplittableRandom rnd) {
        int[][] batch = new int[8][17];
        for (int[] row : batch) {
            int start = rnd.nextInt(64);
            for (int i = 0; i < row.length; i++) {
                row[i] = (start + 3 * i) % 64;
            }
        }
        return batch;
    }

    /** Mean KL(p ‖ q) over the rows of two flattened {@code [n, 64]} distributions. */
    private static double kl(float[] p, float[] q) {
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                sum += p[i] * Math.log(p[i] / Math.max(q[i], 1e-30));
            }
        }
        return sum / (p.length / 64);
    }
}
