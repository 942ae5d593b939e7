package io.rasd.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import java.util.random.RandomGenerator;

/**
 * Draws one token from a logits row after temperature / top-k / top-p, on the device: only the drawn id (and, with
 * top-k, k candidates) is copied to Java. The uniform number comes from a Java generator so that a seed reproduces a
 * run exactly, whatever the engine's own RNG state.
 */
public final class TokenSampler {

    private TokenSampler() {}

    /** Samples from {@code row} ({@code [vocab]}, raw logits); every array created attaches to the row's manager. */
    public static int sample(NDArray row, SamplingParams p, RandomGenerator rng) {
        if (p.isGreedy()) {
            return (int) row.argMax().toType(DataType.INT64, false).getLong();
        }
        int vocab = (int) row.getShape().get(0);
        NDArray scaled = row.div((float) p.temperature());
        NDArray values;
        NDArray ids = null; // null: candidates are the whole vocabulary in id order
        int k = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
        if (k < vocab || p.topP() < 1) {
            // torch.topk sorts: candidates best first, which top-p needs
            NDList top = scaled.topK(k, -1, true, true);
            values = top.get(0);
            ids = top.get(1);
        } else {
            values = scaled;
        }
        if (p.topP() < 1) {
            NDArray probs = values.softmax(-1);
            NDArray before = probs.cumSum(-1).sub(probs); // mass strictly above each candidate
            int keep = (int) before.lt((float) p.topP())
                    .sum()
                    .toType(DataType.INT64, false)
                    .getLong();
            keep = Math.max(1, keep);
            values = values.get("0:{}", keep);
            ids = ids.get("0:{}", keep);
        }
        NDArray cdf = values.softmax(-1).cumSum(-1);
        double u = rng.nextDouble();
        int n = (int) cdf.getShape().get(0);
        int index = (int) cdf.lte((float) u).sum().toType(DataType.INT64, false).getLong();
        index = Math.min(index, n - 1); // u beyond a cdf that rounds to < 1
        if (ids == null) {
            return index;
        }
        return (int) ids.get(index).toType(DataType.INT64, false).getLong();
    }
}
