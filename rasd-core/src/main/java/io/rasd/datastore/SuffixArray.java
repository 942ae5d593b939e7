package io.rasd.datastore;

/**
 * Suffix array construction over int32 token ids by prefix doubling with two counting-sort passes per round
 * (Manber–Myers with radix sort): O(n log L) time for a longest repeat L, three int arrays of memory. Rounds stop
 * as soon as every suffix has a distinct rank, so natural text needs far fewer than log n rounds.
 */
public final class SuffixArray {

    private SuffixArray() {}

    /** The starting positions of all suffixes of {@code s} in lexicographic order. */
    public static int[] build(int[] s) {
        int n = s.length;
        int[] sa = new int[n];
        if (n == 0) {
            return sa;
        }
        // initial ranks: token ids compressed to 0..k-1
        int max = 0;
        int min = Integer.MAX_VALUE;
        for (int t : s) {
            max = Math.max(max, t);
            min = Math.min(min, t);
        }
        if ((long) max - min + 1 > n) {
            // the counting sort needs an array as long as the id range: ids of a crafted file or a caller (found by
            // fuzzing: MIN_VALUE with positive ids overflowed the range into an ArrayIndexOutOfBoundsException; 0 and
            // 2^30 would ask for 4 GiB) are renumbered by sorting first, which keeps their order
            s = denseIds(s);
            min = 0;
            max = n - 1;
        }
        int[] rank = new int[n];
        int[] tmp = new int[n];
        int[] count = new int[Math.max(max - min + 1, n) + 1];
        for (int t : s) {
            count[t - min + 1]++;
        }
        for (int i = 1; i < count.length; i++) {
            count[i] += count[i - 1];
        }
        for (int i = 0; i < n; i++) {
            sa[count[s[i] - min]++] = i;
        }
        int classes = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && s[sa[i]] != s[sa[i - 1]]) {
                classes++;
            }
            rank[sa[i]] = classes;
        }
        classes++;
        for (int k = 1; classes < n; k <<= 1) {
            // order by the second key (rank of i + k; suffixes shorter than k come first)
            int p = 0;
            for (int i = n - k; i < n; i++) {
                tmp[p++] = i;
            }
            for (int j : sa) {
                if (j >= k) {
                    tmp[p++] = j - k;
                }
            }
            // stable counting sort by the first key
            java.util.Arrays.fill(count, 0, classes + 1, 0);
            for (int i = 0; i < n; i++) {
                count[rank[i] + 1]++;
            }
            for (int i = 1; i <= classes; i++) {
                count[i] += count[i - 1];
            }
            for (int i = 0; i < n; i++) {
                int j = tmp[i];
                sa[count[rank[j]]++] = j;
            }
            // new ranks
            tmp[sa[0]] = 0;
            classes = 1;
            for (int i = 1; i < n; i++) {
                int a = sa[i - 1];
                int b = sa[i];
                int ra = a + k < n ? rank[a + k] : -1;
                int rb = b + k < n ? rank[b + k] : -1;
                if (rank[a] != rank[b] || ra != rb) {
                    classes++;
                }
                tmp[b] = classes - 1;
            }
            int[] swap = rank;
            rank = tmp;
            tmp = swap;
        }
        return sa;
    }

    /** {@code s} with each id replaced by its rank among the distinct ids: same order, ids in 0..n-1. */
    private static int[] denseIds(int[] s) {
        int[] distinct = s.clone();
        java.util.Arrays.sort(distinct);
        int k = 0;
        for (int i = 0; i < distinct.length; i++) {
            if (i == 0 || distinct[i] != distinct[i - 1]) {
                distinct[k++] = distinct[i];
            }
        }
        int[] dense = new int[s.length];
        for (int i = 0; i < s.length; i++) {
            dense[i] = java.util.Arrays.binarySearch(distinct, 0, k, s[i]);
        }
        return dense;
    }
}
