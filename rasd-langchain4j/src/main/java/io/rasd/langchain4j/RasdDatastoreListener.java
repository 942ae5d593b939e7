package io.rasd.langchain4j;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.filter.Filter;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreListener;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreRequestContext;
import dev.langchain4j.store.embedding.listener.EmbeddingStoreResponseContext;
import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engine's token datastore in step with an {@code EmbeddingStore<TextSegment>}: every segment the store
 * accepts is tokenized and added to the datastore under its embedding id (so the datastore modes can propose
 * continuations from the application's own documents), and every removal is mirrored: by id, by ids, all, and by
 * filter. The store's filter is evaluated on this listener's own copy of each segment's metadata, because a removal
 * by filter does not say which ids it removed.
 *
 * <p>It acts on the store's responses, not its requests: a write the store refused never reaches the datastore.
 * Attach it with {@link RasdRag#feed}; segments stored before it was attached are added with {@link #index} (see
 * {@link RasdRag#backfill}). A segment that fails to index is logged and counted ({@link #failures()}), and never
 * fails the application's ingestion.
 */
public class RasdDatastoreListener implements EmbeddingStoreListener {

    private static final Logger LOG = LoggerFactory.getLogger(RasdDatastoreListener.class);

    private final TokenDatastore datastore;
    private final Tokenizer tokenizer;
    private final Map<String, Metadata> metadata = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();

    public RasdDatastoreListener(TokenDatastore datastore, Tokenizer tokenizer) {
        this.datastore = Objects.requireNonNull(datastore, "datastore");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    }

    @Override
    public void onResponse(EmbeddingStoreResponseContext<?> response) {
        EmbeddingStoreRequestContext<?> request = response.requestContext();
        try {
            if (response instanceof EmbeddingStoreResponseContext.Add<?> added
                    && request instanceof EmbeddingStoreRequestContext.Add<?> add) {
                String id = added.returnedId() != null ? added.returnedId() : add.id();
                index(id, add.embedded());
            } else if (response instanceof EmbeddingStoreResponseContext.AddAll<?> added
                    && request instanceof EmbeddingStoreRequestContext.AddAll<?> addAll) {
                List<String> ids = added.returnedIds() != null ? added.returnedIds() : addAll.ids();
                List<?> embedded = addAll.embeddedList();
                if (ids != null && embedded != null) {
                    for (int i = 0; i < Math.min(ids.size(), embedded.size()); i++) {
                        index(ids.get(i), embedded.get(i));
                    }
                }
            } else if (request instanceof EmbeddingStoreRequestContext.Remove<?> remove) {
                remove(remove.id());
            } else if (request instanceof EmbeddingStoreRequestContext.RemoveAllIds<?> remove) {
                remove.ids().forEach(this::remove);
            } else if (request instanceof EmbeddingStoreRequestContext.RemoveAllFilter<?> remove) {
                removeMatching(remove.filter());
            } else if (request instanceof EmbeddingStoreRequestContext.RemoveAll<?>) {
                datastore.removeAll();
                metadata.clear();
            }
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn("Could not mirror an embedding store change into the rasd datastore", e);
        }
    }

    /**
     * Adds one segment under {@code id} (replacing a document with that id). Objects that are not
     * {@link TextSegment}s (a store of other content) are ignored.
     */
    public void index(String id, Object embedded) {
        if (id == null || !(embedded instanceof TextSegment segment)) {
            return;
        }
        try {
            int[] tokens = tokenizer.encode(segment.text(), false);
            if (tokens.length == 0) {
                return;
            }
            datastore.add(id, tokens);
            metadata.put(id, segment.metadata().copy());
        } catch (RuntimeException e) {
            failures.incrementAndGet();
            LOG.warn("Could not add segment {} to the rasd datastore", id, e);
        }
    }

    private void remove(String id) {
        if (id != null) {
            datastore.remove(id);
            metadata.remove(id);
        }
    }

    private void removeMatching(Filter filter) {
        for (Map.Entry<String, Metadata> e : metadata.entrySet()) {
            if (filter.test(e.getValue())) {
                remove(e.getKey());
            }
        }
    }

    /**
     * Removes every datastore document whose id is not in {@code keep}, and returns how many it removed. A datastore
     * opened from a file saved some time before a crash may hold segments its embedding store has dropped or never
     * saved (the store and the datastore are written at different moments); once the store's segments are indexed
     * (see {@link RasdRag#backfillIds}), this makes the datastore hold exactly them plus whatever else {@code keep}
     * names (e.g. documents indexed from files).
     */
    public int removeAllExcept(java.util.Set<String> keep) {
        int removed = 0;
        for (String id : datastore.documentIds()) {
            if (!keep.contains(id)) {
                remove(id);
                removed++;
            }
        }
        return removed;
    }

    /** Segments this listener has indexed and not seen removed. */
    public int indexedSegments() {
        return metadata.size();
    }

    /** Changes that could not be mirrored (each was logged). */
    public long failures() {
        return failures.get();
    }

    public TokenDatastore datastore() {
        return datastore;
    }
}
