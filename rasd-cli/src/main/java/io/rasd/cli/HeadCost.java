package io.rasd.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.EagleHead;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.model.Positions;
import java.util.SplittableRandom;

/**
 * The wall time of one EAGLE head forward over {@code n} tree nodes after a context of fixed length, as a drafting
 * depth runs it: n (token, feature) rows reading the head's own previous outputs, the top-k probabilities and the
 * rows' outputs copied out. What decides whether a head pays: its cost per depth against a target forward's.
 */
final class HeadCost {

    private HeadCost() {}

    /** Mean seconds per head forward for each of {@code sizes}, after {@code context} pairs are in the head's cache. */
    static double[] measure(CausalLm target, EagleHead head, int context, int[] sizes, int repeats) {
        SplittableRandom rnd = new SplittableRandom(7);
        int vocab = target.config().vocabSize();
        int[] ids = rnd.ints(context + 1, 0, vocab).toArray();
        double[] seconds = new double[sizes.length];
        try (NDManager m = NDManager.newBaseManager(target.device(), "PyTorch");
                KvCache tc = target.newCache();
                KvCache hc = head.newCache()) {
            NDArray own;
            try (Logits t = target.forward(
                    tc,
                    ids,
                    Positions.consecutive(0, ids.length),
                    AttentionMask.causal(),
                    null,
                    head.targetFeatureLayers())) {
                NDArray features = t.hidden(m, Positions.consecutive(0, context));
                try (Logits h = head.forward(
                        hc,
                        java.util.Arrays.copyOfRange(ids, 1, context + 1),
                        features,
                        Positions.consecutive(0, context),
                        AttentionMask.causal(),
                        new int[] {context - 1})) {
                    own = h.hidden(m, new int[] {context - 1}); // a head output: what deeper nodes read
                }
            }
            for (int s = 0; s < sizes.length; s++) {
                int n = sizes[s];
                NDArray rows = own.repeat(0, n);
                int[] tokens = rnd.ints(n, 0, vocab).toArray();
                int[] positions = new int[n];
                java.util.Arrays.fill(positions, context);
                boolean[][] mask = new boolean[n][n];
                for (int i = 0; i < n; i++) {
                    mask[i][i] = true; // n siblings: each sees the context and itself
                }
                long total = 0;
                for (int r = -3; r < repeats; r++) { // 3 warm-up forwards
                    long t0 = System.nanoTime();
                    try (Logits l =
                            head.forward(hc, tokens, rows, positions, AttentionMask.explicit(context, mask), null, 8)) {
                        l.topKProbabilities(8);
                        l.hidden(m, Positions.consecutive(0, n)).close();
                    }
                    long dt = System.nanoTime() - t0;
                    hc.truncate(context);
                    if (r >= 0) {
                        total += dt;
                    }
                }
                seconds[s] = total / 1e9 / repeats;
                rows.close();
            }
        }
        return seconds;
    }
}
