package io.rasd.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.rasd.RasdException;
import io.rasd.model.Checkpoint;
import io.rasd.model.DType;
import io.rasd.model.ModelConfig;
import io.rasd.model.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains an EAGLE-1/2 draft head (the layout SafeAILab/EAGLE's {@code cnets1.py} publishes, read by
 * {@link io.rasd.model.EagleHead}) on a frozen target's features, with AdamW on DJL's autograd. The forward is
 * {@code EagleHead}'s written for whole sequences (teacher forcing under a causal mask, no KV cache): for a sequence of
 * n tokens with target features f_0..f_{n-1} (final-normed last hidden states), row i reads (token i+1, f_i) at RoPE
 * position i and predicts h_i, which should equal f_{i+1}:
 *
 * <pre>
 *   x = fc([embed(token), f])  (+ bias)
 *   x = x + attn(x)            no input norm on layer 0
 *   h = x + mlp(rmsNorm(x))    post-attention RMSNorm, SwiGLU
 *   logits = h · lm_headᵀ      the target's lm_head, not folded with its final norm, no norm on h
 * </pre>
 *
 * Loss as EAGLE-1: SmoothL1(h_i, f_{i+1}) (mean over the hidden size) + 0.1 × cross-entropy of softmax(logits(h_i))
 * against the target's distribution softmax(lm_head(f_{i+1})), over the valid rows; uniform noise on the input
 * features. The embedding and lm_head are the target's, frozen, read from its checkpoint files.
 *
 * <p>With {@link #trainingTimeTest(int) a training-time test} of K steps (EAGLE-3's, SafeAILab/EAGLE
 * {@code traineagle3/cnets.py}), the head is also trained on what it reads when it drafts deeper: step d (1..K-1) feeds
 * row i the token i+1+d with the head's own output of step d-1 at row i as its feature, at RoPE position i+d, and its
 * attention sees step 0's keys of rows 0..i (the pairs the target's features filled) plus its own row's keys of steps
 * 1..d (its ancestors in a draft tree), exactly what a depth-(d+1) node sees in {@code io.rasd.draft.eagle}'s drafting.
 * Step d's loss (the same two parts, against f_{i+1+d}) weighs 0.8^d, as in the reference; the reported metrics are
 * step 0's.
 *
 * <p>Parameters are kept in {@code [in, out]} layout (like {@link LlamaTrainer}) and transposed to HF's
 * {@code [out, in]} when saved.
 */
public final class EagleHeadTrainer implements AutoCloseable {

    /**
     * One training sequence: the target's tokens and its features of every token ({@code [tokens.length * hidden]},
     * row-major).
     */
    public record Example(int[] tokens, float[] features) {}

    /** Loss parts and held-out agreement (the fraction of rows whose argmax is the target's greedy next token). */
    public record Metrics(double loss, double featureLoss, double tokenLoss, double agreement, long rows) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "loss %.4f (smooth-L1 %.4f, soft CE %.4f), agreement %.3f over %d rows",
                    loss,
                    featureLoss,
                    tokenLoss,
                    agreement,
                    rows);
        }
    }

    /** Weight of the token (soft cross-entropy) loss, as in the EAGLE-1 reference ({@code p_w}). */
    public static final double TOKEN_LOSS_WEIGHT = 0.1;

    private final ModelConfig target;
    private final JsonObject targetConfigJson;
    private final boolean fcBias;
    private final int hidden;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int intermediate;
    private final int vocab;
    private final float eps;
    private final float[] invFreq;
    private final NDManager manager;
    /** {@code [vocab, hidden]}, frozen. */
    private final NDArray embed;
    /** {@code [hidden, vocab]}, frozen: the target's lm_head without its final norm folded in. */
    private final NDArray lmHeadT;

    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> adamM = new LinkedHashMap<>();
    private final Map<String, NDArray> adamV = new LinkedHashMap<>();
    private int step;
    /** Steps of the training-time test (1: EAGLE-1's teacher forcing alone). */
    private int unroll = 1;

    /**
     * A freshly initialised head for the target in {@code targetDir}.
     *
     * @param fcBias whether {@code fc} has a bias (written as the config's {@code "bias"})
     */
    public EagleHeadTrainer(Path targetDir, boolean fcBias, long seed) {
        this.target = ModelConfig.read(targetDir);
        try {
            this.targetConfigJson = JsonParser.parseString(Files.readString(targetDir.resolve("config.json")))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.fcBias = fcBias;
        this.hidden = target.hiddenSize();
        this.heads = target.numHeads();
        this.kvHeads = target.numKvHeads();
        if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
            throw new RasdException("An EAGLE-1/2 head uses head_dim = hidden_size / num_attention_heads, which must be"
                    + " a whole even number; the target " + targetDir + " has hidden_size " + hidden + " and "
                    + heads + " heads");
        }
        this.headDim = hidden / heads;
        this.intermediate = target.intermediateSize();
        this.vocab = target.vocabSize();
        this.eps = (float) target.rmsNormEps();
        this.invFreq = target.ropeScaling().inverseFrequencies(target.ropeTheta(), headDim);
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try (Checkpoint ckpt = Checkpoint.open(targetDir)) {
            float[] e = TrainingState.floats(ckpt.tensor("model.embed_tokens.weight"), (long) vocab * hidden);
            this.embed = manager.create(e, new Shape(vocab, hidden));
            float[] head = !target.tieWordEmbeddings() && ckpt.contains("lm_head.weight")
                    ? TrainingState.floats(ckpt.tensor("lm_head.weight"), (long) vocab * hidden)
                    : e;
            this.lmHeadT = manager.create(TrainingState.transpose(head, vocab, hidden), new Shape(hidden, vocab));
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int h = hidden;
        int q = heads * headDim;
        int kv = kvHeads * headDim;
        double std = 0.02;
        param("fc.weight", gaussian(rnd, 2 * h, h, std));
        if (fcBias) {
            param("fc.bias", manager.zeros(new Shape(h)));
        }
        String p = "layers.0.";
        param(p + "self_attn.q_proj.weight", gaussian(rnd, h, q, std));
        param(p + "self_attn.k_proj.weight", gaussian(rnd, h, kv, std));
        param(p + "self_attn.v_proj.weight", gaussian(rnd, h, kv, std));
        param(p + "self_attn.o_proj.weight", gaussian(rnd, q, h, std / Math.sqrt(2)));
        param(p + "post_attention_layernorm.weight", manager.ones(new Shape(h)));
        param(p + "mlp.gate_proj.weight", gaussian(rnd, h, intermediate, std));
        param(p + "mlp.up_proj.weight", gaussian(rnd, h, intermediate, std));
        param(p + "mlp.down_proj.weight", gaussian(rnd, intermediate, h, std / Math.sqrt(2)));
    }

    private NDArray gaussian(SplittableRandom rnd, int rows, int cols, double std) {
        float[] a = new float[rows * cols];
        for (int k = 0; k < a.length; k++) {
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            a[k] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2));
        }
        return manager.create(a, new Shape(rows, cols));
    }

    private void param(String name, NDArray value) {
        value.setRequiresGradient(true);
        NDArray old = params.put(name, value);
        if (old != null) {
            old.close();
        }
        replace(adamM, name, manager.zeros(value.getShape()));
        replace(adamV, name, manager.zeros(value.getShape()));
    }

    private static void replace(Map<String, NDArray> map, String name, NDArray value) {
        NDArray old = map.put(name, value);
        if (old != null) {
            old.close();
        }
    }

    public int steps() {
        return step;
    }

    public int hidden() {
        return hidden;
    }

    public int vocab() {
        return vocab;
    }

    /**
     * Trains with EAGLE-3's training-time test of {@code steps} steps from the next step on (1: teacher forcing alone,
     * the default); see the class comment.
     */
    public void trainingTimeTest(int steps) {
        if (steps < 1 || steps > 8) {
            throw new RasdException("training-time test steps must be in [1, 8], got " + steps);
        }
        this.unroll = steps;
    }

    /**
     * The head's output h {@code [b, t, hidden]} for input tokens {@code [b*t]} and features {@code [b, t, hidden]}, one
     * step of the layer. With {@code steps} empty: teacher forcing under a causal mask. Otherwise step d =
     * {@code steps.size()} of the training-time test: RoPE positions shifted by d, each row attending to step 0's
     * keys of rows up to itself and to its own keys of steps 1..d. Appends this step's keys and values (after RoPE,
     * {@code [b, kvHeads, 1, t, headDim]}) to {@code steps}.
     */
    private NDArray pass(NDManager sm, long[] tokens, NDArray features, int b, int t, List<NDArray[]> steps) {
        int h = hidden;
        int depth = steps.size();
        NDArray e = embed.get(sm, new NDIndex("{}", sm.create(tokens))).reshape(b, t, h);
        NDArray x = e.concat(features, -1).matMul(params.get("fc.weight")); // embedding first, feature second
        if (fcBias) {
            x = x.add(params.get("fc.bias"));
        }
        NDArray[] rope = rope(sm, t, depth);
        float[] maskValues = new float[t * t];
        for (int r = 0; r < t; r++) {
            for (int c = r + 1; c < t; c++) {
                maskValues[r * t + c] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray mask = sm.create(maskValues, new Shape(t, t));
        float scale = (float) (1.0 / Math.sqrt(headDim));
        String p = "layers.0.";
        // no input norm on layer 0 (cnets1.py)
        NDArray q = splitHeads(x.matMul(params.get(p + "self_attn.q_proj.weight")), b, t, heads);
        NDArray k = splitHeads(x.matMul(params.get(p + "self_attn.k_proj.weight")), b, t, kvHeads);
        NDArray v = splitHeads(x.matMul(params.get(p + "self_attn.v_proj.weight")), b, t, kvHeads);
        q = applyRope(q, rope);
        k = applyRope(k, rope);
        int rep = heads / kvHeads;
        // grouped-query attention: query head j reads kv head j / rep (HF's repeat_kv), by broadcasting
        NDArray q5 = q.reshape(b, kvHeads, rep, t, headDim);
        NDArray k5 = k.expandDims(2);
        NDArray v5 = v.expandDims(2);
        steps.add(new NDArray[] {k5, v5});
        NDArray k0 = steps.get(0)[0];
        NDArray v0 = steps.get(0)[1];
        NDArray scores = q5.matMul(k0.transpose(0, 1, 2, 4, 3)).mul(scale).add(mask); // [b, kv, rep, t, t]
        for (int d = 1; d <= depth; d++) {
            // the row's own key of step d: one more column per row (the diagonal of that step)
            scores = scores.concat(
                    q5.mul(steps.get(d)[0]).sum(new int[] {-1}, true).mul(scale), -1);
        }
        NDArray probs = scores.softmax(-1);
        NDArray out = depth == 0 ? probs.matMul(v0) : probs.get("..., 0:{}", t).matMul(v0);
        for (int d = 1; d <= depth; d++) {
            out = out.add(probs.get("..., {}:{}", t + d - 1, t + d).mul(steps.get(d)[1]));
        }
        NDArray att = out.reshape(b, heads, t, headDim).transpose(0, 2, 1, 3).reshape(b, t, heads * headDim);
        x = x.add(att.matMul(params.get(p + "self_attn.o_proj.weight")));
        NDArray m = rmsNorm(x, params.get(p + "post_attention_layernorm.weight"));
        NDArray gate = m.matMul(params.get(p + "mlp.gate_proj.weight"));
        NDArray up = m.matMul(params.get(p + "mlp.up_proj.weight"));
        return x.add(gate.mul(Activation.sigmoid(gate)).mul(up).matMul(params.get(p + "mlp.down_proj.weight")));
    }

    private NDArray splitHeads(NDArray x, int b, int t, int n) {
        return x.reshape(b, t, n, headDim).transpose(0, 2, 1, 3);
    }

    private NDArray rmsNorm(NDArray x, NDArray w) {
        return x.div(x.square().mean(new int[] {-1}, true).add(eps).sqrt()).mul(w);
    }

    private NDArray[] rope(NDManager sm, int t, int offset) {
        int half = headDim / 2;
        float[] cos = new float[t * headDim];
        float[] sin = new float[t * headDim];
        for (int row = 0; row < t; row++) {
            int pos = row + offset;
            for (int j = 0; j < half; j++) {
                float angle = pos * invFreq[j]; // in f32, as HF and io.rasd.model.Rope compute it
                cos[row * headDim + j] = cos[row * headDim + j + half] = (float) Math.cos(angle);
                sin[row * headDim + j] = sin[row * headDim + j + half] = (float) Math.sin(angle);
            }
        }
        return new NDArray[] {sm.create(cos, new Shape(t, headDim)), sm.create(sin, new Shape(t, headDim))};
    }

    /** HF's rotate_half convention: {@code x·cos + [-x2, x1]·sin}. */
    private NDArray applyRope(NDArray x, NDArray[] rope) {
        int half = headDim / 2;
        NDArray x1 = x.get("..., 0:{}", half);
        NDArray x2 = x.get("..., {}:", half);
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(rope[0]).add(rotated.mul(rope[1]));
    }

    /**
     * A padded batch: rows i = 0..t-1 of each example read (token i+1, f_i) and target f_{i+1}; for step d of a
     * training-time test, token i+1+d and target f_{i+1+d} (rows past the sequence's end masked out).
     */
    private final class Batch {
        final int b;
        final int t;
        final float[] inFeatures;
        /** Step 0's valid rows (those of teacher forcing). */
        final long validRows;
        /** Per step d (0: teacher forcing): tokens, target features, row mask and valid rows. */
        final long[][] stepTokens;

        final float[][] stepTargets;
        final float[][] stepMasks;
        final long[] stepValid;

        Batch(List<Example> examples, float noise, SplittableRandom rnd, int steps) {
            int maxLen = 0;
            for (Example ex : examples) {
                maxLen = Math.max(maxLen, ex.tokens().length);
            }
            if (maxLen < 2) {
                throw new RasdException("EAGLE head training needs sequences of at least 2 tokens");
            }
            b = examples.size();
            t = maxLen - 1;
            int h = hidden;
            stepTokens = new long[steps][b * t];
            stepTargets = new float[steps][b * t * h];
            stepMasks = new float[steps][b * t];
            stepValid = new long[steps];
            inFeatures = new float[b * t * h];
            for (int r = 0; r < b; r++) {
                Example ex = examples.get(r);
                int n = ex.tokens().length;
                if (ex.features().length != n * h) {
                    throw new RasdException("example of " + n + " tokens has " + ex.features().length
                            + " feature values; expected " + n * h);
                }
                for (int i = 0; i + 1 < n; i++) {
                    System.arraycopy(ex.features(), i * h, inFeatures, (r * t + i) * h, h);
                }
                for (int d = 0; d < steps; d++) {
                    for (int i = 0; i + 1 + d < n; i++) {
                        int row = r * t + i;
                        stepTokens[d][row] = ex.tokens()[i + 1 + d];
                        System.arraycopy(ex.features(), (i + 1 + d) * h, stepTargets[d], row * h, h);
                        stepMasks[d][row] = 1f;
                        stepValid[d]++;
                    }
                }
            }
            if (noise > 0) {
                for (int k = 0; k < inFeatures.length; k++) {
                    inFeatures[k] += (float) ((rnd.nextDouble() - 0.5) * noise); // AddUniformNoise of the reference
                }
            }
            validRows = stepValid[0];
        }
    }

    /** Weight of step d's loss in a training-time test, as the reference's {@code 0.8 ** d}. */
    static final double STEP_WEIGHT = 0.8;

    /**
     * Loss parts (scalars: total over the steps, then step 0's feature loss, token loss and argmax agreement count) of
     * a batch.
     */
    private NDArray[] loss(NDManager sm, Batch batch) {
        List<NDArray[]> parts = stepLosses(sm, batch);
        NDArray total = null;
        for (int d = 0; d < parts.size(); d++) {
            NDArray weighted = parts.get(d)[0].mul((float) Math.pow(STEP_WEIGHT, d));
            total = total == null ? weighted : total.add(weighted);
        }
        NDArray[] first = parts.get(0);
        return new NDArray[] {total, first[1], first[2], first[3]};
    }

    /** Each step's {@code [total, feature loss, token loss, agreement count]}, step 0 first. */
    private List<NDArray[]> stepLosses(NDManager sm, Batch batch) {
        int rows = batch.b * batch.t;
        List<NDArray[]> steps = new java.util.ArrayList<>();
        List<NDArray[]> parts = new java.util.ArrayList<>();
        NDArray feats = sm.create(batch.inFeatures, new Shape(batch.b, batch.t, hidden));
        for (int d = 0; d < batch.stepTokens.length && batch.stepValid[d] > 0; d++) {
            NDArray pred = pass(sm, batch.stepTokens[d], feats, batch.b, batch.t, steps);
            parts.add(stepLoss(sm, pred.reshape(rows, hidden), batch, d));
            feats = pred; // the next step reads the head's own output at the same row
        }
        return parts;
    }

    /**
     * Held-out agreement at step {@code d} of a training-time test (0: teacher forcing, as {@link #evaluate}): how
     * often the argmax of a head reading its own output of d steps before, with the right tokens, is the target's
     * greedy token, i.e. a depth-(d+1) draft node's chance when its ancestors were right.
     */
    public double agreementAtStep(List<Example> examples, int batchSize, int d) {
        double agree = 0;
        long rows = 0;
        for (int s = 0; s < examples.size(); s += batchSize) {
            Batch batch = new Batch(
                    examples.subList(s, Math.min(examples.size(), s + batchSize)), 0f, new SplittableRandom(0), d + 1);
            try (NDManager sm = manager.newSubManager()) {
                List<NDArray[]> parts = stepLosses(sm, batch);
                if (parts.size() > d) {
                    agree += parts.get(d)[3].getFloat();
                    rows += batch.stepValid[d];
                }
            }
        }
        return agree / Math.max(1, rows);
    }

    /** Step d's loss {@code [total, feature loss, token loss, agreement count]} for predictions {@code [rows, h]}. */
    private NDArray[] stepLoss(NDManager sm, NDArray pred, Batch batch, int d) {
        int rows = batch.b * batch.t;
        NDArray target = sm.create(batch.stepTargets[d], new Shape(rows, hidden));
        NDArray mask = sm.create(batch.stepMasks[d], new Shape(rows));
        float denom = (float) (batch.stepValid[d] + 1e-5);
        // SmoothL1 with beta 1: 0.5·min(d,1)² + (d - min(d,1))
        NDArray diff = pred.sub(target).abs();
        NDArray small = diff.minimum(1f);
        NDArray l1 = small.square().mul(0.5f).add(diff.sub(small));
        NDArray featureLoss = l1.mean(new int[] {-1}).mul(mask).sum().div(denom);
        NDArray logits = pred.matMul(lmHeadT);
        NDArray targetLogits = target.matMul(lmHeadT);
        NDArray targetP = targetLogits.softmax(-1);
        NDArray tokenLoss = logits.logSoftmax(-1)
                .mul(targetP)
                .sum(new int[] {-1})
                .mul(mask)
                .sum()
                .neg()
                .div(denom);
        NDArray total = featureLoss.add(tokenLoss.mul((float) TOKEN_LOSS_WEIGHT));
        NDArray agree = logits.argMax(-1)
                .eq(targetLogits.argMax(-1))
                .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                .mul(mask)
                .sum();
        return new NDArray[] {total, featureLoss, tokenLoss, agree};
    }

    /**
     * One optimisation step on a batch of examples (padded to the longest); returns the batch's metrics before the
     * update.
     *
     * @param noise width of the uniform noise added to the input features ({@code (U[0,1) - 0.5) · noise})
     */
    public Metrics step(List<Example> examples, double lr, double weightDecay, double clipNorm, float noise) {
        Batch batch = new Batch(examples, noise, new SplittableRandom(0x9E3779B97F4A7C15L * (step + 1)), unroll);
        Metrics metrics;
        try (NDManager sm = manager.newSubManager()) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray[] l = loss(sm, batch);
                gc.backward(l[0]);
                metrics = new Metrics(
                        l[0].getFloat(),
                        l[1].getFloat(),
                        l[2].getFloat(),
                        l[3].getFloat() / Math.max(1, batch.validRows),
                        batch.validRows);
            }
        }
        if (!Double.isFinite(metrics.loss())) {
            throw new RasdException("EAGLE head training diverged at step " + step + " (loss " + metrics.loss()
                    + "); lower the learning rate");
        }
        step++;
        adamW(lr, weightDecay, clipNorm);
        return metrics;
    }

    /** Loss parts and argmax agreement over examples, without noise and without touching the weights. */
    public Metrics evaluate(List<Example> examples, int batchSize) {
        double loss = 0;
        double fl = 0;
        double tl = 0;
        double agree = 0;
        long rows = 0;
        for (int s = 0; s < examples.size(); s += batchSize) {
            // step 0 only: held-out numbers stay comparable whatever the training-time test
            Batch batch = new Batch(
                    examples.subList(s, Math.min(examples.size(), s + batchSize)), 0f, new SplittableRandom(0), 1);
            try (NDManager sm = manager.newSubManager()) {
                NDArray[] l = loss(sm, batch);
                loss += l[0].getFloat() * batch.validRows;
                fl += l[1].getFloat() * batch.validRows;
                tl += l[2].getFloat() * batch.validRows;
                agree += l[3].getFloat();
                rows += batch.validRows;
            }
        }
        long n = Math.max(1, rows);
        return new Metrics(loss / n, fl / n, tl / n, agree / n, rows);
    }

    /**
     * The head's teacher-forced logits of one example, {@code [tokens.length - 1][vocab]}: row i read (token i+1,
     * feature i) and predicts token i+2. What {@link io.rasd.model.EagleHead#teacherForced} computes at inference.
     */
    public float[][] logits(Example example) {
        return logits(example, 0);
    }

    /**
     * Step {@code d}'s logits of a training-time test on one example, {@code [tokens.length - 1][vocab]}: row i read
     * (token i+1+d, the head's own step d-1 output at row i) at position i+d and predicts token i+2+d; rows with
     * i+2+d beyond the example are zeros. Step 0 is {@link #logits(Example)}.
     */
    public float[][] logits(Example example, int d) {
        Batch batch = new Batch(List.of(example), 0f, new SplittableRandom(0), d + 1);
        try (NDManager sm = manager.newSubManager()) {
            List<NDArray[]> steps = new java.util.ArrayList<>();
            NDArray feats = sm.create(batch.inFeatures, new Shape(1, batch.t, hidden));
            for (int s = 0; s <= d; s++) {
                feats = pass(sm, batch.stepTokens[s], feats, 1, batch.t, steps);
            }
            float[] flat = feats.reshape(batch.t, hidden).matMul(lmHeadT).toFloatArray();
            float[] mask = batch.stepMasks[d];
            float[][] out = new float[batch.t][vocab];
            for (int i = 0; i < batch.t; i++) {
                if (mask[i] > 0) {
                    System.arraycopy(flat, i * vocab, out[i], 0, vocab);
                }
            }
            return out;
        }
    }

    private void adamW(double lr, double weightDecay, double clipNorm) {
        AdamW.step(params, adamM, adamV, step, lr, weightDecay, clipNorm);
    }

    /** The head's config.json: the target's, with one layer, {@code "bias"}, and the Llama architecture. */
    public JsonObject headConfig() {
        JsonObject c = targetConfigJson.deepCopy();
        JsonArray arch = new JsonArray();
        arch.add("LlamaForCausalLM");
        c.add("architectures", arch);
        c.addProperty("model_type", "llama");
        c.addProperty("num_hidden_layers", 1);
        c.addProperty("head_dim", headDim);
        c.addProperty("bias", fcBias);
        for (String k : new String[] {
            "tie_word_embeddings",
            "attention_bias",
            "qkv_bias",
            "mlp_bias",
            "use_sliding_window",
            "sliding_window",
            "max_window_layers",
            "layer_types",
            "torch_dtype",
            "dtype"
        }) {
            c.remove(k);
        }
        c.addProperty("torch_dtype", "float32");
        return c;
    }

    /**
     * Writes the head in the published EAGLE-1/2 layout: {@code config.json} and {@code model.safetensors} with
     * {@code fc}, {@code layers.0.*} ({@code [out, in]}) and, when asked, the frozen {@code embed_tokens.weight}.
     */
    public void save(Path dir, DType dtype, boolean withEmbedding) {
        try {
            Files.createDirectories(dir);
            SafeTensorsWriter w = new SafeTensorsWriter();
            if (withEmbedding) {
                w.put("embed_tokens.weight", dtype, new long[] {vocab, hidden}, embed.toFloatArray());
            }
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                long[] shape = p.getShape().getShape();
                float[] values = p.toFloatArray();
                if (shape.length == 2) {
                    values = TrainingState.transpose(values, (int) shape[0], (int) shape[1]);
                    shape = new long[] {shape[1], shape[0]};
                }
                w.put(e.getKey(), dtype, shape, values);
            }
            TrainingState.atomicWrite(dir.resolve("model.safetensors"), w);
            Path tmp = dir.resolve("config.json.tmp");
            Files.writeString(tmp, headConfig() + "\n");
            Files.move(tmp, dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Replaces the trainable weights by those of a head in the published layout ({@code dir/model.safetensors},
     * {@code [out, in]}); the optimizer state restarts.
     */
    public void loadHead(Path dir) {
        TrainingState.loadHfLayout(
                dir.resolve("model.safetensors"),
                params,
                java.util.Set.of(),
                (name, v) -> param(name, manager.create(v, params.get(name).getShape())));
    }

    /**
     * Writes a training checkpoint to {@code dir}: weights and AdamW moments in f32 ({@code state.safetensors}), and
     * {@code state.json} with the step and the caller's {@code extra} fields (data cursor, elapsed time), written last.
     */
    public void saveCheckpoint(Path dir, JsonObject extra) {
        TrainingState.save(dir, params, adamM, adamV, step, extra);
    }

    /** Restores a checkpoint written by {@link #saveCheckpoint}; returns its {@code state.json}. */
    public JsonObject loadCheckpoint(Path dir) {
        JsonObject state = TrainingState.load(
                dir,
                params,
                adamM,
                adamV,
                (name, v) -> param(name, manager.create(v, params.get(name).getShape())));
        step = state.get("step").getAsInt();
        return state;
    }

    /** Live arrays of the trainer's manager (frozen tensors, parameters, optimizer state): constant across steps. */
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
