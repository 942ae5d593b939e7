package io.rasd.datastore;

import io.rasd.RasdException;
import java.util.List;

/**
 * An immutable segment of the token datastore: documents' token ids concatenated, where each document ends, the
 * documents' ids, and a suffix array over the whole. Heap-backed when built in this process, memory-mapped when
 * opened from a {@link DatastoreFile}; either way nothing changes after construction, so any number of threads may
 * search it. Removal is not the segment's business: {@link TokenDatastore} skips removed documents by index.
 */
final class DatastoreSegment {

    /** Suffix array positions are int32, and Java arrays stop a few elements short of 2^31. */
    static final int MAX_TOKENS = Integer.MAX_VALUE - 8;

    private final IntSequence tokens;
    /** docEnds[d] = one past the last token of document d; ascending (empty documents repeat a value). */
    private final IntSequence docEnds;

    private final IntSequence suffixArray;
    private final String[] docIds;

    DatastoreSegment(IntSequence tokens, IntSequence docEnds, IntSequence suffixArray, String[] docIds) {
        this.tokens = tokens;
        this.docEnds = docEnds;
        this.suffixArray = suffixArray;
        this.docIds = docIds;
    }

    /** Builds a heap segment, suffix array included, from concatenated tokens (taken, not copied). */
    static DatastoreSegment build(int[] tokens, int[] docEnds, String[] docIds) {
        return new DatastoreSegment(
                IntSequence.of(tokens), IntSequence.of(docEnds), IntSequence.of(SuffixArray.build(tokens)), docIds);
    }

    /** Builds a heap segment from documents in order, copying their tokens. */
    static DatastoreSegment build(List<String> ids, List<int[]> documents) {
        long total = 0;
        for (int[] d : documents) {
            total += d.length;
        }
        checkSize(total);
        int[] tokens = new int[(int) total];
        int[] ends = new int[documents.size()];
        int p = 0;
        for (int i = 0; i < documents.size(); i++) {
            int[] d = documents.get(i);
            System.arraycopy(d, 0, tokens, p, d.length);
            p += d.length;
            ends[i] = p;
        }
        return build(tokens, ends, ids.toArray(String[]::new));
    }

    static void checkSize(long tokens) {
        if (tokens > MAX_TOKENS) {
            throw new RasdException("a token datastore holds at most " + MAX_TOKENS + " tokens, got " + tokens);
        }
    }

    int tokenCount() {
        return tokens.length();
    }

    int documentCount() {
        return docIds.length;
    }

    String documentId(int doc) {
        return docIds[doc];
    }

    int documentStart(int doc) {
        return doc == 0 ? 0 : docEnds.get(doc - 1);
    }

    int documentEnd(int doc) {
        return docEnds.get(doc);
    }

    int documentLength(int doc) {
        return documentEnd(doc) - documentStart(doc);
    }

    /** Copies document {@code doc}'s tokens into {@code dst} at {@code offset}. */
    void copyDocument(int doc, int[] dst, int offset) {
        int start = documentStart(doc);
        tokens.copyTo(start, dst, offset, documentEnd(doc) - start);
    }

    IntSequence tokens() {
        return tokens;
    }

    IntSequence suffixArray() {
        return suffixArray;
    }

    IntSequence docEnds() {
        return docEnds;
    }

    boolean isMapped() {
        return tokens.isMapped();
    }

    int token(int position) {
        return tokens.get(position);
    }

    /** The text position of the {@code rank}-th smallest suffix. */
    int suffix(int rank) {
        return suffixArray.get(rank);
    }

    /** The document holding {@code position}: the first whose end lies above it (empty documents never do). */
    int documentOf(int position) {
        int lo = 0;
        int hi = docIds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (docEnds.get(mid) <= position) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First suffix-array rank whose suffix starts with {@code pattern[from, from+n)} or sorts after it. */
    int lowerBound(int[] pattern, int from, int n) {
        int lo = 0;
        int hi = suffixArray.length();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(suffixArray.get(mid), pattern, from, n) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First rank at or after {@code lo} whose suffix sorts after every suffix starting with the pattern. */
    int upperBound(int[] pattern, int from, int n, int lo) {
        int hi = suffixArray.length();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(suffixArray.get(mid), pattern, from, n) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Compares the suffix at {@code pos} with {@code pattern[from, from+n)} on at most n tokens. A position outside
     * the tokens (only a crafted or damaged file holds one: checksums prove integrity, not sense) compares as an
     * empty suffix; found by fuzzing, it was read as a token index (IndexOutOfBoundsException).
     */
    private int compare(int pos, int[] pattern, int from, int n) {
        int length = tokens.length();
        for (int i = 0; i < n; i++) {
            if (pos < 0 || i >= length - pos) {
                return -1; // the suffix ended: it sorts first
            }
            int a = tokens.get(pos + i);
            int b = pattern[from + i];
            if (a != b) {
                return Integer.compare(a, b);
            }
        }
        return 0;
    }
}
