package io.rasd.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromptLookupTest {

    /** The specification, by brute force: longest n with a match, newest occurrences first, distinct. */
    static List<int[]> oracle(int[] ctx, PromptLookup.Config c) {
        int len = ctx.length;
        for (int n = Math.min(c.nMax(), len - 1); n >= c.nMin(); n--) {
            List<int[]> out = new ArrayList<>();
            for (int end = len - 2; end >= n - 1 && out.size() < c.maxCandidates(); end--) {
                boolean match = true;
                for (int i = 0; i < n && match; i++) {
                    match = ctx[end - n + 1 + i] == ctx[len - n + i];
                }
                if (match) {
                    int[] cont = Arrays.copyOfRange(ctx, end + 1, Math.min(end + c.maxContinuation(), len - 1) + 1);
                    if (cont.length > 0 && out.stream().noneMatch(x -> Arrays.equals(x, cont))) {
                        out.add(cont);
                    }
                }
            }
            if (!out.isEmpty()) {
                return out;
            }
        }
        return List.of();
    }

    @Test
    void proposesContinuationsOfTheLongestMatchingSuffixNewestFirst() {
        PromptLookup pl = new PromptLookup(new PromptLookup.Config(1, 3, 3, 4));
        pl.append(5, 1, 2, 3, 9, 9, 1, 2, 4, 7, 1, 2);
        // suffix [1, 2] occurs twice before; newest first: after index 7 -> [4, 7, 1], after index 2 -> [3, 9, 9]
        assertThat(pl.propose()).containsExactly(new int[] {4, 7, 1}, new int[] {3, 9, 9});
        pl.append(3);
        // now [1, 2, 3] matches once (3-gram beats shorter ones)
        assertThat(pl.propose()).containsExactly(new int[] {9, 9, 1});
    }

    @Test
    void nothingToProposeWithoutARepeat() {
        PromptLookup pl = new PromptLookup(PromptLookup.Config.DEFAULT);
        pl.append(1, 2, 3, 4);
        assertThat(pl.propose()).isEmpty();
        assertThat(new PromptLookup(PromptLookup.Config.DEFAULT).propose()).isEmpty();
    }

    @Test
    void incrementalIndexAgreesWithBruteForceOnRandomContexts() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            PromptLookup.Config c = new PromptLookup.Config(
                    1 + rnd.nextInt(2), 2 + rnd.nextInt(4), 1 + rnd.nextInt(6), 1 + rnd.nextInt(5));
            PromptLookup pl = new PromptLookup(c);
            int vocab = 2 + rnd.nextInt(6); // small alphabets: many repeats
            int[] ctx = new int[0];
            for (int step = 0; step < 60; step++) {
                int[] add = rnd.ints(1 + rnd.nextInt(3), 0, vocab).toArray();
                pl.append(add);
                int[] grown = Arrays.copyOf(ctx, ctx.length + add.length);
                System.arraycopy(add, 0, grown, ctx.length, add.length);
                ctx = grown;
                List<int[]> expected = oracle(ctx, c);
                List<int[]> actual = pl.propose();
                assertThat(actual).as("trial %d step %d", trial, step).hasSameSizeAs(expected);
                for (int i = 0; i < expected.size(); i++) {
                    assertThat(actual.get(i)).containsExactly(expected.get(i));
                }
            }
        }
    }

    @Test
    void invalidConfigsAreRejected() {
        assertThatThrownBy(() -> new PromptLookup.Config(0, 3, 4, 4)).isInstanceOf(RasdException.class);
        assertThatThrownBy(() -> new PromptLookup.Config(3, 2, 4, 4)).isInstanceOf(RasdException.class);
        assertThatThrownBy(() -> new PromptLookup.Config(1, 2, 0, 4)).isInstanceOf(RasdException.class);
    }
}
