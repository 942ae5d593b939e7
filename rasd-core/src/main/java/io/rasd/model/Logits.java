package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * The next-token logits of one forward pass, {@code [rows, vocab]}, still on the device. Callers copy out only what
 * they need (argmax ids, a top-k, one row); everything this step allocated is freed by {@link #close()}.
 */
public final class Logits implements AutoCloseable {

    private final NDManager stepManager;
    private final NDArray logits;
    /** The hidden rows the logits were computed from (see {@link #hidden}), or null; {@code hiddenScale} may be null. */
    private final NDArray hidden;

    private final NDArray hiddenScale;
    /**
     * The top-k probabilities of every row as the kernel module packs them ({@code [rows, 2k]}: k probabilities, then
     * the k ids as floats), computed in the forward's own call; null when it did not. {@link #topKProbabilities} of
     * that k reads them instead of calling the module again.
     */
    private NDArray precomputedTop;

    private int precomputedK;

    Logits(NDManager stepManager, NDArray logits) {
        this(stepManager, logits, null, null);
    }

    /**
     * Hand-made logits {@code [rows, vocab]} owned by {@code stepManager} (closed with them): for tests and tools that
     * drive the verifier without a model.
     */
    public static Logits of(NDManager stepManager, NDArray logits) {
        return new Logits(stepManager, logits);
    }

    /**
     * @param hidden {@code [tokens, hidden]}: every token row of the forward (not only the logit rows)
     * @param hiddenScale multiplies {@code hidden} when it is read ({@code null}: 1): a target's final norm weight,
     *     kept apart because it is folded into the head
     */
    Logits(NDManager stepManager, NDArray logits, NDArray hidden, NDArray hiddenScale) {
        this.stepManager = stepManager;
        this.logits = logits;
        this.hidden = hidden;
        this.hiddenScale = hiddenScale;
    }

    /**
     * The hidden states of token rows {@code rows} of the forward (indices into its tokens, whichever rows got
     * logits), copied on the device into {@code into} so they
     * outlive this step: a target's final-normed last hidden state (the input of its lm_head, what an EAGLE head
     * reads as its feature), or an EAGLE head's own output (its next depth's feature). {@code [rows.length, hidden]}.
     */
    public NDArray hidden(NDManager into, int[] rows) {
        if (hidden == null) {
            throw new IllegalStateException("these logits carry no hidden states");
        }
        NDArray picked = hidden.get(new ai.djl.ndarray.index.NDIndex("{}", DeviceTensors.upload(stepManager, rows)));
        NDArray out = hiddenScale == null ? picked : picked.mul(hiddenScale);
        out.attach(into);
        return out;
    }

    /** Takes the forward's own top-{@code k} table (owned by this step's manager); see {@link #precomputedTop}. */
    Logits withTopK(NDArray table, int k) {
        this.precomputedTop = table;
        this.precomputedK = k;
        return this;
    }

    /** The k of the top-k the forward computed, or 0: for tests. */
    int precomputedTopK() {
        return precomputedTop == null ? 0 : precomputedK;
    }

    public int rows() {
        return (int) logits.getShape().get(0);
    }

    public int vocabSize() {
        return (int) logits.getShape().get(1);
    }

    /** Greedy choice per row: one small copy of {@code rows} ids. */
    public int[] argmax() {
        return toInts(logits.argMax(1));
    }

    /** The {@code k} highest logits of every row, best first. */
    public TopK[] topK(int k) {
        int kk = Math.min(k, vocabSize());
        NDList top = logits.topK(kk, 1, true, true);
        return rowsOf(top.get(0), top.get(1), kk);
    }

    /**
     * The {@code k} most likely tokens of every row with their softmax probabilities (over the whole vocabulary),
     * best first: what pruning needs of the draft's distribution, without copying the vocabulary.
     */
    public TopK[] topKProbabilities(int k) {
        int kk = Math.min(k, vocabSize());
        if (precomputedTop != null && kk == precomputedK) {
            return rowsOf(DeviceTensors.readFloats(precomputedTop), null, kk);
        }
        if (vocabSize() < EXACT_F32_IDS) {
            // one kernel-module call: the top-k, the log-normaliser and the packing (a drafting depth calls this once)
            return rowsOf(DeviceTensors.readFloats(Kernels.get().topKProbabilities(logits, kk, stepManager)), null, kk);
        }
        NDList top = logits.topK(kk, 1, true, true);
        // p = exp(logit - logsumexp(row)): only the k chosen entries are exponentiated and copied
        NDArray max = logits.max(new int[] {1}, true);
        NDArray logZ = logits.sub(max).exp().sum(new int[] {1}, true).log().add(max);
        return rowsOf(top.get(0).sub(logZ).exp(), top.get(1), kk);
    }

    /** Ids below 2^24 are exact in f32: up to there, values and ids come back in one read instead of two. */
    static final int EXACT_F32_IDS = 1 << 24;

    /** {@code [rows, k]} values and int64 ids to Java, one read where the vocabulary allows (one a draft depth). */
    private TopK[] rowsOf(NDArray values, NDArray idArray, int kk) {
        if (vocabSize() < EXACT_F32_IDS) {
            return rowsOf(
                    DeviceTensors.readFloats(values.concat(idArray.toType(DataType.FLOAT32, false), 1)), null, kk);
        }
        return rowsOf(DeviceTensors.readFloats(values), toInts(idArray), kk);
    }

    /** {@code both}: per row k values then k ids as floats ({@code ids} null), or k values with {@code ids} apart. */
    private TopK[] rowsOf(float[] both, int[] ids, int kk) {
        int width = ids == null ? 2 * kk : kk;
        TopK[] out = new TopK[rows()];
        for (int r = 0; r < out.length; r++) {
            int[] rid = new int[kk];
            float[] rv = new float[kk];
            System.arraycopy(both, r * width, rv, 0, kk);
            for (int j = 0; j < kk; j++) {
                rid[j] = ids == null ? (int) both[r * width + kk + j] : ids[r * kk + j];
            }
            out[r] = new TopK(rid, rv);
        }
        return out;
    }

    /** Softmax probability of token {@code ids[i]} at row {@code rows[i]}. */
    public float[] probabilities(int[] rows, int[] ids) {
        if (rows.length != ids.length) {
            throw new IllegalArgumentException(rows.length + " rows but " + ids.length + " ids");
        }
        NDManager m = stepManager;
        long[] flat = new long[rows.length];
        int v = vocabSize();
        for (int i = 0; i < rows.length; i++) {
            flat[i] = (long) rows[i] * v + ids[i];
        }
        NDArray logProbs = logits.logSoftmax(1).flatten();
        return DeviceTensors.readFloats(
                logProbs.get(new ai.djl.ndarray.index.NDIndex("{}", DeviceTensors.upload(m, flat)))
                        .exp());
    }

    /** The full logits of one row (a vocab-sized copy: for tools and tests, not the decoding hot path). */
    public float[] row(int r) {
        return DeviceTensors.readFloats(logits.get(r));
    }

    /**
     * The device array {@code [rows, vocab]}, owned by this step. For the verification stage, which processes and
     * samples on the device; do not keep it past {@link #close()}.
     */
    public NDArray array() {
        return logits;
    }

    /** The step's manager, for arrays derived from {@link #array()} that must die with the step. */
    public NDManager manager() {
        return stepManager;
    }

    static int[] toInts(NDArray a) {
        return DeviceTensors.readInts(a);
    }

    @Override
    public void close() {
        stepManager.close();
    }
}
