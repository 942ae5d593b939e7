package io.rasd.spring.feed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A replica's embedding index as a binary file: per entry its id, its vector as float32 and its segment (text and the
 * typed metadata JSON the store of record keeps). LangChain4j's own JSON file is 2-3 times larger and slow to parse,
 * which made a replica joining from a 10M-token snapshot take 30.7 s; this file is read into the same
 * {@link InMemoryEmbeddingStore}.
 */
final class EmbeddingIndexFile {

    private static final int MAGIC = 0x52455831; // "REX1"

    private EmbeddingIndexFile() {}

    /** Writes every entry of {@code index}, whose vectors have {@code dimension} components (0: it is empty). */
    static void write(InMemoryEmbeddingStore<TextSegment> index, int dimension, OutputStream target)
            throws IOException {
        List<EmbeddingMatch<TextSegment>> entries = entries(index, dimension);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(target, 1 << 16));
        out.writeInt(MAGIC);
        out.writeInt(entries.size());
        for (EmbeddingMatch<TextSegment> e : entries) {
            out.writeUTF(e.embeddingId());
            float[] v = e.embedding().vector();
            out.writeInt(v.length);
            for (float f : v) {
                out.writeFloat(f);
            }
            bytes(out, e.embedded() == null ? null : e.embedded().text());
            bytes(
                    out,
                    e.embedded() == null
                            ? null
                            : RasdFeedStore.metadataJson(e.embedded().metadata()));
        }
        out.flush();
    }

    /** An index read back, with the dimension of its vectors (0 when it is empty). */
    record Read(InMemoryEmbeddingStore<TextSegment> index, int dimension) {}

    static Read read(Path file) throws IOException {
        try (InputStream raw = Files.newInputStream(file)) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a rasd embedding index file");
            }
            int n = in.readInt();
            List<String> ids = new ArrayList<>(n);
            List<Embedding> vectors = new ArrayList<>(n);
            List<TextSegment> segments = new ArrayList<>(n);
            int dimension = 0;
            for (int i = 0; i < n; i++) {
                ids.add(in.readUTF());
                float[] v = new float[in.readInt()];
                for (int k = 0; k < v.length; k++) {
                    v[k] = in.readFloat();
                }
                vectors.add(Embedding.from(v));
                dimension = v.length;
                String text = string(in);
                String metadata = string(in);
                segments.add(text == null ? null : TextSegment.from(text, RasdFeedStore.metadata(metadata)));
            }
            InMemoryEmbeddingStore<TextSegment> index = new InMemoryEmbeddingStore<>();
            if (n > 0) {
                index.addAll(ids, vectors, segments);
            }
            return new Read(index, dimension);
        }
    }

    /** Every entry: a search with no score threshold (the store offers no other way to list them). */
    static List<EmbeddingMatch<TextSegment>> entries(InMemoryEmbeddingStore<TextSegment> index, int dimension) {
        if (dimension == 0) {
            return List.of();
        }
        float[] probe = new float[dimension];
        Arrays.fill(probe, 1f);
        return index.search(EmbeddingSearchRequest.builder()
                        .queryEmbedding(Embedding.from(probe))
                        .maxResults(Integer.MAX_VALUE)
                        .minScore(0.0)
                        .build())
                .matches();
    }

    /** Text of any length (writeUTF stops at 64 KiB). */
    private static void bytes(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String string(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }
}
