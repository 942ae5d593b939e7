package io.rasd.spring.feed;

import static io.rasd.spring.feed.FeedTestSupport.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.document.Metadata;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures joining a large log, run by hand: {@code ./mvnw -pl rasd-spring-boot-starter test
 * -Dtest=FeedJoinMeasurementTest -Drasd.feed.join.tokens=10000000}. Puts documents of real text (the demo corpus)
 * with 384-dimensional vectors (all-MiniLM-L6-v2's size) until the log holds that many tokens, lets one replica
 * replay it and publish a snapshot, then times a new replica joining from it and one replaying the whole log. Skipped
 * without the property (it takes minutes at 10M tokens).
 */
class FeedJoinMeasurementTest {

    @TempDir
    Path dir;

    @Test
    void joiningALargeLogFromASnapshot() throws Exception {
        String tokensProperty = System.getProperty("rasd.feed.join.tokens");
        Assumptions.assumeTrue(tokensProperty != null, "set -Drasd.feed.join.tokens=N to measure");
        long target = Long.parseLong(tokensProperty);
        RasdFeedStore store = new RasdFeedStore(TestPostgres.get().getPostgresDatabase(), "feed_join_measure");
        store.migrate();
        List<String> paragraphs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(TestData.root().getParent().resolve("models/demo-corpus"))) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                for (String p : Files.readString(f, StandardCharsets.UTF_8).split("\n\n")) {
                    if (p.length() > 200) {
                        paragraphs.add(p.length() > 700 ? p.substring(0, 700) : p);
                    }
                }
            }
        }
        try (Tokenizer tokenizer = Tokenizer.load(FeedTestSupport.TOKENIZER)) {
            SplittableRandom rnd = new SplittableRandom(1);
            long tokens = 0;
            int docs = 0;
            long t0 = System.nanoTime();
            while (tokens < target) {
                List<TextSegment> segments = new ArrayList<>();
                List<Embedding> vectors = new ArrayList<>();
                for (int s = 0; s < 10; s++) {
                    String text = "[" + docs + "." + s + "] " + paragraphs.get(rnd.nextInt(paragraphs.size()));
                    tokens += tokenizer.encode(text, false).length;
                    segments.add(TextSegment.from(text, Metadata.from("document_id", "doc-" + docs)));
                    float[] v = new float[384];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) rnd.nextGaussian();
                    }
                    vectors.add(Embedding.from(v));
                }
                store.put("doc-" + docs, "document " + docs, new Metadata(), segments, vectors);
                docs++;
            }
            System.out.printf(
                    "FeedJoinMeasurement: wrote %d documents, %d segments, %d tokens in %.1f s%n",
                    docs, docs * 10, tokens, (System.nanoTime() - t0) / 1e9);
            long head = store.head();

            t0 = System.nanoTime();
            RasdFeedReplica publisher = RasdFeedReplica.open(
                    store,
                    tokenizer,
                    dir.resolve("publisher"),
                    new RasdFeedReplica.Settings(
                            Duration.ofMillis(200), Duration.ofMinutes(60), 512, Duration.ofMillis(1), true));
            publisher.start();
            await(() -> publisher.position() == head, "the publisher at the head", Duration.ofMinutes(30));
            double replay = (System.nanoTime() - t0) / 1e9;
            await(
                    () -> store.newestSnapshot().map(s -> s.position() == head).orElse(false),
                    "a snapshot at the head",
                    Duration.ofMinutes(30));
            double published = (System.nanoTime() - t0) / 1e9 - replay;
            publisher.stop();
            System.out.printf(
                    "FeedJoinMeasurement: a replica replayed the whole log in %.1f s; checkpoint + snapshot published"
                            + " %.1f s later%n",
                    replay, published);

            t0 = System.nanoTime();
            RasdFeedReplica joined = RasdFeedReplica.open(
                    store,
                    tokenizer,
                    dir.resolve("joined"),
                    RasdFeedReplica.Settings.of(Duration.ofMillis(200), Duration.ofMinutes(60), 512));
            joined.start();
            await(() -> joined.caughtUp(), "the joined replica caught up", Duration.ofMinutes(30));
            double join = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "FeedJoinMeasurement: a new replica joined from the snapshot (%d tokens) and was ready in %.1f s%n",
                    joined.datastore().tokenCount(), join);
            assertThat(joined.openedAt()).isEqualTo(head);
            assertThat(joined.datastore().tokenCount())
                    .isEqualTo(publisher.datastore().tokenCount());
            joined.stop();
        }
    }
}
