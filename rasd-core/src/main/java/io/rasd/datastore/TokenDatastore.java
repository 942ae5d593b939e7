package io.rasd.datastore;

import io.rasd.RasdException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable segment of the token datastore (the paper's REST-style retrieval source): documents' token ids
 * concatenated, their boundaries, and a suffix array over the whole. A query finds the longest suffix of the context
 * (nMax down to nMin tokens) that occurs in the store and returns what followed its occurrences, never crossing a
 * document boundary, counted by frequency.
 */
public final class TokenDatastore {

    /** @param maxOccurrences M, occurrences examined per query; @param maxContinuation L, tokens per continuation */
    public record QueryConfig(int nMin, int nMax, int maxOccurrences, int maxContinuation, int maxResults) {
        public QueryConfig {
            if (nMin < 1 || nMax < nMin || maxOccurrences < 1 || maxContinuation < 1 || maxResults < 1) {
                throw new RasdException("datastore query: need 1 <= nMin <= nMax and positive M, L and result count,"
                        + " got nMin=" + nMin + " nMax=" + nMax + " M=" + maxOccurrences + " L=" + maxContinuation
                        + " results=" + maxResults);
            }
        }

        public static final QueryConfig DEFAULT = new QueryConfig(2, 6, 64, 8, 8);
    }

    private final int[] tokens;
    /** docEnd[d] = one past the last token of document d; ascending. */
    private final int[] docEnds;
    private final int[] suffixArray;

    private TokenDatastore(int[] tokens, int[] docEnds, int[] suffixArray) {
        this.tokens = tokens;
        this.docEnds = docEnds;
        this.suffixArray = suffixArray;
    }

    /** Builds a segment from documents' token ids. */
    public static TokenDatastore build(List<int[]> documents) {
        long total = 0;
        for (int[] d : documents) {
            total += d.length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new RasdException("a datastore segment holds at most 2^31 tokens, got " + total);
        }
        int[] tokens = new int[(int) total];
        int[] ends = new int[documents.size()];
        int p = 0;
        for (int i = 0; i < documents.size(); i++) {
            int[] d = documents.get(i);
            System.arraycopy(d, 0, tokens, p, d.length);
            p += d.length;
            ends[i] = p;
        }
        return new TokenDatastore(tokens, ends, SuffixArray.build(tokens));
    }

    public int tokenCount() {
        return tokens.length;
    }

    public int documentCount() {
        return docEnds.length;
    }

    /** Continuations of the longest matching context suffix, most frequent first (ties: lexicographic). */
    public List<Continuation> query(int[] context, QueryConfig c) {
        for (int n = Math.min(c.nMax(), context.length); n >= c.nMin(); n--) {
            int from = context.length - n;
            int lo = lowerBound(context, from, n);
            int hi = upperBound(context, from, n, lo);
            if (lo >= hi) {
                continue;
            }
            Map<List<Integer>, Integer> counts = new HashMap<>();
            int occurrences = hi - lo;
            // more occurrences than M: take an even stride through the range so no lexicographic corner dominates
            int step = Math.max(1, occurrences / c.maxOccurrences());
            for (int i = lo, seen = 0; i < hi && seen < c.maxOccurrences(); i += step, seen++) {
                int start = suffixArray[i] + n;
                int end = Math.min(start + c.maxContinuation(), documentEnd(suffixArray[i]));
                if (end <= start) {
                    continue;
                }
                List<Integer> key = new ArrayList<>(end - start);
                for (int j = start; j < end; j++) {
                    key.add(tokens[j]);
                }
                counts.merge(key, 1, Integer::sum);
            }
            if (counts.isEmpty()) {
                continue;
            }
            List<Continuation> out = new ArrayList<>();
            counts.forEach((k, v) -> out.add(new Continuation(k.stream().mapToInt(Integer::intValue).toArray(), v)));
            out.sort((a, b) -> a.count() != b.count() ? Integer.compare(b.count(), a.count())
                    : Arrays.compare(a.tokens(), b.tokens()));
            return out.size() > c.maxResults() ? out.subList(0, c.maxResults()) : out;
        }
        return List.of();
    }

    /** End of the document holding {@code position}: the first boundary above it (empty documents repeat one). */
    private int documentEnd(int position) {
        int lo = 0;
        int hi = docEnds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (docEnds[mid] <= position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return docEnds[lo];
    }

    /** Compares the suffix at {@code pos} with {@code pattern[from, from+n)} on at most n tokens. */
    private int compare(int pos, int[] pattern, int from, int n) {
        for (int i = 0; i < n; i++) {
            if (pos + i >= tokens.length) {
                return -1;   // the suffix ended: it sorts first
            }
            int a = tokens[pos + i];
            int b = pattern[from + i];
            if (a != b) {
                return Integer.compare(a, b);
            }
        }
        return 0;
    }

    private int lowerBound(int[] pattern, int from, int n) {
        int lo = 0;
        int hi = suffixArray.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(suffixArray[mid], pattern, from, n) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private int upperBound(int[] pattern, int from, int n, int lo) {
        int hi = suffixArray.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(suffixArray[mid], pattern, from, n) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
