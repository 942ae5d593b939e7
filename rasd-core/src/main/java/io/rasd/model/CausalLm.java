package io.rasd.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.IValue;
import io.rasd.RasdException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>A forward pass is one call of rasd's TorchScript kernel module ({@link Kernels}): the whole decoder in one native
 * call, with weights and cache in the model's {@link Precision}. The same math in DJL ops ({@code Decoder}) remains
 * the reference the kernel is tested against, and runs EAGLE heads.
 *
 * <p>Thread-safe: weights are read-only; each sequence owns its cache.
 */
public final class CausalLm implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CausalLm.class);

    private final Path directory;
    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final Device device;
    private final NDManager manager;
    private final LlamaWeights w;
    private final int contextLimit;
    private final Decoder decoder;
    private final Precision precision;

    /** What every kernel call passes unchanged, built once: the weights as the module's arguments. */
    private final IValue kernelEmbed;

    private final IValue kernelLayers;
    private final IValue kernelFinalNorm;
    private final IValue kernelHead;
    private final IValue kernelEps;
    private final IValue noTaps;
    /** Empty f32 and int64 tensors: the module's "absent" for a mask and for logit rows. */
    private final NDArray emptyF32;

    private final NDArray emptyI64;

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
        this.decoder = new Decoder(config, weights.invFreq, manager, device);
        this.precision = weights.precision;
        this.emptyF32 = DeviceTensors.upload(manager, new float[0]);
        this.emptyI64 = DeviceTensors.upload(manager, new long[0]);
        NDArray[] flat = new NDArray[weights.layers.length * 11];
        for (int l = 0; l < weights.layers.length; l++) {
            System.arraycopy(weights.layers[l].kernelEntries(emptyF32), 0, flat, l * 11, 11);
        }
        if (DeviceTensors.CHECK_DEVICES) {
            DeviceTensors.requireOneDevice(directory + " weights", flat);
            DeviceTensors.requireOneDevice(directory + " head", weights.embed, weights.lmHeadT, flat[0]);
        }
        this.kernelLayers = IValue.listFrom(Kernels.pt(flat));
        this.kernelEmbed = IValue.from(Kernels.pt(weights.embed));
        this.kernelFinalNorm = IValue.from(Kernels.pt(weights.headHoldsFinalNorm ? emptyF32 : weights.finalNorm));
        this.kernelHead = IValue.from(Kernels.pt(weights.lmHeadT));
        this.kernelEps = IValue.from(config.rmsNormEps());
        this.noTaps = IValue.listFrom(new long[0]);
    }

    /** Loads on the default device (the GPU when DJL finds CUDA, else the CPU) in {@link Precision#AUTO}. */
    public static CausalLm load(Path dir) {
        return load(dir, LoadOptions.defaults());
    }

    /**
     * Loads in f32 (whatever the CPU; {@link #load(Path, LoadOptions)} chooses a precision).
     *
     * @param maxContext an upper bound on cached tokens below the model's own limit (0: the model's limit), to bound
     *     KV-cache memory
     */
    public static CausalLm load(Path dir, Device device, int maxContext) {
        return load(dir, new LoadOptions(device, maxContext, false));
    }

    /** Loads {@code dir} as {@code options} say (device, context bound, optional NaN/Inf scan of the weights). */
    public static CausalLm load(Path dir, LoadOptions options) {
        Device device = options.device() != null ? options.device() : defaultDevice();
        requireDevice(device);
        int maxContext = options.maxContext();
        if (!Files.isDirectory(dir)) {
            throw new RasdException("Model directory " + dir + " does not exist or is not a directory");
        }
        ModelConfig config = ModelConfig.read(dir);
        GenerationConfig gen = GenerationConfig.read(dir);
        int limit = config.contextLimit(maxContext);
        NDManager m = DeviceTensors.newManager(device);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            DType stored = ckpt.contains("model.embed_tokens.weight")
                    ? ckpt.tensor("model.embed_tokens.weight").dtype()
                    : DType.F32;
            Precision precision = options.precision().resolve(stored);
            if (options.precision() == Precision.AUTO) {
                LOG.info(
                        "{}: weights stored as {}, held as {} on {} (CPU flags: {})",
                        dir,
                        stored,
                        precision.label(),
                        device,
                        Precision.CpuFeatures.describe());
            }
            LlamaWeights weights = new LlamaWeights(ckpt, config, m, options.checkFinite(), precision);
            return new CausalLm(dir, config, gen, device, m, weights, limit);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /**
     * Fails clearly when {@code device} is a GPU that DJL's PyTorch engine cannot see: with the CPU-only natives on the
     * classpath a GPU tensor would otherwise end the run with a native stack trace.
     */
    public static void requireDevice(Device device) {
        if (device.isGpu()) {
            int gpus = DeviceTensors.gpuCount();
            if (device.getDeviceId() >= gpus) {
                throw new RasdException("Device " + device + " was asked for, but DJL's PyTorch engine finds "
                        + (gpus == 0 ? "no CUDA GPU" : gpus + " GPU(s)")
                        + ": rasd's default natives are ai.djl.pytorch:pytorch-native-cpu. For a GPU put the CUDA"
                        + " build of the same PyTorch version (2.7.1) on the classpath instead, e.g."
                        + " ai.djl.pytorch:pytorch-native-cu128:2.7.1 (classifier linux-x86_64; README \"Running on a"
                        + " GPU\"), and make sure the CUDA driver is installed; or run on the"
                        + " CPU (--device cpu, rasd.device=cpu).");
            }
        }
    }

    /** The GPU when DJL's PyTorch engine reports CUDA devices, else the CPU. */
    public static Device defaultDevice() {
        return DeviceTensors.auto();
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

    /** The element type weights and KV cache are held in (never {@link Precision#AUTO}: what it resolved to). */
    public Precision precision() {
        return precision;
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
        return new KvCache(manager, config, contextLimit, 256, precision);
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
        return forward(cache, tokens, positions, mask, logitRows, null);
    }

    /**
     * {@link #forward(KvCache, int[], int[], AttentionMask, int[])} whose {@link Logits#hidden} rows are, instead of
     * the final-normed last hidden state, the residual stream at the input of layers {@code featureLayers} side by
     * side ({@code [tokens, featureLayers.length · hidden]}): the features an EAGLE-3 head reads. {@code null}: the
     * final-normed state. Each tapped layer costs one copy of {@code [tokens, hidden]} (the layers add in place).
     */
    public Logits forward(
            KvCache cache, int[] tokens, int[] positions, AttentionMask mask, int[] logitRows, int[] featureLayers) {
        int n = tokens.length;
        if (n == 0) {
            throw new RasdException("forward needs at least one token");
        }
        if (positions.length != n) {
            throw new RasdException("forward: " + n + " tokens but " + positions.length + " positions");
        }
        if (featureLayers != null) {
            for (int f : featureLayers) {
                if (f < 0 || f >= config.numLayers()) {
                    throw new RasdException(
                            "Feature layer " + f + " is outside the model's layers [0, " + config.numLayers() + ")");
                }
            }
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
        if (mask == AttentionMask.causal() && n > PREFILL_CHUNK) {
            return forwardInChunks(cache, tokens, positions, logitRows, featureLayers);
        }
        NDManager sm = manager.newSubManager();
        try {
            NDArray[] out = forwardOnce(sm, cache, tokens, positions, mask, logitRows, featureLayers);
            return logitsOf(sm, out, featureLayers);
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    /**
     * Most new tokens of one causal forward call; a longer prompt is prefilled in chunks of this many. Bounds what one
     * call holds per layer (the chunk's attention scores and mask: {@code group · chunk × cache} rather than {@code
     * group · n × n}) and skips the attention of every chunk's rows to the keys of later chunks, which one masked call
     * computes and throws away. Measured on the 0.5B shape in bf16 (f64 attention, 2 threads, per layer, 4,096
     * tokens): one call 3.0 s, chunks of 256 1.9 s, of 512 1.8 s. The rows are the same as one call's (a half model's
     * attention runs in f64 and rounds to the same f32; an f32 model's, as f32 arithmetic allows).
     */
    static final int PREFILL_CHUNK = 256;

    /** A causal forward of more than {@link #PREFILL_CHUNK} tokens, chunk by chunk, as one result. */
    private Logits forwardInChunks(KvCache cache, int[] tokens, int[] positions, int[] logitRows, int[] featureLayers) {
        int n = tokens.length;
        // the logit rows in ascending order, each chunk computing those that fall in it
        // (none asked: every row, as in one call)
        int[] wanted = logitRows == null || logitRows.length == 0
                ? null
                : Arrays.stream(logitRows).distinct().sorted().toArray();
        if (wanted != null && (wanted[0] < 0 || wanted[wanted.length - 1] >= n)) {
            throw new RasdException(
                    "forward: logit rows must lie in [0, " + n + "), got " + Arrays.toString(logitRows));
        }
        NDManager sm = manager.newSubManager();
        try {
            NDList logits = new NDList();
            NDList hidden = new NDList();
            int next = 0; // index into wanted
            for (int start = 0; start < n; start += PREFILL_CHUNK) {
                int from = start;
                int to = Math.min(n, from + PREFILL_CHUNK);
                int[] rows = null;
                int taken = 0;
                if (wanted != null) {
                    int end = next;
                    while (end < wanted.length && wanted[end] < to) {
                        end++;
                    }
                    taken = end - next;
                    // a chunk with no logit row still runs the head on its last row (the module's empty list means
                    // every row); that row's logits are dropped
                    rows = taken == 0
                            ? new int[] {to - from - 1}
                            : Arrays.stream(wanted, next, end)
                                    .map(r -> r - from)
                                    .toArray();
                    next = end;
                }
                NDArray[] out = forwardOnce(
                        sm,
                        cache,
                        Arrays.copyOfRange(tokens, from, to),
                        Arrays.copyOfRange(positions, from, to),
                        AttentionMask.causal(),
                        rows,
                        featureLayers);
                if (wanted == null || taken > 0) {
                    logits.add(out[0]);
                } else {
                    out[0].close();
                }
                hidden.add(out[1]);
            }
            NDArray allLogits = logits.size() == 1 ? logits.get(0) : NDArrays.concat(logits, 0);
            if (wanted != null && !Arrays.equals(wanted, logitRows)) {
                int[] order = new int[logitRows.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = Arrays.binarySearch(wanted, logitRows[i]);
                }
                allLogits = allLogits.get(new NDIndex("{}", DeviceTensors.upload(sm, order)));
            }
            return logitsOf(sm, new NDArray[] {allLogits, NDArrays.concat(hidden, 0)}, featureLayers);
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    /**
     * One call of the kernel module's forward: appends the tokens' keys and values to {@code cache}. Returns [logits,
     * hidden], attached to {@code sm}.
     */
    private NDArray[] forwardOnce(
            NDManager sm,
            KvCache cache,
            int[] tokens,
            int[] positions,
            AttentionMask mask,
            int[] logitRows,
            int[] featureLayers) {
        int n = tokens.length;
        int past = cache.length();
        boolean causal = mask == AttentionMask.causal();
        try (Kernels.Args a = new Kernels.Args()) {
            // a causal mask is built by the module itself
            NDArray maskArr = causal ? null : decoder.mask(sm, mask, past, n);
            NDArray[] rope = decoder.rope(sm, positions);
            NDArray[] out = Kernels.get()
                    .tensors(
                            sm,
                            "forward_model",
                            a.of(DeviceTensors.upload(sm, tokens)),
                            kernelEmbed,
                            kernelLayers,
                            kernelFinalNorm,
                            kernelHead,
                            a.list(cache.keyArrays()),
                            a.list(cache.valueArrays()),
                            a.of(rope[0]),
                            a.of(rope[1]),
                            a.of(maskArr == null ? emptyF32 : maskArr),
                            a.of(logitRows == null ? emptyI64 : DeviceTensors.upload(sm, logitRows)),
                            a.of(config.numHeads(), config.numKvHeads(), config.headDim(), past, causal ? 1 : 0),
                            kernelEps,
                            featureLayers == null ? noTaps : a.of(toLongs(featureLayers)));
            cache.advance(n);
            return out;
        }
    }

    private Logits logitsOf(NDManager sm, NDArray[] out, int[] featureLayers) {
        if (featureLayers != null) {
            return new Logits(sm, out[0], out[1], null);
        }
        // the module returns x / rms(x); its weight is applied when read (f32 folds it into the head)
        return new Logits(sm, out[0], out[1], w.headHoldsFinalNorm ? w.finalNorm : null);
    }

    /**
     * The same forward pass in DJL ops (f32 weights only): the reference the kernel module is tested against, and the
     * math the EAGLE heads run ({@code Decoder}).
     */
    Logits forwardReference(
            KvCache cache, int[] tokens, int[] positions, AttentionMask mask, int[] logitRows, int[] featureLayers) {
        if (precision != Precision.F32) {
            throw new IllegalStateException("the DJL reference path runs f32 weights only, this model is " + precision);
        }
        int n = tokens.length;
        cache.ensureRoom(n);
        int past = cache.length();
        int total = past + n;
        NDManager sm = manager.newSubManager();
        try {
            NDArray maskArr = decoder.mask(sm, mask, past, n);
            NDArray[] rope = decoder.rope(sm, positions);
            NDArray x = embed(sm, tokens);
            NDList tapped = featureLayers == null ? null : new NDList(featureLayers.length);
            for (int l = 0; l < w.layers.length; l++) {
                if (tapped != null) {
                    for (int f : featureLayers) {
                        if (f == l) {
                            tapped.add(x.duplicate());
                        }
                    }
                }
                x = decoder.layer(sm, l, w.layers[l], x, rope, maskArr, cache, total, n);
            }
            cache.advance(n);
            // every token's normalised state stays available (Logits.hidden: an EAGLE head's features); the
            // vocab-sized head runs on the logit rows only
            NDArray normed = decoder.rmsNorm(x);
            NDArray head =
                    logitRows == null ? normed : normed.get(new NDIndex("{}", DeviceTensors.upload(sm, logitRows)));
            NDArray logits = head.matMul(w.lmHeadT); // the final norm weight is folded into the head
            if (tapped != null) {
                return new Logits(sm, logits, NDArrays.concat(tapped, 1), null);
            }
            return new Logits(sm, logits, normed, w.finalNorm);
        } catch (RuntimeException e) {
            sm.close();
            throw e;
        }
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** The rows of the token embedding for {@code tokens}, in the step manager {@code sm}: {@code [n, hidden]}. */
    NDArray embed(NDManager sm, int[] tokens) {
        NDArray ids = DeviceTensors.upload(sm, tokens);
        if (precision.isHalf()) {
            return Kernels.get().embedRows(w.embed, ids, sm);
        }
        return w.embed.get(sm, new NDIndex("{}", ids));
    }

    /**
     * This model's lm_head applied to hidden states that are NOT normalised by its final norm ({@code [n, hidden]}):
     * what an EAGLE head's output goes through. The head weight holds the final norm folded in, so the norm weight is
     * divided out first ({@link EagleHead#load} refuses a target whose final norm weight has zeros). The result
     * attaches to {@code h}'s manager.
     */
    NDArray lmHeadOfUnnormalised(NDArray h) {
        NDArray in = w.headHoldsFinalNorm ? h.div(w.finalNorm) : h;
        if (precision.isHalf()) {
            return Kernels.get().project(in, w.lmHeadT, h.getManager());
        }
        return in.matMul(w.lmHeadT);
    }

    /**
     * The embedding table as loaded (f32, or a half dtype only the kernel module reads): what an EAGLE head embeds
     * with.
     */
    NDArray embedTable() {
        return w.embed;
    }

    /** The lm_head as the kernel module reads it (f32 {@code Wᵀ}, half {@code W}, or packed bf16). */
    NDArray lmHeadWeight() {
        return w.lmHeadT;
    }

    /**
     * What an unnormalised hidden state is divided by before {@link #lmHeadWeight} (the final norm weight, when the
     * head holds it folded in), or {@code null}: see {@link #lmHeadOfUnnormalised}.
     */
    NDArray lmHeadDivisor() {
        return w.headHoldsFinalNorm ? w.finalNorm : null;
    }

    /** Index of the first zero in the final norm weight, or -1. */
    long firstZeroInFinalNorm() {
        float[] g = DeviceTensors.readFloats(w.finalNorm);
        for (int i = 0; i < g.length; i++) {
            if (g[i] == 0f) {
                return i;
            }
        }
        return -1;
    }

    /** Live arrays in the weights tier; constant after loading. */
    public int liveWeightArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        for (IValue v : new IValue[] {kernelEmbed, kernelLayers, kernelFinalNorm, kernelHead, kernelEps, noTaps}) {
            v.close();
        }
        manager.close();
    }
}
