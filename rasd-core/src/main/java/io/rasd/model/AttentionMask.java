package io.rasd.model;

import io.rasd.RasdException;

/**
 * Which keys each new token may attend to in one {@link CausalLm#forward} call. The cache splits in two: the first
 * {@code visiblePrefix} cached positions are seen by every new token (the committed context); the rest of the cache
 * plus the new tokens themselves form the "tail", whose visibility is explicit per new token. This covers plain causal
 * decoding, a token tree verified in one pass (each node sees its ancestors), and a draft tree grown over several
 * passes (nodes cached by earlier depths are visible only to their descendants).
 *
 * <p>{@code tail[i][j]}: new token {@code i} sees tail position {@code j}; tail positions are the cached positions
 * {@code visiblePrefix .. cacheLength-1} followed by the new tokens {@code 0 .. n-1}.
 */
public final class AttentionMask {

    private final int visiblePrefix;
    private final boolean[][] tail;
    private final int[] parents;

    private AttentionMask(int visiblePrefix, boolean[][] tail, int[] parents) {
        this.visiblePrefix = visiblePrefix;
        this.tail = tail;
        this.parents = parents;
    }

    private static final AttentionMask CAUSAL = new AttentionMask(-1, null, null);

    /** Every new token sees the whole cache, itself and the new tokens before it. */
    public static AttentionMask causal() {
        return CAUSAL;
    }

    /**
     * New tokens form a forest under the end of the cache: {@code parents[i]} is the index of token {@code i}'s parent
     * among the new tokens (it must come earlier), or -1 when its parent is the last cached token. Every new token sees
     * the whole cache, its ancestors and itself.
     */
    public static AttentionMask tree(int[] parents) {
        for (int i = 0; i < parents.length; i++) {
            if (parents[i] < -1 || parents[i] >= i) {
                throw new RasdException("tree mask: parents[" + i + "] = " + parents[i]
                        + "; expected -1 or an index of an earlier node (< " + i + ")");
            }
        }
        return new AttentionMask(-1, null, parents.clone());
    }

    /** Full control: see the class comment. */
    public static AttentionMask explicit(int visiblePrefix, boolean[][] tail) {
        if (visiblePrefix < 0) {
            throw new RasdException("attention mask: visiblePrefix must be >= 0, got " + visiblePrefix);
        }
        boolean[][] copy = new boolean[tail.length][];
        for (int i = 0; i < tail.length; i++) {
            copy[i] = tail[i].clone();
        }
        return new AttentionMask(visiblePrefix, copy, null);
    }

    /**
     * The additive mask over the {@code cacheLength + n} keys that follow {@link #prefixFor}: 0 where visible,
     * -inf where not; row-major {@code [n, tailWidth]}.
     */
    float[] tailValues(int cacheLength, int n) {
        int prefix = prefixFor(cacheLength);
        int width = cacheLength - prefix + n;
        float[] out = new float[n * width];
        int offset = cacheLength - prefix;
        if (tail != null) {
            if (tail.length != n) {
                throw new RasdException("attention mask has " + tail.length + " rows for " + n + " new tokens");
            }
            for (int i = 0; i < n; i++) {
                if (tail[i].length != width) {
                    throw new RasdException("attention mask row " + i + " has " + tail[i].length
                            + " columns; expected " + width + " (cached " + cacheLength + " - visible prefix "
                            + prefix + " + new " + n + ")");
                }
                if (!tail[i][offset + i]) {
                    throw new RasdException("attention mask: new token " + i + " must see itself");
                }
                for (int j = 0; j < width; j++) {
                    out[i * width + j] = tail[i][j] ? 0f : Float.NEGATIVE_INFINITY;
                }
            }
            return out;
        }
        java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            if (parents != null) {
                if (parents.length != n) {
                    throw new RasdException("tree mask has " + parents.length + " nodes for " + n + " new tokens");
                }
                for (int a = i; a >= 0; a = parents[a]) {
                    out[i * width + offset + a] = 0f;
                }
            } else {
                for (int j = 0; j <= i; j++) {
                    out[i * width + offset + j] = 0f;
                }
            }
        }
        return out;
    }

    /** How many cached positions every new token sees, given the cache length. */
    int prefixFor(int cacheLength) {
        if (visiblePrefix < 0) {
            return cacheLength;
        }
        if (visiblePrefix > cacheLength) {
            throw new RasdException(
                    "attention mask: visiblePrefix " + visiblePrefix + " exceeds the cache length " + cacheLength);
        }
        return visiblePrefix;
    }
}
