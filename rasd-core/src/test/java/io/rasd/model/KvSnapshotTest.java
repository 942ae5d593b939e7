package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.testing.TestData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KV rows copied to the heap and back: the prefix cache's only contact with native memory. */
class KvSnapshotTest {

    /** Logits of the last token of {@code tokens} after a cache that already holds {@code cached} of them. */
    private static float[] lastLogits(CausalLm lm, KvCache cache, int[] tokens, int cached) {
        try (Logits l = lm.forward(
                cache,
                Arrays.copyOfRange(tokens, cached, tokens.length),
                positions(cached, tokens.length - cached),
                AttentionMask.causal(),
                new int[] {tokens.length - cached - 1})) {
            return l.row(0);
        }
    }

    private static int[] positions(int from, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = from + i;
        }
        return p;
    }

    @Test
    void restoredRowsContinueExactlyLikeTheRowsTheyWereCopiedFrom() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (String fixture : List.of("llama-gqa-f32", "qwen3-bf16", "mistral-f32")) {
            try (CausalLm lm = CausalLm.load(TestData.hf(fixture), Device.cpu(), 0)) {
                int[] tokens = rnd.ints(40, 6, 500).toArray();
                float[] fresh;
                KvSnapshot head;
                KvSnapshot tail;
                try (KvCache source = lm.newCache()) {
                    lm.forward(source, Arrays.copyOf(tokens, 30)).close();
                    head = source.snapshot(0, 16);
                    tail = source.snapshot(16, 30);
                }
                try (KvCache plain = lm.newCache()) {
                    fresh = lastLogits(lm, plain, tokens, 0);
                }
                // every prefix length a snapshot can serve, from two parts joined on the heap
                for (int rows : new int[] {1, 15, 16, 17, 30}) {
                    try (KvCache restored = lm.newCache()) {
                        restored.restore(List.of(head, tail), rows);
                        assertThat(restored.length()).isEqualTo(rows);
                        float[] after = lastLogits(lm, restored, tokens, rows);
                        for (int i = 0; i < fresh.length; i++) {
                            assertThat(after[i])
                                    .as("%s, %d rows restored, logit %d", fixture, rows, i)
                                    .isCloseTo(fresh[i], within(1e-4f));
                        }
                    }
                }
            }
        }
    }

    @Test
    void slicesAndJoinsKeepEveryHeadsRowsInOrder() {
        int heads = 3;
        int hd = 2;
        float[][] k = new float[1][heads * 5 * hd];
        float[][] v = new float[1][heads * 5 * hd];
        for (int i = 0; i < k[0].length; i++) {
            k[0][i] = i;
            v[0][i] = -i;
        }
        KvSnapshot s = new KvSnapshot(5, heads, hd, k, v);
        KvSnapshot mid = s.slice(1, 3);
        // head h, row r, dim d sits at (h * rows + r) * hd + d
        assertThat(mid.keys()[0]).containsExactly(2, 3, 4, 5, 12, 13, 14, 15, 22, 23, 24, 25);
        KvSnapshot joined = KvSnapshot.concat(List.of(s.slice(0, 2), s.slice(2, 5)), 0, 5);
        assertThat(joined.keys()[0]).containsExactly(k[0]);
        assertThat(joined.values()[0]).containsExactly(v[0]);
        assertThat(s.bytes()).isEqualTo(2L * heads * 5 * hd * Float.BYTES);
    }

    @Test
    void restoreRefusesAFilledCacheAndAnotherModelsRows(@TempDir Path tmp) {
        Path other = RandomCheckpoint.llama().layers(3).writeTo(tmp.resolve("three-layers"));
        try (CausalLm lm = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                CausalLm three = CausalLm.load(other, Device.cpu(), 0);
                KvCache cache = lm.newCache();
                KvCache foreign = three.newCache()) {
            lm.forward(cache, new int[] {5, 6, 7}).close();
            KvSnapshot rows = cache.snapshot(0, 3);
            assertThatThrownBy(() -> cache.restore(List.of(rows), 2))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("empty cache");
            assertThatThrownBy(() -> foreign.restore(List.of(rows), 2))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("another model");
            assertThatThrownBy(() -> cache.snapshot(0, 4)).isInstanceOf(RasdException.class);
        }
    }

    @Test
    void snapshotsAndRestoresLeaveNoArraysBehind(@TempDir Path tmp) {
        Path ckpt = RandomCheckpoint.llama().maxPositions(600).writeTo(tmp.resolve("long"));
        try (CausalLm lm = CausalLm.load(ckpt, Device.cpu(), 0)) {
            int atLoad = lm.liveWeightArrays();
            KvSnapshot rows;
            try (KvCache cache = lm.newCache()) {
                lm.forward(cache, new SplittableRandom(3).ints(400, 6, 500).toArray())
                        .close();
                int arrays = cache.liveArrays();
                rows = cache.snapshot(0, 400);
                assertThat(cache.liveArrays()).isEqualTo(arrays);
            }
            for (int round = 0; round < 20; round++) {
                try (KvCache cache = lm.newCache()) {
                    int arrays = cache.liveArrays();
                    cache.restore(List.of(rows), 10 + round * 20); // past the initial capacity too
                    assertThat(cache.liveArrays()).isEqualTo(arrays);
                    cache.snapshot(0, cache.length());
                    assertThat(cache.liveArrays()).isEqualTo(arrays);
                }
                assertThat(lm.liveWeightArrays()).isEqualTo(atLoad);
            }
        }
    }
}
