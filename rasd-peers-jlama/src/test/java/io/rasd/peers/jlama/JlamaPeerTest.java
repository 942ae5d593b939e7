package io.rasd.peers.jlama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.engine.GenerationRequest;
import io.rasd.engine.RasdEngine;
import io.rasd.model.AttentionMask;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.Logits;
import io.rasd.peers.PeerGeneration;
import io.rasd.peers.PeerProvider;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jlama, driven with token ids, decodes greedily exactly what rasd does on the same checkpoints. */
class JlamaPeerTest {

    static final Path DEMO_TARGET = TestData.root().getParent().resolve("models/demo-target");
    static final Path GQA_F32 = TestData.hf("llama-gqa-f32");

    /** Real text of different kinds, so the prompts differ in length and in what the model makes of them. */
    static final List<String> TEXTS = List.of(
            "The quick brown fox jumps over the lazy dog, and then it runs back into the forest to find its den.",
            "Speculative decoding lets a small draft model propose several tokens that the large model verifies"
                    + " in a single forward pass.",
            "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n");

    static final int NEW_TOKENS = 32;

    @Test
    void providerIsFoundByServiceLoaderAndReportsItselfAvailableOnThisJdk() {
        List<PeerProvider> found = new ArrayList<>();
        ServiceLoader.load(PeerProvider.class).forEach(found::add);
        PeerProvider jlama =
                found.stream().filter(p -> p.id().equals("jlama")).findFirst().orElseThrow();

        assertThat(jlama).isInstanceOf(JlamaPeerProvider.class);
        assertThat(jlama.unavailableReason())
                .as(
                        "this JVM runs JDK %d with the Vector API module",
                        Runtime.version().feature())
                .isEmpty();
        assertThat(jlama.supportsDraft()).isFalse();
    }

    @Test
    void openingWithADraftIsRefused() {
        assertThatThrownBy(() -> new JlamaPeerProvider()
                        .open(DEMO_TARGET, TestData.root().getParent().resolve("models/demo-draft"), 2, null))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("no draft-model speculation");
    }

    @Test
    void greedyTokensEqualRasdGreedyOnTheDemoTargetForThreePrompts() {
        try (Tokenizer tok = Tokenizer.load(DEMO_TARGET)) {
            List<int[]> prompts = TEXTS.stream().map(t -> tok.encode(t, true)).toList();
            assertSameGreedy(DEMO_TARGET, prompts);
        }
    }

    @Test
    void greedyTokensEqualRasdGreedyOnASmallF32ModelWithGroupedQueryAttention() {
        try (Tokenizer tok = Tokenizer.load(GQA_F32)) {
            // the fixture's context is 128 tokens: prompts plus 32 new ones must fit
            List<int[]> prompts = TEXTS.stream()
                    .map(t -> tok.encode(t, true))
                    .map(p -> Arrays.copyOf(p, Math.min(p.length, 128 - NEW_TOKENS)))
                    .toList();
            assertSameGreedy(GQA_F32, prompts);
        }
    }

    @Test
    void eachCallDecodesAsIfFromAnEmptyKvCacheAndThePageFilesDoNotPileUp() throws Exception {
        Path kv;
        try (Tokenizer tok = Tokenizer.load(DEMO_TARGET);
                JlamaPeer peer = (JlamaPeer) new JlamaPeerProvider().open(DEMO_TARGET, null, 2, null)) {
            kv = peer.kvDirectory();
            int[] a = tok.encode(TEXTS.get(0), true);
            int[] longer = tok.encode(String.join(" ", TEXTS), true);
            int[] first = peer.greedy(a, 8).tokens();
            long pages = count(kv);
            // the longer call overwrites every position a's next call uses: were any of them read before being
            // written again, a's tokens would change
            peer.greedy(longer, 8);
            assertThat(peer.greedy(a, 8).tokens()).containsExactly(first);
            assertThat(count(kv)).as("page files after three calls").isEqualTo(pages);
        }
        assertThat(kv).doesNotExist();
    }

    private static long count(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.count();
        }
    }

    @Test
    void configSettingsJlamaWouldMisreadAreRefusedBeforeLoading(@TempDir Path tmp) throws Exception {
        String config = Files.readString(GQA_F32.resolve("config.json"));
        // transformers 5 nests rope_theta; jlama reads only a top-level one and would use 10000
        Path nested = Files.createDirectory(tmp.resolve("nested-theta"));
        Files.writeString(
                nested.resolve("config.json"), config.replace("\"rope_theta\": 10000.0", "\"rope_theta\": 500000.0"));
        assertThatThrownBy(() -> new JlamaPeerProvider().open(nested, null, 2, null))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("rope_theta is 500000.0 but jlama would use 10000.0");
        // jlama derives the head size from hidden_size
        Path headDim = Files.createDirectory(tmp.resolve("head-dim"));
        Files.writeString(headDim.resolve("config.json"), config.replace("\"head_dim\": 16", "\"head_dim\": 32"));
        assertThatThrownBy(() -> new JlamaPeerProvider().open(headDim, null, 2, null))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("head_dim 32");
    }

    @Test
    void aTooLongRequestIsRefusedWithTheContextLengthNamed() {
        try (JlamaPeer peer = (JlamaPeer) new JlamaPeerProvider().open(GQA_F32, null, 2, null)) {
            assertThatThrownBy(() -> peer.greedy(new int[100], 29))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("context of 128");
            assertThatThrownBy(() -> peer.greedy(new int[] {0, 512}, 4))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("outside the vocabulary");
        }
    }

    private static void assertSameGreedy(Path dir, List<int[]> prompts) {
        try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(dir);
                RasdEngine engine =
                        RasdEngine.builder().target(lm).tokenizer(tok).build();
                JlamaPeer peer = (JlamaPeer) new JlamaPeerProvider().open(dir, null, 2, null)) {
            assertThat(peer.name()).startsWith("jlama 0.8.4 (f32, panama");
            for (int[] prompt : prompts) {
                float[][] rasdLogits = new float[NEW_TOKENS][];
                int[] expected = rasdGreedy(lm, prompt, NEW_TOKENS, rasdLogits);
                // the plain forward loop is rasd's AR decoding (which also stops at end-of-sequence)
                int[] ar = engine.generate(GenerationRequest.greedy(prompt, NEW_TOKENS))
                        .tokens();
                assertThat(Arrays.copyOf(expected, ar.length))
                        .as("rasd's forward loop vs its AR mode")
                        .containsExactly(ar);

                float[][] jlamaLogits = new float[NEW_TOKENS][];
                PeerGeneration got = peer.decode(prompt, NEW_TOKENS, jlamaLogits);
                if (!Arrays.equals(got.tokens(), expected)) {
                    System.out.println(divergence(dir, prompt, expected, got.tokens(), rasdLogits, jlamaLogits));
                }
                assertThat(got.tokens())
                        .as("%s, prompt of %d tokens", dir.getFileName(), prompt.length)
                        .containsExactly(expected);
                assertThat(got.seconds()).isPositive();
                // and every logit of every step agrees to f32 rounding (summation order differs)
                float worst = 0;
                for (int i = 0; i < NEW_TOKENS; i++) {
                    for (int v = 0; v < rasdLogits[i].length; v++) {
                        worst = Math.max(worst, Math.abs(jlamaLogits[i][v] - rasdLogits[i][v]));
                    }
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s, prompt of %d tokens: largest logit difference %.2e%n",
                        dir.getFileName(),
                        prompt.length,
                        worst);
                assertThat(worst)
                        .as("largest logit difference, %s", dir.getFileName())
                        .isLessThan(1e-3f);
            }
        }
    }

    /** rasd's greedy decoding, one forward per token, without a stop at end-of-sequence (as peers decode). */
    static int[] rasdGreedy(CausalLm lm, int[] prompt, int n, float[][] logitsOut) {
        int[] out = new int[n];
        try (KvCache cache = lm.newCache()) {
            int[] feed = prompt;
            for (int i = 0; i < n; i++) {
                int[] pos = new int[feed.length];
                for (int p = 0; p < pos.length; p++) {
                    pos[p] = cache.length() + p;
                }
                try (Logits l = lm.forward(cache, feed, pos, AttentionMask.causal(), new int[] {feed.length - 1})) {
                    out[i] = l.argmax()[0];
                    if (logitsOut != null) {
                        logitsOut[i] = l.row(0);
                    }
                }
                feed = new int[] {out[i]};
            }
        }
        return out;
    }

    /** Where the two engines part and by how much each preferred its token: a near tie or a real difference. */
    static String divergence(
            Path dir, int[] prompt, int[] rasd, int[] jlama, float[][] rasdLogits, float[][] jlamaLogits) {
        int i = 0;
        while (rasd[i] == jlama[i]) {
            i++;
        }
        float[] r = rasdLogits[i];
        float[] j = jlamaLogits[i];
        return String.format(
                Locale.ROOT,
                "%s, prompt of %d tokens: first difference at new token %d: rasd %d"
                        + " (rasd logit %.6f, jlama logit %.6f), jlama %d (rasd logit %.6f, jlama logit %.6f);"
                        + " rasd margin %.6f, jlama margin %.6f",
                dir.getFileName(),
                prompt.length,
                i,
                rasd[i],
                r[rasd[i]],
                j[rasd[i]],
                jlama[i],
                r[jlama[i]],
                j[jlama[i]],
                r[rasd[i]] - r[jlama[i]],
                j[jlama[i]] - j[rasd[i]]);
    }
}
