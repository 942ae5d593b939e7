package io.rasd.samples.springrag;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The in-memory embedding store and the file it is saved to, with the fingerprint of the documents it was built
 * from: a restart with the same documents loads the file instead of embedding them again. Kept apart from the
 * {@code EmbeddingStore} bean because the starter replaces that bean with a wrapper that cannot be saved.
 */
final class EmbeddingStoreFile {

    private final Path file;
    private final Path fingerprintFile;
    private final InMemoryEmbeddingStore<TextSegment> store;
    private volatile String fingerprint;

    private EmbeddingStoreFile(Path file, InMemoryEmbeddingStore<TextSegment> store, String fingerprint) {
        this.file = file;
        this.fingerprintFile = file.resolveSibling(file.getFileName() + ".documents");
        this.store = store;
        this.fingerprint = fingerprint;
    }

    static EmbeddingStoreFile open(Path file) {
        removeLeftovers(file);
        Path fp = file.resolveSibling(file.getFileName() + ".documents");
        if (Files.isRegularFile(file) && Files.isRegularFile(fp)) {
            try {
                return new EmbeddingStoreFile(
                        file,
                        InMemoryEmbeddingStore.fromFile(file),
                        Files.readString(fp, StandardCharsets.UTF_8).trim());
            } catch (IOException | RuntimeException e) {
                // a damaged file is rebuilt from the documents, not fatal
                return new EmbeddingStoreFile(file, new InMemoryEmbeddingStore<>(), null);
            }
        }
        return new EmbeddingStoreFile(file, new InMemoryEmbeddingStore<>(), null);
    }

    InMemoryEmbeddingStore<TextSegment> store() {
        return store;
    }

    Path file() {
        return file;
    }

    /** The fingerprint of the rag.documents files the store holds, if it was loaded or saved. */
    Optional<String> fingerprint() {
        return Optional.ofNullable(fingerprint);
    }

    /**
     * Saves store and fingerprint, each written to a temporary file and renamed over the old one. The fingerprint is
     * deleted first and written last: the two renames cannot be one atomic step, and a crash between them must leave
     * no fingerprint (the next start ingests again) rather than an old one beside a new store, which a start with
     * the old documents would take for a store of them.
     */
    synchronized void save(String documentsFingerprint) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Files.deleteIfExists(fingerprintFile);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            store.serializeToFile(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Path tmpFp = Files.createTempFile(dir, fingerprintFile.getFileName().toString(), ".tmp");
            Files.writeString(tmpFp, documentsFingerprint, StandardCharsets.UTF_8);
            Files.move(tmpFp, fingerprintFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            fingerprint = documentsFingerprint;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the embedding store to " + file, e);
        }
    }

    /**
     * Deletes the temporary files of saves a crash interrupted ({@code NAME*.tmp} beside the store): only this
     * process writes this store, and at start-up no save of its own has begun.
     */
    private static void removeLeftovers(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        String prefix = file.getFileName().toString();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith(prefix) && name.endsWith(".tmp")) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            // leftovers only cost disk space; the store itself is intact
        }
    }
}
