package io.rasd.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
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
        return sample(row, p, rng, null);
    }

    /**
     * Samples from {@code row} restricted to the ids {@code allowed} (ascending; null: every id), as a grammar's logits
     * processor does before temperature, top-k and top-p: the distribution is renormalised over the allowed ids, and
     * greedy takes the best allowed id (the lowest of equal ones, as argmax over the whole row does).
     */
    public static int sample(NDArray row, SamplingParams p, RandomGenerator rng, int[] allowed) {
        NDArray candidates = row;
        NDArray ids = null; // null: candidates are the whole vocabulary in id order
        if (allowed != null) {
            if (allowed.length == 0) {
                throw new IllegalArgumentException("no token is allowed");
            }
            long[] wide = new long[allowed.length]; // int64: torch's index type
            for (int i = 0; i < allowed.length; i++) {
                wide[i] = allowed[i];
            }
            ids = row.getManager().create(wide);
            candidates = row.get(new NDIndex("{}", ids));
        }
        if (p.isGreedy()) {
            int index = (int) candidates.argMax().toType(DataType.INT64, false).getLong();
            return allowed == null ? index : allowed[index];
        }
        int vocab = (int) candidates.getShape().get(0);
        NDArray scaled = candidates.div((float) p.temperature());
        NDArray values;
        int k = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
        if (k < vocab || p.topP() < 1) {
            // torch.topk sorts: candidates best first, which top-p needs
            NDList top = scaled.topK(k, -1, true, true);
            values = top.get(0);
            ids = ids == null ? top.get(1) : ids.get(new NDIndex("{}", top.get(1)));
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
