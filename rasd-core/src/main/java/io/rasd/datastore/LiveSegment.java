package io.rasd.datastore;

import java.util.BitSet;

/**
 * A segment as one published state of the store sees it: which of its documents are removed (tombstones, skipped at
 * query time until a compaction rewrites the segment) and where it sits in the merge hierarchy. Never mutated: a
 * removal publishes a new instance with a copied bit set, so readers need no lock.
 */
record LiveSegment(DatastoreSegment segment, Kind kind, BitSet removed, int removedDocuments, long removedTokens) {

    enum Kind {
        /** Built in one go or opened from a file; only compaction rewrites it. */
        BASE,
        /** One document added at run time: searchable at once, merged in the background. */
        SMALL,
        /** The background merge's output; later merges absorb it when it is no more than twice their size. */
        MERGED
    }

    static LiveSegment of(DatastoreSegment segment, Kind kind) {
        return new LiveSegment(segment, kind, new BitSet(), 0, 0);
    }

    boolean isLive(int doc) {
        return !removed.get(doc);
    }

    int liveDocuments() {
        return segment.documentCount() - removedDocuments;
    }

    long liveTokens() {
        return segment.tokenCount() - removedTokens;
    }

    LiveSegment remove(int doc) {
        BitSet copy = (BitSet) removed.clone();
        copy.set(doc);
        return new LiveSegment(segment, kind, copy, removedDocuments + 1, removedTokens + segment.documentLength(doc));
    }
}
