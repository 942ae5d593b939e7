package io.rasd.draft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.model.CausalLm;
import io.rasd.model.KvCache;
import io.rasd.model.KvSnapshot;
import io.rasd.model.Logits;
import io.rasd.model.RandomCheckpoint;
import io.rasd.model.TopK;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DraftModelSessionTest {

    /** Probability of {@code next} after {@code context}, by a plain causal forward on a fresh cache. */
    private static double prob(CausalLm lm, int[] context, int next) {
        try (KvCache cache = lm.newCache();
                Logits l = lm.forward(cache, context)) {
            return l.probabilities(new int[] {context.length - 1}, new int[] {next})[0];
        }
    }

    private static TopK freshTop(CausalLm lm, int[] context, int k) {
        try (KvCache cache = lm.newCache();
                Logits l = lm.forward(cache, context)) {
            return l.topKProbabilities(k)[context.length - 1];
        }
    }

    private static int[] concat(int[] a, int... b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int[] pathTo(TokenTree t, int node) {
        int[] path = new int[t.depth(node)];
        for (int n = node; n > 0; n = t.parent(n)) {
            path[t.depth(n) - 1] = t.token(n);
        }
        return path;
    }

    @Test
    void everyDraftNodeScoresItsPathProbabilityUnderPlainDecoding() {
        try (CausalLm lm = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"));
                Drafter.Session s = new DraftModel(lm, tok, 512).open(new int[] {0, 17, 99, 250, 31})) {
            int[] prompt = {0, 17, 99, 250, 31};
            DraftTree dt = s.grow(new DraftBudget(4, 3, 30, 8), Drafter.DepthPolicy.ALWAYS);
            TokenTree t = dt.tree();
            assertThat(dt.forwards()).isEqualTo(4);
            assertThat(t.size() - 1).isEqualTo(30);
            assertThat(t.maxDepth()).isEqualTo(4);
            // tree mask and depth positions over the draft's cache give exactly what a plain forward gives
            for (int node = 1; node < t.size(); node++) {
                int[] path = pathTo(t, node);
                double expected = 1;
                for (int d = 0; d < path.length; d++) {
                    expected *= prob(lm, concat(prompt, Arrays.copyOf(path, d)), path[d]);
                }
                assertThat(t.score(node))
                        .as("node %d path %s", node, Arrays.toString(path))
                        .isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-4 + 1e-3 * expected));
            }
            TopK fresh = freshTop(lm, prompt, 8);
            assertThat(dt.rootDistribution().ids()).containsExactly(fresh.ids());
            // EAGLE-2: the root's children are the draft's top-K
            for (int c = 0; c < 3; c++) {
                assertThat(t.child(0, fresh.ids()[c])).isPositive();
            }
        }
    }

    @Test
    void committedPathsKeepTheirDraftRowsAndTheDraftStaysInSyncOverManySteps() {
        SplittableRandom rnd = new SplittableRandom(9);
        try (CausalLm lm = CausalLm.load(TestData.hf("qwen3-bf16"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("qwen3-bf16"));
                Drafter.Session s = new DraftModel(lm, tok, 512).open(new int[] {0, 40, 41, 42})) {
            List<Integer> context = new ArrayList<>(List.of(0, 40, 41, 42));
            for (int step = 0; step < 12; step++) {
                DraftTree dt = s.grow(
                        new DraftBudget(1 + rnd.nextInt(4), 1 + rnd.nextInt(3), 1 + rnd.nextInt(12), 6),
                        Drafter.DepthPolicy.ALWAYS);
                int[] ctx = context.stream().mapToInt(Integer::intValue).toArray();
                assertThat(dt.rootDistribution().ids())
                        .as("step %d", step)
                        .containsExactly(freshTop(lm, ctx, 6).ids());
                // accept a random draft path (sometimes none), sometimes followed by tokens the draft never saw
                TokenTree t = dt.tree();
                int node = rnd.nextInt(t.size());
                List<Integer> committed = new ArrayList<>();
                for (int x : pathTo(t, node)) {
                    committed.add(x);
                }
                for (int extra = rnd.nextInt(3); extra > 0; extra--) {
                    committed.add(6 + rnd.nextInt(500));
                }
                committed.add(6 + rnd.nextInt(500)); // the bonus token
                s.commit(committed.stream().mapToInt(Integer::intValue).toArray());
                context.addAll(committed);
            }
        }
    }

    @Test
    void aSessionThatReadThePromptAheadDraftsWhatOneThatReadItAtTheFirstGrowDrafts() {
        int[] prompt = new SplittableRandom(13).ints(40, 6, 500).toArray();
        try (CausalLm lm = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"));
                DraftModelSession lazy = (DraftModelSession) new DraftModel(lm, tok, 512).open(prompt);
                DraftModelSession ahead = (DraftModelSession) new DraftModel(lm, tok, 512).open(prompt)) {
            ahead.readPrompt(); // what the engine runs beside the target's prefill
            assertThat(ahead.committedRows()).isEqualTo(39);
            assertThat(ahead.pendingTokens())
                    .as("the root is left for the first grow")
                    .isEqualTo(1);
            TokenTree expected = lazy.grow(new DraftBudget(3, 3, 12, 8), Drafter.DepthPolicy.ALWAYS)
                    .tree();
            TokenTree got = ahead.grow(new DraftBudget(3, 3, 12, 8), Drafter.DepthPolicy.ALWAYS)
                    .tree();
            assertThat(got.size()).isEqualTo(expected.size());
            for (int n = 1; n < got.size(); n++) {
                assertThat(pathTo(got, n)).containsExactly(pathTo(expected, n));
                assertThat(got.score(n)).isCloseTo(expected.score(n), org.assertj.core.api.Assertions.within(1e-5));
            }
            assertThat(ahead.committedRows()).isEqualTo(lazy.committedRows());
        }
    }

    @Test
    void aSessionGivenCachedRowsOfThePromptDraftsWhatOneThatReadThePromptDrafts() {
        int[] prompt = new SplittableRandom(12).ints(30, 6, 500).toArray();
        try (CausalLm lm = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"));
                DraftModelSession read = (DraftModelSession) new DraftModel(lm, tok, 512).open(prompt);
                DraftModelSession restored = (DraftModelSession) new DraftModel(lm, tok, 512).open(prompt)) {
            TokenTree expected = read.grow(new DraftBudget(3, 3, 12, 8), Drafter.DepthPolicy.ALWAYS)
                    .tree();
            read.commit(new int[] {pathTo(expected, 1)[0], 77});
            assertThat(read.committedRows()).isEqualTo(31);
            KvSnapshot rows = read.snapshot(0, 24);

            assertThat(restored.restore(List.of(rows.slice(0, 16), rows.slice(16, 24)), 20))
                    .isEqualTo(20);
            assertThat(restored.committedRows()).isEqualTo(20);
            assertThat(restored.pendingTokens()).isEqualTo(10);
            TokenTree got = restored.grow(new DraftBudget(3, 3, 12, 8), Drafter.DepthPolicy.ALWAYS)
                    .tree();
            assertThat(got.size()).isEqualTo(expected.size());
            for (int n = 1; n < got.size(); n++) {
                assertThat(pathTo(got, n)).containsExactly(pathTo(expected, n));
                assertThat(got.score(n)).isCloseTo(expected.score(n), org.assertj.core.api.Assertions.within(1e-5));
            }
            assertThatThrownBy(() -> restored.restore(List.of(rows), 5))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("fresh session");
            assertThatThrownBy(() -> read.snapshot(0, 32)).isInstanceOf(RasdException.class);
        }
    }

    @Test
    void aPaddedDraftVocabularyNeverProposesIdsTheTokenizerDoesNotHave() {
        try (CausalLm draft = CausalLm.load(TestData.hf("qwen2-tied-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"))) {
            assertThat(draft.config().vocabSize()).isGreaterThan(tok.vocabSize());
            DraftModel model = new DraftModel(draft, tok, 512);
            assertThat(model.proposableVocab()).isEqualTo(tok.vocabSize());
            SplittableRandom rnd = new SplittableRandom(3);
            try (Drafter.Session s = model.open(new int[] {0, 5})) {
                for (int step = 0; step < 20; step++) {
                    TokenTree t = s.grow(new DraftBudget(3, 8, 40, 64), Drafter.DepthPolicy.ALWAYS)
                            .tree();
                    for (int n = 1; n < t.size(); n++) {
                        assertThat(t.token(n)).isLessThan(tok.vocabSize());
                    }
                    s.commit(new int[] {6 + rnd.nextInt(500)});
                }
            }
        }
    }

    @Test
    void aDraftWithASmallerVocabularyIsRejected(@TempDir Path tmp) {
        Path small = RandomCheckpoint.llama().vocab(256).writeTo(tmp.resolve("small"));
        try (CausalLm draft = CausalLm.load(small, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            assertThatThrownBy(() -> new DraftModel(draft, tok, 512))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("vocab_size 256")
                    .hasMessageContaining("512 tokens")
                    .hasMessageContaining(small.toString());
        }
    }

    @Test
    void aDraftWithADifferentTokenizerIsRejected(@TempDir Path tmp) throws Exception {
        Path other = RandomCheckpoint.llama().writeTo(tmp.resolve("other"));
        // same size, one token renamed: a different vocabulary
        String json = Files.readString(TestData.hf("tokenizer").resolve("tokenizer.json"))
                .replace("\"<unk>\"", "\"<unknown>\"");
        Files.writeString(other.resolve("tokenizer.json"), json);
        try (CausalLm draft = CausalLm.load(other, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            assertThatThrownBy(() -> new DraftModel(draft, tok, 512))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("different tokenizer")
                    .hasMessageContaining(other.toString());
        }
    }
}
