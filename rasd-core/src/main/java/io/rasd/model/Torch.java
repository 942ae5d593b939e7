package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Basic slicing in one JNI call. {@code NDArray.get/set(NDIndex)} build a native index object element by element (an
 * init call, one call per axis, the op, a delete): about 6 µs a view, measured as ~9% of a small model's step, where
 * {@code torch.slice} and {@code index_put_} with slices are one call each.
 */
final class Torch {

    private Torch() {}

    /** {@code x} narrowed to {@code [from, to)} along {@code axis}: a view, owned by {@code x}'s manager. */
    static NDArray slice(NDArray x, int axis, long from, long to) {
        return JniUtils.slice((PtNDArray) x, axis, from, to, 1);
    }

    /** {@link #slice} re-homed into {@code owner} (a view of a long-lived array must not stay in its manager). */
    static NDArray slice(NDArray x, int axis, long from, long to, NDManager owner) {
        NDArray view = slice(x, axis, from, to);
        view.attach(owner);
        return view;
    }

    /** {@code dst[from[0]:to[0], from[1]:to[1], ...] = src}, in place. */
    static void copyInto(NDArray dst, long[] from, long[] to, NDArray src) {
        long[] step = new long[from.length];
        java.util.Arrays.fill(step, 1);
        JniUtils.indexSet((PtNDArray) dst, (PtNDArray) src, from, to, step);
    }
}
