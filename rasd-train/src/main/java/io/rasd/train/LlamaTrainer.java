package io.rasd.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import io.rasd.RasdException;
import io.rasd.model.DType;
import io.rasd.model.SafeTensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains a Llama-architecture causal LM (RMSNorm, RoPE, SwiGLU, tied embeddings) with AdamW on DJL's autograd and
 * saves it in HF layout, so the result loads through exactly the path a downloaded checkpoint takes. The math is the
 * decoder of {@link io.rasd.model.CausalLm} written for whole sequences (no KV cache); a test checks that the two
 * agree on the saved weights.
 *
 * <p>Parameters are kept in {@code [in, out]} layout so every product is {@code activations · W} (the result then
 * belongs to the step's manager, not the parameters'); they are transposed to HF's {@code [out, in]} when saved.
 */
public final class LlamaTrainer implements AutoCloseable {

    /** @param heads attention heads (key/value heads are the same: the demo models use no GQA) */
    public record Architecture(int vocab, int hidden, int intermediate, int layers, int heads, int maxPositions) {
        public Architecture {
            if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
                throw new RasdException("hidden " + hidden + " must split into " + heads + " heads of even size");
            }
        }

        public long parameters() {
            long perLayer = 4L * hidden * hidden + 3L * hidden * intermediate + 2L * hidden;
            return (long) vocab * hidden + layers * perLayer + hidden;
        }
    }

    private static final float EPS = 1e-5f;
    private static final double ROPE_THETA = 10000;

    private final Architecture arch;
    private final NDManager manager;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Map<String, NDArray> adamM = new LinkedHashMap<>();
    private final Map<String, NDArray> adamV = new LinkedHashMap<>();
    private int step;

    public LlamaTrainer(Architecture arch, long seed) {
        this.arch = arch;
        this.manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        SplittableRandom rnd = new SplittableRandom(seed);
        int h = arch.hidden();
        int i = arch.intermediate();
        double std = 0.02;
        // GPT-2 style: residual projections scaled down by depth so the residual stream starts small
        double resid = std / Math.sqrt(2.0 * arch.layers());
        param("model.embed_tokens.weight", gaussian(rnd, arch.vocab(), h, std));
        for (int l = 0; l < arch.layers(); l++) {
            String p = "model.layers." + l + ".";
            param(p + "input_layernorm.weight", ones(h));
            param(p + "self_attn.q_proj.weight", gaussian(rnd, h, h, std));
            param(p + "self_attn.k_proj.weight", gaussian(rnd, h, h, std));
            param(p + "self_attn.v_proj.weight", gaussian(rnd, h, h, std));
            param(p + "self_attn.o_proj.weight", gaussian(rnd, h, h, resid));
            param(p + "post_attention_layernorm.weight", ones(h));
            param(p + "mlp.gate_proj.weight", gaussian(rnd, h, i, std));
            param(p + "mlp.up_proj.weight", gaussian(rnd, h, i, std));
            param(p + "mlp.down_proj.weight", gaussian(rnd, i, h, resid));
        }
        param("model.norm.weight", ones(h));
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

    private NDArray ones(int n) {
        return manager.ones(new Shape(n));
    }

    private void param(String name, NDArray value) {
        value.setRequiresGradient(true);
        closeOld(params.put(name, value));
        closeOld(adamM.put(name, manager.zeros(value.getShape())));
        closeOld(adamV.put(name, manager.zeros(value.getShape())));
    }

    private static void closeOld(NDArray old) {
        if (old != null) {
            old.close();
        }
    }

    /**
     * Replaces every weight by a saved model's ({@code dir/model.safetensors} in HF layout, as {@link #save} writes
     * it, bf16 or f32), to continue training it; the optimizer state restarts.
     */
    public void loadWeights(Path dir) {
        TrainingState.loadHfLayout(
                dir.resolve("model.safetensors"),
                params,
                java.util.Set.of("model.embed_tokens.weight"),
                (name, v) -> param(name, manager.create(v, params.get(name).getShape())));
    }

    /** A resumable checkpoint (weights and AdamW moments in f32, the step, the caller's fields). */
    public void saveCheckpoint(Path dir, JsonObject extra) {
        TrainingState.save(dir, params, adamM, adamV, step, extra);
    }

    /** Restores {@link #saveCheckpoint}'s state; returns its {@code state.json}. */
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

    public Architecture architecture() {
        return arch;
    }

    public int steps() {
        return step;
    }

    /**
     * This model's next-token distribution at every input position of a batch ({@code [batch][seqLen+1]}, inputs the
     * first seqLen tokens), flattened {@code [batch × seqLen, vocab]}: a teacher's targets for {@link #step(int[][],
     * float[][], float[], double, double, double)}. No gradient is recorded.
     */
    public float[] nextTokenProbabilities(int[][] batch) {
        int t = batch[0].length - 1;
        List<NDArray> views = new ArrayList<>();
        try (NDManager sm = manager.newSubManager()) {
            return forward(sm, inputs(batch), batch.length, t, views)
                    .softmax(-1)
                    .toFloatArray();
        } finally {
            views.forEach(NDArray::close);
        }
    }

    /**
     * Mean next-token cross-entropy of a batch of sequences ({@code [batch][seqLen+1]}: inputs are the first seqLen
     * tokens, targets the last seqLen), against the next tokens or, given {@code teacher}, against its distributions.
     */
    private NDArray loss(NDManager sm, int[][] batch, float[][] weights, float[] teacher, List<NDArray> weightViews) {
        int b = batch.length;
        int t = batch[0].length - 1;
        long[] inputs = inputs(batch);
        long[] targets = new long[b * t];
        float[] w = weights == null ? null : new float[b * t];
        for (int r = 0; r < b; r++) {
            for (int c = 0; c < t; c++) {
                targets[r * t + c] = batch[r][c + 1];
                if (w != null) {
                    w[r * t + c] = weights[r][c + 1];
                }
            }
        }
        NDArray logits = forward(sm, inputs, b, t, weightViews);
        NDArray logProbs = logits.logSoftmax(-1);
        NDArray target;
        if (teacher == null) {
            target = sm.create(targets).oneHot(arch.vocab());
        } else if (teacher.length != (long) b * t * arch.vocab()) {
            throw new RasdException("teacher distributions hold " + teacher.length + " values; a batch of " + b + " × "
                    + t + " positions over " + arch.vocab() + " ids needs " + (long) b * t * arch.vocab());
        } else {
            target = sm.create(teacher, new Shape((long) b * t, arch.vocab()));
        }
        NDArray tokenLogProbs = logProbs.mul(target).sum(new int[] {1});
        if (w == null) {
            return tokenLogProbs.mean().neg();
        }
        double total = 0;
        for (float v : w) {
            total += v;
        }
        if (total <= 0) {
            throw new RasdException("a training batch has no token with a positive loss weight");
        }
        return tokenLogProbs.mul(sm.create(w)).sum().div((float) total).neg();
    }

    /** The input ids of a batch, row-major: each row's first seqLen tokens. */
    private static long[] inputs(int[][] batch) {
        int t = batch[0].length - 1;
        long[] inputs = new long[batch.length * t];
        for (int r = 0; r < batch.length; r++) {
            for (int c = 0; c < t; c++) {
                inputs[r * t + c] = batch[r][c];
            }
        }
        return inputs;
    }

    /** Logits {@code [b*t, vocab]}. Views of parameters created here are recorded in {@code weightViews}. */
    private NDArray forward(NDManager sm, long[] inputs, int b, int t, List<NDArray> weightViews) {
        int h = arch.hidden();
        int nh = arch.heads();
        int hd = h / nh;
        NDArray embed = params.get("model.embed_tokens.weight");
        NDArray x = embed.get(sm, new NDIndex("{}", sm.create(inputs))).reshape(b, t, h);
        NDArray[] rope = rope(sm, t, hd);
        float[] maskValues = new float[t * t];
        for (int r = 0; r < t; r++) {
            for (int c = r + 1; c < t; c++) {
                maskValues[r * t + c] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray mask = sm.create(maskValues, new Shape(t, t));
        float scale = (float) (1.0 / Math.sqrt(hd));
        for (int l = 0; l < arch.layers(); l++) {
            String p = "model.layers." + l + ".";
            NDArray a = rmsNorm(x, params.get(p + "input_layernorm.weight"));
            NDArray q = heads(a.matMul(params.get(p + "self_attn.q_proj.weight")), b, t, nh, hd);
            NDArray k = heads(a.matMul(params.get(p + "self_attn.k_proj.weight")), b, t, nh, hd);
            NDArray v = heads(a.matMul(params.get(p + "self_attn.v_proj.weight")), b, t, nh, hd);
            q = applyRope(q, rope, hd);
            k = applyRope(k, rope, hd);
            NDArray att = q.matMul(k.transpose(0, 1, 3, 2))
                    .mul(scale)
                    .add(mask)
                    .softmax(-1)
                    .matMul(v);
            att = att.transpose(0, 2, 1, 3).reshape(b, t, h);
            x = x.add(att.matMul(params.get(p + "self_attn.o_proj.weight")));
            NDArray m = rmsNorm(x, params.get(p + "post_attention_layernorm.weight"));
            NDArray gate = m.matMul(params.get(p + "mlp.gate_proj.weight"));
            NDArray up = m.matMul(params.get(p + "mlp.up_proj.weight"));
            x = x.add(gate.mul(Activation.sigmoid(gate)).mul(up).matMul(params.get(p + "mlp.down_proj.weight")));
        }
        x = rmsNorm(x, params.get("model.norm.weight")).reshape(b * t, h);
        NDArray head = embed.transpose(); // tied output head; a view owned by the parameters' manager
        weightViews.add(head);
        return x.matMul(head);
    }

    private static NDArray heads(NDArray x, int b, int t, int nh, int hd) {
        return x.reshape(b, t, nh, hd).transpose(0, 2, 1, 3);
    }

    private static NDArray rmsNorm(NDArray x, NDArray w) {
        return x.div(x.square().mean(new int[] {-1}, true).add(EPS).sqrt()).mul(w);
    }

    private NDArray[] rope(NDManager sm, int t, int hd) {
        float[] cos = new float[t * hd];
        float[] sin = new float[t * hd];
        for (int pos = 0; pos < t; pos++) {
            for (int j = 0; j < hd / 2; j++) {
                double freq = 1.0 / Math.pow(ROPE_THETA, 2.0 * j / hd);
                double angle = pos * freq;
                cos[pos * hd + j] = cos[pos * hd + j + hd / 2] = (float) Math.cos(angle);
                sin[pos * hd + j] = sin[pos * hd + j + hd / 2] = (float) Math.sin(angle);
            }
        }
        return new NDArray[] {sm.create(cos, new Shape(t, hd)), sm.create(sin, new Shape(t, hd))};
    }

    /** HF's rotate_half convention, as in CausalLm: {@code x·cos + [-x2, x1]·sin}. */
    private static NDArray applyRope(NDArray x, NDArray[] rope, int hd) {
        NDArray x1 = x.get("..., 0:{}", hd / 2);
        NDArray x2 = x.get("..., {}:", hd / 2);
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return x.mul(rope[0]).add(rotated.mul(rope[1]));
    }

    /**
     * One optimisation step on a batch; returns the loss before the update.
     *
     * @param lr learning rate of this step (the caller schedules it)
     */
    public float step(int[][] batch, double lr, double weightDecay, double clipNorm) {
        return step(batch, null, lr, weightDecay, clipNorm);
    }

    /**
     * One optimisation step on a batch whose next-token losses are weighted ({@code weights[r][c]}: the weight of
     * predicting {@code batch[r][c]}; position 0 is unused); returns the weighted mean loss before the update.
     */
    public float step(int[][] batch, float[][] weights, double lr, double weightDecay, double clipNorm) {
        return step(batch, weights, null, lr, weightDecay, clipNorm);
    }

    /**
     * One distillation step: the loss at each position is the cross-entropy against a teacher's next-token
     * distribution ({@code teacher}, {@code [rows × positions, vocab]} as {@link #nextTokenProbabilities} returns it)
     * instead of against the next token; weighted as in {@link #step(int[][], float[][], double, double, double)}.
     * Minimising it minimises KL(teacher ‖ this model), which is what makes a draft's proposals the ones the target
     * accepts.
     */
    public float step(
            int[][] batch, float[][] weights, float[] teacher, double lr, double weightDecay, double clipNorm) {
        float lossValue;
        List<NDArray> views = new ArrayList<>();
        try (NDManager sm = manager.newSubManager()) {
            try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = loss(sm, batch, weights, teacher, views);
                gc.backward(loss);
                lossValue = loss.getFloat();
            }
        } finally {
            views.forEach(NDArray::close);
        }
        if (!Float.isFinite(lossValue)) {
            throw new RasdException(
                    "training diverged at step " + step + " (loss " + lossValue + "); lower the" + " learning rate");
        }
        step++;
        adamW(lr, weightDecay, clipNorm);
        return lossValue;
    }

    /** Mean loss over batches without touching the weights (held-out evaluation). */
    public double evaluate(List<int[][]> batches) {
        return evaluate(batches, null);
    }

    /** Weighted mean loss over batches ({@code weights.get(i)} for batch i, or null for unweighted). */
    public double evaluate(List<int[][]> batches, List<float[][]> weights) {
        double sum = 0;
        for (int i = 0; i < batches.size(); i++) {
            List<NDArray> views = new ArrayList<>();
            try (NDManager sm = manager.newSubManager()) {
                sum += loss(sm, batches.get(i), weights == null ? null : weights.get(i), null, views)
                        .getFloat();
            } finally {
                views.forEach(NDArray::close);
            }
        }
        return sum / batches.size();
    }

    private void adamW(double lr, double weightDecay, double clipNorm) {
        AdamW.step(params, adamM, adamV, step, lr, weightDecay, clipNorm);
    }

    /**
     * Writes the model in HF layout (bf16 or f32 weights, {@code [out, in]}), config and generation config; several
     * end ids (a chat model also stops at its end-of-turn token) are written as a list, as HF does.
     */
    public void save(Path dir, DType dtype, int bosId, int... eosIds) {
        String eosId = eosIds.length == 1 ? Integer.toString(eosIds[0]) : java.util.Arrays.toString(eosIds);
        try {
            Files.createDirectories(dir);
            SafeTensorsWriter w = new SafeTensorsWriter();
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                NDArray p = e.getValue();
                long[] shape = p.getShape().getShape();
                float[] values;
                if (shape.length == 2 && !e.getKey().equals("model.embed_tokens.weight")) {
                    try (NDArray t = p.transpose()) {
                        values = t.toFloatArray();
                    }
                    shape = new long[] {shape[1], shape[0]};
                } else {
                    values = p.toFloatArray();
                }
                w.put(e.getKey(), dtype, shape, values);
            }
            w.write(dir.resolve("model.safetensors"));
            int hd = arch.hidden() / arch.heads();
            Files.writeString(
                    dir.resolve("config.json"),
                    "{\n"
                            + "  \"architectures\": [\"LlamaForCausalLM\"],\n"
                            + "  \"model_type\": \"llama\",\n"
                            + "  \"vocab_size\": " + arch.vocab() + ",\n"
                            + "  \"hidden_size\": " + arch.hidden() + ",\n"
                            + "  \"intermediate_size\": " + arch.intermediate() + ",\n"
                            + "  \"num_hidden_layers\": " + arch.layers() + ",\n"
                            + "  \"num_attention_heads\": " + arch.heads() + ",\n"
                            + "  \"num_key_value_heads\": " + arch.heads() + ",\n"
                            + "  \"head_dim\": " + hd + ",\n"
                            + "  \"max_position_embeddings\": " + arch.maxPositions() + ",\n"
                            + "  \"rms_norm_eps\": " + EPS + ",\n"
                            + "  \"rope_theta\": " + ROPE_THETA + ",\n"
                            + "  \"hidden_act\": \"silu\",\n"
                            + "  \"tie_word_embeddings\": true,\n"
                            + "  \"torch_dtype\": \"" + (dtype == DType.BF16 ? "bfloat16" : "float32") + "\",\n"
                            + "  \"bos_token_id\": " + bosId + ",\n"
                            + "  \"eos_token_id\": " + eosId + "\n"
                            + "}\n");
            Files.writeString(
                    dir.resolve("generation_config.json"),
                    "{\"bos_token_id\": " + bosId + ", \"eos_token_id\": " + eosId + "}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Next-token logits of one sequence from the training forward, {@code [len, vocab]} (for tests). */
    public float[][] logits(int[] tokens) {
        List<NDArray> views = new ArrayList<>();
        try (NDManager sm = manager.newSubManager()) {
            long[] in = new long[tokens.length];
            for (int i = 0; i < in.length; i++) {
                in[i] = tokens[i];
            }
            NDArray l = forward(sm, in, 1, tokens.length, views);
            float[] flat = l.toFloatArray();
            float[][] out = new float[tokens.length][arch.vocab()];
            for (int i = 0; i < tokens.length; i++) {
                System.arraycopy(flat, i * arch.vocab(), out[i], 0, arch.vocab());
            }
            return out;
        } finally {
            views.forEach(NDArray::close);
        }
    }

    /** Live arrays of the parameters' manager (parameters, gradients' owners, optimizer state): constant. */
    public int liveArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
