package io.rasd.retrieval;

import io.rasd.RasdException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt lookup decoding: the longest suffix of the context (from {@code nMax} tokens down to {@code nMin}) that also
 * occurs earlier in prompt + generated text proposes what followed it there. RAG answers copy their context a lot,
 * so this costs nothing and is often right.
 *
 * <p>Incremental: every appended token indexes the n-grams that end at it, so a lookup is a hash probe per n, not a
 * scan of the context.
 */
public final class PromptLookup {

    /** @param maxContinuation tokens proposed after a match (L); @param maxCandidates occurrences used, newest first */
    public record Config(int nMin, int nMax, int maxContinuation, int maxCandidates) {
        public Config {
            if (nMin < 1 || nMax < nMin) {
                throw new RasdException("prompt lookup: need 1 <= nMin <= nMax, got nMin=" + nMin + ", nMax=" + nMax);
            }
            if (maxContinuation < 1 || maxCandidates < 1) {
                throw new RasdException("prompt lookup: maxContinuation and maxCandidates must be >= 1");
            }
        }

        public static final Config DEFAULT = new Config(1, 4, 8, 4);
    }

    private final Config config;
    private int[] tokens = new int[256];
    private int length;
    /** Per n: hash of the n-gram ending at position p -> all such p, ascending. */
    private final List<Map<Long, int[]>> index = new ArrayList<>();

    public PromptLookup(Config config) {
        this.config = config;
        for (int n = 0; n <= config.nMax(); n++) {
            index.add(new HashMap<>());
        }
    }

    public Config config() {
        return config;
    }

    public int length() {
        return length;
    }

    public void append(int... newTokens) {
        for (int t : newTokens) {
            if (length == tokens.length) {
                tokens = Arrays.copyOf(tokens, length * 2);
            }
            tokens[length] = t;
            for (int n = config.nMin(); n <= config.nMax() && n <= length + 1; n++) {
                long h = hash(length - n + 1, n);
                index.get(n).merge(h, new int[] {1, length}, PromptLookup::appendPosition);
            }
            length++;
        }
    }

    /** Positions lists are stored as {@code [count, p0, p1, ...]} with spare capacity. */
    private static int[] appendPosition(int[] list, int[] single) {
        int count = list[0];
        if (count + 1 == list.length) {
            list = Arrays.copyOf(list, list.length * 2);
        }
        list[count + 1] = single[1];
        list[0] = count + 1;
        return list;
    }

    private long hash(int from, int n) {
        long h = 0x9E3779B97F4A7C15L * n;
        for (int i = from; i < from + n; i++) {
            h = (h ^ tokens[i]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        return h;
    }

    /**
     * Continuations for the current context, newest occurrence first, from the longest suffix length that matches
     * anywhere earlier. Each has 1..maxContinuation tokens; duplicates are dropped.
     */
    public List<int[]> propose() {
        List<int[]> out = new ArrayList<>();
        for (int n = Math.min(config.nMax(), length - 1); n >= config.nMin(); n--) {
            int suffixStart = length - n;
            int[] list = index.get(n).get(hash(suffixStart, n));
            if (list == null) {
                continue;
            }
            for (int i = list[0]; i >= 1 && out.size() < config.maxCandidates(); i--) {
                int end = list[i]; // the n-gram occupies [end-n+1, end]
                if (end >= length - 1 || !sameTokens(end - n + 1, suffixStart, n)) {
                    continue; // the suffix itself, or a hash collision
                }
                int to = Math.min(end + config.maxContinuation(), length - 1);
                int[] cont = Arrays.copyOfRange(tokens, end + 1, to + 1);
                if (cont.length > 0 && out.stream().noneMatch(c -> Arrays.equals(c, cont))) {
                    out.add(cont);
                }
            }
            if (!out.isEmpty()) {
                return out;
            }
        }
        return out;
    }

    private boolean sameTokens(int a, int b, int n) {
        for (int i = 0; i < n; i++) {
            if (tokens[a + i] != tokens[b + i]) {
                return false;
            }
        }
        return true;
    }
}
