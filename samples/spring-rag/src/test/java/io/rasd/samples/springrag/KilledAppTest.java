package io.rasd.samples.springrag;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.store.embedding.EmbeddingMatch;
import dev.langchain4j.store.embedding.EmbeddingSearchRequest;
import dev.langchain4j.store.embedding.inmemory.InMemoryEmbeddingStore;
import io.rasd.datastore.TokenDatastore;
import io.rasd.text.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash consistency of the whole app: the sample runs as a separate JVM with its embedding store file and, as a
 * production app would, its token datastore persisted to a file, ingesting a few hundred documents, and is killed
 * with SIGKILL at random moments of the ingestion, each round after one document changed (so every start ingests
 * again, with new segment ids). After each kill both files must open; after the last start, which is left to finish
 * and stopped normally, the datastore must hold exactly the embedding store's segments (same ids, same tokens), the
 * store exactly one ingestion of the current documents (nothing lost, nothing doubled).
 *
 * <p>Kill moments rotate over three kinds, so the dangerous windows are hit on purpose and not only by luck: anywhere
 * in the ingestion (uniformly random), as soon as a file write starts (a temporary file appears), and just after the
 * embedding store file was replaced, while the datastore file (saved every 30 s) still lags behind it. The last kill
 * is always of the third kind. {@code -Drasd.crash.kills=N} runs more rounds (default 10).
 */
class KilledAppTest {

    private static final int KILLS = Integer.getInteger("rasd.crash.kills", 10);
    private static final int DOCUMENTS = 240;
    private static final long SEED = Long.getLong("rasd.crash.seed", 20261206L);

    @TempDir
    Path dir;

    private enum KillMoment {
        ANY_TIME,
        AS_A_WRITE_STARTS,
        AFTER_THE_STORE_IS_SAVED
    }

    @Test
    void killedAtRandomMomentsOfIngestionTheAppRestartsWithTheDatastoreHoldingExactlyTheStoresSegments()
            throws Exception {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Path data = Files.createDirectories(dir.resolve("data"));
        List<String> texts = documents(DOCUMENTS);
        for (int i = 0; i < texts.size(); i++) {
            Files.writeString(docs.resolve(name(i)), texts.get(i));
        }
        SplittableRandom rnd = new SplittableRandom(SEED);
        System.out.printf("KilledAppTest: %d documents, %d kills, seed %d%n", DOCUMENTS, KILLS, SEED);

        // a first start that finishes: both files exist, and the ingestion's duration sizes the kill windows
        App first = App.launch(data, docs);
        double ingestSeconds = first.awaitIngested();
        first.shutDown();
        Map<KillMoment, Integer> kinds = new EnumMap<>(KillMoment.class);
        int midWrite = 0;
        int afterIngestion = 0;
        for (int round = 1; round <= KILLS; round++) {
            int changed = rnd.nextInt(DOCUMENTS);
            texts.set(changed, "Revision " + round + ". " + texts.get(changed).replaceFirst("^Revision \\d+\\. ", ""));
            Files.writeString(docs.resolve(name(changed)), texts.get(changed));
            KillMoment moment = round == KILLS ? KillMoment.AFTER_THE_STORE_IS_SAVED : KillMoment.values()[round % 3];
            Set<Path> leftovers = temporaryFiles(data);
            FileTime storeSaved = modified(data.resolve("embeddings.json"));
            App app = App.launch(data, docs);
            app.awaitStarted();
            switch (moment) {
                case ANY_TIME -> Thread.sleep((long) (rnd.nextDouble() * 1.2 * ingestSeconds * 1000));
                case AS_A_WRITE_STARTS ->
                    app.awaitOrEnd(() -> !newTemporaryFiles(data, leftovers).isEmpty());
                case AFTER_THE_STORE_IS_SAVED -> {
                    app.awaitOrEnd(
                            () -> !modified(data.resolve("embeddings.json")).equals(storeSaved));
                    Thread.sleep(rnd.nextInt(20));
                }
            }
            boolean ingested = app.ingested();
            app.kill();
            kinds.merge(moment, 1, Integer::sum);
            afterIngestion += ingested ? 1 : 0;
            if (!newTemporaryFiles(data, leftovers).isEmpty()) {
                midWrite++;
            }
            assertFilesOpen(data, "after kill " + round + " (" + moment + ")");
        }
        System.out.printf(
                "KilledAppTest: %d kills %s, %d of them mid-write (a temporary file left behind), %d after the"
                        + " ingestion had finished%n",
                KILLS, kinds, midWrite, afterIngestion);

        App last = App.launch(data, docs);
        last.awaitIngested();
        last.shutDown(); // a normal shut-down saves the datastore as it is in memory
        assertConsistent(data, texts);
    }

    /** Short paragraphs of the demo corpus (one segment each, so ingestion is quick), numbered. */
    private static List<String> documents(int n) throws IOException {
        List<String> out = TestApp.corpusParagraphs(80, 240);
        assertThat(out.size()).isGreaterThanOrEqualTo(n);
        return new ArrayList<>(out.subList(0, n));
    }

    private static String name(int i) {
        return String.format("doc-%03d.txt", i);
    }

    private static void assertFilesOpen(Path data, String when) {
        Path store = data.resolve("embeddings.json");
        if (Files.exists(store)) {
            assertThat(all(InMemoryEmbeddingStore.fromFile(store)))
                    .as("the store opens %s", when)
                    .isNotNull();
        }
        Path datastore = data.resolve("datastore.rasd");
        if (Files.exists(datastore)) {
            try (Tokenizer tokenizer = Tokenizer.load(TestApp.ROOT.resolve("models/demo-target"));
                    TokenDatastore opened = TokenDatastore.open(datastore, tokenizer)) {
                assertThat(opened.documentCount())
                        .as("the datastore opens %s", when)
                        .isNotNegative();
            }
        }
    }

    /** The datastore holds exactly the store's segments; the store holds one ingestion of the current documents. */
    private static void assertConsistent(Path data, List<String> texts) {
        List<EmbeddingMatch<TextSegment>> segments =
                all(InMemoryEmbeddingStore.fromFile(data.resolve("embeddings.json")));
        Map<String, TextSegment> byId = new HashMap<>();
        Map<String, List<Integer>> indexesByFile = new TreeMap<>();
        for (EmbeddingMatch<TextSegment> m : segments) {
            byId.put(m.embeddingId(), m.embedded());
            String file = m.embedded().metadata().getString("file_name");
            int index = Integer.parseInt(m.embedded().metadata().getString("index"));
            indexesByFile.computeIfAbsent(file, f -> new ArrayList<>()).add(index);
            int doc = Integer.parseInt(file.substring(4, 7));
            assertThat(texts.get(doc))
                    .as("segment %s of %s is of the current text", index, file)
                    .contains(m.embedded().text());
        }
        assertThat(indexesByFile.keySet()).as("every document is in the store").hasSize(texts.size());
        indexesByFile.forEach((file, indexes) -> {
            List<Integer> sorted = indexes.stream().sorted().toList();
            List<Integer> expected =
                    java.util.stream.IntStream.range(0, indexes.size()).boxed().toList();
            assertThat(sorted).as("the segments of %s, each once", file).isEqualTo(expected);
        });
        try (Tokenizer tokenizer = Tokenizer.load(TestApp.ROOT.resolve("models/demo-target"));
                TokenDatastore datastore = TokenDatastore.open(data.resolve("datastore.rasd"), tokenizer)) {
            Set<String> extra = new HashSet<>(datastore.documentIds());
            extra.removeAll(byId.keySet());
            Set<String> missing = new HashSet<>(byId.keySet());
            missing.removeAll(datastore.documentIds());
            assertThat(extra)
                    .as("datastore documents the store does not hold (stale or doubled)")
                    .isEmpty();
            assertThat(missing).as("store segments the datastore lost").isEmpty();
            byId.forEach((id, segment) -> assertThat(datastore.document(id))
                    .as("tokens of %s", id)
                    .isEqualTo(tokenizer.encode(segment.text(), false)));
        }
    }

    /** Every entry of the store: a search with no score threshold. */
    private static List<EmbeddingMatch<TextSegment>> all(InMemoryEmbeddingStore<TextSegment> store) {
        float[] probe = new float[384];
        Arrays.fill(probe, 1f);
        return store.search(EmbeddingSearchRequest.builder()
                        .queryEmbedding(Embedding.from(probe))
                        .maxResults(Integer.MAX_VALUE)
                        .minScore(0.0)
                        .build())
                .matches();
    }

    private static Set<Path> temporaryFiles(Path data) throws IOException {
        try (Stream<Path> files = Files.list(data)) {
            return new HashSet<>(files.filter(f -> f.getFileName().toString().endsWith(".tmp"))
                    .toList());
        }
    }

    private static Set<Path> newTemporaryFiles(Path data, Set<Path> before) {
        try {
            Set<Path> now = temporaryFiles(data);
            now.removeAll(before);
            return now;
        } catch (IOException e) {
            return Set.of();
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.exists(file) ? Files.getLastModifiedTime(file) : FileTime.fromMillis(0);
        } catch (IOException e) {
            return FileTime.fromMillis(0); // replaced while we looked
        }
    }

    /** The sample app in its own JVM, as {@code samples/spring-rag/run} starts it, with its output watched. */
    private static final class App {
        private final Process process;
        private final Thread reader;
        private final StringBuffer log = new StringBuffer();
        private volatile boolean started;
        private volatile boolean ingested;
        private volatile long startedAt;
        private volatile double ingestSeconds;

        private App(Process process) {
            this.process = process;
            this.reader = new Thread(this::read, "app-output");
            reader.setDaemon(true);
            reader.start();
        }

        static App launch(Path data, Path docs) throws IOException {
            List<String> cmd = TestApp.appCommand(
                    "--server.port=0",
                    "--rag.documents=" + docs,
                    "--rag.store-file=" + data.resolve("embeddings.json"),
                    "--rasd.datastore.path=" + data.resolve("datastore.rasd"),
                    "--rasd.datastore.persist=true", // every 30 s when changed, and at shut-down
                    "--rasd.draft.path=",
                    "--rasd.prefix-cache.enabled=false");
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).directory(TestApp.ROOT.toFile()).redirectErrorStream(true);
            pb.environment().put("OPT_OUT_TRACKING", "true");
            return new App(pb.start());
        }

        private void read() {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.append(line).append('\n');
                    if (line.contains("Started SpringRagApplication")) {
                        startedAt = System.nanoTime();
                        started = true;
                    }
                    if (line.contains("DocumentIngestion")
                            && (line.contains("Ingested") || line.contains("already holds"))) {
                        ingestSeconds = (System.nanoTime() - startedAt) / 1e9;
                        ingested = true;
                    }
                }
            } catch (IOException ignored) {
                // killed
            }
        }

        boolean ingested() {
            return ingested;
        }

        void awaitStarted() {
            await(() -> started, "start-up");
        }

        double awaitIngested() {
            await(() -> ingested, "ingestion");
            return ingestSeconds;
        }

        /** Waits until {@code condition}, or until the ingestion is over (then the moment has passed). */
        void awaitOrEnd(BooleanSupplier condition) {
            await(() -> condition.getAsBoolean() || ingested, "the kill moment");
        }

        private void await(BooleanSupplier condition, String what) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!condition.getAsBoolean()) {
                assertThat(process.isAlive())
                        .as("the app died waiting for %s:%n%s", what, log)
                        .isTrue();
                assertThat(log.toString()).as("the app's log").doesNotContain("Document ingestion failed");
                assertThat(System.nanoTime())
                        .as("waiting for %s:%n%s", what, log)
                        .isLessThan(deadline);
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }

        /** SIGKILL: no shut-down hook runs, nothing is flushed. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }

        /** SIGTERM: Spring's shut-down runs (the datastore is saved). */
        void shutDown() throws InterruptedException {
            process.destroy();
            assertThat(process.waitFor(60, TimeUnit.SECONDS))
                    .as("the app stops:%n%s", log)
                    .isTrue();
            reader.join(10_000);
        }
    }
}
