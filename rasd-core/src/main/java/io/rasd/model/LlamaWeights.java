package io.rasd.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rasd.RasdException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decoder's tensors as f32 NDArrays in HF layout ({@code [out, in]} for projections), checked against the config.
 * f32 tensors wrap their file mapping without a copy; f16/bf16 are widened in Java (a bf16 NDArray aborts the JVM in
 * DJL's native type conversion, and f16 matmul on CPU is too slow to verify many tokens at once).
 */
final class LlamaWeights {

    record Layer(NDArray inputNorm, NDArray wq, NDArray wk, NDArray wv, NDArray wo,
                 NDArray bq, NDArray bk, NDArray bv, NDArray bo,
                 NDArray qNorm, NDArray kNorm, NDArray postNorm,
                 NDArray wGate, NDArray wUp, NDArray wDown,
                 NDArray bGate, NDArray bUp, NDArray bDown) { }

    final NDArray embed;
    final Layer[] layers;
    final NDArray finalNorm;
    final NDArray lmHead;
    /** Inverse RoPE frequencies {@code [1, headDim/2]}. */
    final NDArray invFreq;
    /** Buffers the NDArrays may point into; held so the GC never unmaps or frees them under the engine. */
    private final List<ByteBuffer> pinned = new ArrayList<>();
    private final boolean checkFinite;

    LlamaWeights(Checkpoint ckpt, ModelConfig c, NDManager m, Device device, boolean checkFinite) {
        this.checkFinite = checkFinite;
        int d = c.hiddenSize();
        int qDim = c.numHeads() * c.headDim();
        int kvDim = c.numKvHeads() * c.headDim();
        int inter = c.intermediateSize();
        embed = load(ckpt, "model.embed_tokens.weight", m, device, c.vocabSize(), d);
        layers = new Layer[c.numLayers()];
        boolean oBias = c.attentionBias() && c.architecture() != Architecture.QWEN2;
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    load(ckpt, p + "input_layernorm.weight", m, device, d),
                    load(ckpt, p + "self_attn.q_proj.weight", m, device, qDim, d),
                    load(ckpt, p + "self_attn.k_proj.weight", m, device, kvDim, d),
                    load(ckpt, p + "self_attn.v_proj.weight", m, device, kvDim, d),
                    load(ckpt, p + "self_attn.o_proj.weight", m, device, d, qDim),
                    c.attentionBias() ? load(ckpt, p + "self_attn.q_proj.bias", m, device, qDim) : null,
                    c.attentionBias() ? load(ckpt, p + "self_attn.k_proj.bias", m, device, kvDim) : null,
                    c.attentionBias() ? load(ckpt, p + "self_attn.v_proj.bias", m, device, kvDim) : null,
                    oBias ? load(ckpt, p + "self_attn.o_proj.bias", m, device, d) : null,
                    c.qkNorm() ? load(ckpt, p + "self_attn.q_norm.weight", m, device, c.headDim()) : null,
                    c.qkNorm() ? load(ckpt, p + "self_attn.k_norm.weight", m, device, c.headDim()) : null,
                    load(ckpt, p + "post_attention_layernorm.weight", m, device, d),
                    load(ckpt, p + "mlp.gate_proj.weight", m, device, inter, d),
                    load(ckpt, p + "mlp.up_proj.weight", m, device, inter, d),
                    load(ckpt, p + "mlp.down_proj.weight", m, device, d, inter),
                    c.mlpBias() ? load(ckpt, p + "mlp.gate_proj.bias", m, device, inter) : null,
                    c.mlpBias() ? load(ckpt, p + "mlp.up_proj.bias", m, device, inter) : null,
                    c.mlpBias() ? load(ckpt, p + "mlp.down_proj.bias", m, device, d) : null);
        }
        finalNorm = load(ckpt, "model.norm.weight", m, device, d);
        if (c.tieWordEmbeddings()) {
            lmHead = embed;
        } else {
            if (!ckpt.contains("lm_head.weight")) {
                throw new RasdException("Checkpoint " + ckpt.directory() + " has no \"lm_head.weight\" and config.json"
                        + " says tie_word_embeddings=false; expected an output projection [" + c.vocabSize() + ", "
                        + d + "]");
            }
            lmHead = load(ckpt, "lm_head.weight", m, device, c.vocabSize(), d);
        }
        float[] inv = c.ropeScaling().inverseFrequencies(c.ropeTheta(), c.headDim());
        NDArray f = m.create(inv, new Shape(1, inv.length));
        invFreq = device.equals(f.getDevice()) ? f : f.toDevice(device, false);
    }

    private NDArray load(Checkpoint ckpt, String name, NDManager m, Device device, long... expected) {
        if (!ckpt.contains(name)) {
            throw new RasdException("Checkpoint " + ckpt.directory() + " is missing tensor \"" + name
                    + "\" (expected shape " + Arrays.toString(expected) + " from config.json)");
        }
        TensorData t = ckpt.tensor(name);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new RasdException(t.file() + ": tensor \"" + name + "\" has shape " + t.shapeString()
                    + " but config.json implies " + Arrays.toString(expected));
        }
        ByteBuffer f32 = switch (t.dtype()) {
            case F32 -> t.bytes();
            case BF16 -> widenBf16(t.bytes(), (int) t.elementCount());
            case F16 -> widenF16(t.bytes(), (int) t.elementCount());
        };
        pinned.add(f32);
        NDArray a = m.create(f32, new Shape(expected), DataType.FLOAT32);
        if (!device.equals(a.getDevice())) {
            NDArray onDevice = a.toDevice(device, false);
            a.close();
            a = onDevice;
        }
        if (checkFinite) {
            requireFinite(t, a, m);
        }
        return a;
    }

    /**
     * Refuses a tensor that holds NaN or ±Inf. One sum clears a clean tensor: NaN and ±Inf propagate through a sum,
     * so a finite sum means every value is finite, and it needs no temporary the size of the tensor. Only a
     * non-finite sum (a bad value, or huge finite values that overflow) pays for the masks that count and locate them.
     * Runs where the weights live (no copy to the heap); every temporary is re-homed into a sub-manager closed here.
     */
    private static void requireFinite(TensorData t, NDArray a, NDManager m) {
        try (NDManager sm = m.newSubManager()) {
            if (Float.isFinite(rehome(a.sum(), sm).getFloat())) {
                return;
            }
            NDArray nan = rehome(a.isNaN(), sm);
            NDArray inf = rehome(a.isInfinite(), sm);
            long nans = nan.countNonzero().getLong();
            long infs = inf.countNonzero().getLong();
            if (nans + infs == 0) {
                return;   // finite values whose sum overflowed f32
            }
            // argmax returns the first maximal index: the first non-finite value in row-major order
            long first = nan.logicalOr(inf).toType(DataType.INT32, false).flatten().argMax().getLong();
            float value = rehome(a.flatten(), sm).getFloat(first);
            throw new RasdException(t.file() + ": tensor \"" + t.name() + "\" " + t.shapeString() + " (" + t.dtype()
                    + ") holds " + (nans + infs) + " non-finite value" + (nans + infs == 1 ? "" : "s") + " of "
                    + t.elementCount() + " (" + nans + " NaN, " + infs + " +/-Inf); the first is " + value
                    + " at index " + Arrays.toString(unravel(first, t.shape())) + " (flat " + first
                    + "). The checkpoint is corrupt or its training diverged; re-download or re-export it");
        }
    }

    /** Results of an op attach to the manager of its first operand, here the weights': move them to {@code sm}. */
    private static NDArray rehome(NDArray a, NDManager sm) {
        a.attach(sm);
        return a;
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    /** bf16 is the top half of an f32: shift it back into place. */
    static ByteBuffer widenBf16(ByteBuffer src, int count) {
        ShortBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder());
        FloatBuffer fo = out.asFloatBuffer();
        for (int i = 0; i < count; i++) {
            fo.put(i, Float.intBitsToFloat((in.get(i) & 0xffff) << 16));
        }
        return out;
    }

    static ByteBuffer widenF16(ByteBuffer src, int count) {
        ShortBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.nativeOrder());
        FloatBuffer fo = out.asFloatBuffer();
        for (int i = 0; i < count; i++) {
            fo.put(i, halfToFloat(in.get(i)));
        }
        return out;
    }

    /** IEEE 754 binary16 to binary32, exact (subnormals, infinities and NaN included). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
