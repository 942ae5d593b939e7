package io.rasd.model;

/** RoPE position ids. */
public final class Positions {

    private Positions() {}

    /** {@code from, from + 1, ..., from + n - 1}: the positions of {@code n} tokens read in order after {@code from}. */
    public static int[] consecutive(int from, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = from + i;
        }
        return p;
    }
}
