package io.rasd.samples.springrag;

import static dev.langchain4j.store.embedding.filter.MetadataFilterBuilder.metadataKey;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import io.rasd.datastore.TokenDatastore;
import io.rasd.langchain4j.RasdTokenCountEstimator;
import io.rasd.spring.feed.RasdFeedReplica;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Ingests the configured documents once the application is up, on a background thread; until it is done the API
 * answers 503 (see {@link Readiness}). When the saved embedding store was built from the same documents it is used
 * as is (the starter's backfill has already fed its segments to the datastore at start-up). With a store of record
 * ({@code rasd.feed.enabled}) the files are put there instead, and the app serves once this replica has caught up.
 */
@Component
class DocumentIngestion {

    private static final Logger LOG = LoggerFactory.getLogger(DocumentIngestion.class);

    /** The metadata key and value that mark segments ingested from rag.documents (kept apart from API documents). */
    static final String ORIGIN = "origin";

    static final String FROM_FILES = "rag.documents";

    private final RagProperties properties;
    private final Documents documents;
    /** Null with a store of record. */
    private final EmbeddingStoreFile storeFile;

    private final EmbeddingStore<TextSegment> store;
    private final EmbeddingModel embeddingModel;
    private final RasdTokenCountEstimator tokens;
    private final TokenDatastore datastore;
    private final Readiness readiness;

    DocumentIngestion(
            RagProperties properties,
            Documents documents,
            ObjectProvider<EmbeddingStoreFile> storeFile,
            EmbeddingStore<TextSegment> store,
            EmbeddingModel embeddingModel,
            RasdTokenCountEstimator tokens,
            TokenDatastore datastore,
            Readiness readiness) {
        this.properties = properties;
        this.documents = documents;
        this.storeFile = storeFile.getIfAvailable();
        this.store = store;
        this.embeddingModel = embeddingModel;
        this.tokens = tokens;
        this.datastore = datastore;
        this.readiness = readiness;
    }

    @EventListener(ApplicationReadyEvent.class)
    void ingestInBackground() {
        Thread t = new Thread(this::ingest, "rag-ingestion");
        t.setDaemon(true);
        t.start();
    }

    void ingest() {
        try {
            List<Path> files = files(properties.getDocuments());
            if (documents.feed()) {
                seedStoreOfRecord(files);
                return;
            }
            String fingerprint = fingerprint(files);
            if (storeFile.fingerprint().filter(fingerprint::equals).isPresent()) {
                LOG.info(
                        "Embedding store {} already holds these {} documents; datastore: {} segments",
                        storeFile.file(),
                        files.size(),
                        datastore.documentCount());
                readiness.ready();
                return;
            }
            long t0 = System.nanoTime();
            // only the segments of earlier files: documents added through the API stay. Through the wrapper: the
            // datastore forgets the old segments too
            store.removeAll(metadataKey(ORIGIN).isEqualTo(FROM_FILES));
            List<Document> fileDocuments = new ArrayList<>();
            for (Path f : files) {
                fileDocuments.add(Document.from(
                        Files.readString(f, StandardCharsets.UTF_8),
                        metadata(f).put(Documents.DOCUMENT_ID, f.toString())));
            }
            EmbeddingStoreIngestor.builder()
                    .documentSplitter(DocumentSplitters.recursive(
                            properties.getSegmentTokens(), properties.getSegmentTokens() / 8, tokens))
                    .embeddingModel(embeddingModel)
                    .embeddingStore(store)
                    .build()
                    .ingest(fileDocuments);
            storeFile.save(fingerprint);
            LOG.info(
                    "Ingested {} documents in {} s: datastore {} segments, {} tokens; saved to {}",
                    files.size(),
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9),
                    datastore.documentCount(),
                    datastore.tokenCount(),
                    storeFile.file());
            readiness.ready();
        } catch (RuntimeException | IOException e) {
            LOG.error("Document ingestion failed: {}", e.toString());
            readiness.failed(e);
        }
    }

    private static Metadata metadata(Path f) {
        return Metadata.from("file_name", f.getFileName().toString())
                .put("path", f.toString())
                .put(ORIGIN, FROM_FILES);
    }

    /**
     * With a store of record: puts each file whose text the store does not hold yet (under its path as id; replicas
     * starting together may both put one, which only replaces it with the same text), then waits until this replica
     * has caught up with the log before it serves.
     */
    private void seedStoreOfRecord(List<Path> files) throws IOException {
        int stored = 0;
        for (Path f : files) {
            String text = Files.readString(f, StandardCharsets.UTF_8);
            // the database may be restarting: the app waits for it (answering 503) rather than giving up
            for (int attempt = 1; ; attempt++) {
                try {
                    if (documents.putIfChanged(f.toString(), text, metadata(f))) {
                        stored++;
                    }
                    break;
                } catch (RuntimeException e) {
                    LOG.warn(
                            "Storing {} in the store of record failed (attempt {}), retrying: {}",
                            f,
                            attempt,
                            e.toString());
                    sleep(1000);
                }
            }
        }
        RasdFeedReplica replica = documents.replica();
        while (!replica.caughtUp()) {
            sleep(20);
        }
        LOG.info(
                "Store of record: {} of {} documents stored now; replica at position {}: datastore {} segments",
                stored,
                files.size(),
                replica.position(),
                datastore.documentCount());
        readiness.ready();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static List<Path> files(List<Path> inputs) throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path in : inputs) {
            if (Files.isDirectory(in)) {
                try (Stream<Path> walk = Files.walk(in)) {
                    walk.filter(Files::isRegularFile)
                            .filter(f -> !f.getFileName().toString().startsWith("."))
                            .sorted()
                            .forEach(files::add);
                }
            } else if (Files.isRegularFile(in)) {
                files.add(in);
            } else {
                throw new IOException("rag.documents: nothing exists at " + in.toAbsolutePath());
            }
        }
        return files;
    }

    /** Names and contents of the documents: changes when any document does. */
    static String fingerprint(List<Path> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                sha.update(f.toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(f));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
