package io.rasd.train;

import java.util.SplittableRandom;

/** Not a test: times training steps of candidate shapes (run with exec:java or a test runner main). */
public final class SpeedProbe {
    public static void main(String[] args) {
        int[][] shapes = {{256, 6, 8, 688, 16, 256}, {128, 2, 4, 352, 16, 256}, {320, 6, 8, 864, 16, 256}};
        for (int[] s : shapes) {
            try (LlamaTrainer t = new LlamaTrainer(new LlamaTrainer.Architecture(4096, s[0], s[3], s[1], s[2], 1024), 1)) {
                SplittableRandom rnd = new SplittableRandom(1);
                int[][] batch = new int[s[4]][s[5] + 1];
                for (int[] row : batch) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rnd.nextInt(4096);
                    }
                }
                t.step(batch, 1e-3, 0.1, 1.0);
                long t0 = System.nanoTime();
                int n = 3;
                for (int i = 0; i < n; i++) {
                    t.step(batch, 1e-3, 0.1, 1.0);
                }
                double sec = (System.nanoTime() - t0) / 1e9 / n;
                System.out.printf("hidden %d layers %d params %.2fM: %.2f s/step, %.0f tokens/s%n", s[0], s[1],
                        t.architecture().parameters() / 1e6, sec, s[4] * s[5] / sec);
            }
        }
    }
}
