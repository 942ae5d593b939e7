package io.rasd.samples.springrag;

import static dev.langchain4j.store.embedding.filter.MetadataFilterBuilder.metadataKey;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.filter.Filter;
import io.rasd.datastore.TokenDatastore;
import io.rasd.langchain4j.RasdTokenCountEstimator;
import io.rasd.spring.feed.RasdFeedReplica;
import io.rasd.spring.feed.RasdFeedStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The documents this app retrieves from, added and removed at run time ({@code /api/documents}) or ingested from
 * {@code rag.documents} at start-up. Every document is split into segments of {@code rag.segment-tokens} tokens,
 * each carrying the document's id in its metadata ({@value #DOCUMENT_ID}), and embedded.
 *
 * <p>Without a store of record (no {@code rasd.feed.enabled}) the segments go into this replica's embedding store,
 * which the starter mirrors into the token datastore, and the store is saved to {@code rag.store-file}. With one, they
 * are written to PostgreSQL and every replica, this one included, applies them from the change log.
 */
@Component
class Documents {

    /** The metadata key every segment carries its document's id under. */
    static final String DOCUMENT_ID = "document_id";

    private final RagProperties properties;
    private final EmbeddingModel embeddingModel;
    private final RasdTokenCountEstimator tokens;
    private final EmbeddingStore<TextSegment> store;
    private final TokenDatastore datastore;
    /** Null with a store of record. */
    private final EmbeddingStoreFile storeFile;
    /** Null without a store of record. */
    private final RasdFeedReplica replica;

    Documents(
            RagProperties properties,
            EmbeddingModel embeddingModel,
            RasdTokenCountEstimator tokens,
            EmbeddingStore<TextSegment> store,
            TokenDatastore datastore,
            ObjectProvider<EmbeddingStoreFile> storeFile,
            ObjectProvider<RasdFeedReplica> replica) {
        this.properties = properties;
        this.embeddingModel = embeddingModel;
        this.tokens = tokens;
        this.store = store;
        this.datastore = datastore;
        this.storeFile = storeFile.getIfAvailable();
        this.replica = replica.getIfAvailable();
    }

    /** A stored document: its id, how many segments it was split into, and its change-log position (feed only). */
    record Stored(String id, int segments, OptionalLong position) {}

    /** Whether a store of record is followed ({@code rasd.feed.enabled}). */
    boolean feed() {
        return replica != null;
    }

    RasdFeedReplica replica() {
        return replica;
    }

    /** Splits a document into segments that carry its id and its metadata. */
    List<TextSegment> split(String id, String text, Metadata metadata) {
        Metadata m = metadata.copy().put(DOCUMENT_ID, id);
        return DocumentSplitters.recursive(properties.getSegmentTokens(), properties.getSegmentTokens() / 8, tokens)
                .split(Document.from(text, m));
    }

    /**
     * Stores a document, replacing one with the same id. With a store of record it returns once this replica has
     * applied the change (within 10 s), so that this replica's next answer already retrieves from it.
     */
    Stored put(String id, String text, Metadata metadata) {
        List<TextSegment> segments = split(id, text, metadata);
        List<Embedding> vectors = embeddingModel.embedAll(segments).content();
        if (feed()) {
            long position = replica.store().put(id, text, metadata, segments, vectors);
            awaitApplied(position);
            return new Stored(id, segments.size(), OptionalLong.of(position));
        }
        synchronized (this) {
            store.removeAll(ofDocument(id));
            List<String> ids =
                    segments.stream().map(s -> UUID.randomUUID().toString()).toList();
            store.addAll(ids, vectors, segments);
            storeFile.save(storeFile.fingerprint().orElse(""));
        }
        return new Stored(id, segments.size(), OptionalLong.empty());
    }

    /** Stores a document unless the store of record holds it with the same text and metadata (feed only). */
    boolean putIfChanged(String id, String text, Metadata metadata) {
        String hash = RasdFeedStore.contentHash(text, metadata);
        if (replica.store().contentHash(id).filter(hash::equals).isPresent()) {
            return false;
        }
        put(id, text, metadata);
        return true;
    }

    /** Deletes a document; false when there is none with that id. */
    boolean delete(String id) {
        if (feed()) {
            OptionalLong position = replica.store().delete(id);
            position.ifPresent(this::awaitApplied);
            return position.isPresent();
        }
        synchronized (this) {
            if (applied().get(id) == null) {
                return false;
            }
            store.removeAll(ofDocument(id));
            storeFile.save(storeFile.fingerprint().orElse(""));
            return true;
        }
    }

    private static Filter ofDocument(String id) {
        return metadataKey(DOCUMENT_ID).isEqualTo(id);
    }

    private void awaitApplied(long position) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (replica.position() < position && System.nanoTime() < deadline) {
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One segment as this replica holds it: id and text in the embedding index, tokens in the token datastore. */
    record HeldSegment(String id, String text, int[] tokens) {}

    /**
     * Segment counts of one document on this replica: in the embedding index and in the token datastore; with
     * {@link #applied(boolean) applied(true)} also its segments (sorted by id), otherwise an empty list.
     */
    record Applied(int embeddingSegments, int datastoreSegments, List<HeldSegment> segments) {}

    /**
     * What this replica holds, per document id (sorted): its segments in the embedding index, and how many of them
     * the token datastore holds. Read from both indexes themselves, not from a record of what was sent to them.
     */
    Map<String, Applied> applied() {
        return applied(false);
    }

    /**
     * As {@link #applied()}; with {@code withSegments} every document also lists its segments, sorted by id: id and
     * text as the embedding index holds them, tokens as the token datastore does (null when it lacks the segment).
     */
    Map<String, Applied> applied(boolean withSegments) {
        Map<String, Applied> out = new TreeMap<>();
        byDocument().forEach((doc, matches) -> {
            List<HeldSegment> held = new ArrayList<>(matches.size());
            int inDatastore = 0;
            for (EmbeddingMatch<TextSegment> m : matches) {
                if (withSegments) {
                    int[] tokens = datastore.document(m.embeddingId());
                    held.add(new HeldSegment(m.embeddingId(), m.embedded().text(), tokens));
                    inDatastore += tokens == null ? 0 : 1;
                } else {
                    inDatastore += datastore.contains(m.embeddingId()) ? 1 : 0;
                }
            }
            held.sort(Comparator.comparing(HeldSegment::id));
            out.put(doc, new Applied(matches.size(), inDatastore, held));
        });
        return out;
    }

    /** The entries of the embedding index that carry a document id (a search with no score threshold), by document. */
    private Map<String, List<EmbeddingMatch<TextSegment>>> byDocument() {
        float[] probe = new float[embeddingModel.dimension()];
        Arrays.fill(probe, 1f);
        List<EmbeddingMatch<TextSegment>> all = store.search(EmbeddingSearchRequest.builder()
                        .queryEmbedding(Embedding.from(probe))
                        .maxResults(Integer.MAX_VALUE)
                        .minScore(0.0)
                        .build())
                .matches();
        Map<String, List<EmbeddingMatch<TextSegment>>> byDocument = new TreeMap<>();
        for (EmbeddingMatch<TextSegment> m : all) {
            String doc = m.embedded() == null ? null : m.embedded().metadata().getString(DOCUMENT_ID);
            if (doc != null) {
                byDocument.computeIfAbsent(doc, d -> new ArrayList<>()).add(m);
            }
        }
        return byDocument;
    }
}
