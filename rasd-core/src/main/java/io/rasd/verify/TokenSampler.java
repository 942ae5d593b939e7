package io.rasd.verify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rasd.model.DeviceTensors;

/**
 * Draws tokens from logits rows after temperature / top-k / top-p, on the device: only the drawn ids are copied to
 * Java. The uniform numbers come from a Java generator ({@link Uniforms}) so that a seed reproduces a run exactly,
 * whatever the engine's own RNG state.
 *
 * <p>A draw inverts the cumulative distribution: the token is the first whose cumulative probability exceeds the
 * uniform {@code u}, candidates in id order (or best first under top-k / top-p, as {@code torch.topk} sorts them).
 */
public final class TokenSampler {

    private TokenSampler() {}

    /** Samples from {@code row} ({@code [vocab]}, raw logits) with uniform {@code u}; arrays attach to the row's manager. */
    public static int sample(NDArray row, SamplingParams p, double u) {
        return sample(row, p, u, null);
    }

    /**
     * One draw per row of {@code logits} ({@code [rows, vocab]}, raw logits), row {@code r} with uniform {@code u[r]}:
     * every row of a verified tree in one pass of device ops and one copy of {@code rows} ids to Java, where drawing
     * node by node costs a chain of calls and a copy per emitted token (and, on a GPU, a device sync each). Rows are
     * independent: row {@code r} gets the token {@link #sample(NDArray, SamplingParams, double)} would get on that row
     * alone, up to the rounding of the cumulative sum (the same for a row whatever the batch, which is what keeps
     * tree verification equal to one-row decoding). Arrays attach to {@code logits}' manager.
     */
    public static int[] sampleRows(NDArray logits, SamplingParams p, double[] u) {
        int rows = (int) logits.getShape().get(0);
        if (u.length != rows) {
            throw new IllegalArgumentException(u.length + " uniforms for " + rows + " rows");
        }
        if (p.isGreedy()) {
            return toInts(logits.argMax(1));
        }
        NDManager m = logits.getManager();
        int vocab = (int) logits.getShape().get(1);
        NDArray values = logits.div((float) p.temperature());
        NDArray ids = null; // null: candidates are the whole vocabulary in id order
        int k = p.topK() > 0 ? Math.min(p.topK(), vocab) : vocab;
        NDArray last; // per row, the last candidate a draw may land on (a cdf that rounds to < 1 must not pass it)
        if (k < vocab || p.topP() < 1) {
            NDList top = values.topK(k, 1, true, true); // best first, which top-p needs
            values = top.get(0);
            ids = top.get(1);
        }
        if (p.topP() < 1) {
            NDArray probs = values.softmax(1);
            NDArray before = probs.cumSum(1).sub(probs); // mass strictly above each candidate
            NDArray keep = before.lt((float) p.topP()).sum(new int[] {1}, true).maximum(1); // [rows, 1]
            NDArray dropped = m.arange(0, k, 1, DataType.INT64).reshape(1, k).gte(keep);
            values = NDArrays.where(dropped, m.full(values.getShape(), Float.NEGATIVE_INFINITY), values);
            last = keep.sub(1);
        } else {
            last = null;
        }
        float[] uf = new float[rows];
        for (int r = 0; r < rows; r++) {
            uf[r] = (float) u[r];
        }
        NDArray cdf = values.softmax(1).cumSum(1);
        NDArray index =
                cdf.lte(DeviceTensors.upload(m, uf, new Shape(rows, 1))).sum(new int[] {1}, true); // [rows, 1] int64
        index = last == null ? index.minimum(k - 1) : index.minimum(last);
        NDArray drawn = ids == null ? index : ids.gather(index, 1);
        return toInts(drawn.reshape(rows));
    }

    private static int[] toInts(NDArray a) {
        return DeviceTensors.readInts(a);
    }

    /**
     * Samples from {@code row} restricted to the ids {@code allowed} (ascending; null: every id), as a grammar's logits
     * processor does before temperature, top-k and top-p: the distribution is renormalised over the allowed ids, and
     * greedy takes the best allowed id (the lowest of equal ones, as argmax over the whole row does).
     */
    public static int sample(NDArray row, SamplingParams p, double u, int[] allowed) {
        NDArray candidates = row;
        NDArray ids = null; // null: candidates are the whole vocabulary in id order
        if (allowed != null) {
            if (allowed.length == 0) {
                throw new IllegalArgumentException("no token is allowed");
            }
            ids = DeviceTensors.upload(row.getManager(), allowed); // int64: torch's index type
            candidates = row.get(new NDIndex("{}", ids));
        }
        if (p.isGreedy()) {
            int index = (int) DeviceTensors.readLong(candidates.argMax());
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
            int keep = (int) DeviceTensors.readLong(before.lt((float) p.topP()).sum());
            keep = Math.max(1, keep);
            values = values.get("0:{}", keep);
            ids = ids.get("0:{}", keep);
        }
        NDArray cdf = values.softmax(-1).cumSum(-1);
        int n = (int) cdf.getShape().get(0);
        int index = (int) DeviceTensors.readLong(cdf.lte((float) u).sum());
        index = Math.min(index, n - 1); // u beyond a cdf that rounds to < 1
        if (ids == null) {
            return index;
        }
        return (int) DeviceTensors.readLong(ids.get(index));
    }
}
