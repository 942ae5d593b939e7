package io.rasd.datastore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenDatastoreUpdatesTest {

    /** Merges after every few adds and compacts early, so the tests cross many merges. */
    static final TokenDatastore.MergePolicy EAGER = new TokenDatastore.MergePolicy(3, 40, 0.2);
    /** Never merges in these tests' sizes: tombstones and small segments alone must give the right answers. */
    static final TokenDatastore.MergePolicy LAZY = new TokenDatastore.MergePolicy(1_000_000, 1 << 30, 1.0);

    /** The live documents by id, the oracle's view of the store. */
    private static final class Model {
        final Map<String, int[]> docs = new LinkedHashMap<>();

        List<int[]> documents() {
            return new ArrayList<>(docs.values());
        }

        String anyId(SplittableRandom rnd) {
            List<String> ids = new ArrayList<>(docs.keySet());
            return ids.get(rnd.nextInt(ids.size()));
        }
    }

    private static void check(TokenDatastore ds, Model model, SplittableRandom rnd, int vocab) {
        assertThat(ds.documentCount()).isEqualTo(model.docs.size());
        assertThat(ds.tokenCount())
                .isEqualTo(model.docs.values().stream().mapToInt(d -> d.length).sum());
        TokenDatastoreTest.assertMatchesOracle(ds, model.documents(), rnd, vocab);
    }

    /** Random adds, replacements and removals on a built store; after each, queries answer as the oracle. */
    private static void randomUpdates(TokenDatastore.MergePolicy policy, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int trial = 0; trial < 12; trial++) {
            int vocab = 2 + rnd.nextInt(6);
            List<int[]> initial = DatastoreFileTest.randomDocs(rnd, vocab, 5, 30);
            Model model = new Model();
            for (int i = 0; i < initial.size(); i++) {
                model.docs.put(String.valueOf(i), initial.get(i));
            }
            try (TokenDatastore ds = TokenDatastore.build(initial)) {
                ds.setMergePolicy(policy);
                int next = 0;
                for (int op = 0; op < 60; op++) {
                    double r = rnd.nextDouble();
                    int[] doc = rnd.ints(rnd.nextInt(0, 30), 0, vocab).toArray();
                    if (r < 0.45 || model.docs.isEmpty()) {
                        String id = "n" + next++;
                        ds.add(id, doc);
                        model.docs.put(id, doc);
                    } else if (r < 0.65) {
                        String id = model.anyId(rnd);
                        ds.add(id, doc);
                        model.docs.put(id, doc);
                    } else if (r < 0.9) {
                        String id = model.anyId(rnd);
                        assertThat(ds.remove(id)).isTrue();
                        model.docs.remove(id);
                        assertThat(ds.contains(id)).isFalse();
                    } else if (r < 0.98) {
                        assertThat(ds.remove("absent")).isFalse();
                    } else {
                        ds.removeAll();
                        model.docs.clear();
                    }
                    check(ds, model, rnd, vocab);
                }
                ds.awaitMerges();
                check(ds, model, rnd, vocab);
            }
        }
    }

    @Test
    void addsRemovalsAndReplacementsAreAnsweredAtOnceThroughTombstones() {
        randomUpdates(LAZY, 21);
    }

    @Test
    void addsRemovalsAndReplacementsStayCorrectAcrossBackgroundMerges() {
        randomUpdates(EAGER, 22);
    }

    @Test
    void anAddBeyondTheConfiguredLimitIsRefusedAndLeavesTheStoreAsItWas() {
        try (TokenDatastore store = TokenDatastore.empty()) {
            store.setMaxTokens(10);
            store.add("a", new int[] {1, 2, 3, 4, 5, 6});
            assertThatThrownBy(() -> store.add("b", new int[] {7, 8, 9, 10, 11}))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("full")
                    .hasMessageContaining("\"b\"")
                    .hasMessageContaining("limit of 10");
            assertThat(store.tokenCount()).isEqualTo(6);
            assertThat(store.contains("b")).isFalse();
            // replacing a document counts only the difference
            store.add("a", new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            assertThat(store.tokenCount()).isEqualTo(10);
            store.remove("a");
            store.add("b", new int[] {7, 8, 9, 10, 11});
            assertThat(store.documentCount()).isEqualTo(1);
            assertThatThrownBy(() -> store.setMaxTokens(0)).isInstanceOf(RasdException.class);
        }
    }

    @Test
    void aReplacedDocumentAnswersWithItsNewTokensOnly() {
        try (TokenDatastore ds = TokenDatastore.empty()) {
            ds.add("a", new int[] {1, 2, 3});
            ds.add("a", new int[] {1, 2, 4});
            List<Continuation> r = ds.query(new int[] {1, 2}, TokenDatastore.QueryConfig.DEFAULT);
            assertThat(r).hasSize(1);
            assertThat(r.get(0).tokens()).containsExactly(4);
            assertThat(ds.documentCount()).isEqualTo(1);
            assertThat(ds.remove("a")).isTrue();
            assertThat(ds.query(new int[] {1, 2}, TokenDatastore.QueryConfig.DEFAULT))
                    .isEmpty();
            assertThat(ds.segmentCount()).isZero();
        }
    }

    @Test
    void closeReturnsOnlyOnceNoBackgroundMergeReadsTheStore() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int round = 0; round < 5; round++) {
            TokenDatastore ds =
                    TokenDatastore.build(List.<int[]>of(rnd.ints(200_000, 0, 50).toArray()));
            // every add is due for a merge, and the base segment (a fifth of it removed) for compaction
            ds.setMergePolicy(new TokenDatastore.MergePolicy(1, 1, 0.2));
            ds.add("a", rnd.ints(50_000, 0, 50).toArray());
            ds.add("b", rnd.ints(50_000, 0, 50).toArray());
            ds.close();
            // a merge still running could be reading a mapped file the caller now deletes or overwrites
            assertThat(ds.mergeInProgress()).as("round %d", round).isFalse();
        }
    }

    @Test
    void mergesBoundTheSegmentCountAndCompactionDropsRemovedDocuments() {
        SplittableRandom rnd = new SplittableRandom(8);
        Model model = new Model();
        try (TokenDatastore ds = TokenDatastore.empty()) {
            ds.setMergePolicy(new TokenDatastore.MergePolicy(4, 1 << 20, 0.25));
            for (int i = 0; i < 300; i++) {
                int[] doc = rnd.ints(rnd.nextInt(1, 20), 0, 4).toArray();
                ds.add("d" + i, doc);
                model.docs.put("d" + i, doc);
            }
            ds.awaitMerges();
            // size-tiered merging: a handful of segments for 300 adds, not 300
            assertThat(ds.segmentCount()).isLessThanOrEqualTo(12);
            check(ds, model, rnd, 4);
            for (int i = 0; i < 300; i += 2) {
                ds.remove("d" + i);
                model.docs.remove("d" + i);
            }
            ds.awaitMerges();
            check(ds, model, rnd, 4);
        }
    }

    @Test
    void concurrentQueriesDuringAddsAndMergesNeverFailAndAlwaysSeeTheBase() throws Exception {
        // the base document is never removed, so its continuation must be found in every snapshot
        int[] base = {900, 901, 902, 903, 904};
        TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(2, 4, 64, 4, 8);
        Model model = new Model();
        model.docs.put("0", base);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (TokenDatastore ds = TokenDatastore.build(List.<int[]>of(base))) {
            ds.setMergePolicy(new TokenDatastore.MergePolicy(8, 400, 0.25));
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicInteger queries = new AtomicInteger();
            List<Future<?>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                long seed = t;
                readers.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    while (writing.get()) {
                        List<Continuation> hit = ds.query(new int[] {7, 900, 901, 902}, c);
                        assertThat(hit).extracting(cont -> cont.tokens()[0]).containsExactly(903);
                        ds.query(rnd.ints(6, 0, 16).toArray(), c);
                        queries.incrementAndGet();
                    }
                    return null;
                }));
            }
            SplittableRandom rnd = new SplittableRandom(99);
            for (int i = 0; i < 1500; i++) {
                int[] doc = rnd.ints(rnd.nextInt(0, 40), 0, 16).toArray();
                String id = "w" + rnd.nextInt(600);
                ds.add(id, doc);
                model.docs.put(id, doc);
                if (i % 7 == 0) {
                    String gone = "w" + rnd.nextInt(600);
                    ds.remove(gone);
                    model.docs.remove(gone);
                }
            }
            writing.set(false);
            for (Future<?> f : readers) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(queries.get()).isPositive();
            ds.awaitMerges();
            check(ds, model, rnd, 16);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void savingAfterUpdatesWritesTheLiveDocumentsAsOneSegment(@TempDir Path dir) {
        SplittableRandom rnd = new SplittableRandom(13);
        List<int[]> initial = DatastoreFileTest.randomDocs(rnd, 4, 6, 40);
        Model model = new Model();
        for (int i = 0; i < initial.size(); i++) {
            model.docs.put(String.valueOf(i), initial.get(i));
        }
        Path file = dir.resolve("live.rds");
        try (TokenDatastore ds = TokenDatastore.build(initial)) {
            ds.remove("0");
            model.docs.remove("0");
            for (int i = 0; i < 5; i++) {
                int[] doc = rnd.ints(20, 0, 4).toArray();
                ds.add("added-" + i, doc);
                model.docs.put("added-" + i, doc);
            }
            ds.save(file, DatastoreFileTest.FP);
        }
        try (TokenDatastore reopened = TokenDatastore.open(file, DatastoreFileTest.FP)) {
            assertThat(reopened.segmentCount()).isEqualTo(1);
            assertThat(reopened.contains("added-3")).isTrue();
            assertThat(reopened.contains("0")).isFalse();
            // ids and tokens read back as saved: what a restart reconciles against its source
            assertThat(reopened.documentIds()).isEqualTo(model.docs.keySet());
            model.docs.forEach(
                    (id, doc) -> assertThat(reopened.document(id)).as(id).isEqualTo(doc));
            assertThat(reopened.document("0")).isNull();
            check(reopened, model, rnd, 4);
            // an opened store takes updates like any other
            reopened.add("added-0", new int[] {3, 3, 3});
            model.docs.put("added-0", new int[] {3, 3, 3});
            check(reopened, model, rnd, 4);
            assertThatThrownBy(() -> reopened.save(file, "another-tokenizer"))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("another-tokenizer");
        }
    }

    @Test
    void aClosedStoreStillAnswersButRefusesUpdates() {
        TokenDatastore ds = TokenDatastore.build(List.<int[]>of(new int[] {1, 2, 3}));
        ds.close();
        assertThat(ds.query(new int[] {1, 2}, TokenDatastore.QueryConfig.DEFAULT))
                .hasSize(1);
        assertThatThrownBy(() -> ds.add("x", new int[] {1}))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("closed");
    }
}
