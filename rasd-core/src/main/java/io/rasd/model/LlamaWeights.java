package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.rasd.RasdException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The decoder's tensors as f32 NDArrays, checked against the config. Tensors are read as f32 (wrapping their file
 * mapping) or widened in Java from f16/bf16 (a bf16 NDArray aborts the JVM in DJL's native type conversion, and f16
 * matmul on CPU is too slow to verify many tokens at once).
 *
 * <p>Projections are then stored as contiguous {@code Wᵀ} copies, prepared for the step (see {@link #projection}):
 * q, k and v of a layer are one {@code [in, q+2kv]} matrix; each RMSNorm weight is folded into the columns of the
 * projection that reads the norm's output (input norm into qkv, post-attention norm into gate and up, final norm into
 * the head); the attention scale {@code 1/√headDim} into the q columns (or into the q-norm weight where q is normalised
 * after the projection). A step then runs one matmul for q, k, v and no norm-weight or scale multiply; on a small model
 * each op saved is a few µs (measured: 2–6 µs an op on our 2-core machines). Only the embedding (read by row) stays as
 * loaded, zero-copy for f32.
 */
final class LlamaWeights {

    record Layer(
            boolean normsInput,
            NDArray qkvT,
            NDArray bqkv,
            NDArray qkNorm,
            NDArray woT,
            NDArray bo,
            NDArray wGateT,
            NDArray wUpT,
            NDArray wDownT,
            NDArray bGate,
            NDArray bUp,
            NDArray bDown) {

        /**
         * The layer's tensors in the order of the kernel module's flat weight list ({@code tools/kernels/
         * rasd_kernels.py}, {@code PER_LAYER} of them), {@code absent} where a tensor is null.
         */
        NDArray[] kernelEntries(NDArray absent) {
            NDArray[] entries = {qkvT, bqkv, qkNorm, woT, bo, wGateT, wUpT, wDownT, bGate, bUp, bDown};
            for (int j = 0; j < entries.length; j++) {
                entries[j] = entries[j] == null ? absent : entries[j];
            }
            return entries;
        }
    }

    /** {@code [vocab, hidden]}; null for an EAGLE head that reads the target's. */
    final NDArray embed;

    final Layer[] layers;
    /**
     * {@code [hidden, vocab]}, contiguous, the final norm weight folded in (a copy, also when the embedding is tied: see
     * {@link #projection}); in a half precision {@code [vocab, hidden]} (see {@link #headHoldsFinalNorm}); null for an EAGLE-1/2 head, which uses its target's; an EAGLE-3 head's own, over its draft
     * vocabulary.
     */
    final NDArray lmHeadT;
    /**
     * The final norm's weight {@code [hidden]} (also folded into {@link #lmHeadT}): the features an EAGLE head reads
     * are the normalised hidden states times it. Null for an EAGLE head.
     */
    final NDArray finalNorm;
    /**
     * An EAGLE head's {@code fc} as {@code [2·hidden, hidden]} (EAGLE-1/2) or {@code [3·targetHidden, hidden]}
     * (EAGLE-3), and its bias or null; null for a target.
     */
    final NDArray fcT;

    final NDArray fcBias;
    /**
     * Whether {@link #lmHeadT} holds the final norm weight folded in (every f32 head; a half untied head); false for
     * a half tied head, which is the embedding itself.
     */
    final boolean headHoldsFinalNorm;

    /** How the projections are held: f32 {@code Wᵀ [in, out]}, or a half type as {@code W [out, in]}. */
    final Precision precision;

    /** Inverse RoPE frequencies, {@code headDim/2} of them. */
    final float[] invFreq;
    /** Buffers the NDArrays may point into; held so the GC never unmaps or frees them under the engine. */
    private final Set<ByteBuffer> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Buffers this class allocated (widened half tensors): freed at once when their array is released. */
    private final Set<ByteBuffer> widened = Collections.newSetFromMap(new IdentityHashMap<>());

    /** The buffer each loaded array wraps, so that one replaced by a copy can let go of it. */
    private final Map<NDArray, ByteBuffer> buffers = new IdentityHashMap<>();

    private final boolean checkFinite;

    /**
     * A target decoder: {@code model.*} tensors, every layer normalising its input, a final norm and a head. In a half
     * {@code precision} the projections are then held as {@code W [out, in]} of that type (the layout the kernel
     * module's half matmuls want, see {@link Kernels}), and a tied head is the embedding itself, held once, with the
     * final norm weight applied apart ({@link #headHoldsFinalNorm} false).
     */
    LlamaWeights(Checkpoint ckpt, ModelConfig c, NDManager m, boolean checkFinite, Precision precision) {
        this.checkFinite = checkFinite;
        this.precision = precision;
        int d = c.hiddenSize();
        NDArray embedF32 = load(ckpt, "model.embed_tokens.weight", m, c.vocabSize(), d);
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            Layer f32 = layer(ckpt, c, "model.layers." + i + ".", true, m);
            layers[i] = precision.isHalf() ? half(f32, m) : f32;
        }
        float[] finalNorm = floats(ckpt, "model.norm.weight", d);
        this.finalNorm = DeviceTensors.upload(m, finalNorm);
        if (!c.tieWordEmbeddings() && !ckpt.contains("lm_head.weight")) {
            throw new RasdException("Checkpoint " + ckpt.directory() + " has no \"lm_head.weight\" and config.json"
                    + " says tie_word_embeddings=false; expected an output projection [" + c.vocabSize() + ", " + d
                    + "]");
        }
        if (precision.isHalf()) {
            embed = Kernels.get().cast(embedF32, precision, m);
            if (c.tieWordEmbeddings()) {
                // [vocab, hidden] is already the layout an unpacked half head wants: held once. A packed head is a
                // second copy (as an f32 tied head is), worth it: unpacked, the head alone was reordered every step
                lmHeadT = packs(embed) ? Kernels.get().packed(embed, m) : embed;
                headHoldsFinalNorm = false;
            } else {
                lmHeadT = halfOf(projection(ckpt, m, d, finalNorm, new Part("lm_head.weight", c.vocabSize(), 1f)), m);
                headHoldsFinalNorm = true;
            }
            release(embedF32);
        } else {
            embed = embedF32;
            // tied: a second, transposed copy of the embedding, since the gather needs rows and the head columns
            String head = c.tieWordEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight";
            lmHeadT = projection(ckpt, m, d, finalNorm, new Part(head, c.vocabSize(), 1f));
            headHoldsFinalNorm = true;
        }
        fcT = null;
        fcBias = null;
        invFreq = c.ropeScaling().inverseFrequencies(c.ropeTheta(), c.headDim());
        buffers.clear();
    }

    /** {@code l}'s projections as half {@code W [out, in]}; norms and biases stay f32 (they add to f32 rows). */
    private Layer half(Layer l, NDManager m) {
        return new Layer(
                l.normsInput(),
                halfOf(l.qkvT(), m),
                l.bqkv(),
                l.qkNorm(),
                halfOf(l.woT(), m),
                l.bo(),
                halfOf(l.wGateT(), m),
                halfOf(l.wUpT(), m),
                halfOf(l.wDownT(), m),
                l.bGate(),
                l.bUp(),
                l.bDown());
    }

    private NDArray halfOf(NDArray wT, NDManager m) {
        NDArray w = packs(wT)
                ? Kernels.get().packedProjection(wT, m)
                : Kernels.get().halfProjection(wT, precision, m);
        release(wT);
        return w;
    }

    /**
     * Whether this model's half projections are packed once for oneDNN ({@link Kernels#packedProjection}): bf16 on a
     * CPU whose bf16 matmuls libtorch sends to oneDNN, which reorders an unpacked matrix on every call.
     */
    private boolean packs(NDArray w) {
        return precision == Precision.BF16 && !w.getDevice().isGpu() && Precision.CpuFeatures.ONEDNN_BF16;
    }

    /**
     * An EAGLE-1/2 draft head (docs/architecture.md §3): {@code fc} over [embedding, feature], one decoder layer
     * ({@code layers.0.*}, with q/k/v biases when {@code qkvBias}) without an input norm, no final norm and no head of
     * its own (the target's is used). Its
     * embedding is its own {@code embed_tokens.weight} when the file has one, else null (the target's is used).
     */
    LlamaWeights(
            Checkpoint ckpt,
            ModelConfig c,
            NDManager m,
            boolean checkFinite,
            boolean fcBias,
            boolean qkvBias,
            Precision precision) {
        this.checkFinite = checkFinite;
        this.precision = precision;
        int d = c.hiddenSize();
        embed = ckpt.contains("embed_tokens.weight") ? load(ckpt, "embed_tokens.weight", m, c.vocabSize(), d) : null;
        // cnets1.py's "qkv_bias" (Qwen2 heads): biases on q, k and v only
        Layer f32 = layer(ckpt, c, "layers.0.", false, d, null, qkvBias, false, m);
        layers = new Layer[] {precision.isHalf() ? half(f32, m) : f32};
        NDArray fc = projection(ckpt, m, 2 * d, null, new Part("fc.weight", d, 1f));
        fcT = precision.isHalf() ? halfOf(fc, m) : fc;
        this.fcBias = fcBias ? load(ckpt, "fc.bias", m, d) : null;
        lmHeadT = null;
        finalNorm = null;
        headHoldsFinalNorm = true;
        invFreq = c.ropeScaling().inverseFrequencies(c.ropeTheta(), c.headDim());
        buffers.clear();
    }

    /**
     * An EAGLE-3 draft head (docs/architecture.md §3): {@code fc} [hidden, 3·targetHidden] (no bias) over three of the
     * target's residual-stream states, one decoder layer (named {@code layerPrefix}: {@code midlayer.} as SafeAILab
     * publishes it, {@code layers.0.} as converters write it) whose attention reads {@code [input_layernorm(embedding),
     * hidden_norm(h)]}: both norm weights are folded into the rows of its 2·hidden-wide qkv weight, so the caller
     * passes the two unweighted norms side by side. Then its own final {@code norm} (folded into {@link #lmHeadT}) and
     * {@code lm_head} [draftVocab, hidden]. The embedding is its own when the file has one, else null.
     */
    LlamaWeights(
            Checkpoint ckpt,
            ModelConfig c,
            NDManager m,
            boolean checkFinite,
            String layerPrefix,
            int targetHidden,
            int draftVocab,
            Precision precision) {
        this.checkFinite = checkFinite;
        this.precision = precision;
        int d = c.hiddenSize();
        embed = ckpt.contains("embed_tokens.weight") ? load(ckpt, "embed_tokens.weight", m, c.vocabSize(), d) : null;
        float[] inputScale = new float[2 * d];
        System.arraycopy(floats(ckpt, layerPrefix + "input_layernorm.weight", d), 0, inputScale, 0, d);
        System.arraycopy(floats(ckpt, layerPrefix + "hidden_norm.weight", d), 0, inputScale, d, d);
        Layer f32 = layer(ckpt, c, layerPrefix, false, 2 * d, inputScale, false, false, m);
        layers = new Layer[] {precision.isHalf() ? half(f32, m) : f32};
        NDArray fc = projection(ckpt, m, 3 * targetHidden, null, new Part("fc.weight", d, 1f));
        fcT = precision.isHalf() ? halfOf(fc, m) : fc;
        fcBias = null;
        NDArray head =
                projection(ckpt, m, d, floats(ckpt, "norm.weight", d), new Part("lm_head.weight", draftVocab, 1f));
        lmHeadT = precision.isHalf() ? halfOf(head, m) : head;
        finalNorm = null;
        headHoldsFinalNorm = true;
        invFreq = c.ropeScaling().inverseFrequencies(c.ropeTheta(), c.headDim());
        buffers.clear();
    }

    /**
     * The layer whose tensors are named {@code p + "self_attn.q_proj.weight"} etc.; {@code normsInput} false for an
     * EAGLE head's layer, which reads its input unnormalised.
     */
    private Layer layer(Checkpoint ckpt, ModelConfig c, String p, boolean normsInput, NDManager m) {
        int d = c.hiddenSize();
        float[] inputNorm = normsInput ? floats(ckpt, p + "input_layernorm.weight", d) : null;
        // Qwen2 has q/k/v biases but none on o; Llama's attention_bias puts one on all four
        boolean oBias = c.attentionBias() && c.architecture() != Architecture.QWEN2;
        return layer(ckpt, c, p, normsInput, d, inputNorm, c.attentionBias(), oBias, m);
    }

    /**
     * The layer whose attention reads {@code attnIn} columns, each multiplied by {@code inputScale} (a norm weight
     * folded into qkv; {@code null}: 1).
     */
    private Layer layer(
            Checkpoint ckpt,
            ModelConfig c,
            String p,
            boolean normsInput,
            int attnIn,
            float[] inputNorm,
            boolean qkvBias,
            boolean oBias,
            NDManager m) {
        int d = c.hiddenSize();
        int qDim = c.numHeads() * c.headDim();
        int kvDim = c.numKvHeads() * c.headDim();
        int inter = c.intermediateSize();
        float scale = (float) (1.0 / Math.sqrt(c.headDim()));
        float[] postNorm = floats(ckpt, p + "post_attention_layernorm.weight", d);
        // q is scaled where nothing normalises it afterwards; with q-norm the scale goes into the norm weight
        float qScale = c.qkNorm() ? 1f : scale;
        NDArray qkvT = projection(
                ckpt,
                m,
                attnIn,
                inputNorm,
                new Part(p + "self_attn.q_proj.weight", qDim, qScale),
                new Part(p + "self_attn.k_proj.weight", kvDim, 1f),
                new Part(p + "self_attn.v_proj.weight", kvDim, 1f));
        NDArray bqkv = null;
        if (qkvBias) {
            float[] b = new float[qDim + 2 * kvDim];
            float[] bq = floats(ckpt, p + "self_attn.q_proj.bias", qDim);
            for (int j = 0; j < qDim; j++) {
                b[j] = bq[j] * qScale;
            }
            System.arraycopy(floats(ckpt, p + "self_attn.k_proj.bias", kvDim), 0, b, qDim, kvDim);
            System.arraycopy(floats(ckpt, p + "self_attn.v_proj.bias", kvDim), 0, b, qDim + kvDim, kvDim);
            bqkv = DeviceTensors.upload(m, b);
        }
        NDArray qkNorm = null;
        if (c.qkNorm()) {
            // one norm over the q and k heads together: [heads + kvHeads, headDim]
            int hd = c.headDim();
            float[] w = new float[(c.numHeads() + c.numKvHeads()) * hd];
            float[] qn = floats(ckpt, p + "self_attn.q_norm.weight", hd);
            float[] kn = floats(ckpt, p + "self_attn.k_norm.weight", hd);
            for (int h = 0; h < c.numHeads() + c.numKvHeads(); h++) {
                for (int j = 0; j < hd; j++) {
                    w[h * hd + j] = h < c.numHeads() ? qn[j] * scale : kn[j];
                }
            }
            qkNorm = DeviceTensors.upload(m, w, new Shape(c.numHeads() + c.numKvHeads(), hd));
        }
        return new Layer(
                normsInput,
                qkvT,
                bqkv,
                qkNorm,
                projection(ckpt, m, qDim, null, new Part(p + "self_attn.o_proj.weight", d, 1f)),
                oBias ? load(ckpt, p + "self_attn.o_proj.bias", m, d) : null,
                projection(ckpt, m, d, postNorm, new Part(p + "mlp.gate_proj.weight", inter, 1f)),
                projection(ckpt, m, d, postNorm, new Part(p + "mlp.up_proj.weight", inter, 1f)),
                projection(ckpt, m, inter, null, new Part(p + "mlp.down_proj.weight", d, 1f)),
                c.mlpBias() ? load(ckpt, p + "mlp.gate_proj.bias", m, inter) : null,
                c.mlpBias() ? load(ckpt, p + "mlp.up_proj.bias", m, inter) : null,
                c.mlpBias() ? load(ckpt, p + "mlp.down_proj.bias", m, d) : null);
    }

    /** A block of rows of a fused weight: tensor {@code name} with {@code rows} rows, each multiplied by {@code scale}. */
    private record Part(String name, int rows, float scale) {}

    /**
     * The right operand of {@code x · Wᵀ} for the parts stacked row-wise: a contiguous {@code [in, Σ rows]} copy, column
     * {@code j} of W multiplied by {@code columnScale[j]} ({@code null}: 1) and each part's rows by its scale.
     * {@code (W·diag(s))·x = W·(s⊙x)}: a norm weight folded here is never applied to x, one op less per norm.
     *
     * <p>Contiguous Wᵀ, not a transposed view of the [out, in] tensor: measured on this machine (AMD Zen 4, MKL),
     * {@code x · Wᵀ} runs 15–35% faster for 1 row with Wᵀ laid out this way (0.5B shape: 170 vs 197 ms a token), and
     * no slower for 8 or 32 rows. Torch makes the copies (a Java transpose of 2 GB took 7 s, torch 1.6 s); the source
     * tensors are released after them.
     */
    private NDArray projection(Checkpoint ckpt, NDManager m, int in, float[] columnScale, Part... parts) {
        NDList rows = new NDList(parts.length);
        for (Part part : parts) {
            NDArray w = load(ckpt, part.name(), m, part.rows(), in);
            if (columnScale == null && part.scale() == 1f) {
                rows.add(w);
                continue;
            }
            float[] scale = new float[in];
            for (int j = 0; j < in; j++) {
                scale[j] = (columnScale == null ? 1f : columnScale[j]) * part.scale();
            }
            NDArray s = DeviceTensors.upload(m, scale, new Shape(1, in));
            rows.add(w.mul(s));
            s.close();
            release(w);
        }
        NDArray stacked = rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0);
        NDArray view = stacked.transpose();
        NDArray flat = view.reshape(-1); // a transposed view cannot be flattened in place: this copies
        NDArray wT = flat.reshape(in, stacked.getShape().get(0));
        flat.close();
        view.close();
        for (NDArray r : rows) {
            release(r);
        }
        if (stacked != rows.get(0)) {
            stacked.close();
        }
        return wT;
    }

    /** Closes {@code a} and lets go of the buffer it wrapped, if it wrapped one (the last array using it). */
    private void release(NDArray a) {
        ByteBuffer buffer = buffers.remove(a);
        if (buffer != null) {
            pinned.remove(buffer);
        }
        a.close();
        if (buffer != null && widened.remove(buffer)) {
            DirectBuffers.free(buffer); // no array wraps it any more
        }
    }

    /** A small tensor (a norm weight, a bias) as a Java array. */
    private float[] floats(Checkpoint ckpt, String name, int size) {
        TensorData t = tensor(ckpt, name, size);
        if (checkFinite) {
            requireFinite(t);
        }
        float[] out = new float[size];
        readRow(t, 0, out);
        return out;
    }

    /** {@code dst.length} elements of {@code t} from element {@code offset}, widened to f32. */
    private static void readRow(TensorData t, long offset, float[] dst) {
        ByteBuffer b = t.bytes().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case I64, BOOL -> throw TensorData.notFloat(t);
            case F32 -> b.asFloatBuffer().get((int) offset, dst);
            case BF16 -> {
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = Float.intBitsToFloat((s.get((int) offset + i) & 0xffff) << 16);
                }
            }
            case F16 -> {
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < dst.length; i++) {
                    dst[i] = halfToFloat(s.get((int) offset + i));
                }
            }
        }
    }

    private static TensorData tensor(Checkpoint ckpt, String name, long... expected) {
        if (!ckpt.contains(name)) {
            throw new RasdException("Checkpoint " + ckpt.directory() + " is missing tensor \"" + name
                    + "\" (expected shape " + Arrays.toString(expected) + " from config.json)");
        }
        TensorData t = ckpt.tensor(name);
        if (!Arrays.equals(t.shape(), expected)) {
            throw new RasdException(t.file() + ": tensor \"" + name + "\" has shape " + t.shapeString()
                    + " but config.json implies " + Arrays.toString(expected));
        }
        return t;
    }

    private NDArray load(Checkpoint ckpt, String name, NDManager m, long... expected) {
        TensorData t = tensor(ckpt, name, expected);
        ByteBuffer f32 = switch (t.dtype()) {
            case I64, BOOL -> throw TensorData.notFloat(t);
            case F32 -> t.bytes();
            case BF16 -> widenBf16(t.bytes(), (int) t.elementCount());
            case F16 -> widenF16(t.bytes(), (int) t.elementCount());
        };
        pinned.add(f32);
        NDArray a = DeviceTensors.upload(m, f32, new Shape(expected), DataType.FLOAT32);
        buffers.put(a, f32);
        if (checkFinite) {
            requireFinite(t, a, m);
        }
        if (f32 != t.bytes()) {
            // widened into our own buffer: the tensor's mapping has been read for the last time, and the widened
            // copy is freed with its array (release)
            widened.add(f32);
            DirectBuffers.free(t.bytes());
        }
        return a;
    }

    /**
     * {@link #requireFinite(TensorData, NDArray, NDManager)} for a tensor read in Java (the parts of a fused weight):
     * the same scan and message, one row at a time.
     */
    private static void requireFinite(TensorData t) {
        long count = t.elementCount();
        int chunk = (int) Math.min(count, 1 << 16);
        float[] buf = new float[chunk];
        long nans = 0;
        long infs = 0;
        long first = -1;
        float value = 0;
        for (long off = 0; off < count; off += chunk) {
            int len = (int) Math.min(chunk, count - off);
            float[] part = len == chunk ? buf : new float[len];
            readRow(t, off, part);
            for (int i = 0; i < len; i++) {
                float v = part[i];
                if (!Float.isFinite(v)) {
                    if (first < 0) {
                        first = off + i;
                        value = v;
                    }
                    if (Float.isNaN(v)) {
                        nans++;
                    } else {
                        infs++;
                    }
                }
            }
        }
        if (first >= 0) {
            throw nonFinite(t, nans, infs, first, value);
        }
    }

    /**
     * Refuses a tensor that holds NaN or ±Inf. One sum clears a clean tensor: NaN and ±Inf propagate through a sum,
     * so a finite sum means every value is finite, and it needs no temporary the size of the tensor. Only a
     * non-finite sum (a bad value, or huge finite values that overflow) pays for the masks that count and locate them.
     * Runs where the weights live (no copy to the heap); every temporary is re-homed into a sub-manager closed here.
     */
    private static void requireFinite(TensorData t, NDArray a, NDManager m) {
        try (NDManager sm = m.newSubManager()) {
            if (Float.isFinite(DeviceTensors.readFloat(rehome(a.sum(), sm)))) {
                return;
            }
            NDArray nan = rehome(a.isNaN(), sm);
            NDArray inf = rehome(a.isInfinite(), sm);
            long nans = DeviceTensors.readLong(nan.countNonzero());
            long infs = DeviceTensors.readLong(inf.countNonzero());
            if (nans + infs == 0) {
                return; // finite values whose sum overflowed f32
            }
            // argmax returns the first maximal index: the first non-finite value in row-major order
            long first = DeviceTensors.readLong(
                    nan.logicalOr(inf).toType(DataType.INT32, false).flatten().argMax());
            float value = DeviceTensors.readFloat(rehome(a.flatten(), sm).get(first));
            throw nonFinite(t, nans, infs, first, value);
        }
    }

    private static RasdException nonFinite(TensorData t, long nans, long infs, long first, float value) {
        return new RasdException(t.file() + ": tensor \"" + t.name() + "\" " + t.shapeString() + " (" + t.dtype()
                + ") holds " + (nans + infs) + " non-finite value" + (nans + infs == 1 ? "" : "s") + " of "
                + t.elementCount() + " (" + nans + " NaN, " + infs + " +/-Inf); the first is " + value
                + " at index " + Arrays.toString(unravel(first, t.shape())) + " (flat " + first
                + "). The checkpoint is corrupt or its training diverged; re-download or re-export it");
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
