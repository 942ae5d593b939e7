package io.rasd.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A Llama-family decoder on DJL's PyTorch engine, loaded from a HF model directory. One {@link #forward} runs any
 * number of new tokens at explicit positions under an arbitrary {@link AttentionMask} against a {@link KvCache}:
 * plain decoding, prefill and tree verification are the same call.
 *
 * <p>NDArray ownership, in three tiers (results of an op attach to the manager of its first operand): the weights
 * live in this model's manager for its lifetime; each {@link KvCache} has its own manager; every forward pass gets
 * a step manager that the returned {@link Logits} closes. Ops whose first operand is a weight or a cache array are
 * re-homed into the step manager, otherwise they would pile up in the long-lived tiers.
 *
 * <p>Thread-safe: weights are read-only; each sequence owns its cache.
 */
public final class CausalLm implements AutoCloseable {

    /** A/B switch for the one-row padding below ({@code -Drasd.padSingleRow=false}); on by default. */
    private static final boolean PAD_SINGLE_ROW =
            Boolean.parseBoolean(System.getProperty("rasd.padSingleRow", "true"));

    private final Path directory;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final Device device;
    private final NDManager manager;
    private final LlamaWeights w;
    private final int contextLimit;
    private final float attentionScale;
    private final String identity;

    private CausalLm(Path directory, ModelConfig config, GenerationConfig generationConfig, Device device,
                     NDManager manager, LlamaWeights weights, int contextLimit) {
        this.identity = identityOf(directory, config);
        this.directory = directory;
        this.config = config;
        this.generationConfig = generationConfig;
        this.device = device;
        this.manager = manager;
        this.w = weights;
        this.contextLimit = contextLimit;
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /** Loads on the default device: the GPU when DJL finds CUDA, else the CPU. */
    public static CausalLm load(Path dir) {
        return load(dir, LoadOptions.defaults());
    }

    /**
     * @param maxContext an upper bound on cached tokens below the model's own limit (0: the model's limit), to bound
     *     KV-cache memory
     */
    public static CausalLm load(Path dir, Device device, int maxContext) {
        return load(dir, new LoadOptions(device, maxContext, false));
    }

    /** Loads {@code dir} as {@code options} say (device, context bound, optional NaN/Inf scan of the weights). */
    public static CausalLm load(Path dir, LoadOptions options) {
        Device device = options.device() != null ? options.device() : defaultDevice();
        int maxContext = options.maxContext();
        if (!Files.isDirectory(dir)) {
            throw new RasdException("Model directory " + dir + " does not exist or is not a directory");
        }
        ModelConfig config = ModelConfig.read(dir);
        GenerationConfig gen = GenerationConfig.read(dir);
        int limit = config.maxPositions();
        if (config.slidingWindow() > 0) {
            // Within the window sliding-window attention equals full attention; beyond it we would be wrong.
            limit = Math.min(limit, config.slidingWindow());
        }
        if (maxContext > 0) {
            limit = Math.min(limit, maxContext);
        }
        NDManager m = NDManager.newBaseManager(device, "PyTorch");
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            LlamaWeights weights = new LlamaWeights(ckpt, config, m, device, options.checkFinite());
            return new CausalLm(dir, config, gen, device, m, weights, limit);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The GPU when DJL's PyTorch engine reports CUDA devices, else the CPU. */
    public static Device defaultDevice() {
        return Engine.getEngine("PyTorch").getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    public Path directory() {
        return directory;
    }

    public ModelConfig config() {
        return config;
    }

    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    public Device device() {
        return device;
    }

    /**
     * What decides the KV rows this model computes for a token sequence: its directory, its config and the size and
     * modification time of its weight files (a checkpoint replaced in place is another model). Two models with the
     * same identity may share cached rows; the load-time context bound and the device do not change rows.
     */
    public String identity() {
        return identity;
    }

    private static String identityOf(Path dir, ModelConfig config) {
        StringBuilder sb = new StringBuilder(dir.toAbsolutePath().normalize().toString()).append('\n').append(config);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList()) {
                sb.append('\n').append(f.getFileName()).append(' ').append(Files.size(f)).append(' ')
                        .append(Files.getLastModifiedTime(f).toMillis());
            }
        } catch (IOException e) {
            throw new RasdException("Cannot list the weight files of " + dir + ": " + e.getMessage(), e);
        }
        return sb.toString();
    }

    /** Most tokens a sequence may hold: {@code max_position_embeddings}, Mistral's window, or the load-time bound. */
    public int contextLimit() {
        return contextLimit;
    }

    /** A fresh, empty cache for one sequence. */
    public KvCache newCache() {
        return new KvCache(manager, config, contextLimit, 256);
    }

    /** Causal forward of {@code tokens} following the cache, positions continuing from the cache length. */
    public Logits forward(KvCache cache, int[] tokens) {
        int[] pos = new int[tokens.length];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = cache.length() + i;
        }
        return forward(cache, tokens, pos, AttentionMask.causal(), null);
    }

    /**
     * Runs {@code tokens} at {@code positions} (RoPE positions, not cache rows) under {@code mask}, appends their
     * keys and values to {@code cache}, and returns logits for {@code logitRows} (indices into {@code tokens};
     * {@code null}: every row). Close the result.
     */
    public Logits forward(KvCache cache, int[] tokens, int[] positions, AttentionMask mask, int[] logitRows) {
        if (PAD_SINGLE_ROW && tokens.length == 1 && positions.length == 1 && cache.length() + 2 <= contextLimit
                && (logitRows == null || (logitRows.length == 1 && logitRows[0] == 0))) {
            // One row is padded to two: PyTorch's CPU matrix-vector paths are slower than a two-row product
            // (measured on a 20M-parameter model: 22 ms for one token, 10 ms for two). The copy sees what the token
            // sees but not the token; its cache row is dropped again.
            Logits l = run(cache, new int[] {tokens[0], tokens[0]}, new int[] {positions[0], positions[0]},
                    mask.padSingle(cache.length()), null);
            cache.truncate(cache.length() - 1);
            return l.firstRow();
        }
        return run(cache, tokens, positions, mask, logitRows);
    }

    private Logits run(KvCache cache, int[] tokens, int[] positions, AttentionMask mask, int[] logitRows) {
        int n = tokens.length;
        if (n == 0) {
            throw new RasdException("forward needs at least one token");
        }
        if (positions.length != n) {
            throw new RasdException("forward: " + n + " tokens but " + positions.length + " positions");
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new RasdException("Token id " + tokens[i] + " is outside the model's vocabulary [0, "
                        + config.vocabSize() + ")");
            }
            if (positions[i] < 0 || positions[i] >= contextLimit) {
                throw new RasdException("Position " + positions[i] + " is outside the context window [0, "
                        + contextLimit + ")");
            }
        }
        cache.ensureRoom(n);
        int past = cache.length();
        int total = past + n;
        NDManager sm = manager.newSubManager();
        try {
            NDArray maskArr = buildMask(sm, mask, past, n);
            NDArray[] rope = rotary(sm, positions);
            NDArray x = w.embed.get(sm, new NDIndex("{}", sm.create(toLongs(tokens))));
            for (int l = 0; l < w.layers.length; l++) {
                x = layer(sm, l, w.layers[l], x, rope, maskArr, cache, total, n);
            }
            cache.advance(n);
            if (logitRows != null) {
                x = x.get(new NDIndex("{}", sm.create(toLongs(logitRows))));
            }
            NDArray h = rmsNorm(x, w.finalNorm);
            NDArray logits = linear(sm, h, w.lmHead, null);
            return new Logits(sm, logits);
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    private NDArray layer(NDManager sm, int index, LlamaWeights.Layer L, NDArray x, NDArray[] rope, NDArray mask,
                          KvCache cache, int total, int n) {
        int hd = config.headDim();
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int group = config.queriesPerKvHead();

        // Attention: x + Wo · attn(RoPE(Wq·h), RoPE(Wk·h), Wv·h), h = RMSNorm(x)
        NDArray h = rmsNorm(x, L.inputNorm());
        NDArray q = linear(sm, h, L.wq(), L.bq()).reshape(n, heads, hd);
        NDArray k = linear(sm, h, L.wk(), L.bk()).reshape(n, kvHeads, hd);
        NDArray v = linear(sm, h, L.wv(), L.bv()).reshape(n, kvHeads, hd);
        if (config.qkNorm()) {
            q = rmsNorm(q, L.qNorm());
            k = rmsNorm(k, L.kNorm());
        }
        q = applyRope(q, rope);
        k = applyRope(k, rope);
        cache.write(index, k.transpose(1, 0, 2), v.transpose(1, 0, 2));
        NDArray keys = cache.keys(index, total, sm);       // [kv, T, hd]
        NDArray values = cache.values(index, total, sm);   // [kv, T, hd]

        // Grouped-query attention: query head j reads kv head j / group, so fold the group into the row axis.
        NDArray qg = q.transpose(1, 0, 2).reshape(kvHeads, group * n, hd);
        NDArray scores = qg.matMul(keys.transpose(0, 2, 1)).mul(attentionScale);   // [kv, g*n, T]
        if (mask != null) {
            scores = scores.reshape(kvHeads, group, n, total).add(mask).reshape(kvHeads, group * n, total);
        }
        NDArray attn = scores.softmax(-1).matMul(values)                            // [kv, g*n, hd]
                .reshape(heads, n, hd).transpose(1, 0, 2).reshape(n, heads * hd);
        x = x.add(linear(sm, attn, L.wo(), L.bo()));

        // SwiGLU MLP: x + Wdown · (silu(Wgate·h) ⊙ Wup·h), h = RMSNorm(x)
        NDArray h2 = rmsNorm(x, L.postNorm());
        NDArray gate = linear(sm, h2, L.wGate(), L.bGate());
        NDArray up = linear(sm, h2, L.wUp(), L.bUp());
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
        return x.add(linear(sm, act, L.wDown(), L.bDown()));
    }

    /** {@code x·Wᵀ (+b)} computed as {@code (W·xᵀ)ᵀ}: HF's [out, in] layout is fastest this way for few rows. */
    private static NDArray linear(NDManager sm, NDArray x, NDArray weight, NDArray bias) {
        NDArray y = weight.matMul(x.transpose());
        y.attach(sm);   // weight-first op: re-home, or it lives as long as the weights
        NDArray out = y.transpose();
        return bias == null ? out : out.add(bias);
    }

    private float eps() {
        return (float) config.rmsNormEps();
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(eps()).sqrt()).mul(weight);
    }

    /** cos and sin of {@code position · invFreq}, duplicated over both halves: {@code [n, 1, headDim]}. */
    private NDArray[] rotary(NDManager sm, int[] positions) {
        float[] p = new float[positions.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = positions[i];
        }
        NDArray pos = sm.create(p, new Shape(p.length, 1));
        if (!device.equals(pos.getDevice())) {
            pos = pos.toDevice(device, false);
        }
        NDArray angles = pos.mul(w.invFreq);                         // [n, hd/2]
        NDArray emb = NDArrays.concat(new ai.djl.ndarray.NDList(angles, angles), 1).expandDims(1);
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        return new NDArray[] {cos, sin};
    }

    /** HF's rotate_half convention: {@code x·cos + [-x2, x1]·sin}. */
    private NDArray applyRope(NDArray x, NDArray[] rope) {
        int half = config.headDim() / 2;
        NDArray x1 = x.get("..., :{}", half);
        NDArray x2 = x.get("..., {}:", half);
        NDArray rotated = x2.neg().concat(x1, -1);
        return x.mul(rope[0]).add(rotated.mul(rope[1]));
    }

    private NDArray buildMask(NDManager sm, AttentionMask mask, int past, int n) {
        if (mask.isCausal() && n == 1) {
            return null;   // one token sees everything: no mask at all
        }
        int prefix = mask.prefixFor(past);
        int width = past - prefix + n;
        NDArray tail = sm.create(mask.tailValues(past, n), new Shape(n, width));
        if (!device.equals(tail.getDevice())) {
            tail = tail.toDevice(device, false);
        }
        if (prefix == 0) {
            return tail;
        }
        NDArray visible = sm.zeros(new Shape(n, prefix), DataType.FLOAT32, device);
        return visible.concat(tail, 1);
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** Live arrays in the weights tier; constant after loading. */
    public int liveWeightArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
