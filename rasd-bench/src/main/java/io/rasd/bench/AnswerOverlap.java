package io.rasd.bench;

/**
 * How much of an answer quotes its reference: the share of the answer's words that lie in the longest common
 * subsequence of the answer's and the reference's words (whitespace-separated, compared exactly). 1.0: every word of
 * the answer appears in the reference in the same order (an extractive answer); an answer that makes things up or
 * loops scores low. Summed over a task's answers (words in the common subsequence over answer words), so a long
 * answer weighs more than a short one.
 */
public final class AnswerOverlap {

    private long quoted;
    private long words;

    /** Adds one answer and its reference section. */
    public void add(String answer, String reference) {
        String[] a = words(answer);
        String[] r = words(reference);
        quoted += lcs(a, r);
        words += a.length;
    }

    /** The share over every answer added; 0 when no answer had a word. */
    public double ratio() {
        return words == 0 ? 0 : (double) quoted / words;
    }

    /** The share for one answer. */
    public static double of(String answer, String reference) {
        AnswerOverlap o = new AnswerOverlap();
        o.add(answer, reference);
        return o.ratio();
    }

    private static String[] words(String text) {
        String t = text.strip();
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }

    /** Length of the longest common subsequence, in O(|a|·|b|) time and O(|b|) memory. */
    static int lcs(String[] a, String[] b) {
        int[] prev = new int[b.length + 1];
        int[] cur = new int[b.length + 1];
        for (String x : a) {
            for (int j = 1; j <= b.length; j++) {
                cur[j] = x.equals(b[j - 1]) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length];
    }
}
