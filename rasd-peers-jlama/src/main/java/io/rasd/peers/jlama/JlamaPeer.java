package io.rasd.peers.jlama;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.safetensors.Config;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.PanamaTensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperations;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.MachineSpec;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import io.rasd.RasdException;
import io.rasd.peers.Peer;
import io.rasd.peers.PeerGeneration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * One HF Llama checkpoint loaded by jlama 0.8.4, decoded greedily from token ids.
 *
 * <p>What runs is what jlama's own {@code AbstractModel.generate} runs per request, minus its tokenizer and its stop
 * at end-of-sequence: the prompt through {@code batchForward} (one batched pass per 256 tokens), then one
 * {@code forward} per token, each followed by {@code sample} at temperature 0 (jlama's argmax over the output
 * projection), in a new KV buffer. jlama's tokenizer is skipped so that every engine sees the very same ids.
 *
 * <p>Precision: working memory (activations, KV cache) is f32, nothing is quantized, and bf16/f16 weights are widened
 * to f32 at load as rasd does ({@link WidenedWeights}), so both engines do the same f32 arithmetic and differ only in
 * summation order.
 *
 * <p>Not thread-safe within one instance (jlama's attention keeps per-layer scratch arrays): {@link #greedy} is
 * synchronized.
 */
public final class JlamaPeer implements Peer {

    static final String JLAMA_VERSION = "0.8.4";

    /** Read once, in TensorOperationsProvider's static initializer. */
    static final String FORCE_PANAMA = "jlama.force_panama_tensor_operations";

    private final AbstractModel model;
    private final Config config;
    private final Path kvDirectory;
    private final UUID session = UUID.randomUUID();
    private final String name;

    private JlamaPeer(AbstractModel model, Path kvDirectory, String name) {
        this.model = model;
        this.config = model.getConfig();
        this.kvDirectory = kvDirectory;
        this.name = name;
    }

    /**
     * @param threads jlama's compute threads; jlama fixes them once per JVM (see {@link #useThreads}), so a second
     *     peer asking for another count runs with the first one's, and says so in its {@link #name()}
     */
    static JlamaPeer open(Path dir, int threads) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new RasdException("jlama: " + dir + " is not a HF checkpoint directory (no config.json)");
        }
        JlamaConfigCheck.check(dir);
        // jlama's native batched kernels give wrong results for some batch sizes; the Panama (Vector API) path is
        // the one checked against rasd. Only effective before jlama's TensorOperationsProvider is first used.
        if (System.getProperty(FORCE_PANAMA) == null) {
            System.setProperty(FORCE_PANAMA, "true");
        }
        int running = useThreads(threads);
        Path kv;
        try {
            // jlama keeps a session's KV cache in memory-mapped page files under the model's working directory
            // (given none, loadModel makes a temp dir and leaves the page files behind): ours is deleted on close.
            kv = Files.createTempDirectory("rasd-jlama-kv");
        } catch (IOException e) {
            throw new UncheckedIOException("jlama: cannot create a folder for its KV cache pages", e);
        }
        AbstractModel model;
        try {
            // f32 working memory (activations, KV cache), nothing quantized, and bf16/f16 weights widened to f32 as
            // they load (see WidenedWeights for why jlama's own bf16 paths are not an option here)
            model = ModelSupport.loadModel(
                    AbstractModel.InferenceType.FULL_GENERATION,
                    dir.toFile(),
                    kv.toFile(),
                    DType.F32,
                    DType.F32,
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    f -> new WidenedWeights(SafeTensorSupport.loadWeights(f)));
        } catch (RuntimeException e) {
            deleteTree(kv);
            throw new RasdException("jlama could not load " + dir + ": " + e.getMessage(), e);
        }
        try {
            checkVectorMultiples(model.getConfig(), dir);
        } catch (RasdException e) {
            closeQuietly(model);
            deleteTree(kv);
            throw e;
        }
        TensorOperations ops = TensorOperationsProvider.get();
        String kernels = ops instanceof PanamaTensorOperations ? "panama" : ops.name();
        String note =
                threads > 0 && running != Math.min(threads, Runtime.getRuntime().availableProcessors())
                        ? ", " + running + " threads (jlama's thread count is fixed per JVM)"
                        : "";
        return new JlamaPeer(model, kv, "jlama " + JLAMA_VERSION + " (f32, " + kernels + note + ")");
    }

    /**
     * jlama's f32 kernels walk a row one vector at a time with no scalar tail (and with the Vector API's bounds checks
     * off): a dimension that is not a multiple of the vector's float count would read past its row and give wrong
     * numbers without an error. Refuse such a model instead.
     */
    private static void checkVectorMultiples(Config c, Path dir) {
        int lanes = switch (MachineSpec.VECTOR_TYPE) {
            case AVX_512 -> 16;
            case AVX_256 -> 8;
            case ARM_128 -> 4;
            case NONE -> 1;
        };
        int[] dims = {c.embeddingLength, c.hiddenLength, c.headSize};
        String[] names = {"hidden_size", "intermediate_size", "head size"};
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] % lanes != 0) {
                throw new RasdException("jlama cannot run " + dir + " on this CPU: its " + names[i] + " (" + dims[i]
                        + ") is not a multiple of " + lanes + ", the floats in one of its vectors, and its kernels"
                        + " have no tail loop");
            }
        }
    }

    /**
     * jlama runs every parallel matmul and attention loop on one process-wide ForkJoinPool
     * ({@code PhysicalCoreExecutor}), sized by default to half the logical processors (at least 2). Its size can be set
     * once, before first use ({@code overrideThreadCount}; {@code ModelSupport.loadModel}'s threadCount argument does
     * the same and throws the second time). Returns the size the pool runs with.
     */
    static synchronized int useThreads(int threads) {
        if (threads > 0) {
            try {
                // jlama asserts 0 < n <= availableProcessors
                PhysicalCoreExecutor.overrideThreadCount(
                        Math.min(threads, Runtime.getRuntime().availableProcessors()));
            } catch (IllegalStateException alreadyStarted) {
                // fixed by an earlier peer (or jlama use) in this JVM: keep it
            }
        }
        return PhysicalCoreExecutor.instance.get().getCoreCount();
    }

    @Override
    public String name() {
        return name;
    }

    /** jlama's compute threads (its executor's parallelism). */
    public int threads() {
        return PhysicalCoreExecutor.instance.get().getCoreCount();
    }

    /** Where jlama maps its KV page files (a temp folder of this peer's, deleted on close). */
    Path kvDirectory() {
        return kvDirectory;
    }

    @Override
    public PeerGeneration greedy(int[] prompt, int maxNewTokens) {
        return decode(prompt, maxNewTokens, null);
    }

    /**
     * Greedy decoding, timed from the call to the first token and to the last; with {@code logitsOut} (length {@code maxNewTokens})
     * also the logits each token was chosen from (a copy per step, for tests that look at near ties, not for timing).
     */
    synchronized PeerGeneration decode(int[] prompt, int maxNewTokens, float[][] logitsOut) {
        long start = System.nanoTime();
        check(prompt, maxNewTokens);
        int[] out = new int[maxNewTokens];
        long end;
        long first;
        // A KV buffer of its own per call, closed with it (the model's own cache would keep every session's buffer
        // for the life of the model). Its page files are this peer's, reused from call to call: a new session id
        // per call would map new files each time, and their pages stay resident until the GC unmaps the old
        // mappings. What a previous call left in them is never read: every position is written, by this call's
        // prefill or decoding step, before attention reads it.
        try (KvBufferCache cache = new KvBufferCache(model);
                KvBufferCache.KvBuffer kv = cache.getKvBuffer(session);
                AbstractTensor logits = model.makeDenseTensor(config.vocabularySize)) {
            AbstractTensor last = model.batchForward(prompt, 0, kv);
            // as generate: the last row of the batch's output predicts the first new token
            int next = model.sample(last.slice(last.shape().first() - 1), 0f, 0f, logits);
            last.close();
            record(logitsOut, 0, logits);
            out[0] = next;
            first = System.nanoTime();
            for (int i = 1; i < maxNewTokens; i++) {
                AbstractTensor output = model.forward(next, prompt.length + i - 1, kv, Optional.empty());
                next = model.sample(output, 0f, 0f, logits);
                output.close();
                kv.incrementContextPosition();
                record(logitsOut, i, logits);
                out[i] = next;
            }
            end = System.nanoTime();
        }
        return new PeerGeneration(out, (end - start) / 1e9, (first - start) / 1e9);
    }

    private void check(int[] prompt, int maxNewTokens) {
        if (prompt == null || prompt.length == 0) {
            throw new RasdException("jlama: the prompt is empty");
        }
        if (maxNewTokens < 1) {
            throw new RasdException("jlama: max new tokens must be >= 1, got " + maxNewTokens);
        }
        // jlama sizes its RoPE table and KV pages by max_position_embeddings and does not check positions
        if (prompt.length + maxNewTokens > config.contextLength) {
            throw new RasdException("jlama: " + prompt.length + " prompt tokens + " + maxNewTokens
                    + " new ones exceed the model's context of " + config.contextLength);
        }
        for (int id : prompt) {
            if (id < 0 || id >= config.vocabularySize) {
                throw new RasdException(
                        "jlama: token id " + id + " is outside the vocabulary [0, " + config.vocabularySize + ")");
            }
        }
    }

    private void record(float[][] logitsOut, int step, AbstractTensor logits) {
        if (logitsOut == null) {
            return;
        }
        float[] row = new float[config.vocabularySize];
        for (int v = 0; v < row.length; v++) {
            row[v] = logits.get(0, v);
        }
        logitsOut[step] = row;
    }

    @Override
    public synchronized void close() {
        try {
            model.close();
            model.getWeights().close();
        } catch (Exception e) {
            throw new RasdException("jlama: closing the model failed: " + e.getMessage(), e);
        } finally {
            deleteTree(kvDirectory);
        }
    }

    private static void closeQuietly(AbstractModel model) {
        try {
            model.close();
            model.getWeights().close();
        } catch (Exception e) {
            // already failing with a better message
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a leftover temp folder is not worth failing a benchmark for
        }
    }
}
