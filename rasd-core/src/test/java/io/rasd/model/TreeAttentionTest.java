package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeAttentionTest {

    @TempDir
    static Path dir;

    static CausalLm lm;

    @BeforeAll
    static void load() {
        Path ckpt = RandomCheckpoint.llama().heads(4, 2).layers(2).writeTo(dir.resolve("m"));
        lm = CausalLm.load(ckpt, Device.cpu(), 0);
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    private static float[][] sequential(int[] prefix, int[] path) {
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, prefix).close();
            float[][] out = new float[path.length][];
            for (int i = 0; i < path.length; i++) {
                try (Logits l = lm.forward(cache, new int[] {path[i]})) {
                    out[i] = l.row(0);
                }
            }
            return out;
        }
    }

    @Test
    void treeMaskedForwardEqualsFeedingEachPathTokenByToken() {
        int[] prefix = {0, 17, 42, 99, 7};
        // Tree under the last prefix token: 0:a -> 1:b -> 3:d ; 0:a -> 2:c ; 4:e (second root child) -> 5:f
        int[] tokens = {11, 12, 13, 14, 15, 16};
        int[] parents = {-1, 0, 0, 1, -1, 4};
        int[] depth = {0, 1, 1, 2, 0, 1};
        int[] pos = new int[tokens.length];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = prefix.length + depth[i];
        }
        float[][] tree;
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, prefix).close();
            try (Logits l = lm.forward(cache, tokens, pos, AttentionMask.tree(parents), null)) {
                tree = new float[tokens.length][];
                for (int i = 0; i < tokens.length; i++) {
                    tree[i] = l.row(i);
                }
            }
        }
        int[][] paths = {{11, 12, 14}, {11, 13}, {15, 16}};
        int[][] nodes = {{0, 1, 3}, {0, 2}, {4, 5}};
        for (int p = 0; p < paths.length; p++) {
            float[][] seq = sequential(prefix, paths[p]);
            for (int i = 0; i < paths[p].length; i++) {
                assertThat(maxAbsDiff(tree[nodes[p][i]], seq[i]))
                        .as("path %d node %d", p, i)
                        .isLessThan(1e-4f);
            }
        }
    }

    @Test
    void retainingAnAcceptedPathThenDecodingEqualsAFreshRun() {
        int[] prefix = {0, 5, 6, 7};
        int[] tokens = {20, 21, 22, 23};
        int[] parents = {-1, -1, 1, 2}; // two root children; accept the second branch 21 -> 22 -> 23
        int[] pos = {4, 4, 5, 6};
        float[] afterCompaction;
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, prefix).close();
            lm.forward(cache, tokens, pos, AttentionMask.tree(parents), null).close();
            cache.retain(prefix.length, new int[] {5, 6, 7});
            assertThat(cache.length()).isEqualTo(7);
            try (Logits l = lm.forward(cache, new int[] {30})) {
                afterCompaction = l.row(0);
            }
        }
        float[] fresh;
        try (KvCache cache = lm.newCache()) {
            lm.forward(cache, new int[] {0, 5, 6, 7, 21, 22, 23}).close();
            try (Logits l = lm.forward(cache, new int[] {30})) {
                fresh = l.row(0);
            }
        }
        assertThat(maxAbsDiff(afterCompaction, fresh)).isLessThan(1e-4f);
    }

    @Test
    void batchedPrefillEqualsTokenByTokenDecoding() {
        int[] prompt = {0, 3, 9, 27, 81, 243, 100, 200, 300, 400};
        float[][] seq = sequential(new int[] {prompt[0]}, java.util.Arrays.copyOfRange(prompt, 1, prompt.length));
        try (KvCache cache = lm.newCache();
                Logits l = lm.forward(cache, prompt)) {
            for (int i = 1; i < prompt.length; i++) {
                assertThat(maxAbsDiff(l.row(i), seq[i - 1])).isLessThan(1e-4f);
            }
        }
    }

    @Test
    void cacheGrowsPastItsInitialCapacityWithoutChangingResults() {
        int[] prompt = new int[200];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 37) % 500;
        }
        float[] whole;
        try (KvCache cache = lm.newCache();
                Logits l = lm.forward(cache, prompt, range(0, 200), AttentionMask.causal(), new int[] {199})) {
            whole = l.row(0);
        }
        try (KvCache cache = lm.newCache()) {
            for (int start = 0; start < 190; start += 95) {
                lm.forward(cache, java.util.Arrays.copyOfRange(prompt, start, start + 95))
                        .close();
            }
            assertThat(cache.capacity()).isGreaterThan(256 - 1);
            lm.forward(cache, java.util.Arrays.copyOfRange(prompt, 190, 199)).close();
            try (Logits l = lm.forward(cache, new int[] {prompt[199]})) {
                assertThat(maxAbsDiff(l.row(0), whole)).isLessThan(1e-4f);
            }
        }
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
