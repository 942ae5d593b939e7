package io.rasd.spring.feed;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's checkpoint: the manifest (position, the names of the datastore and embedding-index files of that
 * position, and the segment ids per document) and the state it names. The manifest is written to a temporary file,
 * fsynced and renamed over the old one, so it always names one complete checkpoint.
 */
record FeedCheckpoint(
        String storeId,
        long position,
        InMemoryEmbeddingStore<TextSegment> embeddings,
        int dimension,
        TokenDatastore datastore,
        Map<String, List<String>> segmentsByDocument,
        Set<String> files) {

    private static final Logger LOG = LoggerFactory.getLogger(FeedCheckpoint.class);
    private static final long MAGIC = 0x5241534446454544L; // "RASDFEED"
    private static final int VERSION = 3;

    static FeedCheckpoint empty() {
        return new FeedCheckpoint(
                null, 0, new InMemoryEmbeddingStore<>(), 0, TokenDatastore.empty(), new HashMap<>(), Set.of());
    }

    /** The checkpoint the manifest names, or an empty state at position 0 when there is none or it is damaged. */
    static FeedCheckpoint load(Path manifest, Tokenizer tokenizer) {
        if (!Files.isRegularFile(manifest)) {
            return empty();
        }
        try {
            byte[] bytes = Files.readAllBytes(manifest);
            if (bytes.length < 8) {
                throw new IOException("truncated");
            }
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, bytes.length - 8);
            if (crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 8, 8).getLong()) {
                throw new IOException("checksum mismatch");
            }
            DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes, 0, bytes.length - 8));
            if (in.readLong() != MAGIC || in.readInt() != VERSION) {
                throw new IOException("not a rasd feed checkpoint of version " + VERSION);
            }
            String storeId = in.readUTF();
            long position = in.readLong();
            String datastoreFile = in.readUTF();
            String embeddingsFile = in.readUTF();
            int documents = in.readInt();
            Map<String, List<String>> map = new HashMap<>(documents * 2);
            for (int d = 0; d < documents; d++) {
                String id = in.readUTF();
                int n = in.readInt();
                List<String> ids = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    ids.add(in.readUTF());
                }
                map.put(id, ids);
            }
            Path dir = manifest.getParent();
            TokenDatastore datastore = TokenDatastore.open(dir.resolve(datastoreFile), tokenizer);
            EmbeddingIndexFile.Read index = EmbeddingIndexFile.read(dir.resolve(embeddingsFile));
            return new FeedCheckpoint(
                    storeId,
                    position,
                    index.index(),
                    index.dimension(),
                    datastore,
                    map,
                    Set.of(datastoreFile, embeddingsFile));
        } catch (IOException | RuntimeException e) {
            // the log is never truncated: replaying it from the start rebuilds the same state
            LOG.warn(
                    "rasd feed: cannot read the checkpoint {} ({}); replaying the change log from the start",
                    manifest,
                    e.toString());
            return empty();
        }
    }

    static void write(
            Path manifest,
            String storeId,
            long position,
            String datastoreFile,
            String embeddingsFile,
            Map<String, List<String>> segmentsByDocument) {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeLong(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(storeId);
            out.writeLong(position);
            out.writeUTF(datastoreFile);
            out.writeUTF(embeddingsFile);
            out.writeInt(segmentsByDocument.size());
            for (Map.Entry<String, List<String>> e : segmentsByDocument.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().size());
                for (String id : e.getValue()) {
                    out.writeUTF(id);
                }
            }
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(buf.toByteArray());
            out.writeLong(crc.getValue());
            out.flush();
            Path tmp = manifest.resolveSibling(
                    "." + manifest.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(buf.toByteArray()));
                ch.force(true);
            }
            Files.move(tmp, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // the rename itself is durable only once the directory is
            try (FileChannel dir = FileChannel.open(manifest.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // not every file system lets a directory be opened; the rename is still atomic
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the feed checkpoint " + manifest, e);
        }
    }
}
