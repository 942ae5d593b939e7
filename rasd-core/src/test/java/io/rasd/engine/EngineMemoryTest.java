package io.rasd.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.rasd.datastore.TokenDatastore;
import io.rasd.model.CausalLm;
import io.rasd.testing.TestData;
import io.rasd.text.Tokenizer;
import io.rasd.verify.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory stays flat through the whole speculative loop: within a generation the target's and the draft's live arrays
 * do not grow from step to step (per-step arrays die with the step, KV caches replace what they grow), and after a
 * generation both models are back at their load-time counts.
 */
class EngineMemoryTest {

    @Test
    void liveArraysStayFlatAcrossStepsAndGenerationsInEveryMode(@TempDir Path tmp) {
        Path loopy = LosslessDecodingTest.loopyModel(tmp.resolve("loopy"), 2);
        SplittableRandom rnd = new SplittableRandom(4);
        try (CausalLm target = CausalLm.load(loopy, Device.cpu(), 0);
                CausalLm draft = CausalLm.load(TestData.hf("llama-gqa-f32"), Device.cpu(), 0);
                Tokenizer tok = Tokenizer.load(TestData.hf("tokenizer"))) {
            int targetAtLoad = target.liveWeightArrays();
            int draftAtLoad = draft.liveWeightArrays();
            List<int[]> docs = new ArrayList<>();
            for (int d = 0; d < 5; d++) {
                docs.add(rnd.ints(60, 6, 500).toArray());
            }
            try (RasdEngine engine = RasdEngine.builder()
                    .target(target)
                    .draft(draft)
                    .tokenizer(tok)
                    .datastore(TokenDatastore.build(docs))
                    .speculation(SpeculationConfig.builder().adaptive(false).build())
                    .build()) {
                for (int round = 0; round < 3; round++) {
                    for (DecodingMode mode : DecodingMode.values()) {
                        int[][] during = {{-1, -1}};
                        int[] steps = {0};
                        SamplingParams sp = round == 1 ? new SamplingParams(0.8, 0, 1) : SamplingParams.GREEDY;
                        engine.generate(
                                new GenerationRequest(rnd.ints(6, 6, 500).toArray(), 100, mode, sp, 1L, List.of()),
                                (tokens, origins, text) -> {
                                    int t = target.liveWeightArrays();
                                    int d = draft.liveWeightArrays();
                                    // the first callbacks may still see a cache growing to its working size
                                    if (steps[0]++ == 40) {
                                        during[0] = new int[] {t, d};
                                    } else if (steps[0] > 40) {
                                        assertThat(t)
                                                .as("%s target arrays at token %d", mode, steps[0])
                                                .isEqualTo(during[0][0]);
                                        assertThat(d)
                                                .as("%s draft arrays at token %d", mode, steps[0])
                                                .isEqualTo(during[0][1]);
                                    }
                                });
                        assertThat(steps[0]).isGreaterThan(50);
                        assertThat(target.liveWeightArrays())
                                .as("%s target after", mode)
                                .isEqualTo(targetAtLoad);
                        assertThat(draft.liveWeightArrays())
                                .as("%s draft after", mode)
                                .isEqualTo(draftAtLoad);
                    }
                }
            }
        }
    }
}
