package io.rasd.model;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * One variant of {@link bench.VariantBench}, loaded by that variant's class loader (compiled against the current
 * rasd-core; it only uses API every snapshot has). Times a forward of n random tokens as a chain tree after a fixed
 * random context, as verification does (n = 1 is a plain decoding step), including the argmax copy.
 */
public final class VariantRunner implements IntToDoubleFunction {

    private final CausalLm lm;
    private final KvCache cache;
    private final int context;
    private final int vocab;
    private final int[] prompt;
    private final SplittableRandom rnd = new SplittableRandom(7);

    public VariantRunner(String dir, Integer context) {
        // bench.dtype (f32, bf16, f16): the precision, for snapshots that have one (older ones never reach this branch)
        String dtype = System.getProperty("bench.dtype");
        this.lm = dtype == null
                ? CausalLm.load(Path.of(dir), Device.cpu(), 0)
                : CausalLm.load(Path.of(dir), LoadOptions.defaults().withDevice(Device.cpu())
                        .withPrecision(Precision.parse(dtype, "bench.dtype")));
        this.cache = lm.newCache();
        this.context = context;
        this.vocab = lm.config().vocabSize();
        SplittableRandom r = new SplittableRandom(42);
        this.prompt = new int[context];
        for (int i = 0; i < context; i++) {
            prompt[i] = r.nextInt(vocab);
        }
        lm.forward(cache, prompt).close();
    }

    @Override
    public double applyAsDouble(int n) {
        int[] tokens = new int[n];
        int[] pos = new int[n];
        int[] parents = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rnd.nextInt(vocab);
            pos[i] = context + i;
            parents[i] = i - 1;
        }
        long t0 = System.nanoTime();
        try (Logits l = lm.forward(cache, tokens, pos, AttentionMask.tree(parents), null)) {
            l.argmax();
        }
        long t1 = System.nanoTime();
        cache.truncate(context);
        return (t1 - t0) / 1e9;
    }

    /** 40 greedy tokens after the context, one plain step at a time: variants must agree. */
    @Override
    public String toString() {
        cache.truncate(context - 1);
        int token = prompt[context - 1];
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < 40; s++) {
            try (Logits l = lm.forward(cache, new int[] {token}, new int[] {cache.length()},
                    AttentionMask.tree(new int[] {-1}), null)) {
                token = l.argmax()[0];
            }
            sb.append(token).append(' ');
        }
        cache.truncate(context - 1);
        lm.forward(cache, new int[] {prompt[context - 1]}).close();
        return sb.toString();
    }
}
