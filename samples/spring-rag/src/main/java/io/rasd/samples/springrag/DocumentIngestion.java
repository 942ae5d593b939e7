package io.rasd.samples.springrag;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.store.embedding.EmbeddingStore;
import dev.langchain4j.store.embedding.EmbeddingStoreIngestor;
import io.rasd.datastore.TokenDatastore;
import io.rasd.langchain4j.RasdTokenCountEstimator;
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
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Ingests the configured documents once the application is up, on a background thread; until it is done the API
 * answers 503 (see {@link Readiness}). When the saved embedding store was built from the same documents it is used
 * as is (the starter's backfill has already fed its segments to the datastore at start-up).
 */
@Component
class DocumentIngestion {

    private static final Logger LOG = LoggerFactory.getLogger(DocumentIngestion.class);

    private final RagProperties properties;
    private final EmbeddingStoreFile storeFile;
    private final EmbeddingStore<TextSegment> store;
    private final EmbeddingModel embeddingModel;
    private final RasdTokenCountEstimator tokens;
    private final TokenDatastore datastore;
    private final Readiness readiness;

    DocumentIngestion(
            RagProperties properties,
            EmbeddingStoreFile storeFile,
            EmbeddingStore<TextSegment> store,
            EmbeddingModel embeddingModel,
            RasdTokenCountEstimator tokens,
            TokenDatastore datastore,
            Readiness readiness) {
        this.properties = properties;
        this.storeFile = storeFile;
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
            store.removeAll(); // through the wrapper: the datastore forgets the old segments too
            List<Document> documents = new ArrayList<>();
            for (Path f : files) {
                documents.add(Document.from(
                        Files.readString(f, StandardCharsets.UTF_8),
                        Metadata.from("file_name", f.getFileName().toString()).put("path", f.toString())));
            }
            EmbeddingStoreIngestor.builder()
                    .documentSplitter(DocumentSplitters.recursive(
                            properties.getSegmentTokens(), properties.getSegmentTokens() / 8, tokens))
                    .embeddingModel(embeddingModel)
                    .embeddingStore(store)
                    .build()
                    .ingest(documents);
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
