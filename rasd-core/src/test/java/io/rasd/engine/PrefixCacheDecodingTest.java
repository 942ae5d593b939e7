package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.model.RandomCheckpoint;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A prefix-cache hit changes how the prompt gets into the KV cache, never what is generated: every mode produces what
 * it produces without a cache, for a repeated prompt, a prompt sharing a long prefix with an earlier one, and the next
 * turn of a chat (earlier prompt + answer + more), greedy and sampled.
 */
class PrefixCacheDecodingTest {

    @TempDir
    static Path tmp;

    static CausalLm target;
    static CausalLm draft;
    static Tokenizer tok;
    static TokenDatastore store;
    static RasdEngine plain;

    @BeforeAll
    static void load() {
        target = CausalLm.load(LosslessDecodingTest.loopyModel(tmp.resolve("loopy"), 2), Device.cpu(), 0);
        // same seed, fewer layers: a draft that often agrees, with rows of its own (another model identity)
        draft = CausalLm.load(
                RandomCheckpoint.llama()
                        .seed(2)
                        .residualScale(0.02)
                        .layers(1)
                        .tokenizerFrom(TestData.hf("tokenizer"))
                        .writeTo(tmp.resolve("loopy-shallow")),
                Device.cpu(),
                0);
        tok = Tokenizer.load(TestData.hf("tokenizer"));
        SplittableRandom rnd = new SplittableRandom(5);
        List<int[]> docs = new ArrayList<>();
        try (RasdEngine e = RasdEngine.builder().target(target).tokenizer(tok).build()) {
            for (int d = 0; d < 8; d++) {
                docs.add(e.generate(GenerationRequest.greedy(rnd.ints(4, 6, 500).toArray(), 50))
                        .tokens());
            }
        }
        store = TokenDatastore.build(docs);
        plain = engine(target, null).build();
    }

    @AfterAll
    static void close() {
        plain.close();
        store.close();
        tok.close();
        draft.close();
        target.close();
    }

    static RasdEngine.Builder engine(CausalLm lm, PrefixCache cache) {
        return RasdEngine.builder()
                .target(lm)
                .draft(draft)
                .tokenizer(tok)
                .datastore(store)
                .speculation(SpeculationConfig.builder().adaptive(false).build())
                .prefixCache(cache);
    }

    static PrefixCache newCache() {
        return PrefixCache.builder().maxBytes(64L << 20).executor(Runnable::run).build();
    }

    static GenerationRequest request(int[] prompt, int max, DecodingMode mode, SamplingParams sp, Long seed) {
        return new GenerationRequest(prompt, max, mode, sp, seed, List.of());
    }

    /** A prompt with repeated spans (prompt lookup gets hits) of about {@code n} tokens. */
    static int[] prompt(SplittableRandom rnd, int n) {
        int[] p = new int[n];
        int[] span = rnd.ints(6, 6, 500).toArray();
        for (int i = 0; i < n; i++) {
            p[i] = i % 13 < 6 ? span[i % 13] : 6 + rnd.nextInt(494);
        }
        return p;
    }

    static int[] concat(int[]... parts) {
        int[] out = new int[0];
        for (int[] p : parts) {
            int at = out.length;
            out = Arrays.copyOf(out, at + p.length);
            System.arraycopy(p, 0, out, at, p.length);
        }
        return out;
    }

    /** {@code base[0, keep)} followed by new tokens, the first of them unlike {@code base[keep]}. */
    static int[] diverging(SplittableRandom rnd, int[] base, int keep, int extra) {
        int[] tail = rnd.ints(extra, 6, 500).toArray();
        if (tail[0] == base[keep]) {
            tail[0] = tail[0] == 6 ? 7 : 6;
        }
        return concat(Arrays.copyOf(base, keep), tail);
    }

    /** Runs the request with the cached engine and without a cache; both must agree. Returns the cached run. */
    static GenerationResult sameAsWithoutCache(RasdEngine cached, GenerationRequest r, String what) {
        GenerationResult expected = plain.generate(r);
        GenerationResult got = cached.generate(r);
        assertThat(got.tokens()).as(what).containsExactly(expected.tokens());
        assertThat(got.text()).as(what).isEqualTo(expected.text());
        assertThat(got.finishReason()).as(what).isEqualTo(expected.finishReason());
        assertThat(expected.stats().cachedPromptTokens()).isZero();
        return got;
    }

    /** The three situations a prefix cache is for, in one mode; checks what each restores. */
    static void repeatedSharedAndNextTurn(
            RasdEngine cached, DecodingMode mode, SamplingParams sp, SplittableRandom rnd) {
        int[] base = prompt(rnd, 40 + rnd.nextInt(30));
        int max = 12 + rnd.nextInt(20);
        Long seed = sp.isGreedy() ? null : rnd.nextLong();
        String what = mode + " " + sp + " prompt " + base.length;
        GenerationResult first = sameAsWithoutCache(cached, request(base, max, mode, sp, seed), what + " first");
        assertThat(first.stats().cachedPromptTokens()).isZero();

        GenerationResult again = sameAsWithoutCache(cached, request(base, max, mode, sp, seed), what + " repeated");
        // the first run cached the prompt with its answer: every whole block of the prompt is found, the last token
        // is run in any case
        int cachedRows = Math.min(base.length - 1, base.length / 16 * 16);
        assertThat(again.stats().cachedPromptTokens()).as(what + " repeated").isEqualTo(cachedRows);

        int keep = 32 + rnd.nextInt(base.length - 33);
        GenerationResult shared = sameAsWithoutCache(
                cached,
                request(diverging(rnd, base, keep, 3 + rnd.nextInt(8)), max, mode, sp, seed),
                what + " shared prefix of " + keep);
        assertThat(shared.stats().cachedPromptTokens()).as(what + " shared").isEqualTo(keep / 16 * 16);

        int[] context = concat(base, first.tokens());
        int[] turn = concat(context, rnd.ints(2 + rnd.nextInt(6), 6, 500).toArray());
        GenerationResult next = sameAsWithoutCache(cached, request(turn, max, mode, sp, seed), what + " next turn");
        // the first run cached its committed context but at most the last token
        assertThat(next.stats().cachedPromptTokens())
                .as(what + " next turn")
                .isGreaterThanOrEqualTo((context.length - 1) / 16 * 16);
    }

    @Test
    void greedyOutputWithAPrefixHitEqualsOutputWithoutACacheInEveryMode() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (DecodingMode mode : DecodingMode.values()) {
            for (int trial = 0; trial < 2; trial++) {
                try (RasdEngine cached = engine(target, newCache()).build()) {
                    repeatedSharedAndNextTurn(cached, mode, SamplingParams.GREEDY, rnd);
                }
            }
        }
    }

    @Test
    void sampledOutputWithAFixedSeedEqualsOutputWithoutACacheInEveryMode() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (DecodingMode mode : DecodingMode.values()) {
            try (RasdEngine cached = engine(target, newCache()).build()) {
                repeatedSharedAndNextTurn(
                        cached,
                        mode,
                        new SamplingParams(0.6 + rnd.nextDouble(), rnd.nextInt(3) * 10, rnd.nextBoolean() ? 1 : 0.9),
                        rnd);
            }
        }
    }

    @Test
    void oneCacheServesEveryModeAlikeAndKeepsTheDraftsRowsBesideTheTargets() {
        PrefixCache pc = newCache();
        SplittableRandom rnd = new SplittableRandom(3);
        int[] context = prompt(rnd, 64);
        try (RasdEngine cached = engine(target, pc).build()) {
            // ar caches the target's rows only; the draft modes add the draft's rows of the same tokens
            sameAsWithoutCache(cached, request(context, 5, DecodingMode.AR, SamplingParams.GREEDY, null), "ar");
            long targetBlocks = pc.stats().entries();
            assertThat(targetBlocks).isEqualTo(4);
            for (DecodingMode mode : DecodingMode.values()) {
                int[] question = concat(context, rnd.ints(6, 6, 500).toArray());
                GenerationResult r = sameAsWithoutCache(
                        cached, request(question, 30, mode, SamplingParams.GREEDY, null), mode.toString());
                assertThat(r.stats().cachedPromptTokens()).as(mode.toString()).isEqualTo(64);
            }
            // each question adds its own 2 blocks (rows 64-95) per model; the context is held once per model
            long draftModes = Arrays.stream(DecodingMode.values())
                    .filter(DecodingMode::usesDraft)
                    .count();
            assertThat(pc.stats().entries())
                    .as("the shared context is held once per model")
                    .isLessThanOrEqualTo(2 * targetBlocks + 2 * (DecodingMode.values().length + draftModes));
            assertThat(pc.stats().entries()).isGreaterThanOrEqualTo(2 * targetBlocks);
        }
    }

    @Test
    void stopsInTheMiddleOfAStepAndCancelledGenerationsCacheOnlyCommittedContext() {
        SplittableRandom rnd = new SplittableRandom(4);
        PrefixCache pc = newCache();
        try (RasdEngine cached = engine(target, pc).build()) {
            for (int trial = 0; trial < 12; trial++) {
                DecodingMode mode = trial % 2 == 0 ? DecodingMode.PLD : DecodingMode.RASD;
                int[] base = prompt(rnd, 34 + rnd.nextInt(20));
                // a budget of a few tokens ends most steps of a speculating mode part way (rows past it are cached
                // in the target, never stored under the committed tokens)
                int max = 1 + rnd.nextInt(12);
                GenerationResult first = sameAsWithoutCache(
                        cached, request(base, max, mode, SamplingParams.GREEDY, null), mode + " budget " + max);
                int[] turn = concat(base, first.tokens(), rnd.ints(3, 6, 500).toArray());
                sameAsWithoutCache(
                        cached, request(turn, 30, mode, SamplingParams.GREEDY, null), mode + " after budget " + max);
            }
            // a cancelled generation keeps what it committed: a retry of the same prompt hits
            int[] base = prompt(rnd, 40);
            Cancellation cancel = new Cancellation();
            int[] seen = {0};
            GenerationResult cancelled = cached.generate(
                    request(concat(base, new int[] {9, 9, 9}), 60, DecodingMode.RASD, SamplingParams.GREEDY, null),
                    (t, o, s) -> {
                        if ((seen[0] += t.length) >= 20) {
                            cancel.cancel();
                        }
                    },
                    cancel);
            assertThat(cancelled.finishReason()).isEqualTo(FinishReason.CANCELLED);
            int[] retry = concat(base, new int[] {9, 9, 9}, cancelled.tokens(), new int[] {42});
            GenerationResult r = sameAsWithoutCache(
                    cached, request(retry, 20, DecodingMode.RASD, SamplingParams.GREEDY, null), "after a cancel");
            assertThat(r.stats().cachedPromptTokens()).isGreaterThanOrEqualTo((retry.length - 2) / 16 * 16);
        }
    }

    @Test
    void statsReportHitsMissesAndRestoredTokens() {
        PrefixCache pc = newCache();
        SplittableRandom rnd = new SplittableRandom(6);
        try (RasdEngine cached = engine(target, pc).build()) {
            assertThat(cached.prefixCache()).isSameAs(pc);
            int[] shortPrompt = rnd.ints(10, 6, 500).toArray();
            for (int i = 0; i < 2; i++) {
                GenerationResult r =
                        cached.generate(request(shortPrompt, 3, DecodingMode.AR, SamplingParams.GREEDY, null));
                assertThat(r.stats().cachedPromptTokens())
                        .as("shorter than minPrefixTokens")
                        .isZero();
            }
            int[] longPrompt = rnd.ints(49, 6, 500).toArray();
            assertThat(cached.generate(request(longPrompt, 3, DecodingMode.AR, SamplingParams.GREEDY, null))
                            .stats()
                            .cachedPromptTokens())
                    .isZero();
            GenerationResult hit =
                    cached.generate(request(longPrompt, 3, DecodingMode.AR, SamplingParams.GREEDY, null));
            assertThat(hit.stats().cachedPromptTokens()).isEqualTo(48);
            assertThat(hit.stats().promptTokens()).isEqualTo(49);
            PrefixCache.Stats s = pc.stats();
            assertThat(s.hits()).isEqualTo(1);
            assertThat(s.misses()).isEqualTo(3);
            assertThat(s.reusedTokens()).isEqualTo(48);
            assertThat(s.entries()).isEqualTo(3); // 52 committed tokens, the last not cached: 3 whole blocks
            assertThat(s.bytes())
                    .isGreaterThan(3L
                                    * 16
                                    * target.config().numLayers()
                                    * 2
                                    * target.config().numKvHeads()
                                    * target.config().headDim()
                                    * Float.BYTES
                            - 1);
            assertThat(s.evictions()).isZero();
        }
        // without a cache nothing changes
        assertThat(plain.prefixCache()).isNull();
        assertThat(plain.generate(request(
                                rnd.ints(41, 6, 500).toArray(), 3, DecodingMode.AR, SamplingParams.GREEDY, null))
                        .stats()
                        .cachedPromptTokens())
                .isZero();
    }

    @Test
    void anotherModelNeverHitsTheRowsOfTheFirstButTheSameCheckpointLoadedAgainDoes() {
        Path otherDir = LosslessDecodingTest.loopyModel(tmp.resolve("loopy-other"), 3);
        PrefixCache pc = newCache();
        int[] prompt = prompt(new SplittableRandom(7), 49);
        try (CausalLm other = CausalLm.load(otherDir, Device.cpu(), 0);
                CausalLm sameAgain = CausalLm.load(tmp.resolve("loopy"), Device.cpu(), 0);
                RasdEngine first = engine(target, pc).build();
                RasdEngine second = engine(other, pc).build();
                RasdEngine otherPlain = engine(other, null).build();
                RasdEngine third = engine(sameAgain, pc).build()) {
            assertThat(other.config()).isEqualTo(target.config()); // rows of the same shape: only the key tells
            first.generate(request(prompt, 20, DecodingMode.AR, SamplingParams.GREEDY, null));
            GenerationResult r = second.generate(request(prompt, 20, DecodingMode.AR, SamplingParams.GREEDY, null));
            assertThat(r.stats().cachedPromptTokens()).isZero();
            assertThat(r.tokens())
                    .containsExactly(otherPlain
                            .generate(request(prompt, 20, DecodingMode.AR, SamplingParams.GREEDY, null))
                            .tokens());
            GenerationResult again = third.generate(request(prompt, 20, DecodingMode.AR, SamplingParams.GREEDY, null));
            assertThat(again.stats().cachedPromptTokens()).isEqualTo(48);
        }
    }

    @Test
    void liveArraysStayFlatAcrossManyGenerationsWithHits() {
        int targetAtLoad = target.liveWeightArrays();
        int draftAtLoad = draft.liveWeightArrays();
        PrefixCache pc = newCache();
        SplittableRandom rnd = new SplittableRandom(8);
        int[] context = prompt(rnd, 48);
        try (RasdEngine cached = engine(target, pc).build()) {
            for (int round = 0; round < 3; round++) {
                for (DecodingMode mode : DecodingMode.values()) {
                    SamplingParams sp = round == 1 ? new SamplingParams(0.8, 0, 1) : SamplingParams.GREEDY;
                    int[] prompt = concat(
                            context, rnd.ints(1 + rnd.nextInt(20), 6, 500).toArray());
                    GenerationResult r = cached.generate(request(prompt, 40, mode, sp, 1L));
                    cached.generate(request(concat(prompt, r.tokens(), new int[] {5}), 20, mode, sp, 1L));
                    assertThat(target.liveWeightArrays())
                            .as("%s target after", mode)
                            .isEqualTo(targetAtLoad);
                    assertThat(draft.liveWeightArrays())
                            .as("%s draft after", mode)
                            .isEqualTo(draftAtLoad);
                }
            }
        }
        assertThat(pc.stats().hits()).isGreaterThan(3L * DecodingMode.values().length);
    }

    @Test
    void concurrentGenerationsSharingACacheProduceTheSameOutputs() throws Exception {
        SplittableRandom rnd = new SplittableRandom(9);
        int[] context = prompt(rnd, 64);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            DecodingMode mode = DecodingMode.values()[i % DecodingMode.values().length];
            int[] question =
                    concat(context, rnd.ints(2 + rnd.nextInt(10), 6, 500).toArray());
            requests.add(request(
                    question, 30, mode, i % 3 == 0 ? new SamplingParams(0.9, 0, 1) : SamplingParams.GREEDY, (long) i));
        }
        List<int[]> expected = new ArrayList<>();
        for (GenerationRequest r : requests) {
            expected.add(plain.generate(r).tokens());
        }
        PrefixCache pc = newCache();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (RasdEngine cached = engine(target, pc).maxConcurrentGenerations(4).build()) {
            for (int round = 0; round < 2; round++) {
                List<Future<GenerationResult>> futures = new ArrayList<>();
                for (GenerationRequest r : requests) {
                    futures.add(pool.submit(() -> cached.generate(r)));
                }
                for (int i = 0; i < requests.size(); i++) {
                    assertThat(futures.get(i).get(120, TimeUnit.SECONDS).tokens())
                            .as("round %d request %d", round, i)
                            .containsExactly(expected.get(i));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(pc.stats().hits()).isGreaterThanOrEqualTo(16);
    }
}
