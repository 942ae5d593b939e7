package io.rasd.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Design rule: weights and KV-cache tiers hold a constant number of live arrays however many steps run. */
class NdArrayMemoryTest {

    @TempDir
    Path dir;

    /**
     * Also in a half precision, whose weights and cache the kernel module makes; and the process's resident memory
     * must not grow once warm (a leaked kernel argument would pin its tensors outside every NDManager).
     */
    @ParameterizedTest
    @EnumSource(
            value = Precision.class,
            names = {"F32", "BF16"})
    void liveArrayCountsOfWeightAndCacheTiersStayConstantOverThousandsOfSteps(Precision precision) throws IOException {
        Path ckpt = RandomCheckpoint.llama().layers(2).maxPositions(512).writeTo(dir.resolve("m"));
        try (CausalLm lm = CausalLm.load(
                ckpt, LoadOptions.defaults().withDevice(Device.cpu()).withPrecision(precision))) {
            int weightsAtLoad = lm.liveWeightArrays();
            SplittableRandom rnd = new SplittableRandom(7);
            long warmRss = 0;
            for (int round = 0; round < 4; round++) {
                if (round == 1) {
                    warmRss = residentBytes();
                }
                try (KvCache cache = lm.newCache()) {
                    lm.forward(cache, new int[] {0, 1, 2, 3}).close();
                    int cacheArrays = cache.liveArrays();
                    int weightsWithCache = lm.liveWeightArrays();
                    for (int step = 0; step < 600; step++) {
                        int committed = cache.length();
                        if (committed > 200) {
                            cache.truncate(8); // keep the context bounded; the counts must not care
                            committed = 8;
                        }
                        if (step % 100 == 99) {
                            // a prompt longer than a prefill chunk: the chunked path, its per-chunk results freed
                            cache.truncate(8);
                            int[] prompt = rnd.ints(CausalLm.PREFILL_CHUNK + 40, 0, 500)
                                    .toArray();
                            int[] pos = new int[prompt.length];
                            for (int i = 0; i < pos.length; i++) {
                                pos[i] = 8 + i;
                            }
                            try (Logits l = lm.forward(
                                    cache, prompt, pos, AttentionMask.causal(), new int[] {prompt.length - 1, 3})) {
                                l.argmax();
                            }
                            continue;
                        }
                        switch (step % 3) {
                            case 0 -> {
                                try (Logits l = lm.forward(cache, new int[] {rnd.nextInt(500)})) {
                                    l.argmax();
                                }
                            }
                            case 1 -> {
                                int n = 1 + rnd.nextInt(6);
                                int[] tokens = new int[n];
                                int[] parents = new int[n];
                                int[] pos = new int[n];
                                int[] depth = new int[n];
                                for (int i = 0; i < n; i++) {
                                    tokens[i] = rnd.nextInt(500);
                                    parents[i] = i == 0 ? -1 : rnd.nextInt(-1, i);
                                    depth[i] = parents[i] < 0 ? 0 : depth[parents[i]] + 1;
                                    pos[i] = committed + depth[i];
                                }
                                try (Logits l = lm.forward(cache, tokens, pos, AttentionMask.tree(parents), null)) {
                                    l.topK(4);
                                }
                                // accept the path to the last node
                                java.util.ArrayDeque<Integer> path = new java.util.ArrayDeque<>();
                                for (int a = n - 1; a >= 0; a = parents[a]) {
                                    path.push(committed + a);
                                }
                                cache.retain(
                                        committed,
                                        path.stream()
                                                .mapToInt(Integer::intValue)
                                                .toArray());
                            }
                            default -> {
                                try (Logits l = lm.forward(cache, new int[] {rnd.nextInt(500), rnd.nextInt(500)})) {
                                    l.row(1);
                                }
                            }
                        }
                        assertThat(cache.liveArrays())
                                .as("cache tier after step %d", step)
                                .isEqualTo(cacheArrays);
                        assertThat(lm.liveWeightArrays())
                                .as("weights tier after step %d", step)
                                .isEqualTo(weightsWithCache);
                    }
                }
                assertThat(lm.liveWeightArrays())
                        .as("weights tier after closing the cache")
                        .isEqualTo(weightsAtLoad);
            }
            // three rounds of 600 steps after warm-up: tensors kept alive by a leaked kernel argument add up past this
            assertThat(residentBytes() - warmRss)
                    .as("resident memory growth over 1,800 warm steps")
                    .isLessThan(48L << 20);
        }
    }

    /** VmRSS of this process, from /proc/self/status. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
