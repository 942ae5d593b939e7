package io.rasd.spring.feed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What the feed tests share: documents, their segments and vectors, and the check that a replica mirrors the store. */
final class FeedTestSupport {

    static final Path TOKENIZER = TestData.root().getParent().resolve("models/demo-target");
    static final int DIMENSION = 16;

    private FeedTestSupport() {}

    /** Document {@code i}, revision {@code r}: one to three sentences, each its own segment. */
    static List<TextSegment> segments(String id, int i, int r) {
        List<TextSegment> out = new ArrayList<>();
        for (int s = 0; s <= i % 3; s++) {
            out.add(TextSegment.from(
                    "Document " + i + " revision " + r + " sentence " + s + ": the quick brown fox jumps over the"
                            + " lazy dog " + (i * 31 + s) + " times.",
                    Metadata.from("document_id", id).put("index", s).put("revision", (long) r)));
        }
        return out;
    }

    /** A vector that depends on the text only (the writer embeds; replicas must carry its vectors unchanged). */
    static Embedding embed(TextSegment segment) {
        float[] v = new float[DIMENSION];
        byte[] b = segment.text().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            v[i % DIMENSION] += b[i] / 128f;
        }
        return Embedding.from(v);
    }

    static long put(RasdFeedStore store, String id, int i, int r) {
        List<TextSegment> segments = segments(id, i, r);
        return store.put(
                id,
                "document " + id + " revision " + r,
                Metadata.from("source", "test"),
                segments,
                segments.stream().map(FeedTestSupport::embed).toList());
    }

    /** Segment id and text of every segment in the store of record. */
    static Map<String, String> storedSegments(RasdFeedStore store) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (Connection c = store.dataSource().getConnection();
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT segment_id, text FROM " + store.schema() + ".segments")) {
            while (r.next()) {
                out.put(r.getString(1), r.getString(2));
            }
        }
        return out;
    }

    /**
     * The replica holds exactly the stored segments, each once: in its embedding index (same ids, texts and vectors)
     * and in its token datastore (same ids, the texts' tokens).
     */
    static void assertMirrors(RasdFeedReplica replica, RasdFeedStore store, Tokenizer tokenizer, String who)
            throws Exception {
        Map<String, String> expected = storedSegments(store);
        List<EmbeddingMatch<TextSegment>> entries = all(replica.embeddingStore());
        Map<String, String> indexed = new HashMap<>();
        for (EmbeddingMatch<TextSegment> m : entries) {
            assertThat(indexed.put(m.embeddingId(), m.embedded().text()))
                    .as("%s: segment %s is in the embedding index once", who, m.embeddingId())
                    .isNull();
            assertThat(m.embedding().vector())
                    .as("%s: the vector of %s is the writer's", who, m.embeddingId())
                    .containsExactly(embed(m.embedded()).vector());
        }
        assertThat(indexed).as("%s: embedding index = store of record", who).isEqualTo(expected);
        assertThat(replica.datastore().documentIds())
                .as("%s: token datastore ids = store of record", who)
                .containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((id, text) -> assertThat(replica.datastore().document(id))
                .as("%s: tokens of %s", who, id)
                .isEqualTo(tokenizer.encode(text, false)));
    }

    /** Every entry of an embedding index of the tests' vectors. */
    static List<EmbeddingMatch<TextSegment>> all(InMemoryEmbeddingStore<TextSegment> index) {
        return EmbeddingIndexFile.entries(index, DIMENSION);
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, what, java.time.Duration.ofSeconds(60));
    }

    static void await(BooleanSupplier condition, String what, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
