package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.model.CheckpointEdits;
import io.rasd.model.Logits;
import io.rasd.model.RandomCheckpoint;
import io.rasd.testing.ByteLevel;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.tree.TokenOrigin;
import io.rasd.verify.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests a caller may get wrong or push to the edge: each is refused with a RasdException that names what was wrong,
 * or has a defined behaviour; none hangs, runs out of memory or takes the JVM down.
 */
class BadRequestsTest {

    private static final int BOS = 0;
    private static final int EOS = 1;
    private static final int[] PROMPT = {BOS, 40, 41, 42, 43, 40, 41};
    private static final SpeculationConfig HAND_SET =
            SpeculationConfig.builder().adaptive(false).build();

    @TempDir
    static Path tmp;

    private static Tokenizer tokenizer;
    /** Ends on eos id 1, like the fixtures. */
    private static CausalLm target;
    /** The same weights without any eos id and a 300-token window: every generation runs to its budget. */
    private static CausalLm endless;

    private static CausalLm draft;
    private static TokenDatastore store;
    private static RasdEngine engine;
    private static RasdEngine endlessEngine;

    @BeforeAll
    static void load() throws IOException {
        Path tok = TestData.hf("tokenizer");
        tokenizer = Tokenizer.load(tok);
        Path t = RandomCheckpoint.llama().layers(2).seed(11).tokenizerFrom(tok).writeTo(tmp.resolve("target"));
        Path e = RandomCheckpoint.llama().layers(2).seed(11).maxPositions(300).writeTo(tmp.resolve("endless"));
        Files.writeString(e.resolve("generation_config.json"), "{\"eos_token_id\": []}");
        Path d = RandomCheckpoint.llama().layers(1).seed(11).writeTo(tmp.resolve("draft"));
        target = CausalLm.load(t, Device.cpu(), 0);
        endless = CausalLm.load(e, Device.cpu(), 0);
        draft = CausalLm.load(d, Device.cpu(), 0);
        store = TokenDatastore.build(List.of(new int[] {40, 41, 42, 43, 44, 45, 46}, new int[] {7, 8, 9, 10, 11}));
        engine = RasdEngine.builder()
                .target(target)
                .draft(draft)
                .tokenizer(tokenizer)
                .datastore(store)
                .speculation(HAND_SET)
                .build();
        endlessEngine = RasdEngine.builder()
                .target(endless)
                .draft(draft)
                .tokenizer(tokenizer)
                .datastore(store)
                .speculation(HAND_SET)
                .build();
    }

    @AfterAll
    static void close() {
        engine.close();
        endlessEngine.close();
        store.close();
        for (AutoCloseable c : new AutoCloseable[] {target, endless, draft, tokenizer}) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing test fixtures
            }
        }
    }

    private static GenerationRequest request(
            int[] prompt, int max, DecodingMode mode, SamplingParams sampling, List<String> stops) {
        return new GenerationRequest(prompt, max, mode, sampling, 5L, stops);
    }

    private static GenerationResult greedy(RasdEngine e, int[] prompt, int max, DecodingMode mode) {
        return e.generate(request(prompt, max, mode, SamplingParams.GREEDY, List.of()));
    }

    /** The text the listener saw, in order. */
    private static final class Collected implements GenerationListener {
        final StringBuilder text = new StringBuilder();
        final List<Integer> tokens = new ArrayList<>();

        @Override
        public void onTokens(int[] t, TokenOrigin[] origins, String delta) {
            for (int id : t) {
                tokens.add(id);
            }
            text.append(delta);
        }
    }

    // ---- the prompt ----

    @Test
    void anEmptyOrMissingPromptIsRefused() {
        assertThatThrownBy(() -> GenerationRequest.greedy(new int[0], 4))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("prompt is empty");
        assertThatThrownBy(() -> GenerationRequest.greedy(null, 4))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("prompt is empty");
    }

    @Test
    void promptTokenIdsOutsideTheVocabularyAreNamed() {
        for (int bad : new int[] {-1, 512, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> greedy(engine, new int[] {BOS, 40, bad}, 4, DecodingMode.RASD))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("Prompt token id " + bad)
                    .hasMessageContaining("[0, 512)");
        }
    }

    @Test
    void aPromptThatFillsTheContextWindowIsRefusedAndOneThatLeavesOneTokenGetsOne() {
        int limit = target.contextLimit();
        int[] full = new int[limit];
        Arrays.fill(full, 40);
        assertThatThrownBy(() -> greedy(engine, full, 4, DecodingMode.AR))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining(limit + " tokens")
                .hasMessageContaining("context window");
        int[] almost = new int[endless.contextLimit() - 1];
        Arrays.fill(almost, 40);
        for (DecodingMode mode : DecodingMode.values()) {
            GenerationResult r = greedy(endlessEngine, almost, 100, mode);
            assertThat(r.tokens()).as(mode.cliName()).hasSize(1);
            assertThat(r.finishReason()).as(mode.cliName()).isEqualTo(FinishReason.LENGTH);
        }
    }

    @Test
    void promptsOfOnlySpecialTokensConditionGenerationLikeAnyOtherToken() {
        int[][] prompts = {{BOS}, {EOS}, {BOS, EOS}, {EOS, EOS, EOS}, {4}, {3, 3}};
        for (int[] prompt : prompts) {
            GenerationResult ar = greedy(engine, prompt, 12, DecodingMode.AR);
            int[] out = ar.tokens();
            String what = Arrays.toString(prompt);
            // an eos in the prompt is context, not a stop: the model's first token is its argmax after the prompt
            assertThat(out).as(what).isNotEmpty();
            try (var cache = target.newCache();
                    Logits l = target.forward(cache, prompt)) {
                assertThat(out[0]).as(what).isEqualTo(l.argmax()[prompt.length - 1]);
            }
            boolean endsOnEos = out[out.length - 1] == EOS;
            assertThat(ar.finishReason()).as(what).isEqualTo(endsOnEos ? FinishReason.STOP : FinishReason.LENGTH);
            assertThat(out.length).as(what).isEqualTo(endsOnEos ? out.length : 12);
            // special tokens never reach the text
            assertThat(ar.text()).as(what).isEqualTo(tokenizer.decode(out, true));
            for (DecodingMode mode : DecodingMode.values()) {
                assertThat(greedy(engine, prompt, 12, mode).tokens())
                        .as(what + " " + mode.cliName())
                        .isEqualTo(out);
            }
        }
    }

    // ---- the token budget ----

    @Test
    void aTokenBudgetBelowOneIsRefused() {
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> GenerationRequest.greedy(PROMPT, bad))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("max new tokens must be >= 1, got " + bad);
        }
    }

    @Test
    void anUnboundedTokenBudgetEndsAtTheContextWindow() {
        // the KV cache starts with room for 256 tokens and grows (by doubling, capped at the window) to 300
        int limit = endless.contextLimit();
        assertThat(limit).isEqualTo(300);
        int[] expected = null;
        // plain decoding, retrieval alone, and every source at once (speculation must not verify past the window)
        for (DecodingMode mode : new DecodingMode[] {DecodingMode.AR, DecodingMode.PLD, DecodingMode.RASD}) {
            GenerationResult r = greedy(endlessEngine, PROMPT, Integer.MAX_VALUE, mode);
            assertThat(r.finishReason()).as(mode.cliName()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.tokens()).as(mode.cliName()).hasSize(limit - PROMPT.length);
            if (expected == null) {
                expected = r.tokens();
            }
            assertThat(r.tokens()).as(mode.cliName()).isEqualTo(expected);
        }
        SamplingParams sampled = new SamplingParams(0.8, 20, 0.9);
        GenerationResult s =
                endlessEngine.generate(request(PROMPT, Integer.MAX_VALUE, DecodingMode.RASD, sampled, List.of()));
        assertThat(s.tokens()).hasSize(limit - PROMPT.length);
        assertThat(s.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    // ---- sampling parameters ----

    @Test
    void samplingParametersOutOfRangeAreRefusedByName() {
        for (double t :
                new double[] {Double.NaN, -0.5, -Double.MIN_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
                }) {
            assertThatThrownBy(() -> new SamplingParams(t, 0, 1))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("temperature")
                    .hasMessageContaining(String.valueOf(t));
        }
        for (double p : new double[] {0, -0.1, 1.0001, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new SamplingParams(0.7, 0, p))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("top-p")
                    .hasMessageContaining(String.valueOf(p));
        }
        for (int k : new int[] {-1, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> new SamplingParams(0.7, k, 1))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("top-k")
                    .hasMessageContaining(String.valueOf(k));
        }
    }

    @Test
    void temperaturesTooSmallForFloat32LogitsSampleGreedilyAndHugeOnesSampleUniformly() {
        int[] argmax = greedy(engine, PROMPT, 16, DecodingMode.AR).tokens();
        // 1e-40 rounds to 0 in float32 and 1e-30 overflows the scaled logits: both used to draw garbage
        for (double t : new double[] {Double.MIN_VALUE, 1e-40, 1e-30, 1e-6}) {
            for (DecodingMode mode : new DecodingMode[] {DecodingMode.AR, DecodingMode.RASD}) {
                GenerationResult r =
                        engine.generate(request(PROMPT, 16, mode, new SamplingParams(t, 5, 0.5), List.of()));
                assertThat(r.tokens())
                        .as("temperature %s, %s", t, mode.cliName())
                        .isEqualTo(argmax);
            }
        }
        for (double t : new double[] {1e30, Double.MAX_VALUE}) {
            GenerationResult r =
                    engine.generate(request(PROMPT, 16, DecodingMode.RASD, new SamplingParams(t, 0, 1), List.of()));
            assertThat(r.tokens()).as("temperature %s", t).isNotEmpty();
            assertThat(Arrays.stream(r.tokens()).allMatch(id -> id >= 0 && id < 512))
                    .isTrue();
        }
    }

    // ---- stop strings ----

    @Test
    void emptyTooManyOrTooLongStopStringsAreRefusedWithTheLimit() {
        assertThatThrownBy(() -> request(PROMPT, 4, DecodingMode.AR, null, List.of("ok", "")))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("stop string 2 of 2 is empty");
        assertThatThrownBy(() -> request(PROMPT, 4, DecodingMode.AR, null, Arrays.asList("ok", null)))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("stop string 2 of 2 is null");
        List<String> seventeen = new ArrayList<>();
        for (int i = 0; i < GenerationRequest.MAX_STOP_STRINGS + 1; i++) {
            seventeen.add("stop" + i);
        }
        assertThatThrownBy(() -> request(PROMPT, 4, DecodingMode.AR, null, seventeen))
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("at most 16 stop strings")
                .hasMessageContaining("got 17");
        for (int chars : new int[] {GenerationRequest.MAX_STOP_STRING_CHARS + 1, 100_000}) {
            assertThatThrownBy(() -> request(PROMPT, 4, DecodingMode.AR, null, List.of("x", "y".repeat(chars))))
                    .isInstanceOf(RasdException.class)
                    .hasMessageContaining("at most 1000 chars")
                    .hasMessageContaining("stop string 2 has " + chars);
        }
    }

    @Test
    void theMostAndLongestStopStringsAllowedDoNotChangeOutputThatNeverMatchesThem() {
        GenerationResult plain = greedy(endlessEngine, PROMPT, 200, DecodingMode.RASD);
        List<String> stops = new ArrayList<>();
        for (int i = 0; i < GenerationRequest.MAX_STOP_STRINGS; i++) {
            // each starts like the output (so streaming holds its partial match back) and then differs
            String head = plain.text().substring(0, Math.min(plain.text().length(), 1 + i * 3));
            stops.add(head + "\u0001".repeat(GenerationRequest.MAX_STOP_STRING_CHARS - head.length()));
        }
        Collected seen = new Collected();
        GenerationResult r = endlessEngine.generate(request(PROMPT, 200, DecodingMode.RASD, null, stops), seen);
        assertThat(r.tokens()).isEqualTo(plain.tokens());
        assertThat(r.text()).isEqualTo(plain.text());
        assertThat(seen.text.toString()).isEqualTo(plain.text());
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void ofManyStopStringsTheFirstToAppearCutsTheText() {
        GenerationResult plain = greedy(endlessEngine, PROMPT, 60, DecodingMode.AR);
        String text = plain.text();
        assertThat(text.length()).as("the random model's output").isGreaterThan(40);
        String early = text.substring(20, 24);
        String late = text.substring(30, 36);
        List<String> stops = new ArrayList<>(List.of(late, "never \u0002 seen", early));
        for (int i = stops.size(); i < GenerationRequest.MAX_STOP_STRINGS; i++) {
            stops.add("\u0003" + i);
        }
        // the first occurrence of any of them to be completed, cut at its start
        int cut = -1;
        for (int end = 1; end <= text.length() && cut < 0; end++) {
            for (String stop : stops) {
                if (end >= stop.length() && text.startsWith(stop, end - stop.length())) {
                    cut = cut < 0 ? end - stop.length() : Math.min(cut, end - stop.length());
                }
            }
        }
        assertThat(cut).isBetween(0, 30);
        for (DecodingMode mode : DecodingMode.values()) {
            Collected seen = new Collected();
            GenerationResult r = endlessEngine.generate(request(PROMPT, 60, mode, null, stops), seen);
            assertThat(r.finishReason()).as(mode.cliName()).isEqualTo(FinishReason.STOP);
            assertThat(r.text()).as(mode.cliName()).isEqualTo(text.substring(0, cut));
            assertThat(seen.text.toString()).as(mode.cliName()).isEqualTo(r.text());
        }
    }

    // ---- proposals that are not tokens of the model ----

    @Test
    void referencesAndDatastoreEntriesOutsideTheVocabularyAreNeverProposed() {
        int[] expected = greedy(engine, PROMPT, 24, DecodingMode.AR).tokens();
        // the prompt's suffix continues with ids the model does not have, so retrieval finds them
        List<int[]> refs = List.of(new int[] {42, 43, 40, 41, 9999, 44}, new int[] {40, 41, -7, 45});
        try (TokenDatastore bad = TokenDatastore.build(refs);
                RasdEngine withBadStore = RasdEngine.builder()
                        .target(target)
                        .draft(draft)
                        .tokenizer(tokenizer)
                        .datastore(bad)
                        .speculation(HAND_SET)
                        .build()) {
            for (DecodingMode mode : DecodingMode.values()) {
                GenerationRequest r =
                        new GenerationRequest(PROMPT, 24, mode, SamplingParams.GREEDY, null, List.of(), null, refs);
                assertThat(engine.generate(r).tokens())
                        .as("references, " + mode.cliName())
                        .isEqualTo(expected);
                if (mode.usesDatastore()) {
                    assertThat(greedy(withBadStore, PROMPT, 24, mode).tokens())
                            .as("datastore, " + mode.cliName())
                            .isEqualTo(expected);
                }
            }
        }
    }

    // ---- text that is not valid UTF-8 ----

    /**
     * A model that only ever says token {@code plus} or token {@code minus}: the final norm keeps one hidden dimension
     * and the output head reads it with opposite signs for the two tokens (every other logit is 0).
     */
    private static Path twoTokenModel(Path dir, int plus, int minus) throws IOException {
        RandomCheckpoint.llama().layers(1).seed(3).writeTo(dir);
        CheckpointEdits.rewrite(dir.resolve("model.safetensors"), (name, shape, v) -> {
            int hidden = (int) shape[shape.length - 1];
            if (name.equals("model.norm.weight")) {
                Arrays.fill(v, 0);
                v[0] = 1;
            } else if (name.equals("lm_head.weight")) {
                Arrays.fill(v, 0);
                v[plus * hidden] = 100;
                v[minus * hidden] = -100;
            }
        });
        return dir;
    }

    @Test
    void bytesThatAreNotUtf8StreamAsReplacementCharactersAsHuggingFaceDecodesThem() throws IOException {
        // a lead byte of a 3-byte character and a continuation byte: runs of them are sometimes valid (E2 82 82 is
        // U+2082), mostly not, and the output may end in the middle of a character
        int lead = tokenizer.tokenId(ByteLevel.charOf(0xE2)).orElseThrow();
        int cont = tokenizer.tokenId(ByteLevel.charOf(0x82)).orElseThrow();
        int lone = tokenizer.tokenId(ByteLevel.charOf(0xFF)).orElseThrow();
        int[][] pairs = {{lead, cont}, {cont, lone}};
        for (int[] pair : pairs) {
            Path dir = twoTokenModel(tmp.resolve("bytes-" + pair[0] + "-" + pair[1]), pair[0], pair[1]);
            try (CausalLm lm = CausalLm.load(dir, Device.cpu(), 0);
                    RasdEngine e = RasdEngine.builder()
                            .target(lm)
                            .draft(lm)
                            .tokenizer(tokenizer)
                            .datastore(store)
                            .speculation(HAND_SET)
                            .build()) {
                for (int max : new int[] {1, 2, 3, 41}) {
                    for (DecodingMode mode : DecodingMode.values()) {
                        Collected seen = new Collected();
                        GenerationResult r =
                                e.generate(request(PROMPT, max, mode, SamplingParams.GREEDY, List.of()), seen);
                        String what = mode.cliName() + ", " + max + " tokens";
                        assertThat(r.tokens()).as(what).hasSize(max);
                        assertThat(Arrays.stream(r.tokens()).allMatch(id -> id == pair[0] || id == pair[1]))
                                .as(what)
                                .isTrue();
                        assertThat(r.text()).as(what).isEqualTo(tokenizer.decode(r.tokens(), true));
                        if (pair[0] == cont) { // no run of continuation bytes and 0xFF is ever valid
                            assertThat(r.text()).as(what).contains("\uFFFD").doesNotContainPattern("[^\uFFFD]");
                        }
                        assertThat(seen.text.toString()).as(what).isEqualTo(r.text());
                        assertThat(seen.tokens)
                                .as(what)
                                .containsExactly(
                                        Arrays.stream(r.tokens()).boxed().toArray(Integer[]::new));
                    }
                }
                // a stop string made of the replacement character stops at the first invalid byte
                GenerationResult stopped =
                        e.generate(request(PROMPT, 41, DecodingMode.AR, SamplingParams.GREEDY, List.of("\uFFFD")));
                String full = tokenizer.decode(
                        e.generate(request(PROMPT, 41, DecodingMode.AR, SamplingParams.GREEDY, List.of()))
                                .tokens(),
                        true);
                if (full.contains("\uFFFD")) {
                    assertThat(stopped.text()).isEqualTo(full.substring(0, full.indexOf('\uFFFD')));
                    assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
                }
            }
        }
    }
}
