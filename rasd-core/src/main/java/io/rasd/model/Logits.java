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

    Logits(NDManager stepManager, NDArray logits) {
        this.stepManager = stepManager;
        this.logits = logits;
    }

    /** Only the first row (the same step manager). */
    Logits firstRow() {
        return new Logits(stepManager, logits.get("0:1"));
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
        float[] values = top.get(0).toFloatArray();
        int[] ids = toInts(top.get(1));
        TopK[] out = new TopK[rows()];
        for (int r = 0; r < out.length; r++) {
            int[] rid = new int[kk];
            float[] rv = new float[kk];
            System.arraycopy(ids, r * kk, rid, 0, kk);
            System.arraycopy(values, r * kk, rv, 0, kk);
            out[r] = new TopK(rid, rv);
        }
        return out;
    }

    /** The full logits of one row (a vocab-sized copy: for tools and tests, not the decoding hot path). */
    public float[] row(int r) {
        return logits.get(r).toFloatArray();
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
        NDArray i32 = a.getDataType() == DataType.INT32 ? a : a.toType(DataType.INT32, false);
        return i32.toIntArray();
    }

    @Override
    public void close() {
        stepManager.close();
    }
}
