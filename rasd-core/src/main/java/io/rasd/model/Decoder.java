package io.rasd.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;

/**
 * The math of a Llama-family decoder layer on DJL, shared by the target model ({@link CausalLm}) and an EAGLE draft
 * head ({@link EagleHead}): RMSNorm, grouped-query attention over a {@link KvCache} with RoPE and an additive mask,
 * SwiGLU MLP. Holds a model's shape, RoPE tables and {@code rms_norm_eps}; the weights come per call.
 */
final class Decoder {

    private static final int[] LAST_AXIS = {-1};

    private final ModelConfig config;
    private final Device device;
    private final Rope rotary;
    /** {@code rms_norm_eps} as a tensor of the weights tier. */
    private final NDArray eps;

    Decoder(ModelConfig config, float[] invFreq, NDManager weights, Device device) {
        this.config = config;
        this.device = device;
        this.rotary = new Rope(invFreq, weights);
        this.eps = DeviceTensors.upload(weights, (float) config.rmsNormEps());
    }

    /** cos and sin of {@code positions}, in the step manager. */
    NDArray[] rope(NDManager sm, int[] positions) {
        return rotary.cosSin(sm, positions);
    }

    /**
     * One decoder layer, in as few DJL ops as the math allows: each op costs 2–6 µs of dispatch, allocation and release
     * whatever its size, about half of a small model's step (the rest is reading the weights). Projections are
     * {@code x · Wᵀ} with Wᵀ stored contiguous (see {@link LlamaWeights}).
     */
    NDArray layer(
            NDManager sm,
            int index,
            LlamaWeights.Layer L,
            NDArray x,
            NDArray[] rope,
            NDArray mask,
            KvCache cache,
            int total,
            int n) {
        // an EAGLE-1/2 head's only layer reads x unnormalised
        return layer(sm, index, L, L.normsInput() ? rmsNorm(x) : x, x, rope, mask, cache, total, n);
    }

    /**
     * The same layer with the attention's input given apart from the residual stream {@code x}: an EAGLE-3 head's
     * layer attends over {@code [norm(embedding), norm(h)]} (2·hidden wide) and adds the result to h. {@code x} is
     * updated in place and returned.
     */
    NDArray layer(
            NDManager sm,
            int index,
            LlamaWeights.Layer L,
            NDArray attnInput,
            NDArray x,
            NDArray[] rope,
            NDArray mask,
            KvCache cache,
            int total,
            int n) {
        int hd = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int group = config.queriesPerKvHead();

        // Attention: x + Wo · attn(RoPE(Wq·h), RoPE(Wk·h), Wv·h), h = RMSNorm(x). The norm weight and the attention
        // scale live in the fused qkv weight (LlamaWeights).
        NDArray qkv = attnInput.matMul(L.qkvT());
        if (L.bqkv() != null) {
            qkv.addi(L.bqkv());
        }
        qkv = qkv.reshape(n, heads + 2 * kvHeads, hd);
        NDArray qk = heads(qkv, 0, heads + kvHeads); // q and k heads: one norm, one RoPE
        NDArray v = heads(qkv, heads + kvHeads, heads + 2 * kvHeads);
        if (L.qkNorm() != null) {
            qk = rmsNorm(qk).muli(L.qkNorm());
        }
        qk = rotary.apply(qk, rope);
        NDArray q = heads(qk, 0, heads);
        NDArray k = heads(qk, heads, heads + kvHeads);
        cache.write(index, k.transpose(1, 0, 2), v.transpose(1, 0, 2), n);
        NDArray keys = cache.keys(index, total, sm); // [kv, T, hd]
        NDArray values = cache.values(index, total, sm); // [kv, T, hd]

        // Grouped-query attention: query head j reads kv head j / group, so fold the group into the row axis.
        NDArray qg = q.transpose(1, 0, 2).reshape(kvHeads, group * n, hd);
        NDArray scores = qg.matMul(keys.transpose(0, 2, 1)); // [kv, g*n, T]
        if (mask != null) {
            scores.addi(mask); // mask: [g*n, T]
        }
        NDArray attn = scores.softmax(-1)
                .matMul(values) // [kv, g*n, hd]
                .reshape(heads, n, hd)
                .transpose(1, 0, 2)
                .reshape(n, heads * hd);
        x.addi(linear(attn, L.woT(), L.bo())); // x is this step's own array (a gather, then sums): in place

        // SwiGLU MLP: x + Wdown · (silu(Wgate·h) ⊙ Wup·h), h = RMSNorm(x) (its weight folded into Wgate and Wup)
        NDArray h2 = rmsNorm(x);
        NDArray gate = linear(h2, L.wGateT(), L.bGate());
        NDArray act = Activation.sigmoid(gate).muli(gate).muli(linear(h2, L.wUpT(), L.bUp()));
        return x.addi(linear(act, L.wDownT(), L.bDown()));
    }

    /** Heads {@code [from, to)} of {@code [n, heads, headDim]}: a view. */
    private static NDArray heads(NDArray x, long from, long to) {
        return Torch.slice(x, 1, from, to);
    }

    private static NDArray linear(NDArray x, NDArray weightT, NDArray bias) {
        NDArray y = x.matMul(weightT);
        return bias == null ? y : y.addi(bias);
    }

    /**
     * {@code x / sqrt(mean(x²) + eps)} over the last axis; the weight is folded into the next projection (or applied by
     * the caller). eps is a tensor made once: an op with a Java scalar first makes a tensor of it (~4 µs measured), and
     * in-place ops skip an allocation and its release.
     */
    NDArray rmsNorm(NDArray x) {
        NDArray variance = x.square().mean(LAST_AXIS, true).addi(eps);
        return x.div(variance.sqrt());
    }

    /**
     * The additive attention mask {@code [group * n, past + n]} (the rows of one kv head's query block), or
     * {@code null} when every new token sees every key (one token under a causal or one-node tree mask: a plain
     * decoding step).
     */
    NDArray mask(NDManager sm, AttentionMask mask, int past, int n) {
        int prefix = mask.prefixFor(past);
        float[] tail = mask.tailValues(past, n);
        if (n == 1 && prefix == past) {
            return null; // a single token that sees all the cache and itself
        }
        int width = past - prefix + n;
        int group = config.queriesPerKvHead();
        float[] rows = tail;
        if (group > 1) {
            // the query block of a kv head holds each of its `group` heads' n rows in turn
            rows = new float[group * tail.length];
            for (int g = 0; g < group; g++) {
                System.arraycopy(tail, 0, rows, g * tail.length, tail.length);
            }
        }
        NDArray t = DeviceTensors.upload(sm, rows, new Shape((long) group * n, width));
        if (prefix == 0) {
            return t;
        }
        NDArray visible = sm.zeros(new Shape((long) group * n, prefix), DataType.FLOAT32, device);
        return visible.concat(t, 1);
    }
}
