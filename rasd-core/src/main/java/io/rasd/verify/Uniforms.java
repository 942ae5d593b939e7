package io.rasd.verify;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The uniform numbers a sampled generation consumes, one per emitted token, in emission order, with lookahead.
 *
 * <p>Why lookahead: batched sampling decides every tree row in one device call, before the walk knows which rows it
 * will visit. The row at depth {@code d} can only emit the {@code d}-th next token of the output, so it is given
 * {@link #peek peek(d)}; after the walk, {@link #consume} drops exactly the uniforms of the tokens emitted. The
 * uniforms peeked but not consumed are the next ones handed out, so token {@code n} of the output always gets the
 * {@code n}-th number of the generator, as in plain decoding: a seed gives the same tokens in every mode.
 */
public final class Uniforms {

    private final RandomGenerator rng;
    private double[] ahead = new double[8];
    private int start;
    private int count;

    public Uniforms(RandomGenerator rng) {
        this.rng = rng;
    }

    /** The uniform in [0, 1) of the {@code i}-th next emitted token (0: the next one); drawn once, kept until used. */
    public double peek(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("negative lookahead " + i);
        }
        while (count <= i) {
            if (start + count == ahead.length) {
                if (start > 0) {
                    System.arraycopy(ahead, start, ahead, 0, count);
                    start = 0;
                } else {
                    ahead = Arrays.copyOf(ahead, ahead.length * 2);
                }
            }
            ahead[start + count++] = rng.nextDouble();
        }
        return ahead[start + i];
    }

    /** Marks the next {@code n} uniforms as used by {@code n} emitted tokens. */
    public void consume(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative count " + n);
        }
        if (n > 0) {
            peek(n - 1); // drawn in order even where nobody peeked
        }
        start += n;
        count -= n;
    }
}
