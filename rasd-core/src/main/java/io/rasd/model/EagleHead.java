package io.rasd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.IValue;
import io.rasd.RasdException;
import java.nio.file.Path;

/**
 * An EAGLE-1/2 draft head (Li et al. 2024; the layout SafeAILab/EAGLE's {@code cnets1.py} publishes): one Llama
 * decoder layer that reads the target's own features instead of tokens alone. For a token t and the target's feature
 * f of the token before it (the final-normed last hidden state, the input of the target's lm_head):
 *
 * <pre>
 *   x = fc([embed(t), f])                      fc: [hidden, 2·hidden] (+ bias)
 *   h = layer0(x)                              attention without an input norm, post-attention norm, SwiGLU MLP
 *   logits = target.lm_head(h)                 no final norm; h is also the feature of the next depth
 * </pre>
 *
 * The head keeps its own {@link KvCache} (one layer); its positions count the (token, feature) pairs it has read.
 * Weights, ownership and threading follow {@link CausalLm}: the head's weights live in its own manager, every forward
 * gets a step manager that the returned {@link Logits} closes. The embedding is the head's {@code embed_tokens} when
 * the file has one, else the target's. The projections (fc, the layer's, an EAGLE-3 head's lm_head) are held in the
 * target's precision, as the target's are: a head forward reads its weights once per drafting depth, and in bf16 it
 * reads half the bytes; its KV cache, norms and biases stay f32. Format checks (variant, shapes against the target)
 * are the loader's in {@code io.rasd.draft.eagle}; this class checks what its forward needs.
 *
 * <p>An EAGLE-3 head (Li et al. 2025; SafeAILab/EAGLE's {@code cnets.py}) reads instead the target's residual stream
 * at the input of three layers ({@link #targetFeatureLayers}), side by side ({@code 3·targetHidden} wide):
 *
 * <pre>
 *   h = fc(g)                                   g: the three target states (a deeper node: the head's own h, no fc)
 *   h = h + attn([norm_in(embed(t)), norm_h(h)])  attention over both halves, 2·hidden wide
 *   h = h + mlp(post_attention_norm(h))         h is the next depth's feature, as in EAGLE-1/2
 *   logits = lm_head(norm(h))                   its own head over a draft vocabulary; draft id d is target id d + d2t[d]
 * </pre>
 */
public final class EagleHead implements AutoCloseable {

    private final Path directory;
    private final ModelConfig config;
    private final CausalLm target;
    private final NDManager manager;
    private final LlamaWeights w;
    private final Decoder decoder;
    private final int contextLimit;
    private final String identity;
    /** EAGLE-3 only (else null): the target layers whose inputs are the features, ascending. */
    private final int[] featureLayers;
    /** EAGLE-3 only (else null): the target id of each draft-vocabulary id. */
    private final int[] draftToTarget;

    /** What every kernel call passes unchanged, built once (see {@link #forward}). */
    private final IValue kernelEmbed;

    private final IValue kernelFc;
    private final IValue kernelFcBias;
    private final IValue kernelLayer;
    private final IValue kernelDivisor;
    private final IValue kernelHead;
    private final IValue kernelEps;
    private final NDArray emptyF32;
    private final NDArray emptyI64;

    private EagleHead(
            Path directory,
            ModelConfig config,
            CausalLm target,
            NDManager manager,
            LlamaWeights w,
            int limit,
            int[] featureLayers,
            int[] draftToTarget) {
        this.directory = directory;
        this.config = config;
        this.target = target;
        this.manager = manager;
        this.w = w;
        this.decoder = new Decoder(config, w.invFreq, manager, target.device());
        this.contextLimit = limit;
        this.featureLayers = featureLayers == null ? null : featureLayers.clone();
        this.draftToTarget = draftToTarget;
        this.identity = (featureLayers == null ? "eagle-head " : "eagle3-head ")
                + directory.toAbsolutePath().normalize() + " " + config + "\non " + target.identity();
        this.emptyF32 = DeviceTensors.upload(manager, new float[0]);
        this.emptyI64 = DeviceTensors.upload(manager, new long[0]);
        NDArray[] entries = w.layers[0].kernelEntries(emptyF32); // laid out as CausalLm lays out each layer
        NDArray divisor = featureLayers == null ? target.lmHeadDivisor() : null;
        this.kernelLayer = IValue.listFrom(Kernels.pt(entries));
        this.kernelEmbed = IValue.from(Kernels.pt(w.embed != null ? w.embed : target.embedTable()));
        this.kernelFc = IValue.from(Kernels.pt(w.fcT));
        this.kernelFcBias = IValue.from(Kernels.pt(w.fcBias != null ? w.fcBias : emptyF32));
        this.kernelDivisor = IValue.from(Kernels.pt(divisor != null ? divisor : emptyF32));
        this.kernelHead = IValue.from(Kernels.pt(featureLayers == null ? target.lmHeadWeight() : w.lmHeadT));
        this.kernelEps = IValue.from(config.rmsNormEps());
    }

    /**
     * Loads the head in {@code dir} for {@code target}, on the target's device.
     *
     * @param fcBias whether {@code fc} has a bias (the config's {@code bias} key; the reference treats a missing key
     *     as true)
     */
    public static EagleHead load(Path dir, CausalLm target, boolean fcBias) {
        return load(dir, target, fcBias, false);
    }

    /**
     * {@link #load(Path, CausalLm, boolean)} for a head whose q, k and v projections have biases (the config's
     * {@code "qkv_bias"}, as EAGLE heads for Qwen2 targets have).
     */
    public static EagleHead load(Path dir, CausalLm target, boolean fcBias, boolean qkvBias) {
        ModelConfig config = ModelConfig.read(dir);
        ModelConfig t = target.config();
        if (config.hiddenSize() != t.hiddenSize() || config.vocabSize() != t.vocabSize()) {
            throw new RasdException("EAGLE head " + dir + " has hidden_size " + config.hiddenSize() + " and vocab_size "
                    + config.vocabSize() + " but its target " + target.directory() + " has " + t.hiddenSize()
                    + " and " + t.vocabSize() + "; a head only drafts for the model it was trained on");
        }
        requireFoldableNorm(target);
        NDManager m = DeviceTensors.newManager(target.device());
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaWeights weights = new LlamaWeights(ckpt, config, m, false, fcBias, qkvBias, target.precision());
            int limit = Math.min(config.maxPositions(), target.contextLimit());
            return new EagleHead(dir, config, target, m, weights, limit, null, null);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Loads the EAGLE-3 head in {@code dir} for {@code target}, on the target's device. The loader
     * ({@code io.rasd.draft.eagle.EagleHeadFormat}) has checked its tensors and worked out the rest.
     *
     * @param config the head's config (its layer's shape; {@code vocab_size} is the target's, for the embedding)
     * @param layerPrefix {@code "midlayer."} or {@code "layers.0."}
     * @param featureLayers the target layers whose inputs the head reads, ascending, three of them
     * @param draftToTarget the target id of each draft id ({@code d + d2t[d]}), checked to be in the vocabulary
     */
    public static EagleHead loadEagle3(
            Path dir,
            ModelConfig config,
            CausalLm target,
            String layerPrefix,
            int[] featureLayers,
            int[] draftToTarget) {
        int targetHidden = target.config().hiddenSize();
        if (3 * targetHidden == config.hiddenSize()) {
            throw new RasdException("EAGLE-3 head " + dir + " has hidden_size " + config.hiddenSize() + ", three times"
                    + " its target's: rasd tells the target's features (3 x " + targetHidden + " wide) from the head's"
                    + " own (hidden_size wide) by width, which this head makes ambiguous");
        }
        NDManager m = DeviceTensors.newManager(target.device());
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaWeights weights = new LlamaWeights(
                    ckpt, config, m, false, layerPrefix, targetHidden, draftToTarget.length, target.precision());
            int limit = Math.min(config.maxPositions(), target.contextLimit());
            return new EagleHead(dir, config, target, m, weights, limit, featureLayers, draftToTarget.clone());
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private static void requireFoldableNorm(CausalLm target) {
        long zero = target.firstZeroInFinalNorm();
        if (zero >= 0) {
            throw new RasdException("The target " + target.directory() + " has a zero in its final norm weight"
                    + " (model.norm.weight[" + zero + "]); rasd cannot recover the unnormalised lm_head an EAGLE head"
                    + " needs from the folded head weight");
        }
    }

    /**
     * The target layers whose inputs (the residual stream before each) an EAGLE-3 head reads, ascending; {@code null}
     * for an EAGLE-1/2 head, which reads the final-normed last hidden state.
     */
    public int[] targetFeatureLayers() {
        return featureLayers == null ? null : featureLayers.clone();
    }

    /** Rows the head's logits have: the target's vocabulary, or an EAGLE-3 head's draft vocabulary. */
    public int logitVocabSize() {
        return draftToTarget == null ? config.vocabSize() : draftToTarget.length;
    }

    /** The target id of a logit column ({@link #logitVocabSize}): itself, or an EAGLE-3 head's {@code d + d2t[d]}. */
    public int targetId(int logitColumn) {
        return draftToTarget == null ? logitColumn : draftToTarget[logitColumn];
    }

    public Path directory() {
        return directory;
    }

    public ModelConfig config() {
        return config;
    }

    public CausalLm target() {
        return target;
    }

    /** What decides the rows this head computes: its files and its target's identity. */
    public String identity() {
        return identity;
    }

    /** Most (token, feature) pairs one cache may hold. */
    public int contextLimit() {
        return contextLimit;
    }

    public KvCache newCache() {
        return new KvCache(manager, config, contextLimit, 64);
    }

    /**
     * Reads the pairs ({@code tokens[i]}, row i of {@code features}) at {@code positions} under {@code mask}, appends
     * their keys and values to {@code cache}, and returns the target-vocabulary logits of {@code logitRows}
     * ({@code null}: every row), with the head's output h of every row as {@link Logits#hidden}. Close the result.
     *
     * @param features {@code [tokens.length, hidden]}: the target's feature of the token before each of
     *     {@code tokens} (or, deeper in a draft tree, the head's own h there)
     */
    public Logits forward(
            KvCache cache, int[] tokens, NDArray features, int[] positions, AttentionMask mask, int[] logitRows) {
        return forward(cache, tokens, features, positions, mask, logitRows, 0);
    }

    /**
     * {@link #forward(KvCache, int[], NDArray, int[], AttentionMask, int[])}, with the top-{@code topK} probabilities
     * of the logit rows computed in the same kernel call, so that {@link Logits#topKProbabilities} of that k (what a
     * drafting depth reads next) needs no second call. {@code topK} 0: none; it is capped at the head's logit
     * vocabulary, as {@code topKProbabilities} caps it.
     */
    public Logits forward(
            KvCache cache,
            int[] tokens,
            NDArray features,
            int[] positions,
            AttentionMask mask,
            int[] logitRows,
            int topK) {
        int n = tokens.length;
        // the module packs ids as floats, exact below 2^24: past that the separate, exact top-k is read instead
        int k = logitVocabSize() < Logits.EXACT_F32_IDS ? Math.min(Math.max(0, topK), logitVocabSize()) : 0;
        check(tokens, features, positions);
        cache.ensureRoom(n);
        int past = cache.length();
        boolean causal = mask == AttentionMask.causal();
        NDManager sm = manager.newSubManager();
        try (Kernels.Args a = new Kernels.Args()) {
            // one call of the kernel module: a head forward is a drafting depth, and the ~40 DJL ops of
            // forwardReference cost more in dispatch than the head's arithmetic on a small model
            NDArray maskArr = causal ? null : decoder.mask(sm, mask, past, n); // a causal one the module builds
            NDArray[] rope = decoder.rope(sm, positions);
            NDArray[] out = Kernels.get()
                    .tensors(
                            sm,
                            "forward_eagle",
                            a.of(DeviceTensors.upload(sm, tokens)),
                            kernelEmbed,
                            a.of(features),
                            kernelFc,
                            kernelFcBias,
                            kernelLayer,
                            kernelDivisor,
                            kernelHead,
                            a.of(cache.keyArrays()[0]),
                            a.of(cache.valueArrays()[0]),
                            a.of(rope[0]),
                            a.of(rope[1]),
                            a.of(maskArr == null ? emptyF32 : maskArr),
                            a.of(logitRows == null ? emptyI64 : DeviceTensors.upload(sm, logitRows)),
                            a.of(
                                    config.numHeads(),
                                    config.numKvHeads(),
                                    config.headDim(),
                                    past,
                                    causal ? 1 : 0,
                                    featureLayers == null ? 1 : 3,
                                    config.hiddenSize(),
                                    k),
                            kernelEps);
            cache.advance(n);
            Logits logits = new Logits(sm, out[0], out[1], null);
            return out.length > 2 ? logits.withTopK(out[2], k) : logits;
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    /**
     * {@link #forward} in DJL ops, the same math op by op ({@code Decoder}): the reference the kernel module's
     * {@code forward_eagle} is tested against.
     */
    Logits forwardReference(
            KvCache cache, int[] tokens, NDArray features, int[] positions, AttentionMask mask, int[] logitRows) {
        if (w.precision.isHalf()) {
            throw new IllegalStateException("the DJL-op reference runs f32 heads only; this one is held in "
                    + w.precision.label() + " (its target's precision)");
        }
        int n = tokens.length;
        check(tokens, features, positions);
        cache.ensureRoom(n);
        int past = cache.length();
        NDManager sm = manager.newSubManager();
        try {
            NDArray maskArr = decoder.mask(sm, mask, past, n);
            NDArray[] rope = decoder.rope(sm, positions);
            NDArray embedded = w.embed != null
                    ? w.embed.get(sm, new NDIndex("{}", DeviceTensors.upload(sm, tokens)))
                    : target.embed(sm, tokens);
            if (featureLayers != null) {
                // EAGLE-3: the target's three states go through fc; the head's own h (a deeper node) is read as is
                NDArray h = features.getShape().get(1) == config.hiddenSize()
                        ? features.duplicate()
                        : features.matMul(w.fcT);
                h.attach(sm); // an op's result joins its first operand's manager: the caller's, here
                NDArray attnIn = decoder.rmsNorm(embedded).concat(decoder.rmsNorm(h), 1); // norm weights in qkv
                h = decoder.layer(sm, 0, w.layers[0], attnIn, h, rope, maskArr, cache, past + n, n);
                cache.advance(n);
                NDArray rows = logitRows == null ? h : h.get(new NDIndex("{}", DeviceTensors.upload(sm, logitRows)));
                return new Logits(sm, decoder.rmsNorm(rows).matMul(w.lmHeadT), h, null); // norm weight in lm_head
            }
            NDArray x = embedded.concat(features, 1).matMul(w.fcT); // embedding first, feature second
            if (w.fcBias != null) {
                x.addi(w.fcBias);
            }
            x = decoder.layer(sm, 0, w.layers[0], x, rope, maskArr, cache, past + n, n);
            cache.advance(n);
            NDArray rows = logitRows == null ? x : x.get(new NDIndex("{}", DeviceTensors.upload(sm, logitRows)));
            return new Logits(sm, target.lmHeadOfUnnormalised(rows), x, null);
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    /**
     * The head's teacher-forced logits over {@code ids} (at least 2): row i reads (ids[i+1], the target's feature of
     * ids[i]) at position i, sees rows 0..i, and predicts ids[i+2] (the last row: the token after {@code ids}). What
     * the reference implementation computes during training and what {@code ./rasd logits --draft HEAD} prints. Close
     * the result.
     */
    public Logits teacherForced(int[] ids) {
        int n = ids.length;
        if (n < 2) {
            throw new RasdException("teacher-forced head logits need at least 2 token ids, got " + n);
        }
        try (KvCache targetCache = target.newCache();
                Logits t = target.forward(
                        targetCache, ids, Positions.consecutive(0, n), AttentionMask.causal(), null, featureLayers);
                NDManager features = manager.newSubManager();
                KvCache headCache = newCache()) {
            NDArray f = t.hidden(features, Positions.consecutive(0, n - 1));
            return forward(
                    headCache,
                    java.util.Arrays.copyOfRange(ids, 1, n),
                    f,
                    Positions.consecutive(0, n - 1),
                    AttentionMask.causal(),
                    null);
        }
    }

    private void check(int[] tokens, NDArray features, int[] positions) {
        int n = tokens.length;
        if (n == 0 || positions.length != n) {
            throw new RasdException("EAGLE head forward needs one position per token, got " + n + " tokens and "
                    + positions.length + " positions");
        }
        long[] shape = features.getShape().getShape();
        long targetWidth = featureLayers == null
                ? config.hiddenSize()
                : (long) featureLayers.length * target.config().hiddenSize();
        if (shape.length != 2 || shape[0] != n || (shape[1] != config.hiddenSize() && shape[1] != targetWidth)) {
            throw new RasdException("EAGLE head forward: features of shape " + features.getShape() + " for " + n
                    + " tokens; expected (" + n + ", " + config.hiddenSize() + ")"
                    + (targetWidth != config.hiddenSize() ? " or (" + n + ", " + targetWidth + ")" : ""));
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new RasdException(
                        "Token id " + tokens[i] + " is outside the head's vocabulary [0, " + config.vocabSize() + ")");
            }
            if (positions[i] < 0 || positions[i] >= contextLimit) {
                throw new RasdException(
                        "Position " + positions[i] + " is outside the head's window [0, " + contextLimit + ")");
            }
        }
    }

    /** Live arrays in the head's tier (its weights, and the caches and steps that hang from it). */
    public int liveWeightArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        for (IValue v :
                new IValue[] {kernelEmbed, kernelFc, kernelFcBias, kernelLayer, kernelDivisor, kernelHead, kernelEps}) {
            v.close();
        }
        manager.close();
    }
}
