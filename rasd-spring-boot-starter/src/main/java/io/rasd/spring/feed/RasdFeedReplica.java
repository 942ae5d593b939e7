package io.rasd.spring.feed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * One replica's copy of the store of record: its embedding index (LangChain4j's {@link InMemoryEmbeddingStore}) and
 * the engine's token datastore, kept in step by applying the change log in order. A thread waits on
 * {@code LISTEN} for changes (woken at once when one commits) and polls every {@code rasd.feed.poll-interval}
 * besides, which covers notifications lost while the connection was down; on any database error it reconnects and
 * reads on from its position.
 *
 * <p><b>Nothing lost, nothing doubled.</b> Every {@code rasd.feed.checkpoint-interval} (and at shut-down) the replica
 * writes a checkpoint into {@code rasd.feed.state-dir}: the datastore file and the embedding index as of position P,
 * under names carrying P, then a small manifest naming them and P, renamed over the old manifest (the commit point).
 * A replica killed at any moment restarts from the last manifest: the files and the position it names belong
 * together, and it replays the log after P. Applying a put replaces all the segments this replica holds for the
 * document with the document's current version in the store, so a replay never doubles a segment either, and a
 * replica never holds half of one version beside half of another.
 *
 * <p><b>Joining.</b> Replicas take turns publishing their checkpoint files as a snapshot in the store
 * ({@code rasd.feed.snapshot-interval}); a replica that starts without a checkpoint downloads the newest one and
 * replays only the log after it. The log is never truncated, so without a snapshot (or with a damaged manifest) a
 * replica replays it from the start and reaches the same state.
 */
public final class RasdFeedReplica implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(RasdFeedReplica.class);
    private static final String MANIFEST = "checkpoint";
    private static final long WAIT_SLICE_MS = 250;

    private final RasdFeedStore store;
    private final Tokenizer tokenizer;
    private final Path stateDir;
    private final Settings settings;
    /** The identity of the store of record this replica follows, written into its checkpoints. */
    private final String storeId;

    private long lastPublishNanos = System.nanoTime();

    private final InMemoryEmbeddingStore<TextSegment> embeddings;
    private final TokenDatastore datastore;
    /** The dimension of the index's vectors (0 while it is empty); guarded by {@link #lock}. */
    private int dimension;
    /** Segment ids this replica holds per document; guarded by {@link #lock}, saved in the manifest. */
    private final Map<String, List<String>> segmentsByDocument;

    /** Held while a change is applied and while a checkpoint is written: a checkpoint is one position's state. */
    private final Object lock = new Object();

    private volatile long position;
    /** The position of the checkpoint this replica started from. */
    private final long openedAt;

    private long checkpointed;
    private long lastCheckpointNanos = System.nanoTime();
    private volatile long startHead = -1;
    private volatile boolean caughtUp;
    private volatile long head;
    private volatile double lagSeconds;
    private volatile String lastError;
    private volatile boolean running;
    private Thread thread;

    /**
     * How a replica follows the log: {@code rasd.feed.poll-interval}, {@code checkpoint-interval},
     * {@code batch-size}, {@code snapshot-interval} (zero: never publish) and {@code join-from-snapshot}.
     */
    public record Settings(
            Duration pollInterval,
            Duration checkpointInterval,
            int batchSize,
            Duration snapshotInterval,
            boolean joinFromSnapshot) {

        /** Publishes no snapshots; joins from one when the state folder holds no checkpoint. */
        public static Settings of(Duration pollInterval, Duration checkpointInterval, int batchSize) {
            return new Settings(pollInterval, checkpointInterval, batchSize, Duration.ZERO, true);
        }
    }

    private RasdFeedReplica(
            RasdFeedStore store,
            Tokenizer tokenizer,
            Path stateDir,
            Settings settings,
            String storeId,
            FeedCheckpoint checkpoint) {
        this.store = store;
        this.storeId = storeId;
        this.tokenizer = tokenizer;
        this.stateDir = stateDir;
        this.settings = settings;
        this.embeddings = checkpoint.embeddings();
        this.dimension = checkpoint.dimension();
        this.datastore = checkpoint.datastore();
        this.segmentsByDocument = checkpoint.segmentsByDocument();
        this.position = checkpoint.position();
        this.openedAt = checkpoint.position();
        this.checkpointed = checkpoint.position();
    }

    /**
     * Opens the replica's last checkpoint in {@code stateDir}; {@link #start()} begins following the log. Without a
     * checkpoint, and with {@link Settings#joinFromSnapshot()}, it first downloads the newest snapshot another replica
     * published (then it replays only the log after it); otherwise it starts empty at position 0 and replays the whole
     * log. With a positive {@link Settings#snapshotInterval()} it offers its own checkpoint as a snapshot that often
     * (one replica publishes per interval).
     */
    public static RasdFeedReplica open(RasdFeedStore store, Tokenizer tokenizer, Path stateDir, Settings settings) {
        try {
            Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create rasd.feed.state-dir " + stateDir, e);
        }
        Path manifest = stateDir.resolve(MANIFEST);
        String storeId = store.identity();
        FeedCheckpoint checkpoint = FeedCheckpoint.load(manifest, tokenizer);
        if (Files.exists(manifest) && !storeId.equals(checkpoint.storeId())) {
            if (checkpoint.storeId() != null) {
                // positions of another store's log say nothing about this one: applying from there would skip changes
                LOG.warn(
                        "rasd feed: the checkpoint in {} belongs to another store of record (the database was"
                                + " recreated?); discarding it",
                        stateDir);
                checkpoint.datastore().close();
            }
            checkpoint = FeedCheckpoint.empty();
            try {
                Files.delete(manifest);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot discard the checkpoint " + manifest, e);
            }
        }
        if (!Files.exists(manifest) && settings.joinFromSnapshot()) {
            checkpoint = join(store, tokenizer, stateDir, manifest, storeId);
        }
        RasdFeedReplica replica = new RasdFeedReplica(store, tokenizer, stateDir, settings, storeId, checkpoint);
        replica.removeStaleFiles(checkpoint.files());
        LOG.info(
                "rasd feed: replica state in {} at position {} ({} documents, {} datastore segments)",
                stateDir,
                checkpoint.position(),
                checkpoint.segmentsByDocument().size(),
                replica.datastore.documentCount());
        return replica;
    }

    /** The newest snapshot as this replica's checkpoint, or an empty state when there is none or it cannot be had. */
    private static FeedCheckpoint join(
            RasdFeedStore store, Tokenizer tokenizer, Path stateDir, Path manifest, String storeId) {
        try {
            Optional<RasdFeedStore.Snapshot> snapshot = store.newestSnapshot();
            if (snapshot.isEmpty()) {
                return FeedCheckpoint.empty();
            }
            long t0 = System.nanoTime();
            store.downloadSnapshot(snapshot.get().id(), stateDir, MANIFEST);
            FeedCheckpoint c = FeedCheckpoint.load(manifest, tokenizer);
            if (!storeId.equals(c.storeId())) {
                throw new IllegalStateException("the snapshot " + snapshot.get().id() + " is not of this store");
            }
            LOG.info(
                    "rasd feed: joined from the snapshot {} published by {} at position {} ({} documents) in {} s",
                    snapshot.get().id(),
                    snapshot.get().publishedBy(),
                    c.position(),
                    c.segmentsByDocument().size(),
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            return c;
        } catch (RuntimeException e) {
            // the log is complete: replaying it from the start gives the same state, only slower
            LOG.warn(
                    "rasd feed: cannot join from a snapshot ({}); replaying the change log from the start",
                    e.toString());
            return FeedCheckpoint.empty();
        }
    }

    /** The embedding index this replica keeps in step: use it as the application's embedding store. */
    public InMemoryEmbeddingStore<TextSegment> embeddingStore() {
        return embeddings;
    }

    public TokenDatastore datastore() {
        return datastore;
    }

    public RasdFeedStore store() {
        return store;
    }

    /** The position of the last change applied. */
    public long position() {
        return position;
    }

    /** The position of the checkpoint this replica was opened from (0 when it had none): where it resumed. */
    public long openedAt() {
        return openedAt;
    }

    /** The log head when this replica started following (-1 until it has read it). */
    public long startHead() {
        return startHead;
    }

    /** The log head at the last look. */
    public long head() {
        return Math.max(head, position);
    }

    /** Whether this replica has applied the log up to the head it saw when it started: then it may serve. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Changes in the log this replica has not applied yet (as of the last look at the head). */
    public long lagEvents() {
        return Math.max(0, head - position);
    }

    /** Age of the oldest change not applied yet, in seconds; 0 when none. */
    public double lagSeconds() {
        return lagSeconds;
    }

    /** The last database error the follower met (it retries), or null once it has read the log again. */
    public String lastError() {
        return lastError;
    }

    /** Segment ids this replica holds per document id. */
    public Map<String, List<String>> documents() {
        synchronized (lock) {
            return new LinkedHashMap<>(segmentsByDocument);
        }
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::follow, "rasd-feed");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        checkpoint();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void follow() {
        Connection listen = null;
        boolean woken = true;
        long nextPoll = 0;
        while (running) {
            try {
                if (listen == null) {
                    // LISTEN before reading: a change committed after the read below still wakes the wait
                    listen = store.dataSource().getConnection();
                    listen.setAutoCommit(true);
                    try (Statement s = listen.createStatement()) {
                        s.execute("LISTEN " + store.channel());
                    }
                    woken = true;
                }
                if (startHead < 0) {
                    startHead = store.head();
                    LOG.info("rasd feed: log head {} at start, replica at {}", startHead, position);
                }
                if (woken || System.nanoTime() - nextPoll >= 0) {
                    catchUp();
                    nextPoll = System.nanoTime() + settings.pollInterval().toNanos();
                    if (lastError != null) {
                        LOG.info("rasd feed: reading the log again at position {}", position);
                        lastError = null;
                    }
                }
                checkpointIfDue();
                publishIfDue();
                // short waits, so that stop() is seen soon (an interrupt does not end a wait on the socket)
                PGNotification[] n = listen.unwrap(PGConnection.class).getNotifications((int) Math.min(
                        WAIT_SLICE_MS, Math.max(1, settings.pollInterval().toMillis())));
                woken = n != null && n.length > 0;
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                String message = e.toString();
                if (!message.equals(lastError)) {
                    LOG.warn("rasd feed: {} (retrying every {})", message, settings.pollInterval());
                }
                lastError = message;
                close(listen);
                listen = null;
                try {
                    Thread.sleep(Math.min(WAIT_SLICE_MS, settings.pollInterval().toMillis()));
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        close(listen);
    }

    private static void close(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is already broken
            }
        }
    }

    /** Applies every change after the position, then looks at the head again for the lag. */
    private void catchUp() {
        while (running) {
            List<RasdFeedStore.Event> events = store.eventsAfter(position, settings.batchSize());
            for (RasdFeedStore.Event e : events) {
                List<RasdFeedStore.Segment> segments = e.put() ? store.segments(e.documentId()) : List.of();
                apply(e, segments);
            }
            // also while catching up: a long replay must not lose its progress to a kill
            checkpointIfDue();
            if (events.size() < settings.batchSize()) {
                break;
            }
        }
        long h = store.head();
        head = h;
        if (h > position) {
            Optional<Instant> oldest =
                    store.eventsAfter(position, 1).stream().findFirst().map(RasdFeedStore.Event::createdAt);
            lagSeconds = oldest.map(t ->
                            Math.max(0, Duration.between(t, Instant.now()).toMillis() / 1000.0))
                    .orElse(0.0);
        } else {
            lagSeconds = 0;
        }
        if (!caughtUp && startHead >= 0 && position >= startHead) {
            caughtUp = true;
            LOG.info("rasd feed: caught up with the log at position {}", position);
        }
    }

    private void apply(RasdFeedStore.Event e, List<RasdFeedStore.Segment> segments) {
        // tokenized outside the lock: a checkpoint need not wait for it
        List<int[]> tokens = new ArrayList<>(segments.size());
        for (RasdFeedStore.Segment s : segments) {
            tokens.add(tokenizer.encode(s.segment().text(), false));
        }
        synchronized (lock) {
            List<String> old = segmentsByDocument.remove(e.documentId());
            if (old != null) {
                embeddings.removeAll(old);
                old.forEach(datastore::remove);
            }
            // a put applies the document's current version: the one this put wrote, or, when it was replaced or
            // deleted since (old versions are not kept), what a later change of the log wrote, which that change
            // then applies again (the same segment ids: nothing doubles)
            if (!segments.isEmpty()) {
                List<String> ids = new ArrayList<>(segments.size());
                List<Embedding> vectors = new ArrayList<>(segments.size());
                List<TextSegment> texts = new ArrayList<>(segments.size());
                for (int i = 0; i < segments.size(); i++) {
                    RasdFeedStore.Segment s = segments.get(i);
                    ids.add(s.id());
                    vectors.add(s.embedding());
                    dimension = s.embedding().dimension();
                    texts.add(s.segment());
                    if (tokens.get(i).length > 0) {
                        datastore.add(s.id(), tokens.get(i));
                    }
                }
                embeddings.addAll(ids, vectors, texts);
                segmentsByDocument.put(e.documentId(), ids);
            }
            position = e.position();
        }
    }

    /**
     * Offers the last checkpoint as a snapshot every snapshot interval (checkpointing first, so that it is recent).
     * The store publishes it only when no replica has published one within the interval, so replicas take turns.
     */
    private void publishIfDue() {
        Duration interval = settings.snapshotInterval();
        if (interval.isZero() || System.nanoTime() - lastPublishNanos < interval.toNanos()) {
            return;
        }
        lastPublishNanos = System.nanoTime();
        checkpoint();
        long p;
        Map<String, Path> files = new LinkedHashMap<>();
        synchronized (lock) {
            p = checkpointed;
            files.put("datastore-" + p + ".rasd", stateDir.resolve("datastore-" + p + ".rasd"));
            files.put("embeddings-" + p + ".bin", stateDir.resolve("embeddings-" + p + ".bin"));
            files.put(MANIFEST, stateDir.resolve(MANIFEST));
        }
        if (p == 0) {
            return;
        }
        long t0 = System.nanoTime();
        // only this thread deletes checkpoint files (at its next checkpoint), so they stay while they are read
        if (store.publishSnapshot(p, files, publisher(), interval)) {
            LOG.info(
                    "rasd feed: published a snapshot at position {} in {} s",
                    p,
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        }
    }

    private String publisher() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return host + ":" + stateDir.toAbsolutePath();
    }

    private void checkpointIfDue() {
        if (System.nanoTime() - lastCheckpointNanos
                >= settings.checkpointInterval().toNanos()) {
            checkpoint();
        }
    }

    /**
     * Writes the state as of the current position (when it moved since the last checkpoint): the datastore and the
     * embedding index under names carrying the position, then the manifest naming them, renamed over the old one.
     */
    public void checkpoint() {
        Set<String> files;
        synchronized (lock) {
            lastCheckpointNanos = System.nanoTime();
            long p = position;
            if (p == checkpointed && Files.exists(stateDir.resolve(MANIFEST))) {
                return;
            }
            String datastoreFile = "datastore-" + p + ".rasd";
            String embeddingsFile = "embeddings-" + p + ".bin";
            datastore.save(stateDir.resolve(datastoreFile), tokenizer);
            writeEmbeddings(stateDir.resolve(embeddingsFile));
            FeedCheckpoint.write(
                    stateDir.resolve(MANIFEST), storeId, p, datastoreFile, embeddingsFile, segmentsByDocument);
            checkpointed = p;
            files = Set.of(datastoreFile, embeddingsFile);
        }
        removeStaleFiles(files);
        LOG.debug("rasd feed: checkpoint at position {}", checkpointed);
    }

    private void writeEmbeddings(Path file) {
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                EmbeddingIndexFile.write(embeddings, dimension, java.nio.channels.Channels.newOutputStream(ch));
                ch.force(true);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedding index to " + file, e);
        }
    }

    /** Deletes checkpoint files the manifest does not name: older checkpoints, and those a kill left half-written. */
    private void removeStaleFiles(Set<String> keep) {
        try (Stream<Path> files = Files.list(stateDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean ours = name.startsWith("datastore-")
                        || name.startsWith("embeddings-")
                        || name.startsWith(".datastore-")
                        || name.startsWith(".embeddings-")
                        || name.startsWith("." + MANIFEST);
                if (ours && !keep.contains(name)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            LOG.debug("rasd feed: cannot clean {}: {}", stateDir, e.toString());
        }
    }
}
