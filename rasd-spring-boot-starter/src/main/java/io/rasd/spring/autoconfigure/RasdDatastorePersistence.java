package io.rasd.spring.autoconfigure;

import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Saves the datastore to {@code rasd.datastore.path} at shut-down ({@code rasd.datastore.persist=true}), so documents
 * added at run time survive a restart. The write is atomic (a temporary file renamed over the old one): a crash
 * during it leaves the previous file intact. {@link #save()} can also be called at any time, e.g. after a bulk
 * ingestion.
 */
public class RasdDatastorePersistence implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(RasdDatastorePersistence.class);

    private final TokenDatastore datastore;
    private final Tokenizer tokenizer;
    private final Path path;

    public RasdDatastorePersistence(TokenDatastore datastore, Tokenizer tokenizer, Path path) {
        this.datastore = datastore;
        this.tokenizer = tokenizer;
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** Writes the live documents to the path now. */
    public synchronized void save() {
        datastore.save(path, tokenizer);
        LOG.info("Saved the rasd datastore ({} documents, {} tokens) to {}", datastore.documentCount(),
                datastore.tokenCount(), path);
    }

    @Override
    public void destroy() {
        save();
    }
}
