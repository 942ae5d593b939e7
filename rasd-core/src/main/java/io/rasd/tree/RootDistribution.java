package io.rasd.tree;

/**
 * The draft model's next-token distribution at the root, truncated to its {@code m} most likely tokens (best first).
 * Pruning asks it how plausible a retrieved continuation's first token is; the full vocabulary never leaves the device.
 */
public record RootDistribution(int[] ids, float[] probs) {

    public RootDistribution {
        if (ids.length != probs.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + probs.length + " probabilities");
        }
    }

    /** Rank of {@code token} (0 = most likely), or -1 when it is not among the kept top-m. */
    public int rank(int token) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == token) {
                return i;
            }
        }
        return -1;
    }

    /** Probability of {@code token}, or 0 when it is outside the kept top-m. */
    public double prob(int token) {
        int r = rank(token);
        return r < 0 ? 0 : probs[r];
    }
}
