package io.rasd.engine;

import java.util.List;

/**
 * Turns the detokenizer's text deltas into output that never shows a stop string: it holds back only the end of the
 * text that is the beginning of some stop string (it may still become one), and cuts the text where a stop string
 * first appears, that is at the start of the first occurrence to be completed (so the cut does not depend on how
 * the text was split into deltas).
 *
 * <p>Each stop string runs a Knuth-Morris-Pratt matcher over the text as it arrives: a delta costs time linear in
 * its length times the number of stop strings, however long the stop strings or the text, and what is held back is
 * exactly the longest partial match.
 */
final class StopStringFilter {

    private final String[] stops;
    /** Per stop string, KMP's failure function: {@code fail[s][i]} = longest proper border of its first i+1 chars. */
    private final int[][] fail;
    /** Per stop string, how many of its first chars end the text now. */
    private final int[] matched;

    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops.toArray(new String[0]);
        this.fail = new int[this.stops.length][];
        this.matched = new int[this.stops.length];
        for (int s = 0; s < this.stops.length; s++) {
            fail[s] = failureFunction(this.stops[s]);
        }
    }

    private static int[] failureFunction(String p) {
        int[] f = new int[p.length()];
        for (int i = 1, k = 0; i < p.length(); i++) {
            while (k > 0 && p.charAt(i) != p.charAt(k)) {
                k = f[k - 1];
            }
            if (p.charAt(i) == p.charAt(k)) {
                k++;
            }
            f[i] = k;
        }
        return f;
    }

    /** Adds a delta; returns the text that is now safe to show. After a stop string, returns only what precedes it. */
    String accept(String delta) {
        if (stopped || delta.isEmpty()) {
            return "";
        }
        int start = text.length();
        text.append(delta);
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            int cut = -1;
            for (int s = 0; s < stops.length; s++) {
                String p = stops[s];
                int k = matched[s];
                while (k > 0 && (k == p.length() || p.charAt(k) != c)) {
                    k = fail[s][k - 1];
                }
                if (p.charAt(k) == c) {
                    k++;
                }
                matched[s] = k;
                if (k == p.length() && (cut < 0 || i + 1 - k < cut)) {
                    cut = i + 1 - k; // of the stop strings completed by this char, the longest starts first
                }
            }
            if (cut >= 0) {
                stopped = true;
                text.setLength(cut);
                return release(cut);
            }
        }
        int held = 0;
        for (int k : matched) {
            held = Math.max(held, k);
        }
        int safe = text.length() - held;
        if (safe > emitted && Character.isHighSurrogate(text.charAt(safe - 1))) {
            safe--; // never split a surrogate pair
        }
        return release(safe);
    }

    /** The end of generation: everything held back is safe now. */
    String finish() {
        return release(text.length());
    }

    boolean stopped() {
        return stopped;
    }

    String text() {
        return text.toString();
    }

    private String release(int upTo) {
        if (upTo <= emitted) {
            return "";
        }
        String out = text.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }
}
