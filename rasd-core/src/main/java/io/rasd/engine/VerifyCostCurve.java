package io.rasd.engine;

import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Measured wall time of one target forward over {@code n} new tokens after a context of fixed length: the cost
 * curve t(n) that decides how large a speculation tree may be on this machine. On CPU it is far from flat
 * (docs/architecture.md §9), so tree sizes must come from measurement, not from GPU papers.
 *
 * @param sizes the n measured, ascending
 * @param seconds median seconds per forward for each n
 */
public record VerifyCostCurve(int contextLength, int[] sizes, double[] seconds) {

    /** t(n) / t(1); {@code sizes} must include 1. */
    public double ratio(int n) {
        return seconds[indexOf(n)] / seconds[indexOf(1)];
    }

    /**
     * Seconds of one forward over {@code n} tokens, interpolated linearly between measured sizes (and extrapolated
     * from the last two beyond the largest).
     */
    public double secondsFor(int n) {
        if (n <= sizes[0]) {
            return seconds[0];
        }
        for (int i = 1; i < sizes.length; i++) {
            if (n <= sizes[i]) {
                double f = (double) (n - sizes[i - 1]) / (sizes[i] - sizes[i - 1]);
                return seconds[i - 1] + f * (seconds[i] - seconds[i - 1]);
            }
        }
        int last = sizes.length - 1;
        if (last == 0) {
            return seconds[0] * n / sizes[0];
        }
        double slope = (seconds[last] - seconds[last - 1]) / (sizes[last] - sizes[last - 1]);
        return seconds[last] + slope * (n - sizes[last]);
    }

    private int indexOf(int n) {
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == n) {
                return i;
            }
        }
        throw new IllegalArgumentException("n = " + n + " was not measured; sizes " + Arrays.toString(sizes));
    }

    /**
     * Times {@code repeats} forwards of each size against a cached random context, as a chain tree (the mask costs
     * the same for any tree shape), and takes the median. Sizes are interleaved round-robin after a warm-up of at
     * least a second: the first few dozen forwards of a fresh engine are several times slower, and measuring one size
     * after another would charge that to whichever came first.
     */
    public static VerifyCostCurve measure(CausalLm lm, int contextLength, int[] sizes, int repeats) {
        SplittableRandom rnd = new SplittableRandom(42);
        int vocab = lm.config().vocabSize();
        int[] context = new int[contextLength];
        for (int i = 0; i < context.length; i++) {
            context[i] = rnd.nextInt(vocab);
        }
        double[][] times = new double[sizes.length][repeats];
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, context).close();
            long warmUntil = System.nanoTime() + 1_000_000_000L;
            for (int w = 0; w < 10 || System.nanoTime() < warmUntil; w++) {
                for (int n : sizes) {
                    time(lm, cache, contextLength, n, rnd, vocab);
                }
            }
            for (int r = 0; r < repeats; r++) {
                for (int s = 0; s < sizes.length; s++) {
                    times[s][r] = time(lm, cache, contextLength, sizes[s], rnd, vocab);
                }
            }
        }
        double[] out = new double[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            Arrays.sort(times[s]);
            out[s] = times[s][repeats / 2];
        }
        // more tokens never cost less: a median above a larger size's is noise (another process took the CPU), so
        // keep the lower envelope
        for (int s = sizes.length - 2; s >= 0; s--) {
            out[s] = Math.min(out[s], out[s + 1]);
        }
        return new VerifyCostCurve(contextLength, sizes.clone(), out);
    }

    private static double time(CausalLm lm, KvCache cache, int contextLength, int n, SplittableRandom rnd, int vocab) {
        int[] tokens = new int[n];
        int[] pos = new int[n];
        int[] parents = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rnd.nextInt(vocab);
            pos[i] = contextLength + i;
            parents[i] = i - 1;
        }
        long t0 = System.nanoTime();
        try (Logits l = lm.forward(cache, tokens, pos, AttentionMask.tree(parents), null)) {
            l.argmax(); // verification copies the argmax ids out; include it
        }
        long t1 = System.nanoTime();
        cache.truncate(contextLength);
        return (t1 - t0) / 1e9;
    }
}
