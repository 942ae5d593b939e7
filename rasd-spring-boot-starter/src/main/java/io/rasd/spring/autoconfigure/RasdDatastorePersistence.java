package io.rasd.spring.autoconfigure;

import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;

/**
 * Saves the datastore to {@code rasd.datastore.path} ({@code rasd.datastore.persist=true}): every
 * {@code rasd.datastore.persist-interval} when documents were added or removed since the last save, and at
 * shut-down, so documents added at run time survive a restart, and a crash loses at most one interval of them. Each
 * write is atomic (a temporary file renamed over the old one): a crash during it leaves the previous file intact.
 * {@link #save()} can also be called at any time, e.g. after a bulk ingestion.
 */
public class RasdDatastorePersistence implements DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(RasdDatastorePersistence.class);

    private final TokenDatastore datastore;
    private final Tokenizer tokenizer;
    private final Path path;
    private final ScheduledExecutorService timer;
    /** The datastore's change count at the last save (or when opened): nothing to save while it is unchanged. */
    private long savedChanges;

    public RasdDatastorePersistence(TokenDatastore datastore, Tokenizer tokenizer, Path path, Duration interval) {
        this.datastore = datastore;
        this.tokenizer = tokenizer;
        this.path = path;
        this.savedChanges = datastore.changeCount();
        if (interval == null || interval.isZero()) {
            this.timer = null;
        } else {
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "rasd-datastore-persistence");
                t.setDaemon(true);
                return t;
            });
            long ms = interval.toMillis();
            timer.scheduleWithFixedDelay(this::saveIfChanged, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    public Path path() {
        return path;
    }

    /** Writes the live documents to the path now. */
    public synchronized void save() {
        long changes = datastore.changeCount();
        datastore.save(path, tokenizer);
        savedChanges = changes;
        LOG.info(
                "Saved the rasd datastore ({} documents, {} tokens) to {}",
                datastore.documentCount(),
                datastore.tokenCount(),
                path);
    }

    /** Saves when documents were added or removed since the last save; returns whether it did. */
    public synchronized boolean saveIfChanged() {
        if (datastore.changeCount() == savedChanges) {
            return false;
        }
        try {
            save();
            return true;
        } catch (RuntimeException e) {
            // the previous file is intact (atomic write); the next interval or shut-down tries again
            LOG.warn("Saving the rasd datastore to {} failed: {}", path, e.toString());
            return false;
        }
    }

    @Override
    public void destroy() {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (datastore.changeCount() != savedChanges) {
            save();
        }
    }
}
