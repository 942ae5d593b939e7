package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Rotary position embedding in HF's rotate_half convention: {@code x·cos + [-x2, x1]·sin}, cos and sin of
 * {@code position · invFreq} duplicated over both halves of a head.
 *
 * <p>Built for few DJL ops, since each costs µs of dispatch on a small model: cos and sin are computed in Java for just
 * this step's positions (one array each per forward, not per layer), and rotate_half is a product with a constant
 * signed permutation matrix (one op instead of two slices, a negation and a concat). The product is exact: each output
 * is one input times ±1 plus zeros.
 */
final class Rope {

    private final float[] invFreq;
    private final int headDim;
    /** {@code [headDim, headDim]}: {@code x · rotateHalf = [-x2, x1]}; lives with the weights. */
    private final NDArray rotateHalf;

    Rope(float[] invFreq, NDManager weights) {
        this.invFreq = invFreq.clone();
        this.headDim = 2 * invFreq.length;
        int half = invFreq.length;
        float[] r = new float[headDim * headDim];
        for (int j = 0; j < half; j++) {
            r[(j + half) * headDim + j] = -1f; // out[j] = -x[j + half]
            r[j * headDim + j + half] = 1f; // out[j + half] = x[j]
        }
        this.rotateHalf = DeviceTensors.upload(weights, r, new Shape(headDim, headDim));
    }

    /** cos and sin for {@code positions}, each {@code [n, 1, headDim]} (broadcast over heads), in {@code sm}. */
    NDArray[] cosSin(NDManager sm, int[] positions) {
        int half = invFreq.length;
        float[] cos = new float[positions.length * headDim];
        float[] sin = new float[cos.length];
        for (int i = 0; i < positions.length; i++) {
            float p = positions[i];
            for (int j = 0; j < half; j++) {
                float angle = p * invFreq[j]; // in f32, as HF computes it
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                int at = i * headDim + j;
                cos[at] = c;
                cos[at + half] = c;
                sin[at] = s;
                sin[at + half] = s;
            }
        }
        Shape shape = new Shape(positions.length, 1, headDim);
        return new NDArray[] {DeviceTensors.upload(sm, cos, shape), DeviceTensors.upload(sm, sin, shape)};
    }

    /** RoPE of {@code x} {@code [n, heads, headDim]} with {@link #cosSin} of its positions. */
    NDArray apply(NDArray x, NDArray[] cosSin) {
        return x.mul(cosSin[0]).addi(x.matMul(rotateHalf).muli(cosSin[1]));
    }
}
