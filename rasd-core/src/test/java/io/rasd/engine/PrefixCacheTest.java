package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rasd.RasdException;
import io.rasd.model.KvSnapshot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The block store on its own: matching, sharing, keying by model, the byte bound; rows are made up on the heap. */
class PrefixCacheTest {

    private static final int LAYERS = 2;
    private static final int HEADS = 2;
    private static final int HEAD_DIM = 4;
    /** Heap bytes of one row of the made-up model. */
    private static final long ROW_BYTES = 2L * LAYERS * HEADS * HEAD_DIM * Float.BYTES;

    /** A KV cache stand-in whose row {@code r} holds the value {@code r} everywhere; records what was copied. */
    private static final class Rows implements PrefixCache.RowSource {
        final List<int[]> copies = new ArrayList<>();

        @Override
        public KvSnapshot rows(int from, int to) {
            copies.add(new int[] {from, to});
            int n = to - from;
            float[][] k = new float[LAYERS][HEADS * n * HEAD_DIM];
            float[][] v = new float[LAYERS][HEADS * n * HEAD_DIM];
            for (int l = 0; l < LAYERS; l++) {
                for (int h = 0; h < HEADS; h++) {
                    for (int r = 0; r < n; r++) {
                        Arrays.fill(k[l], (h * n + r) * HEAD_DIM, (h * n + r + 1) * HEAD_DIM, from + r);
                        Arrays.fill(v[l], (h * n + r) * HEAD_DIM, (h * n + r + 1) * HEAD_DIM, -(from + r));
                    }
                }
            }
            return new KvSnapshot(n, HEADS, HEAD_DIM, k, v);
        }
    }

    private static PrefixCache cache(long maxBytes, int block, int min) {
        return PrefixCache.builder()
                .maxBytes(maxBytes)
                .blockTokens(block)
                .minPrefixTokens(min)
                .executor(Runnable::run)
                .build();
    }

    private static int[] tokens(long seed, int n) {
        return new SplittableRandom(seed).ints(n, 6, 500).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** The row values a match restores, read back from its blocks (head 0, layer 0, first dim). */
    private static float[] restoredRows(PrefixCache.Match m) {
        float[] out = new float[m.rows()];
        int r = 0;
        for (KvSnapshot b : m.blocks()) {
            for (int i = 0; i < b.rows() && r < m.rows(); i++) {
                out[r++] = b.keys()[0][i * HEAD_DIM];
            }
        }
        return out;
    }

    @Test
    void aLookupRestoresTheLongestStoredPrefixOnWholeBlocksAndNeverMoreThanAsked() {
        PrefixCache pc = cache(1 << 20, 8, 8);
        int[] context = tokens(1, 50);
        pc.store("m", context, 45, new Rows()); // 5 whole blocks: rows 0..39
        assertThat(pc.stats().entries()).isEqualTo(5);

        PrefixCache.Match same = pc.lookup("m", context, 49);
        assertThat(same.rows()).isEqualTo(40);
        assertThat(restoredRows(same))
                .containsExactly(
                        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
                        26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39);
        assertThat(pc.lookup("m", context, 21).rows())
                .as("capped inside a block")
                .isEqualTo(21);

        int[] diverging = context.clone();
        diverging[27] = diverging[27] == 7 ? 8 : 7;
        assertThat(pc.lookup("m", diverging, 49).rows())
                .as("up to the block the change falls in")
                .isEqualTo(24);
        diverging[3] = diverging[3] == 7 ? 8 : 7;
        assertThat(pc.lookup("m", diverging, 49).rows()).isZero();
        assertThat(pc.lookup("m", Arrays.copyOf(context, 20), 19).rows())
                .as("a prompt of 2 whole blocks")
                .isEqualTo(16);

        PrefixCache.Stats s = pc.stats();
        assertThat(s.hits()).isEqualTo(4);
        assertThat(s.misses()).isEqualTo(1);
        assertThat(s.reusedTokens()).isEqualTo(40 + 21 + 24 + 16);
    }

    @Test
    void matchesShorterThanTheMinimumAreMisses() {
        PrefixCache pc = cache(1 << 20, 4, 12);
        int[] context = tokens(2, 30);
        pc.store("m", context, 30, new Rows());
        int[] other = context.clone();
        other[9] = other[9] == 7 ? 8 : 7;
        assertThat(pc.lookup("m", other, 29).rows())
                .as("8 rows match, 12 needed")
                .isZero();
        assertThat(pc.lookup("m", context, 11).rows())
                .as("a prompt too short to be worth it")
                .isZero();
        assertThat(pc.lookup("m", context, 29).rows()).isEqualTo(28);
        assertThat(pc.stats().hits()).isEqualTo(1);
        assertThat(pc.stats().misses()).isEqualTo(2);
    }

    @Test
    void anotherModelNeverSeesTheRows() {
        PrefixCache pc = cache(1 << 20, 8, 8);
        int[] context = tokens(3, 40);
        pc.store("/models/a\nconfig", context, 40, new Rows());
        assertThat(pc.lookup("/models/b\nconfig", context, 39).rows()).isZero();
        assertThat(pc.lookup("/models/a\nconfig2", context, 39).rows()).isZero();
        assertThat(pc.lookup("/models/a\nconfig", context, 39).rows()).isEqualTo(39);
    }

    @Test
    void sequencesSharingAPrefixShareItsBlocksAndAStoreCopiesOnlyNewBlocks() {
        PrefixCache pc = cache(1 << 20, 16, 16);
        int[] system = tokens(4, 64);
        Rows first = new Rows();
        pc.store("m", concat(system, tokens(5, 20)), 84, first);
        assertThat(first.copies).containsExactly(new int[] {0, 80});
        assertThat(pc.stats().entries()).isEqualTo(5);

        // another question after the same 64-token context: only its own block is new
        Rows second = new Rows();
        pc.store("m", concat(system, tokens(6, 20)), 84, second);
        assertThat(second.copies).containsExactly(new int[] {64, 80});
        assertThat(pc.stats().entries()).isEqualTo(6);
        assertThat(pc.stats().bytes()).isBetween(6 * 16 * ROW_BYTES, 6 * 16 * ROW_BYTES + 6 * 1024);

        // the next chat turn extends the first conversation: its prefix is cached, nothing is copied twice
        Rows third = new Rows();
        int[] turn = concat(concat(system, tokens(5, 20)), tokens(7, 40));
        pc.store("m", turn, turn.length, third);
        assertThat(third.copies).containsExactly(new int[] {80, 112});
        Rows again = new Rows();
        pc.store("m", turn, turn.length, again);
        assertThat(again.copies).isEmpty();
        assertThat(pc.lookup("m", turn, turn.length - 1).rows()).isEqualTo(112);
    }

    @Test
    void blocksAreEvictedWhenTheirBytesExceedTheBound() {
        long block = 16 * ROW_BYTES;
        PrefixCache pc = cache(10 * block, 16, 16); // room for a little less than 10 blocks with their headers
        for (int i = 0; i < 8; i++) {
            pc.store("m", tokens(100 + i, 32), 32, new Rows()); // 2 blocks each
            pc.cleanUp();
            assertThat(pc.stats().bytes()).as("after %d sequences", i + 1).isLessThanOrEqualTo(10 * block);
        }
        PrefixCache.Stats s = pc.stats();
        assertThat(s.evictions()).isGreaterThanOrEqualTo(16 - 9);
        assertThat(s.entries()).isLessThanOrEqualTo(9).isEqualTo(16 - s.evictions());
        pc.invalidateAll();
        pc.cleanUp();
        assertThat(pc.stats().entries()).isZero();
        assertThat(pc.stats().bytes()).isZero();
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> PrefixCache.ofBytes(0))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> PrefixCache.builder().blockTokens(0).build()).isInstanceOf(RasdException.class);
        assertThatThrownBy(() -> PrefixCache.builder().minPrefixTokens(0).build())
                .isInstanceOf(RasdException.class);
        PrefixCache defaults = PrefixCache.ofBytes(1 << 20);
        assertThat(defaults.maxBytes()).isEqualTo(1 << 20);
        assertThat(defaults.blockTokens()).isEqualTo(16);
        assertThat(defaults.minPrefixTokens()).isEqualTo(16);
    }
}
