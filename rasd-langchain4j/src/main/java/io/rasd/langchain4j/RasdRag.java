package io.rasd.langchain4j;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStore;
import io.rasd.RasdException;
import io.rasd.engine.RasdEngine;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One-call wiring of LangChain4j RAG into the engine's token datastore.
 *
 * <pre>{@code
 * EmbeddingStore<TextSegment> store = RasdRag.feed(new InMemoryEmbeddingStore<>(), engine);
 * EmbeddingStoreIngestor.builder().embeddingStore(store).embeddingModel(embeddings).build().ingest(documents);
 * }</pre>
 *
 * <p>LangChain4j attaches listeners by wrapping the store ({@link EmbeddingStore#addListener}), so use the store
 * {@code feed} returns from then on: writes that bypass the wrapper are not seen.
 */
public final class RasdRag {

    private RasdRag() {}

    /** A listener that mirrors segments into {@code engine}'s datastore; the engine must have one. */
    public static RasdDatastoreListener listener(RasdEngine engine) {
        Objects.requireNonNull(engine, "engine");
        if (engine.datastore() == null) {
            throw new RasdException("The engine has no token datastore to feed; build it with"
                    + " RasdEngine.builder().datastore(TokenDatastore.empty()) (or an opened datastore file)");
        }
        return new RasdDatastoreListener(engine.datastore(), engine.tokenizer());
    }

    /** {@code store} with a new {@link RasdDatastoreListener} of {@code engine} attached: use the returned store. */
    public static EmbeddingStore<TextSegment> feed(EmbeddingStore<TextSegment> store, RasdEngine engine) {
        return feed(store, listener(engine));
    }

    /** {@code store} with {@code listener} attached: use the returned store. */
    public static EmbeddingStore<TextSegment> feed(EmbeddingStore<TextSegment> store, RasdDatastoreListener listener) {
        Objects.requireNonNull(store, "store");
        return store.addListener(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Adds the segments {@code store} already holds (stored before the application started, or before the listener
     * was attached) to the listener's datastore, and returns how many were indexed. An embedding store has no "list
     * all" operation, so this searches with {@code minScore = 0} and {@code maxResults = maxSegments}, which returns
     * every entry of stores whose relevance scores are in [0, 1] (the in-memory store and most others); the query
     * embedding only orders the results.
     */
    public static int backfill(
            EmbeddingStore<TextSegment> store, Embedding probe, RasdDatastoreListener listener, int maxSegments) {
        int before = listener.indexedSegments();
        backfillIds(store, probe, listener, maxSegments);
        return listener.indexedSegments() - before;
    }

    /**
     * As {@link #backfill(EmbeddingStore, Embedding, RasdDatastoreListener, int)}, and returns the ids of the segments
     * found: every segment the store holds when there are fewer than {@code maxSegments}. A caller that knows the
     * whole store can then drop datastore documents the store no longer holds (see
     * {@link RasdDatastoreListener#removeAllExcept}).
     */
    public static Set<String> backfillIds(
            EmbeddingStore<TextSegment> store, Embedding probe, RasdDatastoreListener listener, int maxSegments) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(listener, "listener");
        if (maxSegments < 1) {
            throw new RasdException("maxSegments must be >= 1, got " + maxSegments);
        }
        EmbeddingSearchRequest everything = EmbeddingSearchRequest.builder()
                .queryEmbedding(probe)
                .maxResults(maxSegments)
                .minScore(0.0)
                .build();
        Set<String> ids = new HashSet<>();
        for (EmbeddingMatch<TextSegment> match : store.search(everything).matches()) {
            listener.index(match.embeddingId(), match.embedded());
            ids.add(match.embeddingId());
        }
        return ids;
    }

    /** {@link #backfill(EmbeddingStore, Embedding, RasdDatastoreListener, int)} with a probe from {@code model}. */
    public static int backfill(
            EmbeddingStore<TextSegment> store, EmbeddingModel model, RasdDatastoreListener listener, int maxSegments) {
        return backfill(store, model.embed("rasd backfill").content(), listener, maxSegments);
    }
}
