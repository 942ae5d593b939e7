package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.rasd.RasdException;
import io.rasd.constrain.Grammar;
import io.rasd.constrain.MatchState;
import io.rasd.constrain.TokenConstraint;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.model.RandomCheckpoint;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise of constrained decoding: in every mode the output is what constrained plain decoding ({@code ar})
 * writes, greedy token for token and sampled with the same seed, and it always stays inside the grammar (a complete
 * document when the generation stops). Random prompts (some quoting JSON, so retrieval proposes grammar-valid and
 * invalid continuations), random budgets, several grammars; drafts that agree with the target often or never.
 */
class ConstrainedDecodingLosslessTest {

    @TempDir
    static Path tmp;

    static Path loopy;
    static Path loopyShallow;

    static final List<Grammar> GRAMMARS = List.of(
            Grammar.jsonObject(),
            Grammar.jsonSchema("{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\",\"maxLength\":6},"
                    + "\"age\":{\"type\":\"integer\"},\"ok\":{\"type\":\"boolean\"},\"tags\":{\"type\":\"array\","
                    + "\"items\":{\"enum\":[\"a\",\"bb\",\"é\"]},\"maxItems\":3}},\"required\":[\"name\",\"ok\",\"tags\"],"
                    + "\"additionalProperties\":false}"),
            Grammar.jsonSchema("{\"anyOf\":[{\"type\":\"array\",\"items\":{\"type\":\"number\"},\"maxItems\":4},"
                    + "{\"type\":\"string\",\"maxLength\":12},{\"enum\":[true,null,12]}]}"));

    static final String[] QUOTED = {
        "{\"name\":\"Ann\",\"age\":41,\"ok\":true,\"tags\":[\"a\",\"bb\"]}",
        "{\"a\": [1, 2.5, {\"b\": null}], \"c\": \"text\"}",
        "[1, 2, 3, 4]",
    };

    @BeforeAll
    static void models() {
        loopy = LosslessDecodingTest.loopyModel(tmp.resolve("loopy"), 2);
        loopyShallow = RandomCheckpoint.llama()
                .seed(2)
                .residualScale(0.02)
                .layers(1)
                .tokenizerFrom(TestData.hf("tokenizer"))
                .writeTo(tmp.resolve("loopy-shallow"));
    }

    /** Every mode against constrained ar on random requests; returns how many generations ended complete. */
    static int checkAllModes(CausalLm target, CausalLm draft, Tokenizer tok, long seed, int trials, boolean sampled) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<int[]> docs = new ArrayList<>();
        for (String q : QUOTED) {
            docs.add(tok.encode(q, false));
        }
        TokenDatastore store = TokenDatastore.build(docs);
        int complete = 0;
        for (int trial = 0; trial < trials; trial++) {
            Grammar grammar = GRAMMARS.get(rnd.nextInt(GRAMMARS.size()));
            int[] random = rnd.ints(2 + rnd.nextInt(6), 6, 500).toArray();
            int[] quoted = tok.encode(QUOTED[rnd.nextInt(QUOTED.length)], false);
            int[] prompt = new int[random.length + quoted.length];
            System.arraycopy(quoted, 0, prompt, 0, quoted.length);
            System.arraycopy(random, 0, prompt, quoted.length, random.length);
            SpeculationConfig config = SpeculativeModesLosslessTest.randomConfig(rnd);
            SamplingParams sp = !sampled
                    ? SamplingParams.GREEDY
                    : new SamplingParams(0.6 + rnd.nextDouble(), rnd.nextInt(3) * 10, rnd.nextBoolean() ? 1 : 0.9);
            long genSeed = rnd.nextLong();
            int max = 20 + rnd.nextInt(40);
            try (RasdEngine engine = RasdEngine.builder()
                    .target(target)
                    .draft(draft)
                    .tokenizer(tok)
                    .datastore(store)
                    .speculation(config)
                    .costCurve(SpeculativeModesLosslessTest.randomCurve(rnd))
                    .build()) {
                GenerationRequest.Builder request = GenerationRequest.builder(prompt)
                        .maxNewTokens(max)
                        .sampling(sp)
                        .seed(genSeed)
                        .constraint(grammar);
                GenerationResult ar =
                        engine.generate(request.mode(DecodingMode.AR).build());
                checkInsideTheGrammar(engine.constraint(grammar), ar, grammar, target);
                complete += ar.finishReason() == FinishReason.STOP ? 1 : 0;
                for (DecodingMode mode : DecodingMode.values()) {
                    GenerationResult r = engine.generate(request.mode(mode).build());
                    assertThat(r.tokens())
                            .as("%s trial %d %s %s %s", mode, trial, grammar, config, sp)
                            .containsExactly(ar.tokens());
                    assertThat(r.text()).isEqualTo(ar.text());
                    assertThat(r.finishReason()).isEqualTo(ar.finishReason());
                }
            }
        }
        return complete;
    }

    /** Every token stays in the grammar; a generation that stopped is a complete document. */
    static void checkInsideTheGrammar(TokenConstraint c, GenerationResult r, Grammar grammar, CausalLm target) {
        MatchState s = c.start();
        for (int t : r.tokens()) {
            assertThat(c.allows(s, t))
                    .as("token %d after %s in %s", t, s, r.text())
                    .isTrue();
            if (target.generationConfig().isEos(t)) {
                break;
            }
            s = c.next(s, t);
        }
        if (r.finishReason() == FinishReason.STOP) {
            assertThat(grammar.matches(r.text())).as(r.text()).isTrue();
        }
    }

    @Test
    void greedyEveryModeWritesWhatConstrainedPlainDecodingWrites() {
        try (CausalLm lm = CausalLm.load(loopy, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(loopyShallow, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            int complete = checkAllModes(lm, draft, tok, 11, 5, false);
            complete += checkAllModes(lm, lm, tok, 12, 2, false);
            assertThat(complete)
                    .as("generations that ended with a complete document")
                    .isGreaterThan(0);
        }
    }

    @Test
    void sampledEveryModeDrawsWhatConstrainedPlainDecodingDrawsWithTheSameSeed() {
        try (CausalLm lm = CausalLm.load(loopy, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(loopyShallow, Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            checkAllModes(lm, draft, tok, 13, 5, true);
        }
    }

    @Test
    void anUnrelatedDraftWithAPaddedVocabularyStaysLossless() {
        try (CausalLm target = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                CausalLm draft = CausalLm.load(TestData.hf("qwen2-tied-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("llama-gqa-f32"))) {
            checkAllModes(target, draft, tok, 14, 2, false);
            checkAllModes(target, draft, tok, 15, 1, true);
        }
    }

    @Test
    void aSchemaTheCompilerCannotHandleFailsBeforeTheGenerationNamingItsPointer() {
        assertThatThrownBy(() -> GenerationRequest.builder(new int[] {1, 2})
                        .constraint(Grammar.jsonSchema(
                                "{\"properties\":{\"id\":{\"type\":\"string\"," + "\"pattern\":\"[0-9]+\"}}}"))
                        .build())
                .isInstanceOf(RasdException.class)
                .hasMessageContaining("/properties/id/pattern");
    }
}
