package io.rasd.datastore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenDatastoreTest {

    @Test
    void suffixArrayEqualsNaiveSortOnRandomAndRepetitiveInputs() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = rnd.nextInt(0, 300);
            int alphabet = 1 + rnd.nextInt(trial % 3 == 0 ? 2 : 50000);
            int[] s = rnd.ints(n, 0, alphabet).toArray();
            if (trial % 5 == 0 && n > 10) { // long repeats: many doubling rounds
                for (int i = n / 2; i < n; i++) {
                    s[i] = s[i - n / 2];
                }
            }
            Integer[] naive = IntStream.range(0, n).boxed().toArray(Integer[]::new);
            Arrays.sort(naive, Comparator.comparing(i -> Arrays.copyOfRange(s, i, n), Arrays::compare));
            assertThat(SuffixArray.build(s))
                    .as("trial %d", trial)
                    .containsExactly(
                            Arrays.stream(naive).mapToInt(Integer::intValue).toArray());
        }
    }

    /** The specification by brute force, for M at least the number of occurrences. */
    static Map<List<Integer>, Integer> oracle(List<int[]> docs, int[] ctx, TokenDatastore.QueryConfig c) {
        for (int n = Math.min(c.nMax(), ctx.length); n >= c.nMin(); n--) {
            Map<List<Integer>, Integer> counts = new HashMap<>();
            for (int[] d : docs) {
                for (int p = 0; p + n < d.length; p++) { // needs at least one token after the match
                    boolean match = true;
                    for (int i = 0; i < n && match; i++) {
                        match = d[p + i] == ctx[ctx.length - n + i];
                    }
                    if (match) {
                        List<Integer> cont = new ArrayList<>();
                        for (int j = p + n; j < Math.min(p + n + c.maxContinuation(), d.length); j++) {
                            cont.add(d[j]);
                        }
                        counts.merge(cont, 1, Integer::sum);
                    }
                }
            }
            if (!counts.isEmpty()) {
                return counts;
            }
        }
        return Map.of();
    }

    /** Continuations as a map, the form the oracle gives. */
    static Map<List<Integer>, Integer> answers(List<Continuation> continuations) {
        Map<List<Integer>, Integer> actual = new HashMap<>();
        for (Continuation cont : continuations) {
            actual.put(Arrays.stream(cont.tokens()).boxed().toList(), cont.count());
        }
        return actual;
    }

    /** Random queries over {@code vocab}, with M and result counts above any occurrence count, answer as the oracle. */
    static void assertMatchesOracle(TokenDatastore ds, List<int[]> docs, SplittableRandom rnd, int vocab) {
        for (int q = 0; q < 10; q++) {
            TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(
                    1 + rnd.nextInt(2), 2 + rnd.nextInt(4), 100_000, 1 + rnd.nextInt(6), 100_000);
            int[] ctx = rnd.ints(1 + rnd.nextInt(8), 0, vocab).toArray();
            assertThat(answers(ds.query(ctx, c)))
                    .as("query %s", Arrays.toString(ctx))
                    .isEqualTo(oracle(docs, ctx, c));
        }
    }

    @Test
    void queryReturnsContinuationsOfTheLongestMatchCountedAndNeverCrossingDocuments() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            int vocab = 2 + rnd.nextInt(8);
            List<int[]> docs = new ArrayList<>();
            for (int d = 0, nd = 1 + rnd.nextInt(6); d < nd; d++) {
                docs.add(rnd.ints(rnd.nextInt(0, 40), 0, vocab).toArray());
            }
            TokenDatastore ds = TokenDatastore.build(docs);
            TokenDatastore.QueryConfig c = new TokenDatastore.QueryConfig(
                    1 + rnd.nextInt(2), 2 + rnd.nextInt(4), 100_000, 1 + rnd.nextInt(6), 100_000);
            for (int q = 0; q < 10; q++) {
                int[] ctx = rnd.ints(1 + rnd.nextInt(8), 0, vocab).toArray();
                Map<List<Integer>, Integer> expected = oracle(docs, ctx, c);
                Map<List<Integer>, Integer> actual = new HashMap<>();
                for (Continuation cont : ds.query(ctx, c)) {
                    actual.put(Arrays.stream(cont.tokens()).boxed().toList(), cont.count());
                }
                assertThat(actual)
                        .as("trial %d query %s", trial, Arrays.toString(ctx))
                        .isEqualTo(expected);
            }
        }
    }

    @Test
    void resultsAreMostFrequentFirstAndCapped() {
        List<int[]> docs = List.of(new int[] {1, 2, 3, 1, 2, 3, 1, 2, 4, 9}, new int[] {1, 2, 3});
        TokenDatastore ds = TokenDatastore.build(docs);
        List<Continuation> r = ds.query(new int[] {7, 1, 2}, new TokenDatastore.QueryConfig(1, 3, 64, 2, 8));
        assertThat(r.get(0).tokens()).containsExactly(3, 1);
        assertThat(r.get(0).count()).isEqualTo(2);
        assertThat(r).extracting(Continuation::count).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(ds.query(new int[] {1, 2}, new TokenDatastore.QueryConfig(1, 3, 64, 2, 1)))
                .hasSize(1);
        assertThat(ds.query(new int[] {8, 8}, TokenDatastore.QueryConfig.DEFAULT))
                .isEmpty();
        assertThat(ds.tokenCount()).isEqualTo(13);
        assertThat(ds.documentCount()).isEqualTo(2);
    }
}
