package io.rasd.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
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

    private static final int[] LAST_AXIS = {-1};

    private final Path directory;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final Device device;
    private final NDManager manager;
    private final LlamaWeights w;
    private final int contextLimit;
    private final Rope rotary;
    /** {@code rms_norm_eps} as a tensor of the weights tier. */
    private final NDArray eps;

    private final String identity;

    private CausalLm(
            Path directory,
            ModelConfig config,
            GenerationConfig generationConfig,
            Device device,
            NDManager manager,
            LlamaWeights weights,
            int contextLimit) {
        this.identity = identityOf(directory, config);
        this.directory = directory;
        this.config = config;
        this.generationConfig = generationConfig;
        this.device = device;
        this.manager = manager;
        this.w = weights;
        this.contextLimit = contextLimit;
        this.rotary = new Rope(weights.invFreq, manager, device);
        NDArray e = manager.create((float) config.rmsNormEps());
        if (!device.equals(e.getDevice())) {
            NDArray moved = e.toDevice(device, false);
            e.close();
            e = moved;
        }
        this.eps = e;
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
        StringBuilder sb = new StringBuilder(dir.toAbsolutePath().normalize().toString())
                .append('\n')
                .append(config);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .sorted()
                    .toList()) {
                sb.append('\n')
                        .append(f.getFileName())
                        .append(' ')
                        .append(Files.size(f))
                        .append(' ')
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
        int n = tokens.length;
        if (n == 0) {
            throw new RasdException("forward needs at least one token");
        }
        if (positions.length != n) {
            throw new RasdException("forward: " + n + " tokens but " + positions.length + " positions");
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= config.vocabSize()) {
                throw new RasdException(
                        "Token id " + tokens[i] + " is outside the model's vocabulary [0, " + config.vocabSize() + ")");
            }
            if (positions[i] < 0 || positions[i] >= contextLimit) {
                throw new RasdException(
                        "Position " + positions[i] + " is outside the context window [0, " + contextLimit + ")");
            }
        }
        cache.ensureRoom(n);
        int past = cache.length();
        int total = past + n;
        NDManager sm = manager.newSubManager();
        try {
            NDArray maskArr = buildMask(sm, mask, past, n);
            NDArray[] rope = rotary.cosSin(sm, positions);
            NDArray x = w.embed.get(sm, new NDIndex("{}", sm.create(toLongs(tokens))));
            for (int l = 0; l < w.layers.length; l++) {
                x = layer(sm, l, w.layers[l], x, rope, maskArr, cache, total, n);
            }
            cache.advance(n);
            if (logitRows != null) {
                x = x.get(new NDIndex("{}", sm.create(toLongs(logitRows))));
            }
            NDArray logits = rmsNorm(x).matMul(w.lmHeadT); // the final norm weight is folded into the head
            return new Logits(sm, logits);
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    /**
     * One decoder layer, in as few DJL ops as the math allows: each op costs 2–6 µs of dispatch, allocation and release
     * whatever its size, about half of a small model's step (the rest is reading the weights). Projections are
     * {@code x · Wᵀ} with Wᵀ stored contiguous (see {@link LlamaWeights}).
     */
    private NDArray layer(
            NDManager sm,
            int index,
            LlamaWeights.Layer L,
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
        NDArray qkv = rmsNorm(x).matMul(L.qkvT());
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
    private NDArray rmsNorm(NDArray x) {
        NDArray variance = x.square().mean(LAST_AXIS, true).addi(eps);
        return x.div(variance.sqrt());
    }

    /**
     * The additive attention mask {@code [group * n, past + n]} (the rows of one kv head's query block), or
     * {@code null} when every new token sees every key (one token under a causal or one-node tree mask: a plain
     * decoding step).
     */
    private NDArray buildMask(NDManager sm, AttentionMask mask, int past, int n) {
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
        NDArray t = sm.create(rows, new Shape((long) group * n, width));
        if (!device.equals(t.getDevice())) {
            t = t.toDevice(device, false);
        }
        if (prefix == 0) {
            return t;
        }
        NDArray visible = sm.zeros(new Shape((long) group * n, prefix), DataType.FLOAT32, device);
        return visible.concat(t, 1);
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
