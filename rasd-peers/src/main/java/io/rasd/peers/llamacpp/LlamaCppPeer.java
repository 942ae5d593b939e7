package io.rasd.peers.llamacpp;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.RawParameters;
import de.kherud.llama.args.CacheType;
import io.rasd.peers.Peer;
import io.rasd.peers.PeerGeneration;
import io.rasd.peers.gguf.GgufPrecision;
import java.nio.file.Path;

/**
 * llama.cpp's server loop (what de.kherud:llama wraps) on an f32 or f16 GGUF, optionally with a draft GGUF for its own
 * draft-model speculative decoding. Greedy (top-k 1, temperature 0), no stop at end-of-sequence, prompts as token ids.
 *
 * <p>The binding returns text only: no token ids and no draft statistics (llama.cpp's final timings carry them, but
 * de.kherud:llama 4.2.0 drops them), so the benchmark compares outputs as text.
 *
 * <p>The prompt cache is on: llama.cpp's speculative path only runs with it. It reuses the KV rows of the longest
 * prefix shared with the slot's previous request, so callers must give distinct prompts (the benchmark does).
 */
public final class LlamaCppPeer implements Peer {

    private final LlamaModel model;
    private final String name;
    private final boolean speculative;
    private final GgufPrecision precision;

    /**
     * @param precision what the GGUFs hold: f32 runs with an f32 KV cache (rasd's f32 math); f16 with llama.cpp's
     *     default f16 KV cache, as a llama.cpp user runs an f16 model (rasd's half types hold their cache in 2 bytes
     *     too)
     * @param context positions the context holds (the draft model's too)
     */
    LlamaCppPeer(Path gguf, Path draftGguf, int threads, GgufPrecision precision, int context) {
        CacheType cache = precision == GgufPrecision.F32 ? CacheType.F32 : CacheType.F16;
        ModelParameters p = new ModelParameters()
                .setModel(gguf.toString())
                .setThreads(threads)
                .setThreadsBatch(threads)
                .setCtxSize(context)
                .setParallel(1)
                .setGpuLayers(0)
                .disableLog()
                // llama.cpp keeps K and V in f16 by default; rasd in f32 keeps them in f32: compare the same math
                .setCacheTypeK(cache)
                .setCacheTypeV(cache);
        if (draftGguf != null) {
            // llama.cpp's own defaults for how far and how confidently to draft (n_max 16, n_min 0, p_min 0.75)
            p.setModelDraft(draftGguf.toString()).setCtxSizeDraft(context).setGpuLayersDraft(0);
        }
        this.model = new LlamaModel(p);
        this.speculative = draftGguf != null;
        this.precision = precision;
        this.name =
                "llama.cpp (de.kherud:llama 4.2.0, " + precision.label() + (speculative ? ", draft model" : "") + ")";
    }

    @Override
    public String dtype() {
        return precision.label();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PeerGeneration greedy(int[] prompt, int maxNewTokens) {
        InferenceParameters p = new InferenceParameters("")
                .setTemperature(0f)
                .setTopK(1)
                .setRepeatPenalty(1f)
                .setNPredict(maxNewTokens)
                .setIgnoreEos(true)
                .setCachePrompt(true);
        RawParameters.promptIds(p, prompt);
        StringBuilder text = new StringBuilder();
        long start = System.nanoTime();
        long first = 0;
        // streamed: llama.cpp's server sends each token as it is sampled, the first one right after the prompt's
        // batch and before any drafting
        for (LlamaOutput out : model.generate(p)) {
            if (first == 0) {
                first = System.nanoTime();
            }
            text.append(out.text);
        }
        long end = System.nanoTime();
        // n_predict with ignore_eos generates exactly maxNewTokens
        return new PeerGeneration(
                maxNewTokens, null, text.toString(), (end - start) / 1e9, ((first == 0 ? end : first) - start) / 1e9);
    }

    /** llama.cpp's own tokenization of {@code text} (no BOS), to check the exported vocabulary. */
    public int[] encode(String text) {
        return model.encode(text);
    }

    @Override
    public void close() {
        model.close();
    }
}
