package io.rasd.datastore;

import io.rasd.RasdException;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The token datastore (the paper's REST-style retrieval source): documents' token ids in suffix-array segments. A
 * query finds the longest suffix of the context (nMax down to nMin tokens) that occurs in any live document and
 * returns what followed its occurrences, never crossing a document boundary, counted by frequency.
 *
 * <p>The store is a list of immutable segments: one or more base segments (built in one go or memory-mapped from a
 * {@link DatastoreFile}), plus one small segment per document added at run time, which a single background thread
 * merges into larger ones. Removal marks a document dead in its segment (a tombstone); compaction rewrites a segment
 * once a quarter of its tokens are dead. Writers publish a new immutable {@code Snapshot} under a lock; queries
 * read the current snapshot and never wait, not even while a merge builds a suffix array.
 */
public final class TokenDatastore implements AutoCloseable {

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

    /**
     * When the background thread merges.
     *
     * @param maxSmallSegments  merge once this many run-time documents wait in their own small segments: every
     *                          segment costs each query a binary search per match length
     * @param maxSmallTokens    merge once the small segments hold this many tokens
     * @param compactAtRemoved  rewrite a segment without its removed documents once this fraction of its tokens is
     *                          removed (sampling by stride wastes its M probes on dead occurrences otherwise)
     */
    public record MergePolicy(int maxSmallSegments, int maxSmallTokens, double compactAtRemoved) {
        public MergePolicy {
            if (maxSmallSegments < 1 || maxSmallTokens < 1 || !(compactAtRemoved > 0 && compactAtRemoved <= 1)) {
                throw new RasdException("datastore merge policy: need positive segment and token limits and a"
                        + " compaction fraction in (0, 1], got " + maxSmallSegments + ", " + maxSmallTokens + ", "
                        + compactAtRemoved);
            }
        }

        public static final MergePolicy DEFAULT = new MergePolicy(16, 1 << 20, 0.25);
    }

    private static final Logger LOG = LoggerFactory.getLogger(TokenDatastore.class);

    /**
     * Adds wait for the running merge once this many times the policy's small segments queue up: a loop of adds
     * outpaces the merge thread (2000 adds queued 881 segments in the scale bench), and every segment costs each
     * query a binary search per match length. Queries never wait.
     */
    private static final int BACKPRESSURE_FACTOR = 4;

    /** What queries see; replaced whole by writers. */
    private record Snapshot(List<LiveSegment> segments, int tokens, int documents, int smallSegments) {
        static Snapshot of(List<LiveSegment> segments) {
            long tokens = 0;
            int documents = 0;
            int small = 0;
            for (LiveSegment s : segments) {
                tokens += s.liveTokens();
                documents += s.liveDocuments();
                small += s.kind() == LiveSegment.Kind.SMALL ? 1 : 0;
            }
            return new Snapshot(List.copyOf(segments), (int) tokens, documents, small);
        }
    }

    /** Where a live document is: its segment (by identity) and its index there. */
    private record Location(DatastoreSegment segment, int doc) {}

    /** A merge's inputs, fixed when it is scheduled. */
    private record MergePlan(List<LiveSegment> sources, LiveSegment.Kind kind) {}

    /** A merge's output and, for each of its documents, where it came from. */
    private record Merged(DatastoreSegment segment, Location[] origins) {}

    private volatile Snapshot snapshot;

    private final Object lock = new Object();
    // guarded by lock
    private final Map<String, Location> index = new HashMap<>();
    private final String tokenizerFingerprint;
    private MergePolicy mergePolicy = MergePolicy.DEFAULT;
    /** Adds and removals so far (merges do not count: they change no answer). */
    private long changes;
    /** Most live tokens run-time adds may bring the store to; bounds its memory (about 8 bytes per token). */
    private long maxTokens = Long.MAX_VALUE;

    private ExecutorService merger;
    private boolean merging;
    private Throwable mergeFailure;
    private boolean closed;

    private TokenDatastore(DatastoreSegment base, String tokenizerFingerprint) {
        this.tokenizerFingerprint = tokenizerFingerprint;
        List<LiveSegment> segments = new ArrayList<>();
        if (base != null && base.documentCount() > 0) {
            for (int d = 0; d < base.documentCount(); d++) {
                if (index.put(base.documentId(d), new Location(base, d)) != null) {
                    throw new RasdException("token datastore: document id \"" + base.documentId(d) + "\" occurs twice");
                }
            }
            segments.add(LiveSegment.of(base, LiveSegment.Kind.BASE));
        }
        this.snapshot = Snapshot.of(segments);
    }

    /** An empty store that documents are {@link #add added} to. */
    public static TokenDatastore empty() {
        return new TokenDatastore(null, null);
    }

    /** Builds a store from documents' token ids; document {@code i} gets the id {@code String.valueOf(i)}. */
    public static TokenDatastore build(List<int[]> documents) {
        List<String> ids = new ArrayList<>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            ids.add(String.valueOf(i));
        }
        return new TokenDatastore(DatastoreSegment.build(ids, documents), null);
    }

    /** Wraps one segment, e.g. the {@link DatastoreBuilder}'s. */
    static TokenDatastore of(DatastoreSegment segment) {
        return new TokenDatastore(segment, null);
    }

    /** Memory-maps a datastore file built with {@code tokenizer}'s vocabulary, verifying its checksum. */
    public static TokenDatastore open(Path file, Tokenizer tokenizer) {
        return open(
                file,
                tokenizer.fingerprint(),
                tokenizer.directory().toAbsolutePath().toString(),
                true);
    }

    /** Memory-maps a datastore file whose tokenizer must have {@code expectedFingerprint}, verifying its checksum. */
    public static TokenDatastore open(Path file, String expectedFingerprint) {
        return open(file, expectedFingerprint, null, true);
    }

    /**
     * Memory-maps a datastore file. Verification is one CRC32C pass over the file: 0.04 s for 100M tokens in the page
     * cache, 1.3 s from disk in the scale bench. Without it, a file damaged after it was written may answer queries
     * wrongly (never with an exception). A checksum proves integrity, not sense: a crafted file with valid checksums
     * opens too, and its garbage continuations only cost speed (the target model rejects them).
     */
    public static TokenDatastore open(Path file, String expectedFingerprint, boolean verifyChecksum) {
        return open(file, expectedFingerprint, null, verifyChecksum);
    }

    private static TokenDatastore open(Path file, String fingerprint, String tokenizerSource, boolean verify) {
        Objects.requireNonNull(fingerprint, "expectedFingerprint");
        return new TokenDatastore(DatastoreFile.open(file, fingerprint, tokenizerSource, verify), fingerprint);
    }

    /** Live tokens, removed documents excluded. */
    public int tokenCount() {
        return snapshot.tokens();
    }

    /** Live documents. */
    public int documentCount() {
        return snapshot.documents();
    }

    /** Segments a query searches now; grows with run-time adds until a merge. */
    public int segmentCount() {
        return snapshot.segments().size();
    }

    public boolean contains(String docId) {
        synchronized (lock) {
            return index.containsKey(docId);
        }
    }

    /** The ids of the live documents, a copy (e.g. to reconcile the store with the source it mirrors). */
    public Set<String> documentIds() {
        synchronized (lock) {
            return Set.copyOf(index.keySet());
        }
    }

    /** The tokens of live document {@code docId}, or null when there is none with this id. */
    public int[] document(String docId) {
        synchronized (lock) {
            Location at = index.get(docId);
            if (at == null) {
                return null;
            }
            int[] out = new int[at.segment().documentLength(at.doc())];
            at.segment().copyDocument(at.doc(), out, 0);
            return out;
        }
    }

    public void setMergePolicy(MergePolicy policy) {
        synchronized (lock) {
            this.mergePolicy = Objects.requireNonNull(policy);
            scheduleMergeIfDue();
        }
    }

    /**
     * Caps the live tokens that {@link #add} may bring the store to (default: only the file format's limit). Tokens
     * and suffix array take about 8 bytes per token, and a merge briefly needs as much again for the merged
     * segments, so this bounds the datastore's memory. An add beyond it fails with a {@link RasdException}; the store
     * is unchanged. Documents already in the store (e.g. of an opened file) are kept even when they exceed it.
     */
    public void setMaxTokens(long maxTokens) {
        if (maxTokens < 1) {
            throw new RasdException("datastore max tokens must be >= 1, got " + maxTokens);
        }
        synchronized (lock) {
            this.maxTokens = maxTokens;
        }
    }

    public long maxTokens() {
        return maxTokens;
    }

    /**
     * How many adds and removals the store has seen; it changes exactly when the answers may have. A persister
     * saves when it differs from the count at its last save.
     */
    public long changeCount() {
        synchronized (lock) {
            return changes;
        }
    }

    /** Adds a document, searchable when this returns; a document with the same id is replaced. */
    public void add(String docId, int[] tokens) {
        Objects.requireNonNull(docId, "docId");
        // the suffix array of one document is built before taking the lock: other writers do not wait for it
        DatastoreSegment small = DatastoreSegment.build(List.of(docId), List.of(tokens));
        synchronized (lock) {
            ensureOpen();
            while (merging && snapshot.smallSegments() >= BACKPRESSURE_FACTOR * mergePolicy.maxSmallSegments()) {
                waitForMerge();
                ensureOpen();
            }
            List<LiveSegment> segments = new ArrayList<>(snapshot.segments());
            Location old = index.get(docId);
            long total = (long) snapshot.tokens()
                    + tokens.length
                    - (old == null ? 0 : old.segment().documentLength(old.doc()));
            if (total > maxTokens) {
                throw new RasdException("The token datastore is full: adding document \"" + docId + "\" ("
                        + tokens.length + " tokens) would bring it to " + total + " tokens, over its limit of "
                        + maxTokens + "; remove documents or raise the limit");
            }
            // the whole store must fit one segment, the form save() writes
            DatastoreSegment.checkSize(total);
            if (old != null) {
                tombstone(segments, old);
            }
            segments.add(LiveSegment.of(small, LiveSegment.Kind.SMALL));
            index.put(docId, new Location(small, 0));
            snapshot = Snapshot.of(segments);
            changes++;
            scheduleMergeIfDue();
        }
    }

    /** Removes a document; false when there is none with this id. */
    public boolean remove(String docId) {
        synchronized (lock) {
            ensureOpen();
            Location old = index.remove(docId);
            if (old == null) {
                return false;
            }
            List<LiveSegment> segments = new ArrayList<>(snapshot.segments());
            tombstone(segments, old);
            snapshot = Snapshot.of(segments);
            changes++;
            scheduleMergeIfDue();
            return true;
        }
    }

    /** Removes every document, those of an opened file included (the file itself is left as it is). */
    public void removeAll() {
        synchronized (lock) {
            ensureOpen();
            index.clear();
            snapshot = Snapshot.of(List.of());
            changes++;
        }
    }

    /** Marks {@code where} removed in {@code segments}, dropping its segment once nothing in it is live. */
    private static void tombstone(List<LiveSegment> segments, Location where) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).segment() == where.segment()) {
                LiveSegment updated = segments.get(i).remove(where.doc());
                if (updated.liveDocuments() == 0) {
                    segments.remove(i);
                } else {
                    segments.set(i, updated);
                }
                return;
            }
        }
        throw new IllegalStateException("document index points to a segment that is not in the store");
    }

    /** Continuations of the longest matching context suffix, most frequent first (ties: lexicographic). */
    public List<Continuation> query(int[] context, QueryConfig c) {
        List<LiveSegment> segments = snapshot.segments();
        int k = segments.size();
        int[] lo = new int[k];
        int[] hi = new int[k];
        for (int n = Math.min(c.nMax(), context.length); n >= c.nMin(); n--) {
            int from = context.length - n;
            long total = 0;
            for (int s = 0; s < k; s++) {
                DatastoreSegment seg = segments.get(s).segment();
                lo[s] = seg.lowerBound(context, from, n);
                hi[s] = seg.upperBound(context, from, n, lo[s]);
                total += hi[s] - lo[s];
            }
            if (total == 0) {
                continue;
            }
            Map<TokenKey, Integer> counts = new HashMap<>();
            // more occurrences than M: an even stride through all segments' ranges taken as one, so no lexicographic
            // corner (and no segment) dominates
            long step = Math.max(1, total / c.maxOccurrences());
            int s = 0;
            long base = 0;
            for (long v = 0, seen = 0; v < total && seen < c.maxOccurrences(); v += step, seen++) {
                while (v >= base + (hi[s] - lo[s])) {
                    base += hi[s] - lo[s];
                    s++;
                }
                LiveSegment live = segments.get(s);
                DatastoreSegment seg = live.segment();
                int pos = seg.suffix(lo[s] + (int) (v - base));
                if (pos < 0 || pos >= seg.tokenCount()) {
                    continue; // a crafted file's suffix array (found by fuzzing: IndexOutOfBoundsException)
                }
                int doc = seg.documentOf(pos);
                if (!live.isLive(doc)) {
                    continue;
                }
                int start = pos + n;
                int end = Math.min(start + c.maxContinuation(), seg.documentEnd(doc));
                if (end <= start) {
                    continue; // the match runs to (or across) the end of its document
                }
                int[] cont = new int[end - start];
                for (int j = 0; j < cont.length; j++) {
                    cont[j] = seg.token(start + j);
                }
                counts.merge(new TokenKey(cont), 1, Integer::sum);
            }
            if (counts.isEmpty()) {
                continue;
            }
            List<Continuation> out = new ArrayList<>(counts.size());
            counts.forEach((key, count) -> out.add(new Continuation(key.tokens(), count)));
            out.sort((a, b) -> a.count() != b.count()
                    ? Integer.compare(b.count(), a.count())
                    : Arrays.compare(a.tokens(), b.tokens()));
            return out.size() > c.maxResults() ? out.subList(0, c.maxResults()) : out;
        }
        return List.of();
    }

    /** An int[] with value equality, for counting continuations. */
    private record TokenKey(int[] tokens) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TokenKey other && Arrays.equals(tokens, other.tokens);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(tokens);
        }

        @Override
        public String toString() {
            return Arrays.toString(tokens);
        }
    }

    /**
     * Writes the live documents as one segment file, atomically; the store itself is unchanged. Temporary files that
     * earlier saves of {@code file} left behind when their process was killed are removed once they are 10 minutes
     * old.
     */
    public void save(Path file, Tokenizer tokenizer) {
        save(
                file,
                tokenizer.fingerprint(),
                tokenizer.directory().toAbsolutePath().toString());
    }

    /** As {@link #save(Path, Tokenizer)}, for the tokenizer with this fingerprint. */
    public void save(Path file, String tokenizerFingerprint) {
        save(file, tokenizerFingerprint, null);
    }

    private void save(Path file, String fingerprint, String tokenizerSource) {
        Objects.requireNonNull(fingerprint, "tokenizerFingerprint");
        if (tokenizerFingerprint != null && !tokenizerFingerprint.equals(fingerprint)) {
            throw new RasdException("this token datastore was opened for the tokenizer with fingerprint "
                    + tokenizerFingerprint + "; saving it as built with " + fingerprint + " would mislabel it");
        }
        List<LiveSegment> segments = snapshot.segments();
        DatastoreSegment whole = segments.size() == 1 && segments.get(0).removedDocuments() == 0
                ? segments.get(0).segment()
                : merge(segments).segment();
        DatastoreFile.write(file, whole, fingerprint, tokenizerSource);
        StaleTempFiles.removeFor(file);
    }

    /** Concatenates the live documents of {@code sources} into one new heap segment. */
    private static Merged merge(List<LiveSegment> sources) {
        long tokens = 0;
        int documents = 0;
        for (LiveSegment s : sources) {
            tokens += s.liveTokens();
            documents += s.liveDocuments();
        }
        DatastoreSegment.checkSize(tokens);
        int[] concatenated = new int[(int) tokens];
        int[] ends = new int[documents];
        String[] ids = new String[documents];
        Location[] origins = new Location[documents];
        int p = 0;
        int j = 0;
        for (LiveSegment s : sources) {
            DatastoreSegment seg = s.segment();
            for (int d = 0; d < seg.documentCount(); d++) {
                if (s.isLive(d)) {
                    seg.copyDocument(d, concatenated, p);
                    p += seg.documentLength(d);
                    ends[j] = p;
                    ids[j] = seg.documentId(d);
                    origins[j] = new Location(seg, d);
                    j++;
                }
            }
        }
        return new Merged(DatastoreSegment.build(concatenated, ends, ids), origins);
    }

    // ---- background merging ----

    private void scheduleMergeIfDue() {
        if (merging || closed || mergeFailure != null) {
            return;
        }
        MergePlan plan = planMerge(snapshot.segments(), mergePolicy);
        if (plan == null) {
            return;
        }
        merging = true;
        if (merger == null) {
            merger = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "rasd-datastore-merge");
                t.setDaemon(true);
                return t;
            });
        }
        merger.execute(() -> runMerge(plan));
    }

    /** Small segments when there are too many, else the first segment due for compaction; null when none is due. */
    private static MergePlan planMerge(List<LiveSegment> segments, MergePolicy policy) {
        int small = 0;
        long smallTokens = 0;
        for (LiveSegment s : segments) {
            if (s.kind() == LiveSegment.Kind.SMALL) {
                small++;
                smallTokens += s.liveTokens();
            }
        }
        if (small >= policy.maxSmallSegments() || (small > 0 && smallTokens >= policy.maxSmallTokens())) {
            Set<LiveSegment> chosen = Collections.newSetFromMap(new IdentityHashMap<>());
            long size = smallTokens;
            // size-tiered: absorb earlier merge outputs, newest first, while they are no more than twice the merge so
            // far; the number of merged segments then grows with the logarithm of the tokens added
            for (int i = segments.size() - 1; i >= 0; i--) {
                LiveSegment s = segments.get(i);
                if (s.kind() == LiveSegment.Kind.SMALL) {
                    chosen.add(s);
                } else if (s.kind() == LiveSegment.Kind.MERGED && s.liveTokens() <= 2 * size) {
                    chosen.add(s);
                    size += s.liveTokens();
                } else {
                    break;
                }
            }
            // smalls added before a BASE segment cannot exist (BASE segments come first), so none is left behind
            List<LiveSegment> sources = new ArrayList<>();
            for (LiveSegment s : segments) {
                if (chosen.contains(s)) {
                    sources.add(s);
                }
            }
            return new MergePlan(sources, LiveSegment.Kind.MERGED);
        }
        for (LiveSegment s : segments) {
            if (s.removedDocuments() > 0
                    && s.removedTokens()
                            >= policy.compactAtRemoved() * s.segment().tokenCount()) {
                return new MergePlan(
                        List.of(s), s.kind() == LiveSegment.Kind.SMALL ? LiveSegment.Kind.MERGED : s.kind());
            }
        }
        return null;
    }

    private void runMerge(MergePlan plan) {
        Throwable failure = null;
        try {
            Merged merged = merge(plan.sources()); // the expensive part, off the lock
            synchronized (lock) {
                if (!closed) {
                    install(plan, merged);
                }
            }
        } catch (Throwable t) { // an OutOfMemoryError included: the store stays correct, only unmerged
            failure = t;
            LOG.warn("background merge of the token datastore failed; further merges are off", t);
        } finally {
            synchronized (lock) {
                merging = false;
                if (failure != null) {
                    mergeFailure = failure;
                }
                scheduleMergeIfDue();
                lock.notifyAll();
            }
        }
    }

    /**
     * Swaps the merged segment in for its sources. Writers kept going while it was built: a document removed or
     * replaced since is dead in the output, and documents added since live in their own segments.
     */
    private void install(MergePlan plan, Merged merged) {
        Set<DatastoreSegment> sources = Collections.newSetFromMap(new IdentityHashMap<>());
        for (LiveSegment s : plan.sources()) {
            sources.add(s.segment());
        }
        List<LiveSegment> segments = new ArrayList<>();
        int insertAt = -1;
        for (LiveSegment s : snapshot.segments()) {
            if (sources.contains(s.segment())) {
                insertAt = insertAt < 0 ? segments.size() : insertAt;
            } else {
                segments.add(s);
            }
        }
        DatastoreSegment seg = merged.segment();
        BitSet removed = new BitSet();
        int removedDocuments = 0;
        long removedTokens = 0;
        for (int j = 0; j < seg.documentCount(); j++) {
            String id = seg.documentId(j);
            if (merged.origins()[j].equals(index.get(id))) {
                index.put(id, new Location(seg, j));
            } else {
                removed.set(j);
                removedDocuments++;
                removedTokens += seg.documentLength(j);
            }
        }
        if (removedDocuments < seg.documentCount()) {
            segments.add(
                    insertAt < 0 ? segments.size() : insertAt,
                    new LiveSegment(seg, plan.kind(), removed, removedDocuments, removedTokens));
        }
        snapshot = Snapshot.of(segments);
    }

    /** Blocks until no background merge is running or due; rethrows a merge's failure. */
    public void awaitMerges() {
        synchronized (lock) {
            while (merging) {
                waitForMerge();
            }
            if (mergeFailure != null) {
                throw new RasdException(
                        "a background merge of the token datastore failed: " + mergeFailure, mergeFailure);
            }
        }
    }

    private void waitForMerge() {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RasdException("interrupted while waiting for the token datastore's background merge", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new RasdException("the token datastore is closed");
        }
    }

    /**
     * Stops the merge thread and waits for a merge in progress to end (its result is dropped): once this returns,
     * nothing reads the store's file any more, so the caller may delete or overwrite it (a merge still reading a
     * mapped file that shrank would fault). Queries keep working on the last state; adds and removes are refused.
     */
    @Override
    public void close() {
        ExecutorService running;
        synchronized (lock) {
            closed = true;
            running = merger;
            if (running != null) {
                running.shutdown();
            }
            lock.notifyAll();
        }
        if (running != null) {
            awaitTermination(running); // outside the lock: the merge takes it to finish
        }
    }

    private static void awaitTermination(ExecutorService merger) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (merger.awaitTermination(1, TimeUnit.MINUTES)) {
                        return;
                    }
                    LOG.warn("closing the token datastore waits for its background merge");
                } catch (InterruptedException e) {
                    interrupted = true; // closing must not leave the merge reading: wait on, re-assert afterwards
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a background merge is running (tests). */
    boolean mergeInProgress() {
        synchronized (lock) {
            return merging;
        }
    }
}
