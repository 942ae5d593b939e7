package io.rasd.bench;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The distinct-n-gram ratio of generated tokens: distinct n-grams over all n-grams. A looping model repeats itself, so
 * retrieval (which copies what came before) looks better than it is; benchmarks report this ratio beside every
 * speedup so a reader can tell a fast model from a repetitive one. 1.0 means no n-gram repeats.
 */
public final class DistinctNgrams {

    /** A count kept across outputs, so a task's ratio weighs each n-gram once, not each prompt equally. */
    private long total;

    private long distinct;
    private final int n;

    public DistinctNgrams(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1, got " + n);
        }
        this.n = n;
    }

    /** Counts the n-grams of one output; n-grams are distinct within that output (outputs are independent). */
    public void add(int[] tokens) {
        Set<List<Integer>> seen = new HashSet<>();
        for (int i = 0; i + n <= tokens.length; i++) {
            Integer[] gram = new Integer[n];
            for (int k = 0; k < n; k++) {
                gram[k] = tokens[i + k];
            }
            total++;
            if (seen.add(List.of(gram))) {
                distinct++;
            }
        }
    }

    /** Distinct over total n-grams, or 1.0 when no output was long enough to hold one. */
    public double ratio() {
        return total == 0 ? 1.0 : (double) distinct / total;
    }

    /** The ratio of a single output. */
    public static double of(int[] tokens, int n) {
        DistinctNgrams d = new DistinctNgrams(n);
        d.add(tokens);
        return d.ratio();
    }
}
